"""Module-level functions decorated with the tangent_lite API (imported lazily by
test_api.py so that a broken decorator cannot break collection of other tests)."""

import numpy as np

import tangent_lite as tl


@tl.grad
def grad_of_sin_sq(x):
    return np.sum(np.sin(x) ** 2)


@tl.grad(wrt="w")
def grad_of_loss_w(x, w):
    return np.sum((x @ w) ** 2)


@tl.grad(wrt=("x", 1))
def grad_of_product_both(x, w):
    return np.sum(np.tanh(x @ w))


@tl.differentiable
def energy(x, w):
    """A docstring."""
    return np.sum(np.exp(x) * w) + np.sum(w ** 2)


@tl.differentiable(wrt="w")
def energy_w(x, w):
    return np.sum(np.exp(x) * w) + np.sum(w ** 2)


def plain_energy(x, w):
    return np.sum(np.exp(x) * w) + np.sum(w ** 2)


def plain_sin_sq(x):
    return np.sum(np.sin(x) ** 2)


def plain_loss(x, w):
    return np.sum((x @ w) ** 2)


def plain_product(x, w):
    return np.sum(np.tanh(x @ w))


def looped(x, n):
    s = 0.0
    for i in range(n):
        if s > 0.5:
            s = s * 0.9 + np.sin(x * i)
        else:
            s = s + x * x * 0.01 * i
    return s
