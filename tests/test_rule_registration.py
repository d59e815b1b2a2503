"""Registering a rule takes effect at once (compiled derivatives are rebuilt), also for
rules written as lambdas, which are called from the generated code."""

import numpy as np

import registration_functions as F
import tangent_lite as tl


def test_a_rule_registered_after_compiling_is_used():
    x = 0.7
    before = tl.jvp(F.uses_a)(x, 1.0)[1]
    assert np.isclose(before, 2.0 * np.cos(x))  # differentiated from opaque_a's source

    @tl.register_jvp(F.opaque_a)
    def opaque_a_jvp(ans, x, dx):
        return dx * 3.0  # a deliberately different rule: the test sees it is used

    assert np.isclose(tl.jvp(F.uses_a)(x, 1.0)[1], 6.0)

    @tl.register_vjp(F.opaque_a)
    def opaque_a_vjp(g, ans, x):
        return g * 5.0

    assert np.isclose(tl.grad(F.uses_a)(x), 10.0)
    assert "g * 5.0" not in tl.grad(F.uses_a).source  # inlined with names substituted
    assert "* 5.0" in tl.grad(F.uses_a).source


def test_lambda_rules_are_called_by_a_valid_name():
    x = np.array([0.3, -0.4])
    tl.register_jvp(F.opaque_b)(lambda ans, x, dx: dx * ans)
    tl.register_vjp(F.opaque_b)(lambda g, ans, x: g * ans)
    u = np.array([1.0, 2.0])
    h = 1e-6
    fd = (F.uses_b(x + h * u) - F.uses_b(x - h * u)) / (2 * h)
    assert np.isclose(tl.jvp(F.uses_b)(x, u)[1], fd, rtol=1e-7)
    assert np.isclose(tl.grad(F.uses_b)(x) @ u, fd, rtol=1e-7)
    assert "opaque_b_rule(" in tl.grad(F.uses_b).source
