"""Built-in forward-mode rules, in the same template form users register.

Each rule is ``rule(ans, *args, *tangents)``: ``ans`` is the output's value, the
arguments are the primal's, and each ``d<name>`` parameter is the tangent of the
argument ``<name>``.  The rule returns the output's tangent.  The body is inlined
into the generated code with the names substituted; a tangent the compiler knows
to be zero is replaced by a symbolic zero, and the terms it multiplies vanish, so
``mul(ans, x, y, dx, dy)`` with a constant ``y`` emits just ``dx * y``.

Rules are written in the numerically stable form of their reverse-mode twins in
:mod:`core`: they reuse ``ans`` where the derivative is a function of it and
divide step by step instead of squaring small numbers.
"""

import builtins
import math
import operator

import numpy as np

from ..runtime import builtin_extremum_jvp as _builtin_extremum_jvp
from ..runtime import clipped_to as _clipped_to
from ..runtime import einsum_jvp as _einsum_jvp
from ..runtime import extremum_jvp as _extremum_jvp
from ..runtime import inside as _inside
from ..runtime import pow_exponent_jvp as _pow_exponent_jvp
from ..runtime import prod_jvp as _prod_jvp
from ..runtime import sinc_grad as _sinc_grad
from ..runtime import stable_norm_jvp as _stable_norm_jvp
from ..runtime import std_jvp as _std_jvp
from .registry import linear, register_jvp, register_method_jvp

# ---------------------------------------------------------------- operators


@register_jvp(operator.add)
@register_jvp(np.add)
def add(ans, x, y, dx, dy):
    return dx + dy


@register_jvp(operator.sub)
@register_jvp(np.subtract)
def sub(ans, x, y, dx, dy):
    return dx - dy


@register_jvp(operator.mul)
@register_jvp(np.multiply)
def mul(ans, x, y, dx, dy):
    return dx * y + x * dy


@register_jvp(operator.truediv)
@register_jvp(np.divide)
@register_jvp(np.true_divide)
def truediv(ans, x, y, dx, dy):
    return dx / y - dy * ans / y


@register_jvp(operator.pow)
@register_jvp(builtins.pow)
@register_jvp(np.power)
def pow_(ans, x, y, dx, dy):
    # np.power: inf where Python's ** on floats raises (0.0 ** -0.5, 1e-170 ** -2.0);
    # the exponent's term is 0 where dy is, also at a negative base (log is NaN there)
    return dx * y * np.power(x, y - 1.0) + _pow_exponent_jvp(dy, ans, x)


linear("first", _pow_exponent_jvp)


@register_jvp(operator.neg)
@register_jvp(np.negative)
def neg(ans, x, dx):
    return -dx


@register_jvp(operator.pos)
@register_jvp(np.positive)
def pos(ans, x, dx):
    return dx


@register_jvp(operator.matmul)
@register_jvp(np.matmul)
def matmul(ans, x, y, dx, dy):
    return dx @ y + x @ dy


@register_jvp(operator.mod)
@register_jvp(np.mod)
@register_jvp(np.remainder)
def mod(ans, x, y, dx, dy):
    return dx - dy * np.floor_divide(x, y)

# ---------------------------------------------------------------- builtins


@register_jvp(builtins.abs)
@register_jvp(np.abs)
@register_jvp(np.fabs)
def abs_(ans, x, dx):
    return dx * np.sign(x)


@register_jvp(builtins.float)
def float_(ans, x, dx):
    return dx


@register_jvp(math.exp)
@register_jvp(np.exp)
def exp(ans, x, dx):
    return dx * ans


@register_jvp(np.expm1)
def expm1(ans, x, dx):
    # exp(x), not expm1(x) + 1, which cancels for negative x
    return dx * np.exp(x)


@register_jvp(math.expm1)
def math_expm1(ans, x, dx):
    return dx * math.exp(x)


@register_jvp(np.exp2)
def exp2(ans, x, dx):
    return dx * ans * np.log(2.0)


@register_jvp(math.log)
def math_log(ans, x, base=math.e, dx=0.0, dbase=0.0):
    return dx / (x * math.log(base)) - dbase * ans / (base * math.log(base))


@register_jvp(np.log)
def log(ans, x, dx):
    return dx / x


@register_jvp(np.log1p)
def log1p(ans, x, dx):
    # np.add: inf at x = -1 also for a Python float x, where 1.0 / 0.0 would raise
    return dx / np.add(1.0, x)


