"""Functions differentiated by test_forward.py and test_higher_order.py.

tangent_lite reads source from files, so every function lives at module level here.
"""

import math

import numpy as np

import subroutine_helpers as sh
import tangent_lite as tl

C33 = np.array([[1.0, -0.5, 0.25], [0.3, 2.0, -1.0], [0.7, 0.1, 1.5]])
GAIN = 1.7


# ---------------------------------------------------------------- straight-line


def scalar_poly(x, y):
    z = x * y + math.sin(x)
    w = z / (1.0 + y * y)
    return w ** 2 + math.exp(-x)


def array_chain(x):
    y = np.tanh(x) * x
    z = np.exp(-y) + np.log1p(x * x)
    return z * GAIN


def broadcast_const(x):
    return C33 + x


def broadcast_const_mul(x):
    return np.sin(C33 * x)


def broadcast_col(x, c):
    return x[None, :] * c[:, None]


def reduce_all(x):
    return np.sum(x ** 2) + np.mean(np.cos(x))


def matvec(a, v):
    return a @ v + np.dot(a.T, v)


# ---------------------------------------------------------------- branches


def if_elif_else(x):
    if x > 1.0:
        y = x * x
    elif x > -1.0:
        y = math.sin(x) * 3.0
    else:
        y = -x ** 3
    return y


def branch_on_array(x):
    if np.sum(x) > 0.0:
        y = x * x
    else:
        y = np.exp(x)
    return y * 2.0


def ifexp(x, y):
    return x * y if x > y else x + y * y


# ---------------------------------------------------------------- loops


def for_range(x):
    s = 0.0
    for i in range(5):
        s = s + np.sin(x * i) * x
    return s


def for_over_array_rows(a):
    s = np.zeros(a.shape[1])
    for row in a:
        s = s + row * row
    return s


def for_over_list(xs):
    s = 0.0
    for v in xs:
        s = s + v * v
    return s


def for_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + v * (i + 1.0)
    return s


def for_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b
    return s


def while_loop(x):
    k = 0
    while x < 10.0:
        x = x * 1.5 + 0.1
        k = k + 1
    return x * k


def break_continue(x):
    s = 0.0
    for i in range(20):
        if i % 3 == 0:
            continue
        s = s + x * i
        if s > 20.0:
            break
    return s * x


def early_return(x):
    for i in range(10):
        x = x * 1.2
        if x > 5.0:
            return x * x
    return -x


def nested_loops(a):
    s = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            s = s + a[i, j] * a[j, i] * (i + 1)
    return s


def nested_while_for(x):
    s = x
    n = 0
    while n < 3:
        for i in range(2):
            s = s * x + i
        n = n + 1
    return s


# ---------------------------------------------------------------- in-place updates


def setitem_loop(x):
    y = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        y[i] = x[i] * x[i] + 1.0
    return y


def augitem_2d(d):
    n = d.shape[0]
    S = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            S[i, j] += d[i] * d[j]
        if d[i] > 0:
            S[i, i] += np.sin(d[i])
    return S


def slice_assign(x):
    y = np.ones(6)
    y[1:4] = x[:3] * 2.0
    y[4:] += x[1:3] ** 2
    return y


def mutate_copy(x):
    y = x.copy()
    y[0] = y[0] * y[1]
    y[2] += y[0]
    return y * x


def mutates_input(x):
    x[0] = x[0] * 3.0
    return x * x


def inplace_in_branch(x, flag):
    y = x * 1.0
    if flag > 0:
        y[0] = np.exp(x[1])
    else:
        y[1] -= x[0] * x[2]
    return y


# ---------------------------------------------------------------- containers


def list_arg(xs):
    return xs[0] * xs[1] + np.sin(xs[2])


def tuple_arg(p):
    a, b = p
    return a * b + a


def dict_arg(params):
    return np.sum(params["w"] * params["b"]) + params["c"] ** 2


def list_out(x):
    return [x * 2.0, np.sin(x)]


def tuple_out(x, y):
    return x * y, x + y, np.sum(x)


def dict_out(x):
    return {"a": x * x, "b": np.cos(x)}


def appends(x):
    out = []
    for i in range(3):
        out.append(x * i + x * x)
    return out[0] + out[1] * out[2]


def list_comp(x):
    return sum([x[i] * x[i + 1] for i in range(len(x) - 1)])


def lambda_local(x):
    sq = lambda t: t * t + x
    return sq(x) * sq(2.0)


def nested_def(x, y):
    def inner(a, b=2.0):
        return a * b + x * y

    return inner(x) + inner(y, b=x)


# ---------------------------------------------------------------- user calls, methods


