"""Small functions the pass-level unit tests read the source of."""

import numpy as np


def anf_target(x, y):
    z = np.exp(-x * y).sum()
    z += x
    return z


def flags_target(x):
    for i in range(5):
        if x > 2.0:
            break
        x = x * 2.0
    return x


def early_target(x):
    if x > 0:
        return x
    return -x


def activity_target(x, y, n):
    a = x * 2.0
    b = y * 3.0
    c = a + n
    k = len(b)
    d = np.floor(a)
    return c + d * 0.0 + k


def shapes_target(x, s):
    a = x[1:] - x[:-1] ** 2
    b = np.exp(a) * 2.0
    c = b + s
    t = np.sum(c)
    return t
