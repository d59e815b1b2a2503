"""Forward-mode rules of the helpers generated reverse-mode code calls.

With these, forward mode can differentiate a generated gradient again
(``tl.jvp(tl.grad(f))``, Hessian-vector products).  Most helpers are linear in
the cotangent they take and read the other arguments only for shapes or masks
that are constant almost everywhere: their tangent is the same helper applied to
the cotangent's tangent.  The bilinear ones (matmul, inner, kron, tensordot,
einsum, var) add one term per differentiable argument.
"""

import builtins

from .. import runtime as rt
from ..runtime import add as _add
from ..runtime import add_at as _add_at
from ..runtime import broadcast_like as _broadcast_like
from ..runtime import builtin_extremum_grad as _builtin_extremum_grad
from ..runtime import concatenate_grad as _concatenate_grad
from ..runtime import copy as _copy
from ..runtime import dense as _dense
from ..runtime import distinct as _distinct
from ..runtime import diag_grad as _diag_grad
from ..runtime import einsum_grad_jvp as _einsum_grad_jvp
from ..runtime import expand_reduced as _expand_reduced
from ..runtime import extremum_grad as _extremum_grad
from ..runtime import fit as _fit
from ..runtime import from_items as _from_items
from ..runtime import hstack_grad as _hstack_grad
from ..runtime import inner_grad as _inner_grad
from ..runtime import item_grad as _item_grad
from ..runtime import kron_grad as _kron_grad
from ..runtime import like as _like
from ..runtime import matmul_gx as _matmul_gx
from ..runtime import matmul_gy as _matmul_gy
from ..runtime import owned as _owned
from ..runtime import pad_grad as _pad_grad
from ..runtime import repeat_grad as _repeat_grad
from ..runtime import seed as _seed
from ..runtime import seq_extremum_grad as _seq_extremum_grad
from ..runtime import seq_sum_grad as _seq_sum_grad
from ..runtime import seq_sum_jvp as _seq_sum_jvp
from ..runtime import stack_grad as _stack_grad
from ..runtime import take_grad as _take_grad
from ..runtime import tensordot_grad as _tensordot_grad
from ..runtime import tile_grad as _tile_grad
from ..runtime import unbroadcast as _unbroadcast
from ..runtime import var_grad as _var_grad
from ..runtime import vstack_grad as _vstack_grad
from ..runtime import builtin_extremum_jvp as _builtin_extremum_jvp
from ..runtime import dot_gx as _dot_gx
from ..runtime import dot_gy as _dot_gy
from ..runtime import einsum_grads_jvp as _einsum_grads_jvp
from ..runtime import einsum_jvp_jvp as _einsum_jvp_jvp
from ..runtime import expand_reduced_vjp as _expand_reduced_vjp
from ..runtime import extremum_grad_vjp as _extremum_grad_vjp
from ..runtime import extremum_jvp as _extremum_jvp
from ..runtime import matmul_gx_vjp_jvp as _matmul_gx_vjp_jvp
from ..runtime import matmul_gy_vjp_jvp as _matmul_gy_vjp_jvp
from ..runtime import norm_grad_jvp as _norm_grad_jvp
from ..runtime import norm_jvp_jvp as _norm_jvp_jvp
from ..runtime import pinv_grad_jvp as _pinv_grad_jvp
from ..runtime import prod_grad_jvp as _prod_grad_jvp
from ..runtime import prod_jvp_jvp as _prod_jvp_jvp
from ..runtime import seq_sum_grad_vjp as _seq_sum_grad_vjp
from ..runtime import sinc_grad2 as _sinc_grad2
from ..runtime import std_grad_jvp as _std_grad_jvp
from ..runtime import std_jvp_jvp as _std_jvp_jvp
from .registry import linear, non_differentiable, register_jvp

non_differentiable(rt.scalar_seed, rt.inside, rt.zeros_like, rt.clipped_to, rt.norm_axes,
                   rt._dot_axes, rt._einsum_parts, rt._scalar, rt._nil)


