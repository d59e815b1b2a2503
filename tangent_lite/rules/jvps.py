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

from ..runtime import extremum_jvp as _extremum_jvp
from ..runtime import inside as _inside
from .registry import register_jvp, register_method_jvp

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
    return dx * y * x ** (y - 1) + dy * ans * np.log(np.where(x == 0, 1.0, x))


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
@register_jvp(np.dot)
def matmul(ans, x, y, dx, dy):
    return dx @ y + x @ dy


@register_jvp(operator.mod)
@register_jvp(np.mod)
@register_jvp(np.remainder)
@register_jvp(np.fmod)
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


@register_jvp(math.expm1)
@register_jvp(np.expm1)
def expm1(ans, x, dx):
    return dx * (ans + 1.0)


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
    return dx / (1.0 + x)


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
    return dx / np.sqrt(1.0 - x * x)


@register_jvp(np.arccos)
def arccos(ans, x, dx):
    return -dx / np.sqrt(1.0 - x * x)


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
    return dx / np.sqrt(1.0 + x * x)


@register_jvp(np.arccosh)
def arccosh(ans, x, dx):
    return dx / np.sqrt(x * x - 1.0)


@register_jvp(np.arctanh)
def arctanh(ans, x, dx):
    return dx / (1.0 - x * x)


@register_jvp(np.arctan2)
def arctan2(ans, y, x, dy, dx):
    return (dy * x - dx * y) / np.hypot(x, y) / np.hypot(x, y)


@register_jvp(np.hypot)
def hypot(ans, x, y, dx, dy):
    return (dx * x + dy * y) / ans


@register_jvp(math.pow)
def math_pow(ans, x, y, dx, dy):
    return dx * y * math.pow(x, y - 1) + (dy * ans * math.log(x) if x > 0 else 0.0)


@register_jvp(math.erf)
def erf(ans, x, dx):
    return dx * 2.0 / math.sqrt(math.pi) * math.exp(-x * x)


@register_jvp(np.logaddexp)
def logaddexp(ans, x, y, dx, dy):
    return dx * np.exp(x - ans) + dy * np.exp(y - ans)


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
    return dx * _inside(x, lo, hi)


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
    return dx / math.sqrt(1.0 - x * x)


@register_jvp(math.acos)
def math_acos(ans, x, dx):
    return -dx / math.sqrt(1.0 - x * x)


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
    return (dy * x - dx * y) / math.hypot(x, y) / math.hypot(x, y)


@register_jvp(math.hypot)
def math_hypot(ans, x, y, dx, dy):
    return (dx * x + dy * y) / ans


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


@register_jvp(np.copy)
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
    return np.transpose(dx, *axes)

