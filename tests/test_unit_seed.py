"""grad with the constant seed 1.0: outputs np.sum(e) / np.mean(e) are not computed
for the check, and ``1.0 * e`` is dropped only where that cannot be observed.

Each gradient is compared with finite differences; the aliasing tests modify
the returned gradient and check that no input, global or other gradient changes.
"""

import numpy as np
import pytest

import tangent_lite as tl
import unit_seed_functions as U
from fd import check_grad

X = np.array([0.3, -0.7, 1.1])


@pytest.mark.parametrize("f,args,wrt", [
    (U.sum_exp, (X,), 0), (U.sum_tanh, (X,), 0), (U.times_global, (X,), 0),
    (U.times_param, (X, X[::-1].copy()), 0), (U.exp_then_slice, (X,), 0),
    (U.shared_factor, (X, X + 1.0), (0, 1)), (U.two_args_one_value, (X, X * 2.0), (0, 1)),
    (U.bool_ufunc, (X,), 0), (U.loop_output, (X,), 0), (U.mean_of_square, (X,), 0),
    (U.method_sum, (X,), 0), (U.bcast_mul, (np.outer(X, X), X), (0, 1)),
    (U.bcast_mul, (X[:, None] * 1.0, X[None, :] * 2.0), (0, 1)),
    (U.squared_error, (X, X[::-1].copy()), (0, 1)),
    (U.spread_then_more, (np.outer(X, X), X), (0, 1)),
    (U.sum_maximum, (np.outer(X, X), X), (0, 1)), (U.sum_maximum, (X[:, None], X[None]), (0, 1)),
    (U.sum_where_tanh, (np.outer(X, X), X), (0, 1)),
], ids=lambda v: getattr(v, "__name__", None))
def test_matches_finite_differences(f, args, wrt):
    check_grad(f, args, wrt)


def test_bool_products_are_not_folded():
    m1 = np.array([True, True, False])
    m2 = np.array([True, False, True])
    g = tl.grad(U.masks)(X, m1, m2)
    assert g.dtype == float
    np.testing.assert_array_equal(g, 2.0 * (m1 & m2))


def test_broadcast_bool_factors_count_as_numbers():
    m1 = np.array([True, True, False])
    m2 = np.array([True, False, True])
    g = tl.grad(U.bcast_masks)(np.ones((2, 3)), m1, m2)
    np.testing.assert_array_equal(g, np.broadcast_to(m1 * 1.0 + m2, (2, 3)))
    g[:] = 7.0  # the gradient is the caller's to change


def test_maximum_ties_split_through_the_spread_seed():
    a = np.array([[1.0, 2.0], [3.0, 0.0]])
    b = np.array([1.0, 0.0])
    ga, gb = tl.grad(U.sum_maximum, wrt=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, [[0.5, 1.0], [1.0, 0.5]])
    np.testing.assert_array_equal(gb, [0.5, 0.5])


def test_the_gradient_of_sum_exp_is_exp():
    code = [ln.strip() for ln in tl.grad(U.sum_exp).source.splitlines()
            if ln.strip() and not ln.strip().startswith("#")]
    assert code[-3:] == ["def grad_sum_exp(x):", "bx = np.exp(x)", "return _like(bx, x)"]


def test_gradient_is_no_alias_of_a_global_or_argument():
    before = U.C.copy()
    g = tl.grad(U.times_global)(X)
    g[:] = -1.0
    np.testing.assert_array_equal(U.C, before)
    c = np.array([4.0, 5.0, 6.0])
    g = tl.grad(U.times_param)(X, c)
    g[:] = -1.0
    np.testing.assert_array_equal(c, [4.0, 5.0, 6.0])


def test_two_gradients_are_separate_arrays():
    gx, gy = tl.vjp(U.plus, wrt=(0, 1))(X, X, np.ones(3))
    assert gx is not gy and not np.shares_memory(gx, gy)


def test_two_gradients_of_one_value_are_separate_arrays():
    gx, gy = tl.grad(U.two_args_one_value, wrt=(0, 1))(X, X)
    assert gx is not gy and not np.shares_memory(gx, gy)
    gx[:] = 0.0
    np.testing.assert_allclose(gy, np.exp(2.0 * X))


def test_repeated_calls_do_not_share_results():
    df = tl.grad(U.sum_exp)
    a = df(X)
    a[:] = 0.0
    np.testing.assert_allclose(df(X), np.exp(X))
