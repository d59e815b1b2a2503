"""More built-in reverse-mode rules: the rest of the NumPy surface users reach for.

Same template form as ``core``: ``rule(g, ans, *args)`` returns one cotangent per
positional argument.  Bodies that need more than one line of NumPy call a helper
from ``tangent_lite.runtime`` so a written derivative file can carry a copy.
Every rule here has entries in tests/rule_table.py, which checks it against
finite differences and documents it in docs/rules.md.
"""

import math

import numpy as np

from ..runtime import append_grad as _append_grad
from ..runtime import average_grad as _average_grad
from ..runtime import choose_grad as _choose_grad
from ..runtime import cholesky_grad as _cholesky_grad
from ..runtime import column_stack_grad as _column_stack_grad
from ..runtime import compress_grad as _compress_grad
from ..runtime import convolve_grad as _convolve_grad
from ..runtime import cumprod_grad as _cumprod_grad
from ..runtime import diff_grad as _diff_grad
from ..runtime import diagonal_grad as _diagonal_grad
from ..runtime import dstack_grad as _dstack_grad
from ..runtime import eigh_grad as _eigh_grad
from ..runtime import eigvalsh_grad as _eigvalsh_grad
from ..runtime import expand_reduced as _expand_reduced
from ..runtime import extremum_grad as _extremum_grad
from ..runtime import lstsq_grad as _lstsq_grad
from ..runtime import matrix_power_grad as _matrix_power_grad
from ..runtime import median_grad as _median_grad
from ..runtime import meshgrid_grad as _meshgrid_grad
from ..runtime import multi_dot_grad as _multi_dot_grad
from ..runtime import nanvar_grad as _nanvar_grad
from ..runtime import qr_grad as _qr_grad
from ..runtime import repeat_grad as _repeat_grad
from ..runtime import select_grad as _select_grad
from ..runtime import seq_sum_grad as _seq_sum_grad
from ..runtime import sort_grad as _sort_grad
from ..runtime import split_pieces_grad as _split_pieces_grad
from ..runtime import svd_grad as _svd_grad
from ..runtime import take_along_axis_grad as _take_along_axis_grad
from ..runtime import take_grad as _take_grad
from ..runtime import trace_grad as _trace_grad
from ..runtime import unique_grad as _unique_grad
from ..runtime import vecdot_grad as _vecdot_grad
from .registry import (
    non_differentiable,
    non_differentiable_methods,
    register_method_vjp,
    register_vjp,
)

# ---------------------------------------------------------------- elementwise


@register_vjp(np.logaddexp2, broadcasting=True)
def np_logaddexp2(g, ans, x, y):
    return g / (1.0 + np.exp2(y - x)), g / (1.0 + np.exp2(x - y))


@register_vjp(np.float_power, broadcasting=True)
def np_float_power(g, ans, x, y):
    return (g * y * np.float_power(x, y - 1.0),
            g * ans * np.log(np.where(x == 0, 1.0, x)))


@register_vjp(np.positive)
def np_positive(g, ans, x):
    return g


@register_vjp(np.fmax, broadcasting=True)
def np_fmax(g, ans, x, y):
    return (g * np.where(np.isnan(y), 1.0, (x > y) + 0.5 * (x == y)),
            g * np.where(np.isnan(y), 0.0, np.where(np.isnan(x), 1.0, (x < y) + 0.5 * (x == y))))


@register_vjp(np.fmin, broadcasting=True)
def np_fmin(g, ans, x, y):
    return (g * np.where(np.isnan(y), 1.0, (x < y) + 0.5 * (x == y)),
            g * np.where(np.isnan(y), 0.0, np.where(np.isnan(x), 1.0, (x > y) + 0.5 * (x == y))))


@register_vjp(np.copysign, broadcasting=True)
def np_copysign(g, ans, x, y):
    return g * np.sign(x) * np.copysign(1.0, y), None


