"""Built-in reverse-mode rules, written in the same template form users register.

Each rule is ``rule(g, ans, *args)``: ``g`` is the output's cotangent, ``ans``
the output's value.  The rule returns one cotangent per argument; ``None``
means the argument gets no derivative.  Rules are numerically stable: they
reuse ``ans`` where the derivative is a function of it (exp, tanh, sqrt) and
divide step by step instead of squaring small numbers (``a / b``).

``broadcasting=True`` marks rules of elementwise functions of several
arguments: the compiler sums each cotangent back to its argument's shape.
"""

import builtins
import math
import operator

import numpy as np

from ..runtime import builtin_extremum_grad as _builtin_extremum_grad
from ..runtime import concatenate_grad as _concatenate_grad
from ..runtime import diag_grad as _diag_grad
from ..runtime import dot_gx as _dot_gx
from ..runtime import dot_gy as _dot_gy
from ..runtime import kron_grad as _kron_grad
from ..runtime import pad_grad as _pad_grad
from ..runtime import pinv_grad as _pinv_grad
from ..runtime import repeat_grad as _repeat_grad
from ..runtime import sinc_grad as _sinc_grad
from ..runtime import take_grad as _take_grad
from ..runtime import tile_grad as _tile_grad
from ..runtime import unbroadcast as _unbroadcast
from ..runtime import einsum_grads as _einsum_grads
from ..runtime import tensordot_grad as _tensordot_grad
from ..runtime import from_items as _from_items
from ..runtime import hstack_grad as _hstack_grad
from ..runtime import inner_grad as _inner_grad
from ..runtime import clipped_to as _clipped_to
from ..runtime import inside as _inside
from ..runtime import vstack_grad as _vstack_grad
from ..runtime import norm_grad as _norm_grad
from ..runtime import norm_axes as _norm_axes
from ..runtime import prod_grad as _prod_grad
from ..runtime import stack_grad as _stack_grad
from ..runtime import var_grad as _var_grad
from ..runtime import std_grad as _std_grad
from ..runtime import expand_reduced as _expand_reduced
from ..runtime import extremum_grad as _extremum_grad
from ..runtime import item_grad as _item_grad
from ..runtime import matmul_gx as _matmul_gx
from ..runtime import matmul_gy as _matmul_gy
from ..runtime import seq_sum_grad as _seq_sum_grad
from .registry import (
    non_differentiable,
    non_differentiable_methods,
    register_method_vjp,
    register_vjp,
)

# ---------------------------------------------------------------- operators


@register_vjp(operator.add, broadcasting=True)
def add(g, ans, x, y):
    return g, g


@register_vjp(operator.sub, broadcasting=True)
def sub(g, ans, x, y):
    return g, -g


@register_vjp(operator.mul, broadcasting=True)
def mul(g, ans, x, y):
    return g * y, g * x


@register_vjp(operator.truediv, broadcasting=True)
def truediv(g, ans, x, y):
    return g / y, -g * ans / y


@register_vjp(operator.pow, broadcasting=True)
def pow_(g, ans, x, y):
    return g * y * np.power(x, y - 1.0), g * ans * np.log(np.where(x == 0, 1.0, x))


@register_vjp(operator.neg)
def neg(g, ans, x):
    return -g


@register_vjp(operator.pos)
def pos(g, ans, x):
    return g


@register_vjp(operator.matmul)
def matmul(g, ans, x, y):
    return _matmul_gx(g, x, y), _matmul_gy(g, x, y)


@register_vjp(operator.mod, broadcasting=True)
def mod(g, ans, x, y):
    return g, -g * np.floor_divide(x, y)


non_differentiable(operator.floordiv, operator.lt, operator.le, operator.gt,
                   operator.ge, operator.eq, operator.ne, operator.not_, operator.invert)

# ---------------------------------------------------------------- builtins


@register_vjp(builtins.abs)
def abs_(g, ans, x):
    return g * np.sign(x)


@register_vjp(builtins.float)
def float_(g, ans, x):
    return g


@register_vjp(builtins.list)
def list_(g, ans, x):
    return _from_items(g, x)


@register_vjp(builtins.tuple)
def tuple_(g, ans, x):
    return _from_items(g, x)


