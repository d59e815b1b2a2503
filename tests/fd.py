"""Independent numerical oracles: central finite differences in float64.

``numerical_grad`` differentiates a scalar function with respect to one or more
arguments (Python floats or ndarrays); ``numerical_jacobian`` handles array and
tuple outputs. ``check_grad`` runs ``tl.grad`` and compares it with the oracle,
also checking the gradient's type/shape and that inputs are not mutated.
"""

import copy
import inspect
import numbers

import numpy as np

STEP = 1e-6


def _copy_args(args):
    return [copy.deepcopy(a) for a in args]


def _is_scalar(x):
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.ndarray))


def resolve_wrt(f, w):
    """Map an argument name or position to a position in f's signature."""
    if isinstance(w, str):
        names = list(inspect.signature(f).parameters)
        return names.index(w)
    return w


def _call(f, args, kwargs):
    return f(*_copy_args(args), **copy.deepcopy(kwargs or {}))


def _step(v):
    return STEP * max(1.0, abs(float(v)))


def _perturbed(args, idx, index, delta):
    new = _copy_args(args)
    x = new[idx]
    if index is None:
        new[idx] = float(x) + delta
    else:
        x = np.array(x, dtype=np.float64, copy=True)
        x[index] += delta
        new[idx] = x
    return new


def _coords(x):
    if _is_scalar(x):
        return [None]
    return list(np.ndindex(np.shape(x)))


def _fd_one(f, args, idx, kwargs, as_output):
    """Central differences of f w.r.t. args[idx]; as_output maps f's output to an ndarray."""
    x = args[idx]
    cols = []
    for index in _coords(x):
        v = x if index is None else np.asarray(x)[index]
        h = _step(v)
        fp = as_output(f(*_perturbed(args, idx, index, +h), **copy.deepcopy(kwargs or {})))
        fm = as_output(f(*_perturbed(args, idx, index, -h), **copy.deepcopy(kwargs or {})))
        cols.append((fp - fm) / (2.0 * h))
    return cols


def _scalar_output(y):
    arr = np.asarray(y, dtype=np.float64)
    assert arr.shape == (), "finite differences of grad need a scalar output, got shape %s" % (
        arr.shape,
    )
    return float(arr)


def numerical_grad(f, args, wrt=0, kwargs=None):
    """Gradient of scalar f w.r.t. wrt (position, name or tuple of those).

    A float argument gives a Python float, an ndarray argument an ndarray of its shape.
    """
    args = list(args)
    single = not isinstance(wrt, tuple)
    wrts = (wrt,) if single else wrt
    out = []
    for w in wrts:
        idx = resolve_wrt(f, w)
        cols = _fd_one(f, args, idx, kwargs, _scalar_output)
        x = args[idx]
        if _is_scalar(x):
            out.append(float(cols[0]))
        else:
            out.append(np.array(cols, dtype=np.float64).reshape(np.shape(x)))
    return out[0] if single else tuple(out)


def numerical_jacobian(f, args, wrt=0, kwargs=None):
    """Jacobian of f w.r.t. one argument: shape out.shape + x.shape.

    For a tuple output, returns a tuple of Jacobians, one per output component.
    """
    args = list(args)
    idx = resolve_wrt(f, wrt)
    y0 = _call(f, args, kwargs)
    x = args[idx]
    xshape = () if _is_scalar(x) else np.shape(x)
    if isinstance(y0, tuple):
        sizes = [np.asarray(c, dtype=np.float64).size for c in y0]
        shapes = [np.shape(c) for c in y0]

        def flat(y):
            return np.concatenate([np.asarray(c, dtype=np.float64).ravel() for c in y])

        cols = _fd_one(f, args, idx, kwargs, flat)
        jac = np.array(cols).T  # (sum sizes, n)
        parts = []
        start = 0
        for size, shape in zip(sizes, shapes):
            parts.append(jac[start:start + size].reshape(shape + xshape))
            start += size
        return tuple(parts)
    yshape = np.shape(y0)
    cols = _fd_one(f, args, idx, kwargs, lambda y: np.asarray(y, dtype=np.float64).ravel())
    jac = np.array(cols).T
    return jac.reshape(yshape + xshape)


