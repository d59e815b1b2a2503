"""tl.check_grad and tl.stop_gradient."""

import numpy as np
import pytest

import tangent_lite as tl
from fd import assert_close, numerical_grad


def smooth(x, y):
    return np.sum(np.sin(x) * y) + y ** 2


def with_stop(x):
    c = tl.stop_gradient(x * 2.0)
    return np.sum(c * x)


def loop_stop(x):
    s = 0.0
    for i in range(3):
        s = s + tl.stop_gradient(s) * x + x * i
    return s


def test_check_grad_returns_small_error_for_a_correct_derivative():
    x = np.array([0.3, -1.2, 2.0])
    err = tl.check_grad(smooth, x, 0.7, wrt=(0, 1))
    assert 0.0 <= err < 1e-6


def test_check_grad_raises_for_a_wrong_rule():
    def wrong_square(x):
        return x * x

    @tl.register_vjp(wrong_square)
    def wrong_square_vjp(g, ans, x):
        return g * 3.0 * x  # should be 2x

    def uses_it(x):
        return wrong_square(x) + 0.0

    with pytest.raises(AssertionError):
        tl.check_grad(uses_it, 1.5)


def test_stop_gradient_treats_the_value_as_a_constant():
    x = np.array([0.5, -1.0, 2.0])
    g = tl.grad(with_stop)(x)
    # the oracle: the same function with the stopped value frozen at its current value
    frozen = x * 2.0
    assert_close(g, numerical_grad(lambda z: np.sum(frozen * z), (x,)))
    body = tl.grad(with_stop).source.split("def grad_with_stop")[1]
    code = [ln for ln in body.splitlines() if not ln.strip().startswith("#")]
    assert not any("stop_gradient" in ln for ln in code)


def test_stop_gradient_in_a_loop():
    x = 0.7
    g = tl.grad(loop_stop)(x)
    # s_{k+1} = s_k * x (s_k frozen) + x*i: d/dx = sum over steps of frozen s_k + i
    s, expect = 0.0, 0.0
    for i in range(3):
        expect += s + i
        s = s + s * x + x * i
    assert g == pytest.approx(expect, rel=1e-12)