def helper(a, b=2.0):
    return a * b + np.tanh(a)


def calls_helper_kw(x):
    return helper(x) + helper(x, b=0.5) * x + helper(b=x, a=2.0)


def calls_other_module(x):
    return sh.poly(x) + sh.scaled(x, b=3.0) + sh.scaled_kwonly(x, gain=0.5) + sh.deep1(x)


def calls_other_module_array(v):
    m, var = sh.stats(v)
    return sh.weighted_norm(v) * m + var


def methods(x, y):
    a = x.sum(axis=0)
    b = x.dot(y)
    c = x.reshape(-1)
    return np.sum(a * a) + np.sum(b) + np.sum(c ** 3) + np.sum(x.T @ x)


# ---------------------------------------------------------------- wrt, stop_gradient


def three_args(x, w, b):
    return np.tanh(w * x + b) * x


def stop_grad(x):
    c = tl.stop_gradient(x * x)
    return c * x + np.sin(x)


def with_default(x, scale=2.0):
    return np.sin(x) * scale + scale ** 2 * x


# ---------------------------------------------------------------- register_jvp targets


def black_box(x):
    return x ** 3


def black_box_rule(ans, x, dx):
    return 3.0 * x * x * dx


def uses_black_box(x):
    return black_box(x) + x


def black_box2(x):
    return x * 2.0


def wrong_arity_rule(ans, x):
    return ans


def uses_black_box2(x):
    return black_box2(x) + x


def no_rule_fn(x):
    return x + 1.0


def uses_opaque(x):
    y = x * 2.0
    return np.fft.fft(y).real


def list_comp_loop(x):
    vals = [x[i] * x[i + 1] for i in range(len(x) - 1)]
    s = 0.0
    for v in vals:
        s = s + np.sin(v)
    return s


def list_comp_array(x):
    return np.array([x[i] ** 2 for i in range(3)])


def builtin_sum(x):
    return sum(x * x)


def builtin_max(x, y):
    return max(x, y) * x


# ---------------------------------------------------------------- higher order


def scalar_cubic(x):
    return x ** 3 * math.sin(x) + math.exp(0.5 * x)


def loss_vec(x):
    return np.sum(np.tanh(x) * x ** 2) + x[0] * x[1] ** 2


def loss_prod(x):
    return np.prod(x) + np.sum(x ** 2)


def loss_mat(x):
    y = C33 @ x
    return np.sum(np.log1p(y * y)) + np.sum(np.exp(0.3 * x))


