"""Lambdas and nested defs used inside the differentiated function (closures over
its locals), checked against finite differences."""

import math

import numpy as np
import pytest

import tangent_lite as tl
from fd import check_grad


def lambda_closure(x, w):
    sq = lambda a: a * a * w  # noqa: E731
    return sq(x) + sq(x * 2.0)


def nested_def_with_branch(x):
    k = 3.0

    def step(v, dt=0.1):
        if v > 1.0:
            return v - dt * k * v
        return v + dt

    y = x
    for i in range(5):
        y = step(y)
    return y * step(x, dt=0.2)


def nested_def_on_arrays(x, W):
    def layer(h, scale=1.0):
        z = W @ h
        return np.tanh(z) * scale

    h = layer(x)
    h = layer(h, scale=0.5)
    return np.sum(h ** 2)


def nested_calls_nested(x):
    def inner(a):
        return math.sin(a) * x

    def outer(b):
        return inner(b) + inner(2.0 * b)

    return outer(x) * 1.5


def closure_reads_current_value(x):
    s = x
    f = lambda a: a * s  # noqa: E731
    s = s * 2.0
    return f(x)  # reads s as it is now, like a Python closure


W3 = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.4], [-0.6, 0.2, 0.7]])

CASES = [
    (lambda_closure, (1.3, 0.7), 0), (lambda_closure, (1.3, 0.7), 1),
    (nested_def_with_branch, (1.2,), 0), (nested_def_with_branch, (0.4,), 0),
    (nested_def_on_arrays, (np.array([0.2, -0.5, 0.9]), W3), 0),
    (nested_def_on_arrays, (np.array([0.2, -0.5, 0.9]), W3), 1),
    (nested_calls_nested, (0.8,), 0), (closure_reads_current_value, (0.9,), 0),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES])
def test_local_function_gradient(f, args, wrt):
    check_grad(f, args, wrt)


def passes_local_function_as_value(x):
    f = lambda a: a * 2.0  # noqa: E731
    return sum(map(f, [x, x]))


def test_local_function_used_as_a_value_is_refused():
    with pytest.raises(tl.TangentLiteError) as exc:
        tl.grad(passes_local_function_as_value)
    assert "test_local_functions.py" in str(exc.value)
