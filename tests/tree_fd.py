"""Finite-difference oracles for forward mode, on nested float/array/list/tuple/dict values.

``directional_fd(f, args, {pos: tangent})`` is the central difference
``(f(x + h u) - f(x - h u)) / 2h`` along the direction given by the tangents,
computed in float64 with every argument deep-copied (f may mutate its inputs).
"""

import copy

import numpy as np


def tree_map(fn, *trees):
    t0 = trees[0]
    if isinstance(t0, dict):
        assert all(isinstance(t, dict) and t.keys() == t0.keys() for t in trees), trees
        return {k: tree_map(fn, *(t[k] for t in trees)) for k in t0}
    if isinstance(t0, (list, tuple)):
        assert all(type(t) is type(t0) and len(t) == len(t0) for t in trees), \
            [type(t) for t in trees]
        return type(t0)(tree_map(fn, *parts) for parts in zip(*trees))
    return fn(*trees)


def tree_axpy(x, u, h):
    return tree_map(lambda a, b: np.asarray(a, dtype=np.float64) + h * np.asarray(b)
                    if isinstance(a, np.ndarray) else float(a) + h * float(b), x, u)


def _call(f, args, kwargs):
    return f(*copy.deepcopy(list(args)), **copy.deepcopy(kwargs or {}))


def directional_fd(f, args, tangents, kwargs=None, h=1e-6):
    """``tangents`` maps argument position -> tangent of that argument."""
    plus = list(copy.deepcopy(list(args)))
    minus = list(copy.deepcopy(list(args)))
    for p, u in tangents.items():
        plus[p] = tree_axpy(args[p], u, h)
        minus[p] = tree_axpy(args[p], u, -h)
    fp = _call(f, plus, kwargs)
    fm = _call(f, minus, kwargs)
    return tree_map(lambda a, b: (np.asarray(a, dtype=np.float64)
                                  - np.asarray(b, dtype=np.float64)) / (2.0 * h), fp, fm)


def assert_tree_close(actual, expected, rtol=1e-5, atol=1e-6):
    """Same structure (list/tuple/dict), same shapes, close values."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"expected a dict, got {type(actual).__name__}"
        assert actual.keys() == expected.keys(), (actual.keys(), expected.keys())
        for k in expected:
            assert_tree_close(actual[k], expected[k], rtol, atol)
        return
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, type(expected)), \
            f"expected a {type(expected).__name__}, got {type(actual).__name__}"
        assert len(actual) == len(expected), (len(actual), len(expected))
        for a, e in zip(actual, expected):
            assert_tree_close(a, e, rtol, atol)
        return
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}"
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol * (1.0 + scale))


def snapshot(tree):
    return copy.deepcopy(tree)


def assert_tree_equal(actual, expected, what="argument"):
    def eq(a, b):
        assert type(a) is type(b), f"{what} changed type: {type(b)} -> {type(a)}"
        if isinstance(b, np.ndarray):
            assert np.array_equal(a, b), f"{what} was modified"
        else:
            assert a == b, f"{what} was modified"
        return None

    tree_map(eq, actual, expected)


def random_like(x, rng):
    return tree_map(lambda a: rng.uniform(-1.0, 1.0, np.shape(a))
                    if isinstance(a, np.ndarray) else float(rng.uniform(-1.0, 1.0)), x)
