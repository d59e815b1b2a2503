"""Functions for tests/test_rule_registration.py (each test registers its own rules)."""

import numpy as np


def opaque_a(x):
    return np.sin(x)


def uses_a(x):
    return opaque_a(x) * 2.0


def opaque_b(x):
    return np.exp(x)


def uses_b(x):
    return np.sum(opaque_b(x) * x)
