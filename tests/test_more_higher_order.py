"""Second order through the rules of tangent_lite/rules/more.py: tl.hvp against
central finite differences of tl.grad (itself checked in tests/test_rule_table.py),
and tl.hessian against the same differences for every direction."""

import numpy as np
import pytest

import more_higher_order_functions as H
import tangent_lite as tl
from fd import numerical_grad

X4 = np.array([0.3, -0.7, 1.1, 0.45])
CASES = [(H.sorted_weights, X4), (H.median_sq, X4), (H.along_axis, np.array([[0.3, -0.7, 1.1],
                                                                            [0.2, 0.9, -0.4]])),
         (H.selected, X4), (H.chosen, X4), (H.compressed, X4),
         (H.diagonals, np.array([[0.3, -0.7, 1.1], [0.2, 0.9, -0.4], [0.6, 0.1, 0.8]])),
         (H.stacked, X4), (H.pieces, X4), (H.grids, X4), (H.unique_values, X4)]


@pytest.mark.parametrize("f,x", CASES, ids=[c[0].__name__ for c in CASES])
def test_hvp_matches_finite_differences_of_the_gradient(f, x):
    v = np.linspace(0.5, -0.5, x.size).reshape(x.shape)
    g = tl.grad(f)
    expected = numerical_grad(lambda y: float(np.sum(g(y) * v)), [x], 0)
    np.testing.assert_allclose(tl.hvp(f)(x, v), expected, rtol=1e-6, atol=1e-7)


def test_hessian_through_the_spread_seed():
    a = np.array([[0.3, -0.7, 1.1], [0.2, 0.9, -0.4]])
    b = np.array([1.5, -2.0, 0.5])
    h = tl.hessian(H.spread_seed)(a, b)
    g = tl.grad(H.spread_seed)
    cols = [numerical_grad(lambda y: float(g(y, b).ravel()[k]), [a], 0) for k in range(a.size)]
    np.testing.assert_allclose(h, np.array(cols).reshape(a.shape + a.shape), rtol=1e-6,
                               atol=1e-7)
