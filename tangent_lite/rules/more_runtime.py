"""Rules of the helpers that the rules in :mod:`more` put into generated code.

With these, forward mode differentiates a generated gradient that calls them again
(``tl.hvp``, ``tl.hessian``, ``tl.jvp(tl.grad(f))``).  Each helper here is linear in
the cotangent it takes and reads its other arguments only for shapes, indices or a
permutation that is constant almost everywhere, so its tangent is the same helper
applied to the cotangent's tangent.  ``_spread`` (the unit seed spread to a shape,
see ``optimize.fold_unit_seed``) also gets its reverse rule.
"""

from .. import runtime as rt
from ..runtime import append_grad as _append_grad
from ..runtime import choose_grad as _choose_grad
from ..runtime import column_stack_grad as _column_stack_grad
from ..runtime import compress_grad as _compress_grad
from ..runtime import diagonal_grad as _diagonal_grad
from ..runtime import diff_grad as _diff_grad
from ..runtime import dstack_grad as _dstack_grad
from ..runtime import fit as _fit
from ..runtime import median_grad as _median_grad
from ..runtime import meshgrid_grad as _meshgrid_grad
from ..runtime import select_grad as _select_grad
from ..runtime import sort_grad as _sort_grad
from ..runtime import split_pieces_grad as _split_pieces_grad
from ..runtime import spread as _spread
from ..runtime import take_along_axis_grad as _take_along_axis_grad
from ..runtime import trace_grad as _trace_grad
from ..runtime import unique_grad as _unique_grad
from .registry import linear, register_jvp, register_vjp


@register_jvp(rt.spread)
def spread(ans, e, shape, de, dshape, fresh=False):
    return _spread(de, shape)


@register_vjp(rt.spread)
def spread_vjp(G, ans, e, shape, fresh=False):
    return _fit(G, e), None


@register_jvp(rt.sort_grad)
def sort_grad(ans, g, x, dg, dx, axis=-1):
    return _sort_grad(dg, x, axis)


@register_jvp(rt.median_grad)
def median_grad(ans, g, x, dg, dx, axis=None, keepdims=False):
    return _median_grad(dg, x, axis, keepdims)


@register_jvp(rt.take_along_axis_grad)
def take_along_axis_grad(ans, g, x, indices, dg, dx, dindices, axis=-1):
    return _take_along_axis_grad(dg, x, indices, axis)


@register_jvp(rt.choose_grad)
def choose_grad(ans, g, a, choices, dg, da, dchoices):
    return _choose_grad(dg, a, choices)


@register_jvp(rt.select_grad)
def select_grad(ans, g, condlist, choicelist, dg, dcondlist, dchoicelist, default=0,
                ddefault=0.0):
    return _select_grad(dg, condlist, choicelist, default)


@register_jvp(rt.compress_grad)
def compress_grad(ans, g, condition, a, dg, dcondition, da, axis=None):
    return _compress_grad(dg, condition, a, axis)


@register_jvp(rt.unique_grad)
def unique_grad(ans, g, x, dg, dx):
    return _unique_grad(dg, x)


@register_jvp(rt.diagonal_grad)
def diagonal_grad(ans, g, a, dg, da, offset=0, axis1=0, axis2=1):
    return _diagonal_grad(dg, a, offset, axis1, axis2)


@register_jvp(rt.trace_grad)
def trace_grad(ans, g, a, dg, da, offset=0, axis1=0, axis2=1):
    return _trace_grad(dg, a, offset, axis1, axis2)


@register_jvp(rt.append_grad)
def append_grad(ans, g, arr, values, dg, darr, dvalues, axis=None, wrt_values=False):
    return _append_grad(dg, arr, values, axis, wrt_values)


@register_jvp(rt.column_stack_grad)
def column_stack_grad(ans, g, arrays, dg, darrays):
    return _column_stack_grad(dg, arrays)


@register_jvp(rt.dstack_grad)
def dstack_grad(ans, g, arrays, dg, darrays):
    return _dstack_grad(dg, arrays)


@register_jvp(rt.split_pieces_grad)
def split_pieces_grad(ans, g, pieces, dg, dpieces, axis=0):
    return _split_pieces_grad(dg, pieces, axis)


@register_jvp(rt.diff_grad)
def diff_grad(ans, g, x, dg, dx, n=1, axis=-1):
    return _diff_grad(dg, x, n, axis)


@register_jvp(rt.meshgrid_grad)
def meshgrid_grad(ans, g, xs, dg, dxs, indexing="xy"):
    return _meshgrid_grad(dg, xs, indexing)


linear("first", rt.spread, rt.sort_grad, rt.median_grad, rt.take_along_axis_grad,
       rt.choose_grad, rt.select_grad, rt.compress_grad, rt.unique_grad, rt.diagonal_grad,
       rt.trace_grad, rt.append_grad, rt.column_stack_grad, rt.dstack_grad,
       rt.split_pieces_grad, rt.diff_grad, rt.meshgrid_grad)
