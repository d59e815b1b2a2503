"""Reverse-mode rules of the helpers generated reverse-mode code calls.

With these, reverse mode can differentiate a generated gradient again
(``tl.grad(tl.grad(f))``, or a function that calls a generated derivative).
The helpers are linear in the cotangent they take; the rule of each is its
transpose: broadcasting becomes a sum, a sum becomes broadcasting, ``matmul_gx``
becomes a product with the other operand.  Arguments read only for their shape
or for a mask (``x`` in ``_unbroadcast(g, x)``) get no cotangent.
"""

from .. import runtime as rt
from ..runtime import expand_reduced_vjp as _expand_reduced_vjp
from ..runtime import extremum_grad_vjp as _extremum_grad_vjp
from ..runtime import fit as _fit
from ..runtime import matmul_gx_vjp as _matmul_gx_vjp
from ..runtime import matmul_gy_vjp as _matmul_gy_vjp
from ..runtime import seq_sum_grad_vjp as _seq_sum_grad_vjp
from .registry import non_differentiable, register_vjp

non_differentiable(rt.stack_adjoint, rt.reduced_shape_of)


@register_vjp(rt.distinct)
def distinct(G, ans, *grads):
    return tuple(G)


@register_vjp(rt.fit)
def fit(G, ans, g, like_this):
    return _fit(G, g), None


@register_vjp(rt.like)
def like(G, ans, g, x):
    return _fit(G, g), None


@register_vjp(rt.unbroadcast)
def unbroadcast(G, ans, g, x):
    return _fit(G, g), None


@register_vjp(rt.broadcast_like)
def broadcast_like(G, ans, t, x):
    return _fit(G, t), None


@register_vjp(rt.dense)
def dense(G, ans, b, x):
    return _fit(G, b), None


@register_vjp(rt.owned)
def owned(G, ans, t, x):
    return _fit(G, t), None


@register_vjp(rt.add_at)
def add_at(G, ans, b, idx, g):
    return G, None, _fit(G[idx], g)


@register_vjp(rt.add)
def add(G, ans, a, b):
    return _fit(G, a), _fit(G, b)


@register_vjp(rt.copy)
def copy(G, ans, v):
    return G


@register_vjp(rt.seed)
def seed(G, ans, a, s):
    return None, _fit(G, s)


@register_vjp(rt.expand_reduced)
def expand_reduced(G, ans, g, x, axis=None, keepdims=False):
    return _expand_reduced_vjp(G, g, axis, keepdims), None


@register_vjp(rt.extremum_grad)
def extremum_grad(G, ans, g, a, x, axis=None, keepdims=False):
    return _extremum_grad_vjp(G, g, a, x, axis, keepdims), None, None


@register_vjp(rt.matmul_gx)
def matmul_gx(G, ans, g, x, y):
    return _matmul_gx_vjp(G, g, x, y)[0], None, _matmul_gx_vjp(G, g, x, y)[1]


@register_vjp(rt.matmul_gy)
def matmul_gy(G, ans, g, x, y):
    return _matmul_gy_vjp(G, g, x, y)[0], _matmul_gy_vjp(G, g, x, y)[1], None


@register_vjp(rt.seq_sum_grad)
def seq_sum_grad(G, ans, g, xs):
    return _seq_sum_grad_vjp(G, g, xs), None