@register_jvp(builtins.list)
def list_(ans, x, dx):
    return list(dx)


@register_jvp(builtins.sum)
def builtin_sum(ans, xs, dxs, start=0, dstart=0.0):
    return _seq_sum_jvp(dxs, xs) + dstart


@register_jvp(builtins.tuple)
def tuple_(ans, x, dx):
    return tuple(dx)


@register_jvp(rt.unbroadcast)
def unbroadcast(ans, g, x, dg, dx):
    return _unbroadcast(dg, x)


@register_jvp(rt.broadcast_like)
def broadcast_like(ans, t, x, dt, dx):
    return _broadcast_like(dt, x)


@register_jvp(rt.owned)
def owned(ans, t, x, dt, dx):
    return _owned(dt, x)


@register_jvp(rt.distinct)
def distinct(ans, *grads, dgrads=()):
    return _distinct(*dgrads)


@register_jvp(rt.fit)
def fit(ans, g, like_this, dg, dlike_this):
    return _fit(dg, like_this)


@register_jvp(rt.dense)
def dense(ans, b, x, db, dx):
    return _dense(db, x)


@register_jvp(rt.add_at)
def add_at(ans, b, idx, g, db, didx, dg):
    return _add_at(db, idx, dg)


@register_jvp(rt.add)
def add(ans, a, b, da, db):
    return _add(da, db)


@register_jvp(rt.copy)
def copy(ans, v, dv):
    return _copy(dv)


@register_jvp(rt.seed)
def seed(ans, a, s, da, ds):
    return _seed(a, ds)


@register_jvp(rt.like)
def like(ans, g, x, dg, dx):
    return _like(dg, x)


@register_jvp(rt.expand_reduced)
def expand_reduced(ans, g, x, dg, dx, axis=None, keepdims=False):
    return _expand_reduced(dg, x, axis, keepdims)


@register_jvp(rt.extremum_grad)
def extremum_grad(ans, g, a, x, dg, da, dx, axis=None, keepdims=False):
    return _extremum_grad(dg, a, x, axis, keepdims)


@register_jvp(rt.matmul_gx)
def matmul_gx(ans, g, x, y, dg, dx, dy):
    return _matmul_gx(dg, x, y) + _matmul_gx(g, x, dy)


@register_jvp(rt.matmul_gy)
def matmul_gy(ans, g, x, y, dg, dx, dy):
    return _matmul_gy(dg, x, y) + _matmul_gy(g, dx, y)


@register_jvp(rt.seq_sum_grad)
def seq_sum_grad(ans, g, xs, dg, dxs):
    return _seq_sum_grad(dg, xs)


@register_jvp(rt.seq_extremum_grad)
def seq_extremum_grad(ans, g, a, xs, dg, da, dxs):
    return _seq_extremum_grad(dg, a, xs)


@register_jvp(rt.builtin_extremum_grad)
def builtin_extremum_grad(ans, g, a, x, *rest, dg=0.0, da=0.0, dx=0.0, drest=()):
    return _builtin_extremum_grad(dg, a, x, *rest)


@register_jvp(rt.item_grad)
def item_grad(ans, g, x, index, dg, dx, dindex):
    return _item_grad(dg, x, index)


@register_jvp(rt.einsum_grad)
def einsum_grad(ans, g, subscripts, operands, k, dg, dsubscripts, doperands, dk):
    return _einsum_grad_jvp(g, dg, subscripts, operands, doperands, k)


@register_jvp(rt.einsum_grads)
def einsum_grads(ans, g, subscripts, operands, dg, dsubscripts, doperands):
    return _einsum_grads_jvp(g, dg, subscripts, operands, doperands)


@register_jvp(rt.concatenate_grad)
def concatenate_grad(ans, g, arrays, dg, darrays, axis=0):
    return _concatenate_grad(dg, arrays, axis)


@register_jvp(rt.stack_grad)
def stack_grad(ans, g, arrays, dg, darrays, axis=0):
    return _stack_grad(dg, arrays, axis)


