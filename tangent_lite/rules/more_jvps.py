"""Forward-mode twins of the rules in :mod:`more` (same parameters, ``d<name>`` tangents).

Each is ``rule(ans, *args, *tangents)`` returning the output's tangent; bodies are
straight lines so the compiler inlines them, and longer ones call a helper from
``tangent_lite.runtime``.  tests/test_jvp_rules.py checks every pair against
finite differences and the dot-product identity with the reverse rule.
"""

import math

import numpy as np

from ..runtime import average_jvp as _average_jvp
from ..runtime import cholesky_jvp as _cholesky_jvp
from ..runtime import choose_jvp as _choose_jvp
from ..runtime import cumprod_jvp as _cumprod_jvp
from ..runtime import eigh_jvp as _eigh_jvp
from ..runtime import eigvalsh_jvp as _eigvalsh_jvp
from ..runtime import extremum_jvp as _extremum_jvp
from ..runtime import lstsq_jvp as _lstsq_jvp
from ..runtime import matrix_power_jvp as _matrix_power_jvp
from ..runtime import median_jvp as _median_jvp
from ..runtime import meshgrid_jvp as _meshgrid_jvp
from ..runtime import multi_dot_jvp as _multi_dot_jvp
from ..runtime import nanvar_jvp as _nanvar_jvp
from ..runtime import qr_jvp as _qr_jvp
from ..runtime import select_jvp as _select_jvp
from ..runtime import sort_jvp as _sort_jvp
from ..runtime import svd_jvp as _svd_jvp
from ..runtime import unique_jvp as _unique_jvp
from .registry import linear, register_jvp, register_method_jvp

# ---------------------------------------------------------------- elementwise


@register_jvp(np.logaddexp2)
def logaddexp2(ans, x, y, dx, dy):
    return dx / (1.0 + np.exp2(y - x)) + dy / (1.0 + np.exp2(x - y))


@register_jvp(np.float_power)
def float_power(ans, x, y, dx, dy):
    return (dx * y * np.float_power(x, y - 1.0)
            + dy * ans * np.log(np.where(x == 0, 1.0, x)))


@register_jvp(np.fmax)
def fmax(ans, x, y, dx, dy):
    return (dx * np.where(np.isnan(y), 1.0, (x > y) + 0.5 * (x == y))
            + dy * np.where(np.isnan(y), 0.0, np.where(np.isnan(x), 1.0,
                                                       (x < y) + 0.5 * (x == y))))


@register_jvp(np.fmin)
def fmin(ans, x, y, dx, dy):
    return (dx * np.where(np.isnan(y), 1.0, (x < y) + 0.5 * (x == y))
            + dy * np.where(np.isnan(y), 0.0, np.where(np.isnan(x), 1.0,
                                                       (x > y) + 0.5 * (x == y))))


@register_jvp(np.copysign)
def copysign(ans, x, y, dx, dy):
    return dx * np.sign(x) * np.copysign(1.0, y)


@register_jvp(np.nan_to_num)
def nan_to_num(ans, x, dx, copy=True, nan=0.0, posinf=None, neginf=None):
    return dx * np.isfinite(x)


@register_jvp(np.conjugate)
def conjugate(ans, x, dx):
    return np.conjugate(dx)


# ---------------------------------------------------------------- reductions


@register_jvp(np.nansum)
def nansum(ans, x, dx, axis=None, dtype=None, out=None, keepdims=False):
    return np.sum(np.where(np.isnan(x), 0.0, dx), axis=axis, keepdims=keepdims)


@register_jvp(np.nanmean)
def nanmean(ans, x, dx, axis=None, dtype=None, out=None, keepdims=False):
    return (np.sum(np.where(np.isnan(x), 0.0, dx), axis=axis, keepdims=keepdims)
            / np.sum(~np.isnan(x), axis=axis, keepdims=keepdims))


@register_jvp(np.nanmax)
@register_jvp(np.nanmin)
def nanextremum(ans, x, dx, axis=None, out=None, keepdims=False):
    return _extremum_jvp(ans, x, dx, axis, keepdims)


