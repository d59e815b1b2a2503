"""SPEC §3: the value used at each non-differentiable point, one test per row.

The expected values are the conventions themselves (documented in
docs/supported-subset.md); away from the kinks every derivative is checked
against finite differences in the other test files.
"""

import math

import numpy as np
import pytest

import tangent_lite as tl


def f_abs(x):
    return abs(x)


def f_np_abs(x):
    return np.sum(np.abs(x))


def f_maximum(a, b):
    return np.sum(np.maximum(a, b))


def f_minimum(a, b):
    return np.sum(np.minimum(a, b))


def f_builtin_max(a, b):
    return max(a, b)


def f_builtin_min(a, b):
    return min(a, b)


def f_max_reduce(x):
    return np.max(x)


def f_min_reduce(x):
    return np.min(x)


def f_piecewise_constant(x):
    return (np.sum(np.sign(x)) + np.sum(np.round(x)) + np.sum(np.floor(x))
            + np.sum(np.ceil(x)) + np.sum(x // 1.0) + float(np.argmax(x)))


def f_compare(x):
    return np.sum((x > 0.5) * 1.0)


def f_mod(a, b):
    return a % b


def f_np_sqrt(x):
    return np.sum(np.sqrt(x))


def f_math_sqrt(x):
    return math.sqrt(x)


def f_where_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def f_where_log(x):
    return np.sum(np.where(x > 0, np.log(x) * 2.0, x))


def test_abs_at_zero_is_zero():
    assert tl.grad(f_abs)(0.0) == 0.0
    assert np.array_equal(tl.grad(f_np_abs)(np.array([0.0, -2.0, 3.0])), [0.0, -1.0, 1.0])


@pytest.mark.parametrize("f", [f_maximum, f_minimum])
def test_elementwise_max_min_tie_splits_evenly(f):
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 0.0, 5.0])
    ga, gb = tl.grad(f, wrt=(0, 1))(a, b)
    assert ga[0] == 0.5 and gb[0] == 0.5
    assert ga[1:].tolist() == ([1.0, 0.0] if f is f_maximum else [0.0, 1.0])


@pytest.mark.parametrize("f", [f_builtin_max, f_builtin_min])
def test_builtin_max_min_tie_splits_evenly(f):
    assert tl.grad(f, wrt=(0, 1))(2.0, 2.0) == (0.5, 0.5)


@pytest.mark.parametrize("f", [f_max_reduce, f_min_reduce])
def test_reduction_ties_split_evenly(f):
    x = np.array([3.0, 1.0, 3.0, 1.0]) if f is f_max_reduce else np.array([1.0, 3.0, 1.0, 4.0])
    g = tl.grad(f)(x)
    assert g.tolist() == ([0.5, 0.0, 0.5, 0.0] if f is f_max_reduce else [0.5, 0.0, 0.5, 0.0])


def test_piecewise_constant_functions_have_zero_derivative():
    x = np.array([0.0, 0.5, 1.5, -2.0])  # on and off the jumps
    assert np.array_equal(tl.grad(f_piecewise_constant)(x), np.zeros(4))
    assert np.array_equal(tl.grad(f_compare)(x), np.zeros(4))


def test_mod_is_one_in_its_first_argument_and_minus_quotient_in_the_second():
    ga, gb = tl.grad(f_mod, wrt=(0, 1))(5.5, 2.0)
    assert ga == 1.0 and gb == -2.0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_sqrt_at_zero_is_inf():
    assert tl.grad(f_np_sqrt)(np.array([0.0, 4.0])).tolist() == [math.inf, 0.25]
    assert tl.grad(f_math_sqrt)(0.0) == math.inf


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_where_sends_no_nan_from_the_unselected_branch():
    x = np.array([-1.0, 0.0, 4.0])
    assert tl.grad(f_where_sqrt)(x).tolist() == [0.0, 0.0, 0.25]
    assert tl.grad(f_where_log)(x).tolist() == [1.0, 1.0, 0.5]
