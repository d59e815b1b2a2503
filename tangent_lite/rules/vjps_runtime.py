"""Reverse-mode rules of the helpers generated reverse-mode code calls.

With these, reverse mode can differentiate a generated gradient again
(``tl.grad(tl.grad(f))``, or a function that calls a generated derivative).
The helpers are linear in the cotangent they take; the rule of each is its
transpose: broadcasting becomes a sum, a sum becomes broadcasting, ``matmul_gx``
becomes a product with the other operand.  Arguments read only for their shape
or for a mask (``x`` in ``_unbroadcast(g, x)``) get no cotangent.
"""

import numpy as np

from .. import runtime as rt
from ..runtime import builtin_extremum_grad_vjp as _builtin_extremum_grad_vjp
from ..runtime import builtin_extremum_jvp_vjp as _builtin_extremum_jvp_vjp
from ..runtime import dot_gx_vjp as _dot_gx_vjp
from ..runtime import dot_gy_vjp as _dot_gy_vjp
from ..runtime import einsum_grad_vjp as _einsum_grad_vjp
from ..runtime import einsum_grads_vjp as _einsum_grads_vjp
from ..runtime import einsum_jvp_vjp as _einsum_jvp_vjp
from ..runtime import expand_reduced as _expand_reduced
from ..runtime import extremum_grad as _extremum_grad
from ..runtime import from_items_vjp as _from_items_vjp
from ..runtime import inner_grad_vjp as _inner_grad_vjp
from ..runtime import item_grad_vjp as _item_grad_vjp
from ..runtime import kron_grad_vjp as _kron_grad_vjp
from ..runtime import norm_axes as _norm_axes
from ..runtime import norm_grad as _norm_grad
from ..runtime import norm_hess as _norm_hess
from ..runtime import pieces_vjp as _pieces_vjp
from ..runtime import pinv_grad_vjp as _pinv_grad_vjp
from ..runtime import prod_grad as _prod_grad
from ..runtime import prod_hess as _prod_hess
from ..runtime import prod_jvp as _prod_jvp
from ..runtime import median_grad_vjp as _median_grad_vjp
from ..runtime import sort_grad_vjp as _sort_grad_vjp
from ..runtime import take_along_axis_grad_vjp as _take_along_axis_grad_vjp
from ..runtime import seq_extremum_grad_vjp as _seq_extremum_grad_vjp
from ..runtime import seq_sum_grad as _seq_sum_grad
from ..runtime import seq_sum_grad_vjp_vjp as _seq_sum_grad_vjp_vjp
from ..runtime import sinc_grad2 as _sinc_grad2
from ..runtime import stable_norm_jvp as _stable_norm_jvp
from ..runtime import std_grad as _std_grad
from ..runtime import std_hess as _std_hess
from ..runtime import std_jvp as _std_jvp
from ..runtime import tensordot_grad_vjp as _tensordot_grad_vjp
from ..runtime import var_grad_vjp as _var_grad_vjp
from ..runtime import expand_reduced_vjp as _expand_reduced_vjp
from ..runtime import extremum_grad_vjp as _extremum_grad_vjp
from ..runtime import fit as _fit
from ..runtime import matmul_gx_vjp as _matmul_gx_vjp
from ..runtime import matmul_gx_vjp_vjp as _matmul_gx_vjp_vjp
from ..runtime import matmul_gy_vjp as _matmul_gy_vjp
from ..runtime import matmul_gy_vjp_vjp as _matmul_gy_vjp_vjp
from ..runtime import seq_sum_grad_vjp as _seq_sum_grad_vjp
from .registry import non_differentiable, register_vjp

non_differentiable(rt.stack_adjoint, rt.reduced_shape_of, rt.abs_index)


@register_vjp(rt.distinct)
def distinct(G, ans, *grads):
    return tuple(G)


# one cotangent per argument (generated code calls it with two or more)
distinct.tl_per_argument = True


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


# ---------------------------------------------------------------- linear in the cotangent


@register_vjp(rt.concatenate_grad)
def concatenate_grad(G, ans, g, arrays, axis=0):
    return _pieces_vjp(G, arrays, np.concatenate, axis), None


@register_vjp(rt.stack_grad)
def stack_grad(G, ans, g, arrays, axis=0):
    return _pieces_vjp(G, arrays, np.stack, axis), None


