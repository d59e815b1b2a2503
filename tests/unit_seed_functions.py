"""Functions for tests/test_unit_seed.py (tangent_lite reads their source)."""

import numpy as np

C = np.array([1.0, 2.0, 3.0])


def sum_exp(x):
    return np.sum(np.exp(x))


def sum_tanh(x):
    return np.sum(np.tanh(x))


def times_global(x):
    return np.sum(x * C)


def times_param(x, c):
    return np.sum(x * c)


def exp_then_slice(x):
    e = np.exp(x)
    return np.sum(e) + np.sum(x[0:2] * e[0:2])


def shared_factor(x, y):
    return np.sum(np.exp(x) * y) + np.sum(np.exp(x) * x)


def two_args_one_value(x, y):
    return np.sum(np.exp(x + y))


def masks(x, m1, m2):
    return np.sum(x * (m1 * m2)) + np.sum(x * (m1 * m2))


def bool_ufunc(x):
    return np.sum(x * np.greater(x, 0.0)) + np.sum(x * np.logical_not(x > 0.5))


def loop_output(x):
    s = np.sum(x)
    for _ in range(3):
        s = s * 1.5
    return s


def mean_of_square(x):
    return np.mean(x * x)


def method_sum(x):
    return (x * 3.0).sum()


def plus(x, y):
    return x + y


def bcast_mul(a, b):
    return np.sum(a * b)


def bcast_masks(x, m1, m2):
    return np.sum(x * m1) + np.sum(x * m2)


def squared_error(h, t):
    return np.sum((h - t) ** 2)


def spread_then_more(a, b):
    c = a * b
    return np.sum(c) + np.sum(c * a)


def sum_maximum(a, b):
    return np.sum(np.maximum(a, b))


def sum_where_tanh(x, y):
    return np.sum(np.tanh(x) * y) + np.sum(np.sqrt(np.abs(x)) * 2.0)