@register_jvp(np.log2)
def log2(ans, x, dx):
    return dx / (x * np.log(2.0))


@register_jvp(np.log10)
def log10(ans, x, dx):
    return dx / (x * np.log(10.0))


@register_jvp(math.sqrt)
def math_sqrt(ans, x, dx):
    return dx / (2.0 * ans) if ans != 0 else dx * math.inf


@register_jvp(np.sqrt)
def sqrt(ans, x, dx):
    return dx / (2.0 * ans)


@register_jvp(np.cbrt)
def cbrt(ans, x, dx):
    return dx / (3.0 * ans * ans)


@register_jvp(np.square)
def square(ans, x, dx):
    return 2.0 * x * dx


@register_jvp(np.reciprocal)
def reciprocal(ans, x, dx):
    return -dx * ans * ans


@register_jvp(np.sin)
def sin(ans, x, dx):
    return dx * np.cos(x)


@register_jvp(np.cos)
def cos(ans, x, dx):
    return -dx * np.sin(x)


@register_jvp(np.tan)
def tan(ans, x, dx):
    return dx * (1.0 + ans * ans)


@register_jvp(np.arcsin)
def arcsin(ans, x, dx):
    return dx / np.sqrt((1.0 - x) * (1.0 + x))


@register_jvp(np.arccos)
def arccos(ans, x, dx):
    return -dx / np.sqrt((1.0 - x) * (1.0 + x))


@register_jvp(np.arctan)
def arctan(ans, x, dx):
    return dx / (1.0 + x * x)


@register_jvp(np.sinh)
def sinh(ans, x, dx):
    return dx * np.cosh(x)


@register_jvp(np.cosh)
def cosh(ans, x, dx):
    return dx * np.sinh(x)


@register_jvp(np.tanh)
def tanh(ans, x, dx):
    return dx * (1.0 - ans * ans)


@register_jvp(np.arcsinh)
def arcsinh(ans, x, dx):
    return dx / np.hypot(x, 1.0)


@register_jvp(np.arccosh)
def arccosh(ans, x, dx):
    return dx / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))


@register_jvp(np.arctanh)
def arctanh(ans, x, dx):
    # np.multiply: inf at x = ±1 also for a Python float x, where 1.0 / 0.0 would raise
    return dx / np.multiply(1.0 - x, 1.0 + x)


@register_jvp(np.arctan2)
def arctan2(ans, y, x, dy, dx):
    h = np.hypot(x, y)
    return dy * (x / h) / h - dx * (y / h) / h


@register_jvp(np.hypot)
def hypot(ans, x, y, dx, dy):
    h = np.where(ans == 0, 1.0, ans)  # tangent 0 at the origin, as abs'(0)
    return dx * x / h + dy * y / h


@register_jvp(math.pow)
def math_pow(ans, x, y, dx, dy):
    return dx * y * np.power(x, y - 1.0) + (dy * ans * math.log(x) if x > 0 else 0.0)


@register_jvp(math.erf)
def erf(ans, x, dx):
    return dx * 2.0 / math.sqrt(math.pi) * math.exp(-x * x)


@register_jvp(np.logaddexp)
def logaddexp(ans, x, y, dx, dy):
    # not exp(x - ans): ans = x + log(2) rounds to x at 1e300, and exp(0) is 1, not 0.5
    return dx / (1.0 + np.exp(y - x)) + dy / (1.0 + np.exp(x - y))


@register_jvp(np.maximum)
def maximum(ans, x, y, dx, dy):
    return dx * ((x > y) + 0.5 * (x == y)) + dy * ((x < y) + 0.5 * (x == y))


@register_jvp(np.minimum)
def minimum(ans, x, y, dx, dy):
    return dx * ((x < y) + 0.5 * (x == y)) + dy * ((x > y) + 0.5 * (x == y))


@register_jvp(np.where)
def where(ans, c, x, y, dc, dx, dy):
    return np.where(c, dx, dy)


@register_jvp(np.clip)
def clip(ans, x, lo, hi, dx, dlo, dhi):
    return (dx * _inside(x, lo, hi) + dlo * _clipped_to(x, lo, True)
            + dhi * _clipped_to(x, hi, False))


@register_jvp(np.deg2rad)
@register_jvp(np.radians)
def deg2rad(ans, x, dx):
    return dx * (np.pi / 180.0)


