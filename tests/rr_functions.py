"""Functions whose generated gradients are differentiated again (test_reverse_over_reverse)."""

import math

import numpy as np

import tangent_lite as tl


def scalar_loop(x):
    s = 0.0
    for i in range(4):
        if x > 0.3 * i:
            s = s + math.sin(x * i) * x
        else:
            s = s - x ** 3
    return s


def scalar_while(x):
    y = x
    n = 0
    while n < 5:
        y = y * 0.9 + math.tanh(y) * x
        n += 1
    return y


def scalar_poly(x):
    return math.sin(x) * x ** 3 + math.exp(-x)


def matrix_loss(x):
    """Uses matmul, a max reduction, a mean over an axis and a broadcast add."""
    A = np.array([[1.0, 2.0, -1.0], [0.5, -0.3, 2.0]])
    v = A @ np.tanh(x * np.arange(1.0, 4.0))
    m = np.mean(np.outer(v, x), axis=0)
    return np.max(v) * np.sum(m ** 2) + np.sum((m + 1.0) ** 3)


def inplace_loss(x):
    z = np.zeros(4)
    for i in range(4):
        z[i] = x[i] * x[(i + 1) % 4]
        if z[i] > 0.0:
            z[i] += np.sin(x[i])
    return np.sum(z ** 2)


def slice_update_loss(x):
    z = np.zeros(4)
    z[1:3] += np.sin(x[:2])
    return np.sum(z ** 2 * x)


def gather_loss(x):
    idx = np.array([0, 2, 2, 1])
    return np.sum(x[idx] ** 3) + np.sum(np.maximum(x, 0.1) ** 2)


d_matrix_loss = tl.grad(matrix_loss)
d_inplace_loss = tl.grad(inplace_loss)


def gradient_norm(x):
    """A loss that calls a generated gradient."""
    g = d_matrix_loss(x)
    return np.sum(g * g)


def gradient_penalty(x):
    g = d_inplace_loss(x)
    return inplace_loss(x) + 0.1 * np.sum(g ** 2)


d_slice_update_loss = tl.grad(slice_update_loss)


def gradient_of_slice_update(x):
    return np.sum(d_slice_update_loss(x) ** 2)


def tanh_mix(x):
    return np.sum(np.tanh(x) ** 2 * x[::-1]) + np.max(x * x)


U = np.array([0.5, -1.0, 2.0])
jvp_tanh_mix = tl.jvp(tanh_mix)


def directional(x):
    """A function that calls a generated jvp."""
    value, tangent = jvp_tanh_mix(x, U)
    return tangent * value