@register_vjp(builtins.pow, broadcasting=True)
def builtin_pow(g, ans, x, y):
    return g * y * np.power(x, y - 1.0), g * ans * np.log(np.where(x == 0, 1.0, x))


@register_vjp(builtins.sum)
def builtin_sum(g, ans, xs, start=0):
    return _seq_sum_grad(g, xs), g


@register_vjp(builtins.max)
@register_vjp(builtins.min)
def builtin_extremum(g, ans, x, *rest):
    return _builtin_extremum_grad(g, ans, x, *rest)


# the helper returns one cotangent per argument when there are several
builtin_extremum.tl_per_argument = True

non_differentiable(builtins.len, builtins.range, builtins.int, builtins.bool, builtins.round,
                   builtins.isinstance, builtins.print, builtins.enumerate, builtins.zip,
                   builtins.str, builtins.repr, builtins.format, builtins.type, math.floor,
                   math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite, math.copysign)

# ---------------------------------------------------------------- math


@register_vjp(math.exp)
def math_exp(g, ans, x):
    return g * ans


@register_vjp(math.expm1)
def math_expm1(g, ans, x):
    return g * math.exp(x)


@register_vjp(math.log)
def math_log(g, ans, x, base=math.e):
    return g / (x * math.log(base)), -g * ans / (base * math.log(base))


@register_vjp(math.log1p)
def math_log1p(g, ans, x):
    return g / (1.0 + x)


@register_vjp(math.log2)
def math_log2(g, ans, x):
    return g / (x * math.log(2.0))


@register_vjp(math.log10)
def math_log10(g, ans, x):
    return g / (x * math.log(10.0))


@register_vjp(math.sqrt)
def math_sqrt(g, ans, x):
    return g / (2.0 * ans) if ans != 0 else g * math.inf


@register_vjp(math.sin)
def math_sin(g, ans, x):
    return g * math.cos(x)


@register_vjp(math.cos)
def math_cos(g, ans, x):
    return -g * math.sin(x)


@register_vjp(math.tan)
def math_tan(g, ans, x):
    return g * (1.0 + ans * ans)


@register_vjp(math.asin)
def math_asin(g, ans, x):
    return g / np.sqrt((1.0 - x) * (1.0 + x))


@register_vjp(math.acos)
def math_acos(g, ans, x):
    return -g / np.sqrt((1.0 - x) * (1.0 + x))


@register_vjp(math.atan)
def math_atan(g, ans, x):
    return g / (1.0 + x * x)


@register_vjp(math.atan2)
def math_atan2(g, ans, y, x):
    return g * x / math.hypot(x, y) / math.hypot(x, y), -g * y / math.hypot(x, y) / math.hypot(x, y)


@register_vjp(math.sinh)
def math_sinh(g, ans, x):
    return g * math.cosh(x)


@register_vjp(math.cosh)
def math_cosh(g, ans, x):
    return g * math.sinh(x)


@register_vjp(math.tanh)
def math_tanh(g, ans, x):
    return g * (1.0 - ans * ans)


@register_vjp(math.pow)
def math_pow(g, ans, x, y):
    return g * y * np.power(x, y - 1.0), (g * ans * math.log(x) if x > 0 else 0.0)


@register_vjp(math.fabs)
def math_fabs(g, ans, x):
    return g * np.sign(x)


@register_vjp(math.hypot)
def math_hypot(g, ans, x, y):
    return g * x / (ans if ans != 0 else 1.0), g * y / (ans if ans != 0 else 1.0)


@register_vjp(math.erf)
def math_erf(g, ans, x):
    return g * 2.0 / math.sqrt(math.pi) * math.exp(-x * x)

# ---------------------------------------------------------------- numpy elementwise


@register_vjp(np.exp)
def np_exp(g, ans, x):
    return g * ans


@register_vjp(np.expm1)
def np_expm1(g, ans, x):
    return g * np.exp(x)


@register_vjp(np.log)
def np_log(g, ans, x):
    return g / x


@register_vjp(np.log1p)
def np_log1p(g, ans, x):
    # np.add: inf at x = -1 also for a Python float x, where 1.0 / 0.0 would raise
    return g / np.add(1.0, x)


