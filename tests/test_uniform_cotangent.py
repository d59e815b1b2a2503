"""The cotangent of np.sum / np.mean stays a scalar through elementwise rules;
every way it can reach a rule that needs its shape is checked here against
finite differences."""

import numpy as np
import pytest

from fd import check_grad


def through_matmul(W, x):
    return np.sum(np.tanh(W @ x) * 2.0)


def through_reshape(x):
    y = x.reshape(2, 3) * 3.0
    return np.mean(y + 1.0)


def through_transpose_and_broadcast(A, b):
    return np.sum(A.T * b + b)


def through_subscript_write(x):
    y = np.zeros(6)
    y[1:4] = x[:3] * 2.0
    z = y * y
    return np.sum(z)


def in_a_loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.sin(x * i) + x)
    return s


def mean_then_reuse(x):
    m = np.mean(x ** 2)
    return m * np.sum(x) + np.sum((x - m) ** 2)


def sum_with_axis(A):
    return np.sum(np.sum(A * A, axis=0) * np.arange(3.0))


def reaches_a_scalar_operand(x, c):
    return np.sum(x * c + c)


def goes_to_a_broadcast_operand(x, row):
    return np.sum(x * row)


X = np.array([0.3, -0.5, 0.8, 0.1, 0.6, -0.2])
A = np.arange(6.0).reshape(2, 3) / 5
W = np.arange(6.0).reshape(2, 3) / 7

CASES = [
    (through_matmul, (W, X[:3]), 0), (through_matmul, (W, X[:3]), 1),
    (through_reshape, (X,), 0), (through_transpose_and_broadcast, (A.T, X[:3]), 0),
    (through_transpose_and_broadcast, (A.T, X[:3]), 1), (through_subscript_write, (X,), 0),
    (in_a_loop, (X,), 0), (mean_then_reuse, (X,), 0), (sum_with_axis, (A,), 0),
    (reaches_a_scalar_operand, (X, 0.7), 1), (goes_to_a_broadcast_operand, (A, X[:3]), 1),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES])
def test_uniform_cotangent_paths(f, args, wrt):
    check_grad(f, args, wrt)
