"""Subscript assignment on arrays (SPEC §2) and the no-mutation guarantee (SPEC §5).

Includes two patterns on which Google Tangent produced wrong gradients:
``S[i, i] += d[i]`` inside an ``if`` inside a loop, and a loop-written logsumexp with a
running maximum.
"""

import numpy as np
import pytest

import tangent_lite as tl
from fd import assert_close, check_grad

_rng = np.random.default_rng(11)
V5 = _rng.uniform(-1.0, 1.0, 5)
V4 = _rng.uniform(-1.0, 1.0, 4)
A34 = _rng.uniform(-1.0, 1.0, (3, 4))
A33 = _rng.uniform(-1.0, 1.0, (3, 3))
DMIX = np.array([0.7, -0.4, 1.3, -1.1, 0.5])


# ---------------------------------------------------------------------------
# Functions that write into a fresh or copied array
# ---------------------------------------------------------------------------


def element_assign(x):
    y = np.zeros(3)
    y[0] = x[0] * x[1]
    y[1] = np.sin(x[2])
    y[2] = x[0] ** 2
    return np.sum(y * y)


def element_assign_copy(x):
    y = x.copy()
    y[1] = y[0] * y[2]
    return np.sum(y ** 2)


def element_overwrite_after_read(x):
    y = np.copy(x)
    a = y[0]
    y[0] = y[1] * a
    y[1] = a ** 2 + y[0]
    return np.sum(np.sin(y))


def element_augassign(x):
    y = x * 1.0
    y[0] += x[1] * x[2]
    y[2] *= x[0]
    y[1] -= y[2]
    return np.sum(y ** 3)


def two_d_augassign(a):
    s = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            s[i, j] += a[i, j] * a[j, i]
    return np.sum(s * a)


def slice_assign(x):
    y = np.zeros(5)
    y[1:3] = x[0:2] * 2.0
    y[3:] = np.exp(x[2:4])
    return np.sum(y ** 2) + y[1] * y[4]


def slice_overwrite(x):
    y = x.copy()
    y[1:3] = y[0:2] * y[3:5]
    return np.sum(y * y)


def column_assign(a):
    b = np.ones((3, 4))
    b[:, 0] = a[:, 1] * a[:, 2]
    b[:, 3] = np.tanh(a[:, 0])
    return np.sum(b * a)


def row_assign(a):
    b = a.copy()
    b[1] = b[0] * b[2]
    return np.sum(b ** 2)


def column_overwrite_inplace(a):
    b = a.copy()
    b[:, 0] = b[:, 0] * b[:, 1]
    b[:, 1] += b[:, 0]
    return np.sum(np.sin(b))


def assign_in_loop(x):
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = x[i] * (i + 1.0)
    return np.sum(y ** 2)


def cumulative_product(x):
    y = x.copy()
    for i in range(1, len(x)):
        y[i] = y[i - 1] * x[i]
    return np.sum(y)


def repeated_overwrite(x):
    y = x.copy()
    for k in range(3):
        y[0] = y[0] * x[1] + x[0]
    return y[0] * y[2]


def recurrence_in_place(x):
    y = np.zeros(4)
    y[0] = x[0]
    for i in range(1, 4):
        y[i] = np.sin(y[i - 1]) + x[i] * y[i - 1]
    return np.sum(y ** 2)


def assign_in_branch_in_loop(x):
    y = np.zeros(len(x))
    for i in range(len(x)):
        if x[i] > 0:
            y[i] = x[i] ** 2
        else:
            y[i] = -x[i] * 3.0
    return np.sum(y * x)


def augassign_in_branch_in_loop(x):
    y = x.copy()
    for i in range(1, len(x)):
        if y[i - 1] > 0:
            y[i] += y[i - 1] * x[i]
        else:
            y[i] -= x[i]
    return np.sum(y ** 2)


def slice_assign_in_loop(a):
    b = np.zeros((3, 4))
    for i in range(3):
        b[i, :] = a[i, :] * (i + 1.0)
        b[:, 0] = b[:, 0] + a[:, i]
    return np.sum(b ** 2)


def matrix_from_outer(x, y):
    s = np.zeros((len(x), len(y)))
    for i in range(len(x)):
        s[i, :] = x[i] * y
    return np.sum(np.tanh(s))


# (a) Google Tangent's known-bad pattern: S[i, i] += d[i] inside an if inside a loop.
def diag_conditional(d, n):
    s = np.zeros((n, n))
    for i in range(n):
        if d[i] > 0:
            s[i, i] += d[i]
        s[i, (i + 1) % n] += d[i] * d[i]
    return np.sum(s @ s) + np.sum(s)


def diag_conditional_plain(d, n):
    s = np.zeros((n, n))
    for i in range(n):
        if d[i] > 0:
            s[i, i] += d[i]
    return np.sum(s * s)


# (b) Google Tangent's known-bad pattern: loop-written logsumexp with a running max.
def loop_logsumexp(x):
    n = x.shape[0]
    m = x[0]
    for i in range(1, n):
        if x[i] > m:
            m = x[i]
    s = 0.0
    for i in range(n):
        s += np.exp(x[i] - m)
    return m + np.log(s)


# A function that does mutate its argument: the gradient is w.r.t. the value passed in.
def mutates_input(x):
    x[0] = x[0] * x[1]
    return np.sum(x * x)


