"""Functions for tests/test_more_higher_order.py (tangent_lite reads their source)."""

import numpy as np


def sorted_weights(x):
    return np.sum(np.sort(x) ** 3 * np.arange(1.0, 5.0))


def median_sq(x):
    return np.median(x) ** 3 + np.sum(x ** 2)


def along_axis(x):
    return np.sum(np.take_along_axis(x, np.array([[0, 2], [1, 1]]), axis=1) ** 3)


def selected(x):
    return np.sum(np.select([x > 0.5, x < -0.5], [x ** 3, np.sin(x)], default=x * x))


def chosen(x):
    return np.sum(np.choose(np.array([0, 1, 0, 1]), [x ** 3, np.exp(x)]))


def compressed(x):
    return (np.sum(np.compress([True, False, True, True], x) ** 3)
            + np.sum(np.extract(x > 0, x) ** 2))


def diagonals(x):
    return np.sum(np.diagonal(x) ** 3) + np.trace(x, 1) ** 2 + x.trace() ** 2


def stacked(x):
    a = np.column_stack([x[:2], x[2:]])
    b = np.dstack([x.reshape(2, 2), x.reshape(2, 2)])
    return np.sum(a ** 3) + np.sum(b ** 2 * x[0])


def pieces(x):
    a, b = np.array_split(x, 2)
    return np.sum(a ** 2 * b) + np.sum(np.diff(x) ** 3) + np.sum(np.append(x, x[:2]) ** 3)


def grids(x):
    a, b = np.meshgrid(x[:2], x[2:])
    return np.sum(a ** 2 * b)


def unique_values(x):
    return np.sum(np.unique(x) ** 3)


def spread_seed(a, b):
    return np.sum(a * b * a)