@register_jvp(np.nanvar)
def nanvar(ans, x, dx, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _nanvar_jvp(x, dx, axis, ddof, keepdims)


@register_jvp(np.nanstd)
def nanstd(ans, x, dx, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _nanvar_jvp(x, dx, axis, ddof, keepdims) / (2.0 * ans)


@register_jvp(np.ptp)
def ptp(ans, x, dx, axis=None, out=None, keepdims=False):
    return (_extremum_jvp(np.max(x, axis=axis, keepdims=keepdims), x, dx, axis, keepdims)
            - _extremum_jvp(np.min(x, axis=axis, keepdims=keepdims), x, dx, axis, keepdims))


@register_jvp(np.cumprod)
def cumprod(ans, x, dx, axis=None):
    return _cumprod_jvp(ans, x, dx, axis)


@register_jvp(np.median)
def median(ans, x, dx, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _median_jvp(x, dx, axis, keepdims)


@register_jvp(np.average)
def average(ans, a, da, axis=None, weights=None, returned=False, keepdims=False,
            dweights=0.0):
    return _average_jvp(a, da, axis, weights, dweights, keepdims, returned)


@register_jvp(np.trace)
def trace(ans, a, da, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return np.trace(da, offset, axis1, axis2)


# ---------------------------------------------------------------- shapes


@register_jvp(np.atleast_3d)
def atleast_3d(ans, x, dx):
    return np.atleast_3d(dx)


@register_jvp(np.column_stack)
def column_stack(ans, arrays, darrays):
    return np.column_stack(darrays)


@register_jvp(np.dstack)
def dstack(ans, arrays, darrays):
    return np.dstack(darrays)


@register_jvp(np.array_split)
def array_split(ans, x, indices_or_sections, dx, dindices_or_sections, axis=0):
    return np.array_split(dx, indices_or_sections, axis)


@register_jvp(np.hsplit)
def hsplit(ans, x, indices_or_sections, dx, dindices_or_sections):
    return np.hsplit(dx, indices_or_sections)


@register_jvp(np.vsplit)
def vsplit(ans, x, indices_or_sections, dx, dindices_or_sections):
    return np.vsplit(dx, indices_or_sections)


@register_jvp(np.dsplit)
def dsplit(ans, x, indices_or_sections, dx, dindices_or_sections):
    return np.dsplit(dx, indices_or_sections)


@register_jvp(np.fliplr)
def fliplr(ans, x, dx):
    return np.fliplr(dx)


@register_jvp(np.flipud)
def flipud(ans, x, dx):
    return np.flipud(dx)


@register_jvp(np.rot90)
def rot90(ans, m, dm, k=1, axes=(0, 1)):
    return np.rot90(dm, k, axes)


@register_jvp(np.diagonal)
def diagonal(ans, a, da, offset=0, axis1=0, axis2=1):
    return np.diagonal(da, offset, axis1, axis2)


@register_jvp(np.diagflat)
def diagflat(ans, v, dv, k=0):
    return np.diagflat(dv, k)


@register_jvp(np.append)
def append(ans, arr, values, darr, dvalues, axis=None):
    return np.append(darr + np.zeros(np.shape(arr)), dvalues + np.zeros(np.shape(values)), axis)


@register_jvp(np.asanyarray)
@register_jvp(np.ascontiguousarray)
def asanyarray(ans, x, dx, dtype=None):
    return np.asarray(dx, dtype=float)


if hasattr(np, "matrix_transpose"):  # NumPy >= 2
    @register_jvp(np.matrix_transpose)
    @register_jvp(np.linalg.matrix_transpose)
    def matrix_transpose(ans, x, dx):
        return np.swapaxes(dx, -1, -2)

# ---------------------------------------------------------------- products


@register_jvp(np.vdot)
def vdot(ans, a, b, da, db):
    return np.vdot(da, b) + np.vdot(a, db)


if hasattr(np, "vecdot"):  # NumPy >= 2
    @register_jvp(np.vecdot)
    @register_jvp(np.linalg.vecdot)
    def vecdot(ans, x1, x2, dx1, dx2, axis=-1):
        return np.sum(dx1 * x2 + x1 * dx2, axis=axis)


@register_jvp(np.linalg.multi_dot)
def multi_dot(ans, arrays, darrays):
    return _multi_dot_jvp(arrays, darrays)


@register_jvp(np.convolve)
def convolve(ans, a, v, da, dv, mode="full"):
    return np.convolve(da, v, mode) + np.convolve(a, dv, mode)


@register_jvp(np.diff)
def diff(ans, a, da, n=1, axis=-1):
    return np.diff(da + np.zeros(np.shape(a)), n, axis)


# ---------------------------------------------------------------- selection


@register_jvp(np.sort)
def sort(ans, a, da, axis=-1, kind=None, order=None):
    return _sort_jvp(a, da, axis)


@register_jvp(np.take_along_axis)
def take_along_axis(ans, arr, indices, darr, dindices, axis=-1):
    return np.take_along_axis(darr + np.zeros(np.shape(arr)), indices, axis)


@register_jvp(np.choose)
def choose(ans, a, choices, da, dchoices):
    return _choose_jvp(a, dchoices, choices)


@register_jvp(np.select)
def select(ans, condlist, choicelist, dcondlist, dchoicelist, default=0, ddefault=0.0):
    return _select_jvp(condlist, dchoicelist, choicelist, ddefault)


@register_jvp(np.compress)
def compress(ans, condition, a, dcondition, da, axis=None):
    return np.compress(condition, da + np.zeros(np.shape(a)), axis)


@register_jvp(np.extract)
def extract(ans, condition, arr, dcondition, darr):
    return np.extract(condition, darr + np.zeros(np.shape(arr)))


@register_jvp(np.unique)
def unique(ans, ar, dar):
    return _unique_jvp(ar, dar)


# ---------------------------------------------------------------- linear algebra


@register_jvp(np.linalg.cholesky)
def cholesky(ans, a, da):
    return _cholesky_jvp(ans, da)


@register_jvp(np.linalg.eigh)
def eigh(ans, a, da, UPLO="L"):
    return _eigh_jvp(ans, da, UPLO)


@register_jvp(np.linalg.eigvalsh)
def eigvalsh(ans, a, da, UPLO="L"):
    return _eigvalsh_jvp(a, da, UPLO)


@register_jvp(np.linalg.qr)
def qr(ans, a, da, mode="reduced"):
    return _qr_jvp(ans, a, da, mode)


@register_jvp(np.linalg.svd)
def svd(ans, a, da, full_matrices=True, compute_uv=True, hermitian=False):
    return _svd_jvp(ans, a, da, full_matrices, compute_uv)


@register_jvp(np.linalg.matrix_power)
def matrix_power(ans, a, n, da, dn):
    return _matrix_power_jvp(a, da, n)


@register_jvp(np.linalg.lstsq)
def lstsq(ans, a, b, da, db, rcond=None):
    return _lstsq_jvp(ans, a, b, da, db)


# ---------------------------------------------------------------- constructors


@register_jvp(np.meshgrid)
def meshgrid(ans, *xi, dxi=(), copy=True, sparse=False, indexing="xy"):
    return _meshgrid_jvp(xi, dxi, sparse, indexing)


# ---------------------------------------------------------------- math module


@register_jvp(math.asinh)
def math_asinh(ans, x, dx):
    return dx / math.hypot(x, 1.0)


@register_jvp(math.acosh)
def math_acosh(ans, x, dx):
    return dx / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))


@register_jvp(math.atanh)
def math_atanh(ans, x, dx):
    return dx / np.multiply(1.0 - x, 1.0 + x)


@register_jvp(math.erfc)
def math_erfc(ans, x, dx):
    return -dx * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


@register_jvp(math.radians)
def math_radians(ans, x, dx):
    return dx * (math.pi / 180.0)


@register_jvp(math.degrees)
def math_degrees(ans, x, dx):
    return dx * (180.0 / math.pi)


@register_jvp(math.fsum)
def math_fsum(ans, xs, dxs):
    return sum(dxs)


@register_jvp(math.fmod)
def math_fmod(ans, x, y, dx, dy):
    return dx - dy * math.trunc(x / y)


# ---------------------------------------------------------------- methods


@register_method_jvp("cumsum")
def m_cumsum(ans, x, dx, axis=None):
    return np.cumsum(dx + np.zeros(np.shape(x)), axis)


@register_method_jvp("cumprod")
def m_cumprod(ans, x, dx, axis=None):
    return _cumprod_jvp(ans, x, dx, axis)


@register_method_jvp("swapaxes")
def m_swapaxes(ans, x, axis1, axis2, dx, daxis1, daxis2):
    return np.swapaxes(dx, axis1, axis2)


@register_method_jvp("trace")
def m_trace(ans, x, dx, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return np.trace(dx, offset, axis1, axis2)


@register_method_jvp("diagonal")
def m_diagonal(ans, x, dx, offset=0, axis1=0, axis2=1):
    return np.diagonal(dx, offset, axis1, axis2)


@register_method_jvp("repeat")
def m_repeat(ans, x, repeats, dx, drepeats, axis=None):
    return np.repeat(dx + np.zeros(np.shape(x)), repeats, axis)


@register_method_jvp("take")
def m_take(ans, x, indices, dx, dindices, axis=None):
    return np.take(dx + np.zeros(np.shape(x)), indices, axis)


@register_method_jvp("conj")
@register_method_jvp("conjugate")
def m_conj(ans, x, dx):
    return np.conjugate(dx)


linear("first", np.atleast_3d, np.array_split, np.hsplit, np.vsplit, np.dsplit, np.rot90,
       np.diagflat, np.diff, np.conjugate, np.matrix_transpose if hasattr(np, "matrix_transpose")
       else np.transpose, np.column_stack, np.dstack)
linear("each", np.convolve)
