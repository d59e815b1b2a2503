"""Rules beyond the first set: inverse hyperbolics, exp2, degree conversions,
cumsum, swapaxes, diag, tensordot, sum/mean/max aliases and keyword forms —
each against central finite differences."""

import numpy as np
import pytest

from fd import check_grad


def hyperbolic_and_friends(x):
    return np.sum(np.arcsinh(x) + np.arctanh(x * 0.5) + np.exp2(x) + np.fabs(x)
                  + np.deg2rad(x) + np.rad2deg(x) * 0.01 + np.cbrt(x + 2.0))


def cumulative(x):
    return np.sum(np.cumsum(x) ** 2) + np.sum(np.cumsum(x.reshape(2, 3), axis=1) ** 2)


def contract_two_axes(A, B):
    return np.sum(np.tensordot(A, B, axes=([1, 2], [0, 1])) ** 2)


def contract_one_axis(A, C):
    return np.sum(np.tensordot(A, C, axes=1) ** 2)


def diagonals(x):
    return (np.sum(np.diag(x) ** 2) + np.sum(np.diag(np.outer(x, x), 1))
            + np.sum(np.swapaxes(x.reshape(2, 3), 0, 1) * np.arange(6.0).reshape(3, 2)))


def reduction_spellings(x):
    return np.sum(x, dtype=float) + np.amax(x) + np.average(x) + np.amin(x) * 2.0


def arccosh_sum(x):
    return np.sum(np.arccosh(x + 2.0))


X = np.array([0.3, -0.5, 0.8, 0.1, 0.6, -0.2])
A = np.arange(24.0).reshape(2, 3, 4) / 20
B = np.arange(12.0).reshape(3, 4) / 10
C = np.arange(8.0).reshape(4, 2) / 9

CASES = [
    (hyperbolic_and_friends, (X,), 0), (cumulative, (X,), 0),
    (contract_two_axes, (A, B), 0), (contract_two_axes, (A, B), 1),
    (contract_one_axis, (A, C), 0), (contract_one_axis, (A, C), 1),
    (diagonals, (X,), 0), (reduction_spellings, (X,), 0), (arccosh_sum, (X,), 0),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES])
def test_rule_matches_finite_differences(f, args, wrt):
    check_grad(f, args, wrt)