@register_jvp(rt.vstack_grad)
def vstack_grad(ans, g, arrays, dg, darrays):
    return _vstack_grad(dg, arrays)


@register_jvp(rt.hstack_grad)
def hstack_grad(ans, g, arrays, dg, darrays):
    return _hstack_grad(dg, arrays)


@register_jvp(rt.from_items)
def from_items(ans, g, x, dg, dx):
    return _from_items(dg, x)


@register_jvp(rt.diag_grad)
def diag_grad(ans, g, x, dg, dx, k=0):
    return _diag_grad(dg, x, k)


@register_jvp(rt.tile_grad)
def tile_grad(ans, g, x, reps, dg, dx, dreps):
    return _tile_grad(dg, x, reps)


@register_jvp(rt.repeat_grad)
def repeat_grad(ans, g, x, repeats, dg, dx, drepeats, axis=None):
    return _repeat_grad(dg, x, repeats, axis)


@register_jvp(rt.pad_grad)
def pad_grad(ans, g, x, pad_width, dg, dx, dpad_width, mode="constant"):
    return _pad_grad(dg, x, pad_width, mode)


@register_jvp(rt.take_grad)
def take_grad(ans, g, x, indices, dg, dx, dindices, axis=None):
    return _take_grad(dg, x, indices, axis)


@register_jvp(rt.var_grad)
def var_grad(ans, g, x, dg, dx, axis=None, ddof=0, keepdims=False):
    return _var_grad(dg, x, axis, ddof, keepdims) + _var_grad(g, dx, axis, ddof, keepdims)


@register_jvp(rt.inner_grad)
def inner_grad(ans, g, x, y, dg, dx, dy, wrt_y=False):
    return _inner_grad(dg, x, y, wrt_y) + (_inner_grad(g, dx, y, wrt_y) if wrt_y
                                           else _inner_grad(g, x, dy, wrt_y))


@register_jvp(rt.kron_grad)
def kron_grad(ans, g, a, b, dg, da, db, wrt_b=False):
    return _kron_grad(dg, a, b, wrt_b) + (_kron_grad(g, da, b, wrt_b) if wrt_b
                                          else _kron_grad(g, a, db, wrt_b))


@register_jvp(rt.tensordot_grad)
def tensordot_grad(ans, g, a, b, dg, da, db, axes=2, wrt_b=False):
    return _tensordot_grad(dg, a, b, axes, wrt_b) + (
        _tensordot_grad(g, da, b, axes, wrt_b) if wrt_b else _tensordot_grad(g, a, db, axes,
                                                                             wrt_b))


# ---------------------------------------------------------------- nonlinear in the primal
# (the Hessian-vector helpers are in runtime.py; each is symmetric, so the reverse rules
# in vjps_runtime.py reuse them)


@register_jvp(rt.prod_grad)
def prod_grad(out, g, a, x, dg, da, dx, axis=None, keepdims=False):
    return _prod_grad_jvp(g, dg, a, x, dx, axis, keepdims)


@register_jvp(rt.prod_jvp)
def prod_jvp(out, a, x, t, da, dx, dt, axis=None, keepdims=False):
    return _prod_jvp_jvp(a, x, t, dx, dt, axis, keepdims)


@register_jvp(rt.norm_grad)
def norm_grad(out, g, a, x, dg, da, dx, ord=None, axis=None, keepdims=False):
    return _norm_grad_jvp(g, dg, a, x, dx, ord, axis, keepdims)


@register_jvp(rt.stable_norm_jvp)
def stable_norm_jvp(out, a, x, t, da, dx, dt, ord=None, axis=None, keepdims=False):
    return _norm_jvp_jvp(a, x, t, dx, dt, ord, axis, keepdims)


@register_jvp(rt.std_grad)
def std_grad(out, g, x, dg, dx, axis=None, ddof=0, keepdims=False):
    return _std_grad_jvp(g, dg, x, dx, axis, ddof, keepdims)


