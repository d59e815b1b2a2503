"""One small function per construct; test_golden.py pins the source generated for each."""

import math

import numpy as np

SCALE = 3.0


def straight_line(x, y):
    z = x * y
    w = np.sin(z) + x / y
    return w * SCALE


def branch(x):
    if x > 0.0:
        y = x * x
    elif x < -1.0:
        y = -x
    else:
        y = 3.0 * x
    return y


def ifexp_and_or(x, y):
    s = x if x > y else y
    if x > 0 and y > 0:
        s = s * x
    return s


def for_range(x):
    s = 0.0
    for i in range(10):
        s = s + math.sin(x * i)
    return s


def for_array(xs):
    total = 0.0
    for i, v in enumerate(xs):
        total = total + v * i
    return total


def while_loop(x):
    while x < 10.0:
        x = x * 1.5
    return x


def break_continue(x):
    s = 0.0
    for i in range(20):
        if i % 3 == 0:
            continue
        s = s + x * i
        if s > 50.0:
            break
    return s


def early_return(x):
    for i in range(10):
        x = x * 1.1
        if x > 5.0:
            return x * 2.0
    return x


def inplace_matrix(d):
    n = d.shape[0]
    S = np.zeros((n, n))
    for i in range(n):
        if d[i] > 0:
            S[i, i] += d[i]
    return np.sum(S * S)


def running_max_logsumexp(x):
    m = x[0]
    for i in range(1, len(x)):
        if x[i] > m:
            m = x[i]
    s = 0.0
    for i in range(len(x)):
        s += np.exp(x[i] - m)
    return m + np.log(s)


def helper(a, b=2.0):
    return a * b + np.tanh(a)


def calls_helper(x):
    return helper(x) + helper(x, b=0.5) * x


def comprehension(x):
    return sum([x[i] * i for i in range(3)])


def rnn(W, xs):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h ** 2)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def vector_output(x):
    return np.sin(x) * x