@register_vjp(rt.vstack_grad)
def vstack_grad(G, ans, g, arrays):
    return _pieces_vjp(G, arrays, np.vstack), None


@register_vjp(rt.hstack_grad)
def hstack_grad(G, ans, g, arrays):
    return _pieces_vjp(G, arrays, np.hstack), None


@register_vjp(rt.from_items)
def from_items(G, ans, g, x):
    return _from_items_vjp(G, g, x), None


@register_vjp(rt.diag_grad)
def diag_grad(G, ans, g, x, k=0):
    return np.diag(_fit(G, x), k), None


@register_vjp(rt.item_grad)
def item_grad(G, ans, g, x, index):
    return _fit(_item_grad_vjp(G, index), g), None, None


@register_vjp(rt.tile_grad)
def tile_grad(G, ans, g, x, reps):
    return np.tile(_fit(G, x), reps), None, None


@register_vjp(rt.trace_grad)
def trace_grad(G, ans, g, x, offset=0, axis1=0, axis2=1):
    return _fit(np.trace(_fit(G, x), offset, axis1, axis2), g), None


@register_vjp(rt.repeat_grad)
def repeat_grad(G, ans, g, x, repeats, axis=None):
    return np.reshape(np.repeat(_fit(G, x), repeats, axis), np.shape(g)), None, None


@register_vjp(rt.pad_grad)
def pad_grad(G, ans, g, x, pad_width, mode="constant"):
    return np.pad(_fit(G, x), pad_width), None, None


@register_vjp(rt.take_grad)
def take_grad(G, ans, g, x, indices, axis=None):
    return _fit(np.take(_fit(G, x), indices, axis), g), None, None


@register_vjp(rt.seq_extremum_grad)
def seq_extremum_grad(G, ans, g, a, xs):
    return _seq_extremum_grad_vjp(G, g, a, xs), None, None


@register_vjp(rt.builtin_extremum_grad)
def builtin_extremum_grad(G, ans, g, a, x, *rest):
    return _builtin_extremum_grad_vjp(G, g, a, x, rest), None, None


@register_vjp(rt.extremum_jvp)
def extremum_jvp(G, out, a, x, t, axis=None, keepdims=False):
    return None, None, _extremum_grad(G, a, x, axis, keepdims)


@register_vjp(rt.builtin_extremum_jvp)
def builtin_extremum_jvp(G, out, a, x, rest, tx, trest):
    c = _builtin_extremum_jvp_vjp(G, a, x, rest)
    return None, None, None, c[0], c[1]


@register_vjp(rt.seq_sum_jvp)
def seq_sum_jvp(G, out, ts, xs):
    return _seq_sum_grad(G, xs), None


@register_vjp(rt.matmul_gx_vjp)
def matmul_gx_vjp(P, out, G, g, x, y):
    c = _matmul_gx_vjp_vjp(P, G, g, x, y)
    return c[0], c[1], None, c[2]


@register_vjp(rt.matmul_gy_vjp)
def matmul_gy_vjp(P, out, G, g, x, y):
    c = _matmul_gy_vjp_vjp(P, G, g, x, y)
    return c[0], c[1], c[2], None


@register_vjp(rt.extremum_grad_vjp)
def extremum_grad_vjp(G, out, G1, g, a, x, axis=None, keepdims=False):
    return _extremum_grad(_fit(G, g), a, x, axis, keepdims), None, None, None


@register_vjp(rt.expand_reduced_vjp)
def expand_reduced_vjp(G, out, G1, g, axis=None, keepdims=False):
    return _expand_reduced(_fit(G, g), G1, axis, keepdims), None


@register_vjp(rt.seq_sum_grad_vjp)
def seq_sum_grad_vjp(G, out, G1, g, xs):
    return _seq_sum_grad_vjp_vjp(G, g, xs), None, None

# ---------------------------------------------------------------- bilinear


@register_vjp(rt.var_grad)
def var_grad(G, ans, g, x, axis=None, ddof=0, keepdims=False):
    c = _var_grad_vjp(G, g, x, axis, ddof, keepdims)
    return c[0], c[1]


@register_vjp(rt.dot_gx)
def dot_gx(G, ans, g, x, y):
    c = _dot_gx_vjp(G, g, x, y)
    return c[0], None, c[1]


@register_vjp(rt.dot_gy)
def dot_gy(G, ans, g, x, y):
    c = _dot_gy_vjp(G, g, x, y)
    return c[0], c[1], None