@register_jvp(rt.std_jvp)
def std_jvp(out, a, x, t, da, dx, dt, axis=None, ddof=0, keepdims=False):
    return _std_jvp_jvp(a, x, t, dx, dt, axis, ddof, keepdims)


@register_jvp(rt.dot_gx)
def dot_gx(ans, g, x, y, dg, dx, dy):
    return _dot_gx(dg, x, y) + _dot_gx(g, x, dy)


@register_jvp(rt.dot_gy)
def dot_gy(ans, g, x, y, dg, dx, dy):
    return _dot_gy(dg, x, y) + _dot_gy(g, dx, y)


@register_jvp(rt.pinv_grad)
def pinv_grad(out, g, p, a, dg, dp, da):
    return _pinv_grad_jvp(g, dg, p, dp, a, da)


@register_jvp(rt.sinc_grad)
def sinc_grad(ans, x, dx):
    return dx * _sinc_grad2(x)

# ---------------------------------------------------------------- the forward-mode helpers


@register_jvp(rt.extremum_jvp)
def extremum_jvp(out, a, x, t, da, dx, dt, axis=None, keepdims=False):
    return _extremum_jvp(a, x, dt, axis, keepdims)


@register_jvp(rt.builtin_extremum_jvp)
def builtin_extremum_jvp(out, a, x, rest, tx, trest, da, dx, drest, dtx, dtrest):
    return _builtin_extremum_jvp(a, x, rest, dtx, dtrest)


@register_jvp(rt.einsum_jvp)
def einsum_jvp(out, subs, ops, tops, dsubs, dops, dtops):
    return _einsum_jvp_jvp(subs, ops, tops, dops, dtops)


@register_jvp(rt.seq_sum_jvp)
def seq_sum_jvp(out, ts, xs, dts, dxs):
    return _seq_sum_jvp(dts, xs)

# ---------------------------------------------------------------- the reverse rules' helpers


@register_jvp(rt.extremum_grad_vjp)
def extremum_grad_vjp(out, G, g, a, x, dG, dg, da, dx, axis=None, keepdims=False):
    return _extremum_grad_vjp(dG, g, a, x, axis, keepdims)


@register_jvp(rt.expand_reduced_vjp)
def expand_reduced_vjp(out, G, g, dG, dg, axis=None, keepdims=False):
    return _expand_reduced_vjp(dG, g, axis, keepdims)


@register_jvp(rt.seq_sum_grad_vjp)
def seq_sum_grad_vjp(out, G, g, xs, dG, dg, dxs):
    return _seq_sum_grad_vjp(dG, g, xs)


@register_jvp(rt.matmul_gx_vjp)
def matmul_gx_vjp(out, G, g, x, y, dG, dg, dx, dy):
    return _matmul_gx_vjp_jvp(G, g, x, y, dG, dg, dy)


@register_jvp(rt.matmul_gy_vjp)
def matmul_gy_vjp(out, G, g, x, y, dG, dg, dx, dy):
    return _matmul_gy_vjp_jvp(G, g, x, y, dG, dg, dx)


# linear in their first argument (the cotangent): a zero tangent there gives zero
linear("first", rt.fit, rt.unbroadcast, rt.dense, rt.like, rt.expand_reduced, rt.seq_sum_grad,
       rt.item_grad, rt.concatenate_grad, rt.stack_grad, rt.vstack_grad, rt.hstack_grad,
       rt.from_items, rt.diag_grad, rt.tile_grad, rt.repeat_grad, rt.pad_grad,
       rt.take_grad,
       rt.copy, rt.broadcast_like, rt.owned, rt.extremum_grad, rt.seq_extremum_grad,
       rt.builtin_extremum_grad, rt.prod_grad, rt.norm_grad, rt.std_grad, rt.sinc_grad,
       rt.seq_sum_jvp, rt.extremum_grad_vjp, rt.expand_reduced_vjp, rt.seq_sum_grad_vjp)
# linear in each argument that carries a tangent
linear("each", rt.matmul_gx, rt.matmul_gy, rt.var_grad, rt.dot_gx, rt.dot_gy)
