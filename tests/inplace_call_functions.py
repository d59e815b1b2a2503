"""Functions for tests/test_in_place_calls.py."""

import numpy as np


def add_at(x):
    out = np.zeros(3)
    np.add.at(out, np.array([0, 0, 2]), x)
    return np.sum(out ** 2)


def out_keyword(x):
    y = x * 2.0
    np.multiply(y, 3.0, out=y)
    return np.sum(y)


def out_keyword_assigned(x):
    buf = np.zeros(3)
    y = np.add(x, 1.0, out=buf)
    return np.sum(y * buf)


def setter(a, v):
    a[0] = v


def calls_a_setter(x):
    z = np.zeros(2)
    setter(z, x[0])
    return np.sum(z * x)


def prints(x):
    print("x =", x)
    return np.sum(x * x)


def powers_list(x):
    """A list that grows, read at -1 while it grows (the entry -1 names changes)."""
    vals = [x]
    for i in range(3):
        vals.append(vals[-1] * x)
    return vals[1] * vals[2] + vals[-1]


def powers_list_slices(a, n):
    powers = [np.eye(2)]
    for _ in range(n - 1):
        powers.append(powers[-1] @ a)
    out = np.zeros((2, 2))
    for k in range(n):
        out = out + powers[k] * powers[n - 1 - k]
    tail = powers[-2:]
    return np.sum(out) + np.sum(tail[0] * tail[-1])


def reassigned_on_one_branch(x, y, flip):
    """y is not differentiated, but takes a value from x on one branch only."""
    if flip:
        y = x * 2.0
    return np.sum(np.sin(y) * x)
