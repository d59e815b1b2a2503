"""End-to-end gradient checks of tl.grad against central finite differences.

Every function is a plain module-level function (tangent_lite reads its source).
Each case checks: the gradient matches finite differences, has the type/shape of
its argument, and the caller's arrays are left unchanged.
"""

import math

import numpy as np
import pytest

import tangent_lite as tl
from fd import assert_close, check_grad, numerical_grad

# ---------------------------------------------------------------------------
# Points (fixed seeds; kept away from kinks and domain edges)
# ---------------------------------------------------------------------------

_rng = np.random.default_rng(20240611)


def _u(shape, lo=-1.0, hi=1.0):
    return _rng.uniform(lo, hi, size=shape)


V3 = _u(3)
W3 = _u(3)
V4 = _u(4)
V5 = _u(5)
P5 = _u(5, 0.3, 2.0)  # positive
Q5 = _u(5, 0.3, 2.0)
A34 = _u((3, 4))
B34 = _u((3, 4))
B45 = _u((4, 5))
A33 = _u((3, 3))
C31 = _u((3, 1))
R14 = _u((1, 4))
M26 = _u((2, 6))
V12 = _u(12)
XLR = _u((6, 3))
WLR = _u(3)
YLR = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
# values bounded away from 0 and from each other (for abs/max/min/where)
VSEP = np.array([-1.3, -0.4, 0.6, 1.1, 1.9])
WSEP = np.array([0.2, -0.9, 1.4, 0.5, 1.2])

SCALE = 1.5


# ---------------------------------------------------------------------------
# Scalar arithmetic and math
# ---------------------------------------------------------------------------


def add(x, y):
    return x + y


def sub(x, y):
    return x - y


def mul(x, y):
    return x * y


def div(x, y):
    return x / y


def pow_const(x):
    return x ** 3


def pow_var(x, y):
    return x ** y


def neg(x, y):
    return -x * y


def unary_plus(x):
    return +x * x


def poly(x):
    return 3.0 * x ** 2 - 2.0 * x + 1.0


def reciprocal(x):
    return 1.0 / x


def rpow(x):
    return 2.0 ** x


def pow_fractional(x):
    return x ** 0.5 + x ** -1


def chained(x, y):
    return (x + y) * (x - y) / (x * y + 2.0)


def affine(x):
    return 2.0 * x + 3


def reuse(x):
    y = x * x
    return y * y + y


def many_uses(x):
    a = x
    b = a * x
    c = b * a + x
    return c * b - a


def rebinding(x):
    x = x * 2.0
    x = x + 1.0
    return x * x


def augassign_scalar(x):
    y = x
    y += x
    y *= x
    y -= 1.0
    y /= 2.0
    return y


def tuple_unpack(x, y):
    a, b = x * 2.0, x + y
    return a * b


def swap_unpack(x, y):
    a, b = x, y
    a, b = b, a * b
    return a * b + a


def floordiv_mod(x):
    return 3.0 * x + x // 1.0 + (x % 1.0) * x


def module_constant(x):
    return SCALE * x * x


def math_exp(x):
    return math.exp(x)


def math_log(x):
    return math.log(x)


def math_log_product(x, y):
    return math.log(x * y)


def math_sqrt(x):
    return math.sqrt(x)


def math_sin(x):
    return math.sin(x)


def math_cos(x):
    return math.cos(x)


def math_tan(x):
    return math.tan(x)


def math_tanh(x):
    return math.tanh(x)


def math_pow(x):
    return math.pow(x, 2.5)


def math_pow_both(x, y):
    return math.pow(x, y)


def math_fabs(x):
    return math.fabs(x) * x


def math_compose(x):
    return math.exp(math.sin(x)) * math.log(1.0 + x * x)


def gaussian(x):
    return math.exp(-x * x / 2.0) / math.sqrt(2.0 * math.pi)


def builtin_abs(x):
    return abs(x) * x