@register_jvp(np.rad2deg)
@register_jvp(np.degrees)
def rad2deg(ans, x, dx):
    return dx * (180.0 / np.pi)

# ---------------------------------------------------------------- math (Python floats: the
# math module's functions are much faster than NumPy's on scalars)


@register_jvp(math.sin)
def math_sin(ans, x, dx):
    return dx * math.cos(x)


@register_jvp(math.cos)
def math_cos(ans, x, dx):
    return -dx * math.sin(x)


@register_jvp(math.tan)
def math_tan(ans, x, dx):
    return dx * (1.0 + ans * ans)


@register_jvp(math.asin)
def math_asin(ans, x, dx):
    # np.sqrt: inf at x = ±1, where dividing two Python floats would raise
    return dx / np.sqrt((1.0 - x) * (1.0 + x))


@register_jvp(math.acos)
def math_acos(ans, x, dx):
    return -dx / np.sqrt((1.0 - x) * (1.0 + x))


@register_jvp(math.atan)
def math_atan(ans, x, dx):
    return dx / (1.0 + x * x)


@register_jvp(math.sinh)
def math_sinh(ans, x, dx):
    return dx * math.cosh(x)


@register_jvp(math.cosh)
def math_cosh(ans, x, dx):
    return dx * math.sinh(x)


@register_jvp(math.tanh)
def math_tanh(ans, x, dx):
    return dx * (1.0 - ans * ans)


@register_jvp(math.log1p)
def math_log1p(ans, x, dx):
    return dx / (1.0 + x)


@register_jvp(math.log2)
def math_log2(ans, x, dx):
    return dx / (x * math.log(2.0))


@register_jvp(math.log10)
def math_log10(ans, x, dx):
    return dx / (x * math.log(10.0))


@register_jvp(math.atan2)
def math_atan2(ans, y, x, dy, dx):
    h = math.hypot(x, y)
    return dy * (x / h) / h - dx * (y / h) / h


@register_jvp(math.hypot)
def math_hypot(ans, x, y, dx, dy):
    h = ans if ans != 0 else 1.0  # tangent 0 at the origin, as abs'(0)
    return dx * x / h + dy * y / h


@register_jvp(math.fabs)
def math_fabs(ans, x, dx):
    return dx * math.copysign(1.0, x) if x != 0 else 0.0 * dx

# ---------------------------------------------------------------- reductions


@register_jvp(np.sum)
def sum_(ans, x, dx, axis=None, dtype=None, out=None, keepdims=False):
    return np.sum(dx, axis=axis, keepdims=keepdims) if axis is not None or keepdims \
        else np.sum(dx)


@register_jvp(np.mean)
@register_jvp(np.average)
def mean(ans, x, dx, axis=None, dtype=None, out=None, keepdims=False):
    return np.mean(dx, axis=axis, keepdims=keepdims) if axis is not None or keepdims \
        else np.mean(dx)


@register_jvp(np.max)
@register_jvp(np.amax)
@register_jvp(np.min)
@register_jvp(np.amin)
def extremum(ans, x, dx, axis=None, out=None, keepdims=False):
    return _extremum_jvp(ans, x, dx, axis, keepdims)


@register_method_jvp("sum")
def m_sum(ans, x, dx, axis=None, dtype=None, out=None, keepdims=False):
    return np.sum(dx, axis=axis, keepdims=keepdims) if axis is not None or keepdims \
        else np.sum(dx)


@register_method_jvp("mean")
def m_mean(ans, x, dx, axis=None, dtype=None, out=None, keepdims=False):
    return np.mean(dx, axis=axis, keepdims=keepdims) if axis is not None or keepdims \
        else np.mean(dx)


@register_method_jvp("max")
@register_method_jvp("min")
def m_extremum(ans, x, dx, axis=None, out=None, keepdims=False):
    return _extremum_jvp(ans, x, dx, axis, keepdims)

# ---------------------------------------------------------------- shapes and products


@register_jvp(np.transpose)
def transpose(ans, x, dx, axes=None):
    return np.transpose(dx, axes)


@register_jvp(np.reshape)
def reshape(ans, x, dx, shape):
    return np.reshape(dx, np.shape(ans))


@register_jvp(np.ravel)
def ravel(ans, x, dx):
    return np.ravel(dx)


