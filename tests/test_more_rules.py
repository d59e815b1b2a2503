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


def sinc_flip_roll(x):
    return np.sum(np.sinc(x) * np.flip(x) + np.roll(x, 2) * x)


def triangles(A):
    return np.sum(np.tril(A) ** 2 + np.triu(A, 1) * 3.0)


def broadcast_moveaxis(x):
    return np.sum(np.broadcast_to(x, (4, 6)) * np.arange(24.0).reshape(4, 6)) + np.sum(
        np.moveaxis(x.reshape(2, 3), 0, 1) * np.arange(6.0).reshape(3, 2))


def tile_repeat(x):
    return np.sum(np.tile(x, 2) * np.arange(12.0)) + np.sum(np.repeat(x, 2) ** 2) + np.sum(
        np.repeat(x.reshape(2, 3), [1, 2, 3], axis=1) ** 2)


def pad_take(x):
    return np.sum(np.pad(x, 2) * np.arange(10.0)) + np.sum(np.take(x, [0, 2, 2, 5]) ** 2)


def products(a, b):
    return np.sum(np.kron(a, b) ** 2) + np.sum(np.cross(a[:3], b[:3]) * np.array([1.0, 2.0, 3.0]))


def linalg_more(A):
    sign, logdet = np.linalg.slogdet(A)
    return logdet + np.sum(np.linalg.pinv(A) ** 2)


def split_parts(x):
    a, b = np.split(x, 2)
    return np.sum(a * 2.0 + b ** 2)


A2 = np.array([[2.0, 0.3, 0.1], [0.2, 1.5, -0.4], [0.1, 0.5, 1.8]])
MORE = [
    (sinc_flip_roll, (X,), 0), (triangles, (A2,), 0), (broadcast_moveaxis, (X,), 0),
    (tile_repeat, (X,), 0), (pad_take, (X,), 0), (products, (X[:4], X[2:]), 0),
    (products, (X[:4], X[2:]), 1), (linalg_more, (A2,), 0), (split_parts, (X,), 0),
]


@pytest.mark.parametrize("f,args,wrt", MORE, ids=[f"{c[0].__name__}-{c[2]}" for c in MORE])
def test_more_rules_match_finite_differences(f, args, wrt):
    check_grad(f, args, wrt)