def loss_loops(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            s = s + x[i] ** 3
        else:
            s = s + np.sin(x[i]) * x[0]
    return s


def loss_inplace(x):
    y = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        y[i] = x[i] * x[(i + 1) % x.shape[0]]
    y[0] += np.cos(x[1])
    return np.sum(y * y)


def two_matrix_loss(X, Y):
    return np.sum(np.tanh(X @ Y) ** 2) + np.sum(X.T * Y ** 2)


def vec_map(x):
    return np.sin(x) * x[0] + np.cos(x) ** 2


def nonsquare_map(x):
    return np.array([x[0] * x[1], np.sin(x[2]), x[0] + x[1] * x[2], x[1] ** 2])


def scalar_to_vec(t):
    return np.array([math.sin(t), t * t, math.exp(t)])


def mat_to_mat(a):
    return np.tanh(a @ C33)


JVP_CUBIC = tl.jvp(scalar_cubic)


def cubic_derivative(x):
    y, t = JVP_CUBIC(x, 1.0)
    return t


# ---------------------------------------------------------------- minimal hvp reproductions


def mean_center(x):
    return np.sum((x - np.mean(x)) ** 2)


def copy_then_slice_update(u):
    u = u.copy()
    u[1:] = u[1:] + u[:-1] * u[1:]
    return np.sum(u * u)


def dict_two_keys(x, y):
    d = {"a": x, "b": y}
    return d["a"] * d["b"] + d["a"]


def triangular_loops(x, n):
    s = x
    for i in range(n):
        for j in range(i):
            s = s * 0.9 + math.sin(s) * 0.1 * j
    return s


def power_rec(x, n):
    if n == 0:
        return 1.0
    return x * power_rec(x, n - 1)


def uses_power_rec(x):
    return power_rec(x, 4) + x


def int_power(x, p):
    return np.sum((x - 1.0) ** p)


def calls_int_power(x):
    return int_power(x, 3)


def opaque_identity(x):
    return np.fft.ifft(np.fft.fft(x)).real


def uses_opaque_identity(x):
    return opaque_identity(x) * 2.0


def identity_rule(ans, x, dx):
    return dx + 0.0 * ans


def uses_cbrt(x):
    return np.cbrt(x) * x


def cbrt_rule(ans, x, dx):
    return dx * ans / (3.0 * x)


def uses_sinc(x):
    y = x * 0.5
    return np.sinc(y) * x


def sinc_rule(ans, x, dx):
    return dx * (np.cos(np.pi * x) - ans) / x


def uses_i0(x):
    y = x * 2.0
    return np.i0(y)  # NO RULE


def five_lines(x, y):
    a = x * y
    b = np.sin(a) + y
    c = np.exp(-b) * x
    d = c / (1.0 + a * a)
    return np.sum(d * d + b)


# ---------------------------------------------------------------- probes


def imul_arg(x):
    x *= 2.0
    return x * x


def alias_then_set(x):
    y = x
    y[0] = 5.0
    return y * 3.0


def iadd_local(x):
    y = x * 1.0
    y += x
    return y


def independent_of_x(x, y):
    return y * 2.0


def conv_abs(x):
    return abs(x) + np.abs(x)


def conv_maximum(a, b):
    return np.maximum(a, b)


def conv_max_builtin(a, b):
    return max(a, b)


def conv_max_reduce(x):
    return np.max(x)


def conv_sqrt(x):
    return np.sqrt(x)


def conv_where(x):
    return np.where(x > 0.0, np.sqrt(x), -x)


def conv_sign_floor(x):
    return np.sign(x) * np.floor(x) + x // 1.0 + x % 1.0


def swap(x, y):
    x, y = y, x * y
    return x - y


def float32_fn(x):
    return np.sin(x) * x


def kwonly(x, *, k=2.0):
    return x * k


def while_break_inplace(x):
    y = x.copy()
    k = 0
    while True:
        y[k % y.shape[0]] *= 1.1 + y[0] * 0.01
        k += 1
        if k > 6:
            break
        if y[1] > 10.0:
            continue
    return y


def return_in_nested(a):
    s = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            s = s + a[i, j] ** 2
            if s > 1.5:
                return s * a[i, j]
    return s


def loop_over_list_of_arrays(ws):
    h = 1.0
    outs = []
    for w in ws:
        h = np.tanh(w * h)
        outs.append(h)
    return outs


def row_views(a):
    total = np.zeros(a.shape[1])
    for i in range(a.shape[0]):
        r = a[i]
        total = total + r * r[::-1]
    return total


def slices_2d(a):
    b = np.zeros((4, 4))
    b[1:3, ::2] = a[:2, :2] * 2.0
    b[:, 3] += a[:, 0] ** 2
    b[0, :] -= np.sin(a[0])
    return b


def closure_loop(x):
    def step(h, k):
        return np.sin(h) * k + x

    h = x
    for k in range(3):
        h = step(h, k + 1.0)
    return h


def ifexp_in_comprehension(x):
    return [v * v if v > 0 else -v for v in x]


def dict_loop(params):
    out = 0.0
    for k in ["a", "b"]:
        out = out + np.sum(params[k] ** 2)
    return out


def global_array_use(x):
    return C33 @ x + GAIN


def getitem_negative_step(x):
    return x[::-1] * x[-2] + x[1:-1].sum()


def nested_tuple_out(x):
    return (x, (x * 2.0, [np.sin(x)]))


def cond_chain(x, y):
    if x > 0 and y > 0:
        return x * y
    elif x > 0 or y > 0:
        return x + y
    return -(x * y)


def assert_and_pass(x):
    assert x > -10.0
    y = x * 2.0
    if y > 100.0:
        pass
    return y * x


def scalar_with_default(x, scale=2.0):
    return np.sum(np.sin(x) * scale + x ** 3)


def scalar_with_two_defaults(x, scale=2.0, shift=0.5):
    return np.sum(np.sin(x + shift) * scale + x ** 3)


RATE = 0.5


def inner_helper(x):
    return x * x


def alt_inner_helper(x):
    return x * x * x


def uses_inner(x):
    return inner_helper(x) * RATE


class Model:
    def __init__(self, w):
        self.w = w

    def predict(self, x):
        return np.tanh(self.w * x)

    def loss(self, x):
        return np.sum(self.predict(x) ** 2)


def builtin_max_sq(x, y):
    return max(x, y) ** 2 + x


def einsum_quad(a, v):
    return np.sum(np.einsum("ij,j->i", a, v) ** 2)


def norm_sq(x):
    return np.linalg.norm(x) ** 3


def var_loss(x):
    return np.var(x) * np.sum(x)


def solve_loss(a, b):
    return np.sum(np.linalg.solve(a, b) ** 2)