CASES = [
    (element_assign, (V5[:3].copy(),), 0),
    (element_assign_copy, (V5[:3].copy(),), 0),
    (element_overwrite_after_read, (V4,), 0),
    (element_augassign, (V4[:3].copy(),), 0),
    (two_d_augassign, (A33,), 0),
    (slice_assign, (V5,), 0),
    (slice_overwrite, (V5,), 0),
    (column_assign, (A34,), 0),
    (row_assign, (A34,), 0),
    (column_overwrite_inplace, (A34,), 0),
    (assign_in_loop, (V5,), 0),
    (cumulative_product, (V5,), 0),
    (repeated_overwrite, (V4,), 0),
    (recurrence_in_place, (V4,), 0),
    (assign_in_branch_in_loop, (DMIX,), 0),
    (augassign_in_branch_in_loop, (DMIX,), 0),
    (slice_assign_in_loop, (A34,), 0),
    (matrix_from_outer, (V4, V5), 0),
    (matrix_from_outer, (V4, V5), 1),
    (diag_conditional, (DMIX, 5), 0),
    (diag_conditional_plain, (DMIX, 5), 0),
    (loop_logsumexp, (V5,), 0),
    (loop_logsumexp, (DMIX,), 0),
]


@pytest.mark.parametrize(
    "f,args,wrt", CASES, ids=["%s-%d" % (c[0].__name__, k) for k, c in enumerate(CASES)]
)
def test_inplace_grad(f, args, wrt):
    # check_grad also asserts that the caller's arrays are left unchanged.
    check_grad(f, args, wrt)


def _softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


@pytest.mark.parametrize("x", [V5, DMIX, np.array([3.0, -1.0, 0.5, 2.9]), np.array([-2.0, 4.0])])
def test_loop_logsumexp_gradient_is_softmax(x):
    g = tl.grad(loop_logsumexp)(x.copy())
    assert_close(g, _softmax(x), rtol=1e-10, atol=1e-12)


def test_diag_conditional_gradient_explicit():
    # Independent oracle derived by hand from the definition of diag_conditional_plain:
    # sum(S*S) = sum over d[i] > 0 of d[i]**2, so the gradient is 2*d where d > 0 else 0.
    d = DMIX.copy()
    g = tl.grad(diag_conditional_plain)(d, 5)
    assert_close(g, np.where(DMIX > 0, 2.0 * DMIX, 0.0), rtol=1e-10, atol=1e-12)
    assert np.array_equal(d, DMIX)


def test_grad_of_mutating_function():
    # The original mutates x; the derivative is w.r.t. the value passed in.
    check_grad(mutates_input, (V4,), 0, mutates=True)


@pytest.mark.parametrize("f,args", [
    (element_assign_copy, (V5[:3],)),
    (cumulative_product, (V5,)),
    (augassign_in_branch_in_loop, (DMIX,)),
    (row_assign, (A34,)),
    (loop_logsumexp, (V5,)),
])
def test_value_and_grad_does_not_modify_inputs(f, args):
    call_args = [a.copy() for a in args]
    value, g = tl.value_and_grad(f)(*call_args)
    for a, b in zip(call_args, args):
        assert np.array_equal(a, b)
    assert float(value) == pytest.approx(float(f(*[a.copy() for a in args])), rel=1e-10)


def test_vjp_does_not_modify_inputs():
    x = V5.copy()
    seed = 1.0
    tl.vjp(cumulative_product)(x, seed)
    assert np.array_equal(x, V5)


def test_repeated_calls_give_same_result():
    # A generated function keeps no state between calls (no stale tape).
    df = tl.grad(augassign_in_branch_in_loop)
    g1 = df(DMIX.copy())
    df(V5.copy())  # a call at another point in between
    g3 = df(DMIX.copy())
    assert np.array_equal(g1, g3)
    check_grad(augassign_in_branch_in_loop, (V5,), 0, df=df)
    check_grad(augassign_in_branch_in_loop, (DMIX,), 0, df=df)


# ---------------------------------------------------------------------------
# Aliasing: in-place operations through a second name or a view. Python semantics
# make the write visible through every alias. tangent_lite must either get this right
# or refuse with TangentLiteError -- never return a wrong derivative (SPEC §2).
# ---------------------------------------------------------------------------


def alias_augassign(x):
    y = x.copy()
    z = y
    z += 1.0
    return np.sum(y * x)


def view_augassign(x):
    y = x.copy()
    v = y[1:3]
    v *= 2.0
    return np.sum(y * y)


def view_subscript_write(a):
    b = a.copy()
    row = b[0]
    row[1] = row[0] * 3.0
    return np.sum(b ** 2)


def alias_subscript_write(x):
    y = x.copy()
    z = y
    z[0] = x[1] * x[2]
    return np.sum(y * x)


@pytest.mark.parametrize("f,args", [
    (alias_augassign, (V4,)),
    (view_augassign, (V4,)),
    (view_subscript_write, (A34,)),
    (alias_subscript_write, (V4,)),
], ids=["alias_augassign", "view_augassign", "view_subscript_write", "alias_subscript_write"])
def test_aliasing_is_right_or_refused(f, args):
    try:
        df = tl.grad(f)
        df(*[a.copy() for a in args])
    except tl.TangentLiteError as exc:
        assert "test_inplace.py:" in str(exc), str(exc)
        return
    check_grad(f, args, 0, df=df)
