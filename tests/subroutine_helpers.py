"""User helper functions in their own module, with their own globals.

Used by test_subroutines.py to check that calls are differentiated recursively
across modules, and that each function reads the globals of the module it is
defined in. Do not change line numbers casually: test_subroutines.py locates the
offending line of ``helper_with_unsupported`` by its marker comment.
"""

import math

import numpy as np

# Deliberately shares its name with a different constant in test_subroutines.py.
SCALE = 2.5
OFFSET = 0.25
WEIGHTS = np.array([0.5, -1.0, 2.0, 0.25])


def square(x):
    return x * x


def poly(x):
    # calls another helper in this module
    return square(x) * SCALE + x + OFFSET


def scaled(x, a=2.0, b=1.0):
    return a * x * x + b * x


def scaled_kwonly(x, *, gain=3.0):
    return gain * math.sin(x)


def weighted_sum(v):
    return np.sum(WEIGHTS * v)


def weighted_norm(v):
    return np.sqrt(np.sum(WEIGHTS ** 2 * v ** 2))


def stats(v):
    m = np.mean(v)
    var = np.mean((v - m) ** 2)
    return m, var


def step(h, w):
    return np.tanh(w @ h + OFFSET)


def piecewise(x):
    if x > 0:
        return x * SCALE
    return math.exp(x) - 1.0


def deep1(x):
    return deep2(x) * x


def deep2(x):
    return deep3(x) + math.sin(x)


def deep3(x):
    return square(x) * OFFSET


def helper_with_unsupported(x):
    y = x * 2.0
    try:  # UNSUPPORTED
        y = y * x
    except ValueError:
        y = 0.0
    return y