@register_vjp(np.nan_to_num)
def np_nan_to_num(g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return g * np.isfinite(x)


@register_vjp(np.conjugate)
def np_conjugate(g, ans, x):
    return np.conjugate(g)


# ---------------------------------------------------------------- reductions


@register_vjp(np.nansum)
def np_nansum(g, ans, x, axis=None, dtype=None, out=None, keepdims=False):
    return np.where(np.isnan(x), 0.0, _expand_reduced(g, x, axis, keepdims))


@register_vjp(np.nanmean)
def np_nanmean(g, ans, x, axis=None, dtype=None, out=None, keepdims=False):
    count = np.sum(~np.isnan(x), axis=axis, keepdims=keepdims)
    return np.where(np.isnan(x), 0.0, _expand_reduced(g / count, x, axis, keepdims))


@register_vjp(np.nanmax)
@register_vjp(np.nanmin)
def np_nanextremum(g, ans, x, axis=None, out=None, keepdims=False):
    return _extremum_grad(g, ans, x, axis, keepdims)


@register_vjp(np.nanvar)
def np_nanvar(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _nanvar_grad(g, x, axis, ddof, keepdims)


@register_vjp(np.nanstd)
def np_nanstd(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _nanvar_grad(g / (2.0 * ans), x, axis, ddof, keepdims)


@register_vjp(np.ptp)
def np_ptp(g, ans, x, axis=None, out=None, keepdims=False):
    return (_extremum_grad(g, np.max(x, axis=axis, keepdims=keepdims), x, axis, keepdims)
            - _extremum_grad(g, np.min(x, axis=axis, keepdims=keepdims), x, axis, keepdims))


@register_vjp(np.cumprod)
def np_cumprod(g, ans, x, axis=None):
    return _cumprod_grad(g, ans, x, axis)


@register_vjp(np.median)
def np_median(g, ans, x, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _median_grad(g, x, axis, keepdims)


@register_vjp(np.average)
def np_average(g, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    return (_average_grad(g, a, axis, weights, keepdims, False, returned), None,
            _average_grad(g, a, axis, weights, keepdims, True, returned))


@register_vjp(np.trace)
def np_trace(g, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return _trace_grad(g, a, offset, axis1, axis2)


# ---------------------------------------------------------------- shapes


@register_vjp(np.atleast_3d)
def np_atleast_3d(g, ans, x):
    return np.reshape(g, np.shape(x))


@register_vjp(np.column_stack)
def np_column_stack(g, ans, arrays):
    return _column_stack_grad(g, arrays)


@register_vjp(np.dstack)
def np_dstack(g, ans, arrays):
    return _dstack_grad(g, arrays)


@register_vjp(np.array_split)
def np_array_split(g, ans, x, indices_or_sections, axis=0):
    return _split_pieces_grad(g, ans, axis)


@register_vjp(np.hsplit)
def np_hsplit(g, ans, x, indices_or_sections):
    return _split_pieces_grad(g, ans, 1 if np.ndim(x) > 1 else 0)


@register_vjp(np.vsplit)
def np_vsplit(g, ans, x, indices_or_sections):
    return _split_pieces_grad(g, ans, 0)


@register_vjp(np.dsplit)
def np_dsplit(g, ans, x, indices_or_sections):
    return _split_pieces_grad(g, ans, 2)


@register_vjp(np.fliplr)
def np_fliplr(g, ans, x):
    return np.fliplr(g)


@register_vjp(np.flipud)
def np_flipud(g, ans, x):
    return np.flipud(g)


@register_vjp(np.rot90)
def np_rot90(g, ans, m, k=1, axes=(0, 1)):
    return np.rot90(g, -k, axes)


@register_vjp(np.diagonal)
def np_diagonal(g, ans, a, offset=0, axis1=0, axis2=1):
    return _diagonal_grad(g, a, offset, axis1, axis2)


@register_vjp(np.diagflat)
def np_diagflat(g, ans, v, k=0):
    return np.reshape(np.diag(g, k), np.shape(v))


@register_vjp(np.append)
def np_append(g, ans, arr, values, axis=None):
    return _append_grad(g, arr, values, axis), _append_grad(g, arr, values, axis, True), None


@register_vjp(np.asanyarray)
@register_vjp(np.ascontiguousarray)
def np_asanyarray(g, ans, x, dtype=None):
    return g


if hasattr(np, "matrix_transpose"):  # NumPy >= 2
    @register_vjp(np.matrix_transpose)
    @register_vjp(np.linalg.matrix_transpose)
    def np_matrix_transpose(g, ans, x):
        return np.swapaxes(g, -1, -2)

# ---------------------------------------------------------------- products


@register_vjp(np.vdot)
def np_vdot(g, ans, a, b):
    return np.reshape(g * np.ravel(b), np.shape(a)), np.reshape(g * np.ravel(a), np.shape(b))


if hasattr(np, "vecdot"):  # NumPy >= 2
    @register_vjp(np.vecdot, broadcasting=True)
    @register_vjp(np.linalg.vecdot, broadcasting=True)
    def np_vecdot(g, ans, x1, x2, axis=-1):
        return _vecdot_grad(g, x1, x2, axis), _vecdot_grad(g, x2, x1, axis)


@register_vjp(np.linalg.multi_dot)
def np_multi_dot(g, ans, arrays):
    return _multi_dot_grad(g, arrays)


@register_vjp(np.convolve)
def np_convolve(g, ans, a, v, mode="full"):
    return _convolve_grad(g, a, v, mode), _convolve_grad(g, a, v, mode, True), None


@register_vjp(np.diff)
def np_diff(g, ans, a, n=1, axis=-1):
    return _diff_grad(g, a, n, axis)


# ---------------------------------------------------------------- selection


@register_vjp(np.sort)
def np_sort(g, ans, a, axis=-1, kind=None, order=None):
    return _sort_grad(g, a, axis)


@register_vjp(np.take_along_axis)
def np_take_along_axis(g, ans, arr, indices, axis=-1):
    return _take_along_axis_grad(g, arr, indices, axis), None


@register_vjp(np.choose)
def np_choose(g, ans, a, choices):
    return None, _choose_grad(g, a, choices)


@register_vjp(np.select)
def np_select(g, ans, condlist, choicelist, default=0):
    return _select_grad(g, condlist, choicelist, default)


np_select.tl_per_argument = True


@register_vjp(np.compress)
def np_compress(g, ans, condition, a, axis=None):
    return None, _compress_grad(g, condition, a, axis)


@register_vjp(np.extract)
def np_extract(g, ans, condition, arr):
    return None, _compress_grad(g, condition, arr)


@register_vjp(np.unique)
def np_unique(g, ans, ar):
    return _unique_grad(g, ar)


# ---------------------------------------------------------------- linear algebra


@register_vjp(np.linalg.cholesky)
def np_cholesky(g, ans, a):
    return _cholesky_grad(g, ans)


@register_vjp(np.linalg.eigh)
def np_eigh(g, ans, a, UPLO="L"):
    return _eigh_grad(g, ans, UPLO)


@register_vjp(np.linalg.eigvalsh)
def np_eigvalsh(g, ans, a, UPLO="L"):
    return _eigvalsh_grad(g, a, UPLO)


@register_vjp(np.linalg.qr)
def np_qr(g, ans, a, mode="reduced"):
    return _qr_grad(g, ans, a, mode)


@register_vjp(np.linalg.svd)
def np_svd(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    return _svd_grad(g, ans, a, full_matrices, compute_uv)


@register_vjp(np.linalg.matrix_power)
def np_matrix_power(g, ans, a, n):
    return _matrix_power_grad(g, a, n), None


@register_vjp(np.linalg.lstsq)
def np_lstsq(g, ans, a, b, rcond=None):
    return _lstsq_grad(g, ans, a, b)


np_lstsq.tl_per_argument = True

# ---------------------------------------------------------------- constructors


@register_vjp(np.meshgrid)
def np_meshgrid(g, ans, *xi, copy=True, sparse=False, indexing="xy"):
    return _meshgrid_grad(g, xi, indexing)


np_meshgrid.tl_per_argument = True

# ---------------------------------------------------------------- methods


@register_method_vjp("cumsum")
def m_cumsum(g, ans, x, axis=None):
    if axis is None:
        return np.reshape(np.cumsum(np.ravel(g)[::-1])[::-1], np.shape(x))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


@register_method_vjp("cumprod")
def m_cumprod(g, ans, x, axis=None):
    return _cumprod_grad(g, ans, x, axis)


@register_method_vjp("swapaxes")
def m_swapaxes(g, ans, x, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


@register_method_vjp("trace")
def m_trace(g, ans, x, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return _trace_grad(g, x, offset, axis1, axis2)


@register_method_vjp("diagonal")
def m_diagonal(g, ans, x, offset=0, axis1=0, axis2=1):
    return _diagonal_grad(g, x, offset, axis1, axis2)


@register_method_vjp("repeat")
def m_repeat(g, ans, x, repeats, axis=None):
    return _repeat_grad(g, x, repeats, axis)


@register_method_vjp("take")
def m_take(g, ans, x, indices, axis=None):
    return _take_grad(g, x, indices, axis)


@register_method_vjp("conj")
@register_method_vjp("conjugate")
def m_conj(g, ans, x):
    return np.conjugate(g)


# ---------------------------------------------------------------- math module


@register_vjp(math.asinh)
def math_asinh(g, ans, x):
    return g / math.hypot(x, 1.0)


@register_vjp(math.acosh)
def math_acosh(g, ans, x):
    return g / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))


@register_vjp(math.atanh)
def math_atanh(g, ans, x):
    return g / np.multiply(1.0 - x, 1.0 + x)


@register_vjp(math.erfc)
def math_erfc(g, ans, x):
    return -g * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


@register_vjp(math.radians)
def math_radians(g, ans, x):
    return g * (math.pi / 180.0)


@register_vjp(math.degrees)
def math_degrees(g, ans, x):
    return g * (180.0 / math.pi)


@register_vjp(math.fsum)
def math_fsum(g, ans, xs):
    return _seq_sum_grad(g, xs)


@register_vjp(math.fmod)
def math_fmod(g, ans, x, y):
    return g, -g * math.trunc(x / y)


# ---------------------------------------------------------------- no derivative

non_differentiable(np.around, np.fix, np.heaviside, np.signbit, np.searchsorted, np.argwhere,
                   np.flatnonzero, np.digitize, np.isclose, np.allclose, np.array_equal,
                   np.logical_xor, np.argpartition, np.lexsort, np.tri, np.tril_indices,
                   np.triu_indices, np.diag_indices, np.indices, np.isposinf, np.isneginf,
                   np.shares_memory)

non_differentiable_methods("round", "searchsorted", "argpartition")