def vjp_oracle(f, args, seed, wrt=0, kwargs=None):
    """seed . J computed from the finite-difference Jacobian."""
    jac = numerical_jacobian(f, args, wrt, kwargs)
    x = list(args)[resolve_wrt(f, wrt)]
    if isinstance(jac, tuple):
        total = 0.0
        for s, j in zip(seed, jac):
            s = np.asarray(s, dtype=np.float64)
            total = total + np.tensordot(s, j, axes=s.ndim)
        res = total
    else:
        s = np.asarray(seed, dtype=np.float64)
        res = np.tensordot(s, jac, axes=s.ndim)
    if _is_scalar(x):
        return float(res)
    return np.asarray(res)


def _max_abs(x):
    if isinstance(x, tuple):
        return max([_max_abs(c) for c in x] + [0.0])
    arr = np.asarray(x, dtype=np.float64)
    return float(np.max(np.abs(arr))) if arr.size else 0.0


def assert_close(actual, expected, rtol=1e-5, atol=1e-6, scale=None):
    """Elementwise |a - e| <= atol * (1 + scale) + rtol * |e| (recursively for tuples).

    scale defaults to max |expected|; finite-difference error grows with the
    magnitude of the function, so callers may pass a larger scale.
    """
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple), "expected a tuple, got %r" % (type(actual),)
        assert len(actual) == len(expected), (len(actual), len(expected))
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol, atol, scale)
        return
    if scale is None:
        scale = _max_abs(expected)
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, "shape %s != expected %s" % (a.shape, e.shape)
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol * (1.0 + scale))


def assert_grad_type(g, x):
    """A gradient has the type and shape of its argument (SPEC §1)."""
    if _is_scalar(x):
        assert isinstance(g, float) and not isinstance(g, np.ndarray), (
            "gradient of a float argument should be a Python float, got %r" % (type(g),)
        )
    else:
        assert isinstance(g, np.ndarray), "gradient of an ndarray should be an ndarray, got %r" % (
            type(g),
        )
        assert g.shape == np.shape(x), "gradient shape %s != argument shape %s" % (
            g.shape,
            np.shape(x),
        )


def _snapshot(args):
    return [np.array(a, copy=True) if isinstance(a, np.ndarray) else copy.deepcopy(a) for a in args]


def assert_unchanged(before, after):
    for i, (b, a) in enumerate(zip(before, after)):
        if isinstance(b, np.ndarray):
            assert np.array_equal(a, b), "argument %d was modified by the gradient function" % i
        else:
            assert a == b, "argument %d was modified by the gradient function" % i


def check_grad(f, args, wrt=0, rtol=1e-5, atol=1e-6, kwargs=None, mutates=False, df=None):
    """Compare tl.grad(f, wrt) with central finite differences.

    Also checks the gradient's type/shape and, unless the original function mutates its
    inputs, that the gradient function leaves the caller's arrays unchanged.
    Returns the computed gradient.
    """
    import tangent_lite as tl

    args = list(args)
    kwargs = dict(kwargs or {})
    expected = numerical_grad(f, args, wrt, kwargs)
    if df is None:
        df = tl.grad(f, wrt=wrt)
    call_args = _copy_args(args)
    before = _snapshot(call_args)
    g = df(*call_args, **kwargs)
    if not mutates:
        assert_unchanged(before, call_args)
    fval = abs(_scalar_output(_call(f, args, kwargs)))
    if isinstance(wrt, tuple):
        assert isinstance(g, tuple) and len(g) == len(wrt), "tuple wrt should give a tuple"
        for gi, w in zip(g, wrt):
            assert_grad_type(gi, args[resolve_wrt(f, w)])
    else:
        assert_grad_type(g, args[resolve_wrt(f, wrt)])
    scale = max(_max_abs(expected), 1e-3 * fval)
    assert_close(g, expected, rtol=rtol, atol=atol, scale=scale)
    return g