@register_jvp(np.array)
@register_jvp(np.asarray)
def copy(ans, x, dx, dtype=None):
    return np.array(dx, dtype=float)


@register_jvp(np.outer)
def outer(ans, x, y, dx, dy):
    return np.outer(dx, y) + np.outer(x, dy)


@register_method_jvp("dot")
def m_dot(ans, x, y, dx, dy):
    return np.dot(dx, y) + np.dot(x, dy)


@register_method_jvp("reshape")
def m_reshape(ans, x, *shape, dx=0.0, dshape=()):
    return np.reshape(dx, np.shape(ans))


@register_method_jvp("ravel")
@register_method_jvp("flatten")
def m_ravel(ans, x, dx):
    return np.ravel(dx)


@register_method_jvp("copy")
def m_copy(ans, x, dx):
    return np.copy(dx)


@register_method_jvp("astype")
def m_astype(ans, x, dtype, dx, ddtype):
    return dx


@register_method_jvp("transpose")
def m_transpose(ans, x, *axes, dx=0.0, daxes=()):
    return dx.transpose(*axes)



@register_jvp(np.copy)
def np_copy(ans, x, dx):
    return np.array(dx, dtype=float)

@register_jvp(np.dot)
def dot(ans, x, y, dx, dy):
    return np.dot(dx, y) + np.dot(x, dy)


@register_jvp(np.fmod)
def fmod(ans, x, y, dx, dy):
    return dx - dy * np.trunc(x / y)

# ---------------------------------------------------------------- builtins, continued


# (list, tuple and sum: in jvps_runtime, with the helpers generated code calls)


@register_jvp(builtins.max)
@register_jvp(builtins.min)
def builtin_extremum(ans, x, *rest, dx=0.0, drest=()):
    return _builtin_extremum_jvp(ans, x, rest, dx, drest)

# ---------------------------------------------------------------- numpy, continued


@register_jvp(np.sinc)
def sinc(ans, x, dx):
    return dx * _sinc_grad(x)


@register_jvp(np.inner)
def inner(ans, x, y, dx, dy):
    return np.inner(dx, y) + np.inner(x, dy)


@register_jvp(np.tensordot)
def tensordot(ans, a, b, da, db, axes=2):
    return np.tensordot(da, b, axes) + np.tensordot(a, db, axes)


@register_jvp(np.kron)
def kron(ans, a, b, da, db):
    return np.kron(da, b) + np.kron(a, db)


@register_jvp(np.cross)
def cross(ans, a, b, da, db):
    return np.cross(da, b) + np.cross(a, db)


@register_jvp(np.einsum)
def einsum(ans, subscripts, *operands, dsubscripts=None, doperands=()):
    return _einsum_jvp(subscripts, operands, doperands)


@register_jvp(np.cumsum)
def cumsum(ans, x, dx, axis=None):
    return np.cumsum(dx, axis)


@register_jvp(np.prod)
def prod(ans, x, dx, axis=None, keepdims=False):
    return _prod_jvp(ans, x, dx, axis, keepdims)


