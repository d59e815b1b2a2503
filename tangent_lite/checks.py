"""Checking derivatives against finite differences, and ``stop_gradient``."""

from __future__ import annotations

import numpy as np

from .errors import ArgumentError
from .rules.registry import non_differentiable


@non_differentiable
def stop_gradient(x):
    """``x`` itself; no derivative flows through it.

    In generated code the call disappears: the value is used as a constant.
    """
    return x


def _perturb(args, k, index, delta):
    out = list(args)
    x = args[k]
    if isinstance(x, np.ndarray):
        y = x.astype(float, copy=True)
        y[index] += delta
        out[k] = y
    else:
        out[k] = float(x) + delta
    return out


def check_grad(f, *args, wrt=0, rtol=1e-4, step=1e-6, **kwargs):
    """Compare ``tl.grad(f, wrt)`` with central finite differences in float64.

    Returns the worst relative error over all entries; an entry's error is
    measured against the larger of its own finite difference and a thousandth
    of the largest one.  Raises ``AssertionError`` when it exceeds ``rtol``.
    """
    from .api import _wrt_names, grad

    names, single = _wrt_names(f, wrt)
    params = [p for p in __import__("inspect").signature(f).parameters]
    positions = [params.index(n) for n in names]
    if any(p >= len(args) for p in positions):
        raise ArgumentError("check_grad needs every wrt argument passed by position")
    got = grad(f, wrt=wrt)(*args, **kwargs)
    got = [got] if single else list(got)
    worst = 0.0
    for k, g in zip(positions, got):
        x = args[k]
        if not isinstance(x, (float, int, np.ndarray)) or isinstance(x, bool):
            raise ArgumentError("check_grad compares float and ndarray arguments; got "
                                f"{type(x).__name__}")
        shape = np.shape(x)
        fd = np.zeros(shape)
        for index in np.ndindex(*shape) if shape else [()]:
            h = step * max(1.0, abs(float(np.asarray(x)[index])))
            plus = f(*_perturb(args, k, index, h), **kwargs)
            minus = f(*_perturb(args, k, index, -h), **kwargs)
            fd[index] = (float(plus) - float(minus)) / (2.0 * h)
        g = np.asarray(g, dtype=float)
        floor = max(1e-3 * float(np.max(np.abs(fd))) if fd.size else 0.0, 1e-8)
        err = np.abs(g - fd) / np.maximum(np.abs(fd), floor)
        worst = max(worst, float(np.max(err)) if err.size else 0.0)
    if not worst <= rtol:
        raise AssertionError(f"gradient of {f.__qualname__} differs from central finite "
                             f"differences: worst relative error {worst:.3g} > {rtol:g}")
    return worst