@register_vjp(np.log2)
def np_log2(g, ans, x):
    return g / (x * np.log(2.0))


@register_vjp(np.log10)
def np_log10(g, ans, x):
    return g / (x * np.log(10.0))


@register_vjp(np.sqrt)
def np_sqrt(g, ans, x):
    return g / (2.0 * ans)


@register_vjp(np.square)
def np_square(g, ans, x):
    return 2.0 * g * x


@register_vjp(np.reciprocal)
def np_reciprocal(g, ans, x):
    return -g * ans * ans


@register_vjp(np.sin)
def np_sin(g, ans, x):
    return g * np.cos(x)


@register_vjp(np.cos)
def np_cos(g, ans, x):
    return -g * np.sin(x)


@register_vjp(np.tan)
def np_tan(g, ans, x):
    return g * (1.0 + ans * ans)


@register_vjp(np.arcsin)
def np_arcsin(g, ans, x):
    return g / np.sqrt((1.0 - x) * (1.0 + x))


@register_vjp(np.arccos)
def np_arccos(g, ans, x):
    return -g / np.sqrt((1.0 - x) * (1.0 + x))


@register_vjp(np.arctan)
def np_arctan(g, ans, x):
    return g / (1.0 + x * x)


@register_vjp(np.sinh)
def np_sinh(g, ans, x):
    return g * np.cosh(x)


@register_vjp(np.cosh)
def np_cosh(g, ans, x):
    return g * np.sinh(x)


@register_vjp(np.tanh)
def np_tanh(g, ans, x):
    return g * (1.0 - ans * ans)


@register_vjp(np.abs)
def np_abs(g, ans, x):
    return g * np.sign(x)


@register_vjp(np.negative)
def np_negative(g, ans, x):
    return -g


@register_vjp(np.add, broadcasting=True)
def np_add(g, ans, x, y):
    return g, g


@register_vjp(np.subtract, broadcasting=True)
def np_subtract(g, ans, x, y):
    return g, -g


@register_vjp(np.multiply, broadcasting=True)
def np_multiply(g, ans, x, y):
    return g * y, g * x


@register_vjp(np.divide, broadcasting=True)
def np_divide(g, ans, x, y):
    return g / y, -g * ans / y


@register_vjp(np.power, broadcasting=True)
def np_power(g, ans, x, y):
    return g * y * np.power(x, y - 1.0), g * ans * np.log(np.where(x == 0, 1.0, x))


@register_vjp(np.maximum, broadcasting=True)
def np_maximum(g, ans, x, y):
    return g * ((x > y) + 0.5 * (x == y)), g * ((x < y) + 0.5 * (x == y))


@register_vjp(np.minimum, broadcasting=True)
def np_minimum(g, ans, x, y):
    return g * ((x < y) + 0.5 * (x == y)), g * ((x > y) + 0.5 * (x == y))


@register_vjp(np.where, broadcasting=True)
def np_where(g, ans, c, x, y):
    return None, np.where(c, g, 0.0), np.where(c, 0.0, g)


@register_vjp(np.clip, broadcasting=True)
def np_clip(g, ans, x, lo, hi):
    return g * _inside(x, lo, hi), g * _clipped_to(x, lo, True), g * _clipped_to(x, hi, False)


@register_vjp(np.arctan2, broadcasting=True)
def np_arctan2(g, ans, y, x):
    h = np.hypot(x, y)
    return g * (x / h) / h, -g * (y / h) / h


@register_vjp(np.hypot, broadcasting=True)
def np_hypot(g, ans, x, y):
    return g * x / np.where(ans == 0, 1.0, ans), g * y / np.where(ans == 0, 1.0, ans)


@register_vjp(np.logaddexp, broadcasting=True)
def np_logaddexp(g, ans, x, y):
    return g / (1.0 + np.exp(y - x)), g / (1.0 + np.exp(x - y))

# ---------------------------------------------------------------- reductions


@register_vjp(np.sum)
def np_sum(g, ans, x, axis=None, dtype=None, out=None, keepdims=False):
    if axis is None:
        return np.broadcast_to(g, np.shape(x))
    return _expand_reduced(g, x, axis, keepdims)