@register_vjp(rt.inner_grad)
def inner_grad(G, ans, g, x, y, wrt_y=False):
    c = _inner_grad_vjp(G, g, x, y, wrt_y)
    return c[0], c[1], c[2]


@register_vjp(rt.kron_grad)
def kron_grad(G, ans, g, a, b, wrt_b=False):
    c = _kron_grad_vjp(G, g, a, b, wrt_b)
    return c[0], c[1], c[2]


@register_vjp(rt.tensordot_grad)
def tensordot_grad(G, ans, g, a, b, axes=2, wrt_b=False):
    c = _tensordot_grad_vjp(G, g, a, b, axes, wrt_b)
    return c[0], c[1], c[2]


@register_vjp(rt.einsum_grad)
def einsum_grad(G, ans, g, subscripts, operands, k):
    c = _einsum_grad_vjp(G, g, subscripts, operands, k)
    return c[0], None, c[1], None


@register_vjp(rt.einsum_grads)
def einsum_grads(G, ans, g, subscripts, operands):
    c = _einsum_grads_vjp(G, g, subscripts, operands)
    return c[0], None, c[1]


@register_vjp(rt.einsum_jvp)
def einsum_jvp(G, ans, subscripts, operands, doperands):
    c = _einsum_jvp_vjp(G, subscripts, operands, doperands)
    return None, c[0], c[1]

# ---------------------------------------------------------------- nonlinear in the primal
# (the Hessian helpers are symmetric: the same one gives the cotangent of x)


@register_vjp(rt.prod_grad)
def prod_grad(G, out, g, a, x, axis=None, keepdims=False):
    return (_fit(_prod_jvp(g, x, G, axis, keepdims), g), None,
            _prod_hess(x, G * _expand_reduced(g, x, axis, keepdims), axis))


@register_vjp(rt.prod_jvp)
def prod_jvp(G, out, a, x, t, axis=None, keepdims=False):
    return (None, _prod_hess(x, _expand_reduced(G, x, axis, keepdims) * t, axis),
            _prod_grad(G, a, x, axis, keepdims))


@register_vjp(rt.norm_grad)
def norm_grad(G, out, g, a, x, ord=None, axis=None, keepdims=False):
    return (_fit(_stable_norm_jvp(a, x, G, ord, axis, keepdims), g), None,
            _expand_reduced(g, x, axis, keepdims) * _norm_hess(a, x, G, ord, axis, keepdims))


@register_vjp(rt.stable_norm_jvp)
def stable_norm_jvp(G, out, a, x, t, ord=None, axis=None, keepdims=False):
    axes = _norm_axes(x, ord, axis)
    return (None, _expand_reduced(G, x, axes, keepdims) * _norm_hess(a, x, t, ord, axes, keepdims),
            _norm_grad(G, a, x, ord, axes, keepdims))


@register_vjp(rt.std_grad)
def std_grad(G, out, g, x, axis=None, ddof=0, keepdims=False):
    return (_fit(_std_jvp(g, x, G, axis, ddof, keepdims), g),
            _expand_reduced(g, x, axis, keepdims) * _std_hess(x, G, axis, ddof))


@register_vjp(rt.std_jvp)
def std_jvp(G, out, a, x, t, axis=None, ddof=0, keepdims=False):
    return (None, _expand_reduced(G, x, axis, keepdims) * _std_hess(x, t, axis, ddof),
            _std_grad(G, x, axis, ddof, keepdims))


@register_vjp(rt.pinv_grad)
def pinv_grad(W, out, g, p, a):
    c = _pinv_grad_vjp(W, g, p, a)
    return c[0], c[1], c[2]


@register_vjp(rt.sinc_grad)
def sinc_grad(G, ans, x):
    return G * _sinc_grad2(x)


# ---------------------------------------------------------------- helpers of rules/more.py
# (their forward rules are in rules/more_runtime.py)


@register_vjp(rt.sort_grad)
def sort_grad(G, ans, g, x, axis=-1):
    return _sort_grad_vjp(G, g, x, axis), None


@register_vjp(rt.median_grad)
def median_grad(G, ans, g, x, axis=None, keepdims=False):
    return _median_grad_vjp(G, g, x, axis, keepdims), None


@register_vjp(rt.take_along_axis_grad)
def take_along_axis_grad(G, ans, g, x, indices, axis=-1):
    return _take_along_axis_grad_vjp(G, g, x, indices, axis), None, None