@register_jvp(np.var)
def var(ans, x, dx, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    centred = x - np.mean(x, axis=axis, keepdims=True)
    return 2.0 * np.sum(centred * dx, axis=axis, keepdims=keepdims) / (
        np.size(x) / np.size(ans) - ddof)


@register_jvp(np.std)
def std(ans, x, dx, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _std_jvp(ans, x, dx, axis, ddof, keepdims)


@register_jvp(np.trace)
def trace(ans, a, da):
    return np.trace(da)


@register_jvp(np.linalg.norm)
def norm(ans, x, dx, ord=None, axis=None, keepdims=False):
    return _stable_norm_jvp(ans, x, dx, ord, axis, keepdims)


@register_jvp(np.swapaxes)
def swapaxes(ans, x, dx, axis1, axis2):
    return np.swapaxes(dx, axis1, axis2)


@register_jvp(np.atleast_1d)
@register_jvp(np.atleast_2d)
def atleast(ans, x, dx):
    return np.reshape(dx, np.shape(ans))


@register_jvp(np.expand_dims)
def expand_dims(ans, x, dx, axis):
    return np.expand_dims(dx, axis)


@register_jvp(np.squeeze)
def squeeze(ans, x, dx, axis=None):
    return np.squeeze(dx, axis)


@register_jvp(np.diag)
def diag(ans, x, dx, k=0):
    return np.diag(dx, k)


@register_jvp(np.flip)
def flip(ans, x, dx, axis=None):
    return np.flip(dx, axis)


@register_jvp(np.roll)
def roll(ans, x, shift, dx, dshift, axis=None):
    return np.roll(dx, shift, axis)


@register_jvp(np.tril)
def tril(ans, x, dx, k=0):
    return np.tril(dx, k)


@register_jvp(np.triu)
def triu(ans, x, dx, k=0):
    return np.triu(dx, k)


@register_jvp(np.broadcast_to)
def broadcast_to(ans, x, shape, dx, dshape):
    return np.broadcast_to(dx, shape)


@register_jvp(np.moveaxis)
def moveaxis(ans, x, source, destination, dx, dsource, ddestination):
    return np.moveaxis(dx, source, destination)


@register_jvp(np.tile)
def tile(ans, x, reps, dx, dreps):
    return np.tile(dx, reps)


@register_jvp(np.repeat)
def repeat(ans, x, repeats, dx, drepeats, axis=None):
    return np.repeat(dx, repeats, axis)


@register_jvp(np.pad)
def pad(ans, x, pad_width, dx, dpad_width, mode="constant", constant_values=0):
    return np.pad(dx, pad_width, mode)


@register_jvp(np.take)
def take(ans, x, indices, dx, dindices, axis=None):
    return np.take(dx, indices, axis)


@register_jvp(np.split)
def split(ans, x, indices_or_sections, dx, dindices_or_sections, axis=0):
    return np.split(dx, indices_or_sections, axis)


@register_jvp(np.concatenate)
def concatenate(ans, arrays, darrays, axis=0):
    return np.concatenate(darrays, axis)


@register_jvp(np.stack)
def stack(ans, arrays, darrays, axis=0):
    return np.stack(darrays, axis)


@register_jvp(np.vstack)
def vstack(ans, arrays, darrays):
    return np.vstack(darrays)


@register_jvp(np.hstack)
def hstack(ans, arrays, darrays):
    return np.hstack(darrays)

# ---------------------------------------------------------------- linear algebra


@register_jvp(np.linalg.inv)
def inv(ans, a, da):
    return -ans @ da @ ans


@register_jvp(np.linalg.solve)
def solve(ans, a, b, da, db):
    return np.linalg.solve(a, db - da @ ans)


@register_jvp(np.linalg.det)
def det(ans, a, da):
    return ans * np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


@register_jvp(np.linalg.slogdet)
def slogdet(ans, a, da):
    return 0.0 * ans[0], np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


@register_jvp(np.linalg.pinv)
def pinv(ans, a, da):
    pt = np.swapaxes(ans, -1, -2)
    dat = np.swapaxes(da, -1, -2)
    return (-ans @ da @ ans + ans @ pt @ dat @ (np.eye(np.shape(a)[-2]) - a @ ans)
            + (np.eye(np.shape(a)[-1]) - ans @ a) @ dat @ pt @ ans)

# ---------------------------------------------------------------- methods, continued


@register_method_jvp("prod")
def m_prod(ans, x, dx, axis=None, dtype=None, out=None, keepdims=False):
    return _prod_jvp(ans, x, dx, axis, keepdims)


@register_method_jvp("var")
def m_var(ans, x, dx, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    centred = x - np.mean(x, axis=axis, keepdims=True)
    return 2.0 * np.sum(centred * dx, axis=axis, keepdims=keepdims) / (
        np.size(x) / np.size(ans) - ddof)


@register_method_jvp("std")
def m_std(ans, x, dx, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _std_jvp(ans, x, dx, axis, ddof, keepdims)


@register_method_jvp("squeeze")
def m_squeeze(ans, x, dx, axis=None):
    return np.squeeze(dx, axis)


@register_method_jvp("clip")
def m_clip(ans, x, lo=None, hi=None, dx=0.0, dlo=0.0, dhi=0.0):
    return (dx * _inside(x, lo, hi) + dlo * _clipped_to(x, lo, True)
            + dhi * _clipped_to(x, hi, False))


@register_method_jvp("item")
def m_item(ans, x, *index, dx=0.0, dindex=()):
    return np.asarray(dx).item(*index)


@register_method_jvp("tolist")
def m_tolist(ans, x, dx):
    return np.asarray(dx, dtype=float).tolist()

# zero tangents stay symbolic through these (f(0, ...) is 0)
linear("first", np.pad, np.split)