@register_vjp(np.mean)
@register_vjp(np.average)
def np_mean(g, ans, x, axis=None, dtype=None, out=None, keepdims=False):
    if axis is None:
        return np.broadcast_to(g / np.size(x), np.shape(x))
    return _expand_reduced(g / (np.size(x) / np.size(ans)), x, axis, keepdims)


@register_vjp(np.max)
@register_vjp(np.amax)
def np_max(g, ans, x, axis=None, out=None, keepdims=False):
    return _extremum_grad(g, ans, x, axis, keepdims)


@register_vjp(np.min)
@register_vjp(np.amin)
def np_min(g, ans, x, axis=None, out=None, keepdims=False):
    return _extremum_grad(g, ans, x, axis, keepdims)


# ---------------------------------------------------------------- products and shapes


@register_vjp(np.dot)
def np_dot(g, ans, x, y):
    return _dot_gx(g, x, y), _dot_gy(g, x, y)


@register_vjp(np.matmul)
def np_matmul(g, ans, x, y):
    return _matmul_gx(g, x, y), _matmul_gy(g, x, y)


@register_vjp(np.outer)
def np_outer(g, ans, x, y):
    return np.reshape(g @ np.ravel(y), np.shape(x)), np.reshape(np.ravel(x) @ g, np.shape(y))


@register_vjp(np.inner)
def np_inner(g, ans, x, y):
    return _inner_grad(g, x, y), _inner_grad(g, x, y, True)


@register_vjp(np.mod, broadcasting=True)
@register_vjp(np.remainder, broadcasting=True)
def np_mod(g, ans, x, y):
    return g, -g * np.floor_divide(x, y)


@register_vjp(np.fmod, broadcasting=True)
def np_fmod(g, ans, x, y):
    return g, -g * np.trunc(x / y)


@register_vjp(np.einsum)
def np_einsum(g, ans, subscripts, *operands):
    return _einsum_grads(g, subscripts, operands)


np_einsum.tl_per_argument = True


@register_vjp(np.transpose)
def np_transpose(g, ans, x, axes=None):
    return np.transpose(g, None if axes is None else np.argsort(np.mod(axes, np.ndim(g))))


@register_vjp(np.reshape)
def np_reshape(g, ans, x, shape):
    return np.reshape(g, np.shape(x))


@register_vjp(np.ravel)
def np_ravel(g, ans, x):
    return np.reshape(g, np.shape(x))


@register_vjp(np.copy)
def np_copy(g, ans, x):
    return g


@register_vjp(np.array)
def np_array(g, ans, x, dtype=None):
    return g


@register_vjp(np.asarray)
def np_asarray(g, ans, x, dtype=None):
    return g


@register_vjp(np.arcsinh)
def np_arcsinh(g, ans, x):
    return g / np.hypot(x, 1.0)


@register_vjp(np.arccosh)
def np_arccosh(g, ans, x):
    return g / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))


@register_vjp(np.arctanh)
def np_arctanh(g, ans, x):
    # np.multiply: inf at x = ±1 also for a Python float x, where 1.0 / 0.0 would raise
    return g / np.multiply(1.0 - x, 1.0 + x)


@register_vjp(np.exp2)
def np_exp2(g, ans, x):
    return g * ans * np.log(2.0)


@register_vjp(np.fabs)
def np_fabs(g, ans, x):
    return g * np.sign(x)


@register_vjp(np.deg2rad)
@register_vjp(np.radians)
def np_deg2rad(g, ans, x):
    return g * (np.pi / 180.0)


@register_vjp(np.rad2deg)
@register_vjp(np.degrees)
def np_rad2deg(g, ans, x):
    return g * (180.0 / np.pi)


@register_vjp(np.cumsum)
def np_cumsum(g, ans, x, axis=None):
    if axis is None:
        return np.reshape(np.cumsum(np.ravel(g)[::-1])[::-1], np.shape(x))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