def builtin_min_max(x, y):
    return max(x, y) * min(x, y) + max(x, 0.5)


def builtin_pow(x):
    return pow(x, 3) + pow(x, 2.0)


def builtin_float(x):
    return float(x) * x


def conditional_expression(x):
    return x * x if x > 0 else -x


def dict_literal(x, y):
    d = {"a": x, "b": y}
    return d["a"] * d["b"] + d["a"]


def list_literal(x, y):
    v = [x, y, x * y]
    return v[0] * v[2] - v[1]


def builtin_sum_list(x, y):
    return sum([x, y, x * y])


# ---------------------------------------------------------------------------
# NumPy elementwise
# ---------------------------------------------------------------------------


def np_exp(x):
    return np.sum(np.exp(x))


def np_log(x):
    return np.sum(np.log(x))


def np_log1p(x):
    return np.sum(np.log1p(x))


def np_expm1(x):
    return np.sum(np.expm1(x))


def np_sqrt(x):
    return np.sum(np.sqrt(x))


def np_sin(x):
    return np.sum(np.sin(x))


def np_cos(x):
    return np.sum(np.cos(x))


def np_tanh(x):
    return np.sum(np.tanh(x))


def np_abs(x):
    return np.sum(np.abs(x) * x)


def np_maximum_const(x):
    return np.sum(np.maximum(x, 0.1) ** 2)


def np_maximum(x, y):
    return np.sum(np.maximum(x, y) * x)


def np_minimum(x, y):
    return np.sum(np.minimum(x, y) ** 2)


def np_where(x):
    return np.sum(np.where(x > 0, x * x, -x))


def np_where_two(x, y):
    return np.sum(np.where(x > y, x, y) * x)


def np_power(x):
    return np.sum(np.power(x, 3))


def np_power_both(x, y):
    return np.sum(np.power(x, y))


def np_pow_operator(x):
    return np.sum(x ** 2)


def np_mul(x, y):
    return np.sum(x * y)


def np_div(x, y):
    return np.sum(x / y)


def np_neg(x):
    return np.sum(-x * x)


def np_nested(x):
    return np.sum(np.exp(np.sin(np.cos(x))))


def np_scalar_on_element(x):
    return np.exp(x[0]) * np.sin(x[1])


def np_clip(x):
    return np.sum(np.clip(x, -1.0, 1.5) * x)


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------


def np_mean(x):
    return np.mean(x)


def np_mean_axis0(x):
    return np.sum(np.mean(x ** 2, axis=0))


def np_mean_axis1(x):
    return np.sum(np.mean(x, axis=1) * np.arange(3))


def np_sum_axis1(x):
    return np.sum(np.sum(x, axis=1) ** 2)


def np_sum_axis0_weights(x):
    return np.dot(np.sum(x, axis=0), np.arange(4.0))


def np_sum_axis_neg(x):
    return np.sum(np.sin(np.sum(x, axis=-1)))


def np_sum_keepdims(x):
    return np.sum((x / np.sum(x, axis=1, keepdims=True)) ** 2)


def variance(x):
    return np.mean((x - np.mean(x)) ** 2)


def logsumexp(x):
    return np.log(np.sum(np.exp(x)))


def norm(x):
    return np.sqrt(np.sum(x ** 2))


def softmax_first(x):
    e = np.exp(x - np.max(x))
    return (e / np.sum(e))[0]


def shape_attribute(x):
    n = x.shape[0]
    return np.sum(x) / n


# ---------------------------------------------------------------------------
# Linear algebra and broadcasting
# ---------------------------------------------------------------------------


def np_dot_vectors(x, y):
    return np.dot(x, y)


def np_dot_matvec(a, v):
    return np.sum(np.dot(a, v) ** 2)


def np_matmul(a, b):
    return np.sum(np.sin(np.matmul(a, b)))


def matmul_operator(a, b):
    return np.sum(np.tanh(a @ b))


def gram(x):
    return np.sum(x.T @ x)


