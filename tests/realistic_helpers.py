"""Helpers for test_realistic.py, living in their own module with their own globals.

A user's loss typically calls small utilities from a separate file; tangent_lite
must differentiate them recursively and read *this* module's constants.
"""

import math

import numpy as np

EPS = 1e-8
LEAK = 0.1
TEMPERATURE = 2.0
COEFFS = np.array([0.5, -1.25, 2.0])


def leaky_relu(z):
    return np.where(z > 0, z, LEAK * z)


def stable_logsumexp(z):
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m)))


def softmax(z):
    z = z / TEMPERATURE
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def mean_and_std(x):
    mu = np.mean(x)
    var = np.mean((x - mu) ** 2)
    return mu, np.sqrt(var + EPS)


def gaussian_pdf(x, mu, sigma):
    return math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2.0 * math.pi))


def weighted_poly(x):
    return COEFFS[0] + COEFFS[1] * x + COEFFS[2] * x * x


import numpy as onp  # noqa: E402  (a second alias, as some codebases do)
from math import exp as mexp  # noqa: E402

SCALE = 3.0


def scaled_softplus(z, scale=SCALE):
    return onp.log1p(onp.exp(scale * z)) / scale


def gauss_bump(x, width=TEMPERATURE):
    return mexp(-(x / width) ** 2)