@register_vjp(np.swapaxes)
def np_swapaxes(g, ans, x, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


@register_vjp(np.atleast_1d)
@register_vjp(np.atleast_2d)
def np_atleast(g, ans, x):
    return np.reshape(g, np.shape(x))


@register_vjp(np.diag)
def np_diag(g, ans, x, k=0):
    if np.ndim(x) == 1:
        return np.diag(g, k)
    return _diag_grad(g, x, k)


@register_vjp(np.tensordot)
def np_tensordot(g, ans, a, b, axes=2):
    return _tensordot_grad(g, a, b, axes), _tensordot_grad(g, a, b, axes, True)


@register_vjp(np.sinc)
def np_sinc(g, ans, x):
    return g * _sinc_grad(x)


@register_vjp(np.flip)
def np_flip(g, ans, x, axis=None):
    return np.flip(g, axis)


@register_vjp(np.roll)
def np_roll(g, ans, x, shift, axis=None):
    return np.roll(g, -shift if np.ndim(shift) == 0 else np.negative(shift), axis)


@register_vjp(np.tril)
def np_tril(g, ans, x, k=0):
    return np.tril(g, k)


@register_vjp(np.triu)
def np_triu(g, ans, x, k=0):
    return np.triu(g, k)


@register_vjp(np.broadcast_to)
def np_broadcast_to(g, ans, x, shape):
    return _unbroadcast(g, x)


@register_vjp(np.moveaxis)
def np_moveaxis(g, ans, x, source, destination):
    return np.moveaxis(g, destination, source)


@register_vjp(np.tile)
def np_tile(g, ans, x, reps):
    return _tile_grad(g, x, reps)


@register_vjp(np.repeat)
def np_repeat(g, ans, x, repeats, axis=None):
    return _repeat_grad(g, x, repeats, axis)


@register_vjp(np.pad)
def np_pad(g, ans, x, pad_width, mode="constant", constant_values=0):
    return _pad_grad(g, x, pad_width, mode)


@register_vjp(np.take)
def np_take(g, ans, x, indices, axis=None):
    return _take_grad(g, x, indices, axis)


@register_vjp(np.kron)
def np_kron(g, ans, a, b):
    return _kron_grad(g, a, b), _kron_grad(g, a, b, True)


@register_vjp(np.cross, broadcasting=True)
def np_cross(g, ans, a, b):
    return np.cross(b, g), np.cross(g, a)


@register_vjp(np.linalg.slogdet)
def np_slogdet(g, ans, a):
    return np.expand_dims(g[1], (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)


@register_vjp(np.linalg.pinv)
def np_pinv(g, ans, a):
    return _pinv_grad(g, ans, a)


@register_vjp(np.split)
def np_split(g, ans, x, indices_or_sections, axis=0):
    return np.concatenate([np.zeros(np.shape(p)) + gi for p, gi in zip(ans, g)], axis)


@register_vjp(np.concatenate)
def np_concatenate(g, ans, arrays, axis=0):
    return _concatenate_grad(g, arrays, axis)


@register_vjp(np.stack)
def np_stack(g, ans, arrays, axis=0):
    return _stack_grad(g, arrays, axis)


@register_vjp(np.expand_dims)
def np_expand_dims(g, ans, x, axis):
    return np.reshape(g, np.shape(x))


@register_vjp(np.squeeze)
def np_squeeze(g, ans, x, axis=None):
    return np.reshape(g, np.shape(x))


@register_vjp(np.prod)
def np_prod(g, ans, x, axis=None, keepdims=False):
    return _prod_grad(g, ans, x, axis, keepdims)


@register_vjp(np.var)
def np_var(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _var_grad(g, x, axis, ddof, keepdims)


@register_vjp(np.std)
def np_std(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _std_grad(g, x, axis, ddof, keepdims)


@register_vjp(np.trace)
def np_trace(g, ans, a):
    return g * np.eye(np.shape(a)[0], np.shape(a)[1])


@register_vjp(np.linalg.norm)
def np_linalg_norm(g, ans, x, ord=None, axis=None, keepdims=False):
    return _norm_grad(g, ans, x, ord, _norm_axes(x, ord, axis), keepdims)


@register_vjp(np.linalg.inv)
def np_linalg_inv(g, ans, a):
    return -np.swapaxes(ans, -1, -2) @ g @ np.swapaxes(ans, -1, -2)


@register_vjp(np.linalg.solve)
def np_linalg_solve(g, ans, a, b):
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), g)
    return -(np.expand_dims(gb, -1) * np.expand_dims(ans, -2) if np.ndim(b) == 1
             else gb @ np.swapaxes(ans, -1, -2)), gb


@register_vjp(np.linalg.det)
def np_linalg_det(g, ans, a):
    return np.expand_dims(g * ans, (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)


non_differentiable(np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.argmax,
                   np.argmin, np.argsort, np.shape, np.size, np.ndim, np.zeros, np.ones,
                   np.zeros_like, np.ones_like, np.empty, np.empty_like, np.eye, np.identity,
                   np.arange, np.linspace, np.full, np.full_like, np.isnan, np.isfinite,
                   np.isinf, np.greater, np.less, np.greater_equal, np.less_equal, np.equal,
                   np.not_equal, np.logical_and, np.logical_or, np.logical_not, np.any,
                   np.all, np.count_nonzero, np.floor_divide, np.nonzero)

# ---------------------------------------------------------------- methods (x.name(...))


@register_method_vjp("sum")
def m_sum(g, ans, x, axis=None, dtype=None, out=None, keepdims=False):
    if axis is None:
        return np.broadcast_to(g, np.shape(x))
    return _expand_reduced(g, x, axis, keepdims)


@register_method_vjp("mean")
def m_mean(g, ans, x, axis=None, dtype=None, out=None, keepdims=False):
    if axis is None:
        return np.broadcast_to(g / np.size(x), np.shape(x))
    return _expand_reduced(g / (np.size(x) / np.size(ans)), x, axis, keepdims)


@register_method_vjp("max")
def m_max(g, ans, x, axis=None, out=None, keepdims=False):
    return _extremum_grad(g, ans, x, axis, keepdims)


@register_method_vjp("min")
def m_min(g, ans, x, axis=None, out=None, keepdims=False):
    return _extremum_grad(g, ans, x, axis, keepdims)


@register_method_vjp("dot")
def m_dot(g, ans, x, y):
    return _dot_gx(g, x, y), _dot_gy(g, x, y)


@register_method_vjp("reshape")
def m_reshape(g, ans, x, *shape):
    return np.reshape(g, np.shape(x))


@register_method_vjp("ravel")
def m_ravel(g, ans, x):
    return np.reshape(g, np.shape(x))


@register_method_vjp("flatten")
def m_flatten(g, ans, x):
    return np.reshape(g, np.shape(x))


@register_method_vjp("transpose")
def m_transpose(g, ans, x, *axes):
    return np.transpose(g, np.argsort(np.mod(axes[0] if len(axes) == 1 else axes, np.ndim(g)))
                        if axes else None)


@register_method_vjp("prod")
def m_prod(g, ans, x, axis=None, dtype=None, out=None, keepdims=False):
    return _prod_grad(g, ans, x, axis, keepdims)


@register_method_vjp("var")
def m_var(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _var_grad(g, x, axis, ddof, keepdims)


@register_method_vjp("std")
def m_std(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _std_grad(g, x, axis, ddof, keepdims)


@register_method_vjp("squeeze")
def m_squeeze(g, ans, x, axis=None):
    return np.reshape(g, np.shape(x))


@register_method_vjp("copy")
def m_copy(g, ans, x):
    return g


@register_method_vjp("astype")
def m_astype(g, ans, x, dtype):
    return g


@register_method_vjp("clip")
def m_clip(g, ans, x, lo=None, hi=None):
    return (g * _inside(x, lo, hi), _unbroadcast(g * _clipped_to(x, lo, True), lo),
            _unbroadcast(g * _clipped_to(x, hi, False), hi))


@register_vjp(np.cbrt)
def np_cbrt(g, ans, x):
    return g / (3.0 * ans * ans)


@register_vjp(np.vstack)
def np_vstack(g, ans, arrays):
    return _vstack_grad(g, arrays)


@register_vjp(np.hstack)
def np_hstack(g, ans, arrays):
    return _hstack_grad(g, arrays)


@register_method_vjp("item")
def m_item(g, ans, x, *index):
    return _item_grad(g, x, index)


@register_method_vjp("tolist")
def m_tolist(g, ans, x):
    return np.reshape(np.asarray(g, dtype=float), np.shape(x))


non_differentiable_methods("argmax", "argmin", "argsort", "nonzero", "any", "all", "keys",
                           "__len__")