def transpose_mul(x, y):
    return np.sum(x.T * y.T)


def quadratic_form(x, a):
    return x @ a @ x


def cos_sin_matmul(a, b):
    return np.sum(np.cos(a) @ np.sin(b))


def np_transpose(x):
    return np.sum(np.transpose(x) @ x)


def np_outer(x, y):
    return np.sum(np.outer(x, y) ** 2)


def np_einsum(a, v):
    return np.sum(np.einsum("ij,j->i", a, v) ** 2)


def broadcast_row(a, b):
    return np.sum((a + b) ** 2)


def broadcast_outer(c, r):
    return np.sum(np.sin(c * r))


def scalar_times_array(s, x):
    return np.sum(s * x)


def array_plus_scalar(x, s):
    return np.sum((x + s) ** 2)


def array_div_scalar(x, s):
    return np.sum(np.exp(x / s))


def mlp(w1, x, b1, w2):
    h = np.tanh(x @ w1 + b1)
    return np.sum(h @ w2)


def logistic_loss(w, x, y):
    z = x @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


# ---------------------------------------------------------------------------
# Subscripts, slices, builtins over arrays
# ---------------------------------------------------------------------------


def index_first(x):
    return x[0] * x[1]


def index_negative(x):
    return x[-1] ** 2 + x[0]


def slice_read(x):
    return np.sum(x[1:3] ** 2)


def slice_step(x):
    return np.sum(x[::2] * x[1::2][0])


def column_read(a):
    return np.sum(a[:, 1] * a[0, :3])


def two_d_slice(a):
    return np.sum(np.exp(a[1:, :2]))


def index_ij(a, i, j):
    return a[i, j] ** 2 + a[j, i] * a[i, j]


def row_read(a):
    return np.sum(a[1] * a[2])


def slice_dot(x, y):
    return x[1:3] @ y[0:2]


def builtin_sum_array(x):
    return sum(x * x)


def builtin_max_array(x):
    return max(x) * 2.0 + min(x)


def builtin_len(x):
    return len(x) * np.sum(x ** 2)


def range_loop(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * i
    return s


def builtin_abs_element(x):
    return abs(x[0]) + abs(x[1]) * x[2]


def list_comprehension(x):
    return sum([x[i] * i for i in range(3)])


def math_on_element(x):
    return math.sin(x[0]) * x[1]


def float_of_sum(x):
    return float(np.sum(x)) * 2.0 + x[0]


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------


def method_sum(x):
    return (x * x).sum()


def method_sum_axis0(x):
    return np.dot(x.sum(axis=0), x[0])


def method_mean(x):
    return np.exp(x).mean()


def method_dot(x, y):
    return np.sum(x.dot(y) ** 2)


def method_reshape(x):
    z = x.reshape(2, 6)
    return np.sum(z[0] * z[1])


def method_reshape_tuple(x, a):
    return np.sum(x.reshape((4, 3)) @ a)


def method_transpose_dot(x, y):
    return np.sum(x.T.dot(y))


# ---------------------------------------------------------------------------
# Case table: (function, args, wrt)
# ---------------------------------------------------------------------------

CASES = [
    (add, (1.3, -0.7), 0),
    (add, (1.3, -0.7), 1),
    (sub, (1.3, -0.7), 0),
    (sub, (1.3, -0.7), 1),
    (mul, (1.3, -0.7), 0),
    (mul, (1.3, -0.7), 1),
    (div, (1.3, -0.7), 0),
    (div, (1.3, -0.7), 1),
    (pow_const, (0.8,), 0),
    (pow_var, (1.7, 2.3), 0),
    (pow_var, (1.7, 2.3), 1),
    (neg, (0.6, 1.9), 0),
    (unary_plus, (1.1,), 0),
    (poly, (0.35,), 0),
    (reciprocal, (0.7,), 0),
    (rpow, (0.9,), 0),
    (pow_fractional, (1.6,), 0),
    (chained, (0.5, 1.5), 0),
    (chained, (0.5, 1.5), 1),
    (affine, (2.5,), 0),
    (reuse, (0.9,), 0),
    (many_uses, (1.2,), 0),
    (rebinding, (0.4,), 0),
    (augassign_scalar, (1.3,), 0),
    (tuple_unpack, (0.7, 1.1), 0),
    (tuple_unpack, (0.7, 1.1), 1),
    (swap_unpack, (0.7, 1.1), 0),
    (swap_unpack, (0.7, 1.1), 1),
    (floordiv_mod, (2.3,), 0),
    (module_constant, (0.8,), 0),
    (math_exp, (0.6,), 0),
    (math_log, (1.7,), 0),
    (math_log_product, (1.7, 0.4), 1),
    (math_sqrt, (2.2,), 0),
    (math_sin, (0.9,), 0),
    (math_cos, (0.9,), 0),
    (math_tan, (0.4,), 0),
    (math_tanh, (0.7,), 0),
    (math_pow, (1.3,), 0),
    (math_pow_both, (1.3, 0.6), 1),
    (math_fabs, (-0.7,), 0),
    (math_fabs, (0.9,), 0),
    (math_compose, (0.8,), 0),
    (gaussian, (0.3,), 0),
    (builtin_abs, (-1.2,), 0),
    (builtin_min_max, (0.9, 0.2), 0),
    (builtin_min_max, (0.9, 0.2), 1),
    (builtin_min_max, (0.1, 0.7), 0),
    (builtin_pow, (1.4,), 0),
    (builtin_float, (0.6,), 0),
    (conditional_expression, (0.8,), 0),
    (conditional_expression, (-0.8,), 0),
    (dict_literal, (0.5, 2.0), 0),
    (list_literal, (0.5, 2.0), 1),
    (builtin_sum_list, (0.5, 2.0), 0),
    (np_exp, (V5,), 0),
    (np_log, (P5,), 0),
    (np_log1p, (P5,), 0),
    (np_expm1, (V5,), 0),
    (np_sqrt, (P5,), 0),
    (np_sin, (A34,), 0),
    (np_cos, (A34,), 0),
    (np_tanh, (V5,), 0),
    (np_abs, (VSEP,), 0),
    (np_maximum_const, (VSEP,), 0),
    (np_maximum, (VSEP, WSEP), 0),
    (np_maximum, (VSEP, WSEP), 1),
    (np_minimum, (VSEP, WSEP), 0),
    (np_minimum, (VSEP, WSEP), 1),
    (np_where, (VSEP,), 0),
    (np_where_two, (VSEP, WSEP), 0),
    (np_where_two, (VSEP, WSEP), 1),
    (np_power, (V5,), 0),
    (np_power_both, (P5, Q5), 0),
    (np_power_both, (P5, Q5), 1),
    (np_pow_operator, (A34,), 0),
    (np_mul, (V5, P5), 0),
    (np_mul, (V5, P5), 1),
    (np_div, (V5, P5), 0),
    (np_div, (V5, P5), 1),
    (np_neg, (V4,), 0),
    (np_nested, (V5,), 0),
    (np_scalar_on_element, (V3,), 0),
    (np_clip, (np.array([-1.6, -0.3, 0.8, 1.8]),), 0),
    (np_mean, (A34,), 0),
    (np_mean_axis0, (A34,), 0),
    (np_mean_axis1, (A34,), 0),
    (np_sum_axis1, (A34,), 0),
    (np_sum_axis0_weights, (A34,), 0),
    (np_sum_axis_neg, (A34,), 0),
    (np_sum_keepdims, (A34 + 2.0,), 0),
    (variance, (V5,), 0),
    (logsumexp, (V5,), 0),
    (norm, (V4,), 0),
    (softmax_first, (V5,), 0),
    (shape_attribute, (A34,), 0),
    (np_dot_vectors, (V4, R14[0]), 0),
    (np_dot_vectors, (V4, R14[0]), 1),
    (np_dot_matvec, (A34, V4), 0),
    (np_dot_matvec, (A34, V4), 1),
    (np_matmul, (A34, B45), 0),
    (np_matmul, (A34, B45), 1),
    (matmul_operator, (A34, B45), 0),
    (matmul_operator, (A34, B45), 1),
    (gram, (A34,), 0),
    (transpose_mul, (A34, B34), 0),
    (quadratic_form, (V3, A33), 0),
    (quadratic_form, (V3, A33), 1),
    (cos_sin_matmul, (A34, B45), 0),
    (np_transpose, (A34,), 0),
    (np_outer, (V3, V4), 0),
    (np_einsum, (A34, V4), 0),
    (np_einsum, (A34, V4), 1),
    (broadcast_row, (A34, V4), 0),
    (broadcast_row, (A34, V4), 1),
    (broadcast_outer, (C31, R14), 0),
    (broadcast_outer, (C31, R14), 1),
    (scalar_times_array, (0.7, A34), 0),
    (scalar_times_array, (0.7, A34), 1),
    (array_plus_scalar, (V5, 0.3), 1),
    (array_div_scalar, (V5, 1.7), 0),
    (array_div_scalar, (V5, 1.7), 1),
    (mlp, (_u((3, 4)), XLR, _u(4), _u(4)), 0),
    (mlp, (_u((3, 4)), XLR, _u(4), _u(4)), 2),
    (logistic_loss, (WLR, XLR, YLR), 0),
    (logistic_loss, (WLR, XLR, YLR), 1),
    (index_first, (V3,), 0),
    (index_negative, (V4,), 0),
    (slice_read, (V5,), 0),
    (slice_step, (V4,), 0),
    (column_read, (A34,), 0),
    (two_d_slice, (A34,), 0),
    (index_ij, (A33, 0, 2), 0),
    (index_ij, (A33, 1, 1), 0),
    (row_read, (A34,), 0),
    (slice_dot, (V4, V3), 0),
    (slice_dot, (V4, V3), 1),
    (builtin_sum_array, (V5,), 0),
    (builtin_max_array, (VSEP,), 0),
    (builtin_len, (V4,), 0),
    (range_loop, (V5,), 0),
    (builtin_abs_element, (VSEP,), 0),
    (list_comprehension, (V4,), 0),
    (math_on_element, (V3,), 0),
    (float_of_sum, (V3,), 0),
    (method_sum, (A34,), 0),
    (method_sum_axis0, (A34,), 0),
    (method_mean, (V5,), 0),
    (method_dot, (A34, V4), 0),
    (method_dot, (A34, V4), 1),
    (method_reshape, (V12,), 0),
    (method_reshape_tuple, (V12, _u((3, 2))), 0),
    (method_reshape_tuple, (V12, _u((3, 2))), 1),
    (method_transpose_dot, (A34, B34), 0),
]


def _case_id(case):
    f, args, wrt = case
    return "%s-wrt%s" % (f.__name__, wrt)


_ids = [_case_id(c) for c in CASES]
# make ids unique where the same function/wrt appears at two points
_seen = {}
for _k, _i in enumerate(_ids):
    _seen[_i] = _seen.get(_i, 0) + 1
    if _seen[_i] > 1:
        _ids[_k] = "%s-%d" % (_i, _seen[_i])


@pytest.mark.parametrize("f,args,wrt", CASES, ids=_ids)
def test_grad_matches_finite_differences(f, args, wrt):
    check_grad(f, args, wrt)


# A representative subset also checked through value_and_grad: same gradient, exact value.
VG_CASES = [c for c in CASES if c[0] in (
    chained, math_compose, np_sum_keepdims, logistic_loss, quadratic_form, broadcast_outer,
    method_reshape, index_ij, builtin_min_max, np_where_two, scalar_times_array, mlp,
)]


@pytest.mark.parametrize("f,args,wrt", VG_CASES, ids=[_case_id(c) for c in VG_CASES])
def test_value_and_grad_matches(f, args, wrt):
    value, g = tl.value_and_grad(f, wrt=wrt)(*args)
    expected_value = f(*args)
    assert np.asarray(value).shape == ()
    assert float(value) == pytest.approx(float(expected_value), rel=1e-10, abs=1e-12)
    assert_close(g, numerical_grad(f, args, wrt))


# ---------------------------------------------------------------------------
# Second oracle: HIPS autograd on the very same source (np swapped for autograd.numpy)
# ---------------------------------------------------------------------------

AUTOGRAD_FUNCS = [
    chained, poly, np_exp, np_log1p, np_sqrt, np_tanh, np_power_both, np_where_two,
    np_mean_axis0, np_sum_keepdims, variance, logsumexp, softmax_first, np_matmul,
    matmul_operator, quadratic_form, broadcast_row, broadcast_outer, mlp, logistic_loss,
    slice_read, column_read, two_d_slice, method_reshape, np_einsum, np_dot_matvec,
]
AUTOGRAD_CASES = [c for c in CASES if c[0] in AUTOGRAD_FUNCS]


def _with_autograd_numpy(f):
    import types

    import autograd.numpy as anp

    g = dict(f.__globals__)
    g["np"] = anp
    return types.FunctionType(f.__code__, g, f.__name__, f.__defaults__, f.__closure__)


@pytest.mark.parametrize("f,args,wrt", AUTOGRAD_CASES, ids=[_case_id(c) for c in AUTOGRAD_CASES])
def test_grad_matches_autograd(f, args, wrt):
    import autograd

    expected = autograd.grad(_with_autograd_numpy(f), wrt)(*args)
    g = tl.grad(f, wrt=wrt)(*args)
    assert_close(g, expected, rtol=1e-9, atol=1e-10)



# ---------------------------------------------------------------------------
# Further NumPy that SPEC §2 lists: shape manipulation, reductions, linear algebra
# ---------------------------------------------------------------------------

SPD = A33 @ A33.T + 3.0 * np.eye(3)


def np_concatenate(x, y):
    return np.sum(np.concatenate([x, y]) ** 2 * np.arange(7.0))


def np_stack(x, y):
    return np.sum(np.stack([x, y]) ** 3)


def np_expand_squeeze(x):
    y = np.expand_dims(x, 0) * np.ones((2, 1))
    return np.sum(np.squeeze(y[:1]) ** 2 + y[1])


def np_reshape_function(x):
    return np.sum(np.reshape(x, (3, 4))[1] ** 2)


def np_prod(x):
    return np.prod(x)


def np_var_std(x):
    return np.var(x) + np.std(x)


def np_trace(a):
    return np.trace(a @ a)


def linalg_norm(x):
    return np.linalg.norm(x)


def linalg_inv(a):
    return np.sum(np.linalg.inv(a))


def linalg_solve(a, b):
    return np.sum(np.linalg.solve(a, b) ** 2)


def linalg_det(a):
    return np.linalg.det(a)


SPEC_NUMPY_CASES = [
    (np_concatenate, (V4, V3), 0),
    (np_concatenate, (V4, V3), 1),
    (np_stack, (V4, R14[0]), 0),
    (np_expand_squeeze, (V4,), 0),
    (np_reshape_function, (V12,), 0),
    (np_prod, (V5,), 0),
    (np_var_std, (V5,), 0),
    (np_trace, (A33,), 0),
    (linalg_norm, (V4,), 0),
    (linalg_inv, (SPD,), 0),
    (linalg_solve, (SPD, V3), 0),
    (linalg_solve, (SPD, V3), 1),
    (linalg_det, (SPD,), 0),
]


@pytest.mark.parametrize(
    "f,args,wrt", SPEC_NUMPY_CASES, ids=[_case_id(c) for c in SPEC_NUMPY_CASES]
)
def test_spec_numpy_functions(f, args, wrt):
    check_grad(f, args, wrt)
