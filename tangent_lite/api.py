"""The public API: grad, value_and_grad, vjp, differentiable; the cache of compiled derivatives."""

from __future__ import annotations

import functools
import inspect
import threading
import types
import weakref

import numpy as np

from . import pipeline
from .rules import registry
from .errors import ArgumentError, TangentLiteError
from .frontend import check_is_function

_cache = weakref.WeakKeyDictionary()  # function -> {(mode, wrt, ...): generated function}
_lock = threading.RLock()


def _forget_compiled():
    """A rule was registered: derivatives compiled before may have used the old one."""
    with _lock:
        _cache.clear()


registry.on_change(_forget_compiled)


def _param_names(f):
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        raise ArgumentError(f"cannot read the signature of {f!r}") from None
    return [p.name for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _wrt_names(f, wrt):
    params = _param_names(f)
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    if not items:
        raise ArgumentError("wrt must name at least one argument")
    names = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise ArgumentError(f"wrt must be an argument position or name, got {w!r}")
        if isinstance(w, int):
            if not -len(params) <= w < len(params):
                raise ArgumentError(f"wrt={w} is out of range: {f.__qualname__} takes "
                                    f"{len(params)} argument(s) {tuple(params)}")
            names.append(params[w])
        else:
            if w not in params:
                raise ArgumentError(f"wrt={w!r} is not an argument of {f.__qualname__}; its "
                                    f"arguments are {tuple(params)}")
            names.append(w)
    if len(set(names)) != len(names):
        raise ArgumentError(f"wrt names the same argument twice: {tuple(items)}")
    return tuple(names), single


def _unwrap(f):
    return getattr(f, "__wrapped_primal__", f)


def _transform(f, mode, wrt, optimize, verbose):
    f = _unwrap(f)
    check_is_function(f)
    names, single = _wrt_names(f, wrt)
    if inspect.ismethod(f):
        # differentiate the function and bind the same object again; its other methods
        # called as self.method(...) are known and differentiated too
        first = next(iter(inspect.signature(f.__func__).parameters))
        fn = _compiled(f.__func__, mode, names, single, optimize, verbose,
                       {first: f.__self__})
        return types.MethodType(fn, f.__self__)
    return _compiled(f, mode, names, single, optimize, verbose)


def _compiled(f, mode, names, single, optimize, verbose, known=None):
    key = (mode, names, single, bool(optimize),
           tuple((k, id(v)) for k, v in sorted((known or {}).items())))
    with _lock:
        per_function = _cache.setdefault(f, {})
        hit = per_function.get(key)
        if hit is not None and not _callees_current(hit):
            hit = None  # a function it differentiates was redefined: build again
        if hit is None and mode == "grad_of_jvp":
            # the gradient of the tangent a generated jvp returns: reverse over forward
            gen = pipeline.build(f, "grad", list(names), optimize=optimize, single=single,
                                 known=known, output_index=1)
        elif hit is None and mode == "hvp":
            # forward mode over the generated gradient
            g = _compiled(f, "grad", names, single, optimize, False, known)
            gen = pipeline.build(g, "hvp", list(names), optimize=optimize, of=f)
            gen.callees = list(g.tl_generated.callees) + [f]
            gen.grad = g
        elif hit is None:
            gen = pipeline.build(f, mode, list(names), optimize=optimize, single=single,
                                 known=known)
        if hit is None:
            hit = pipeline.load(gen.source, gen.namespace, gen.entry)
            hit.source = gen.source
            hit.tl_generated = gen
            hit.tl_mode = mode
            per_function[key] = hit
    if verbose:
        print(hit.source)
    return hit


def _callees_current(fn):
    for callee in getattr(fn.tl_generated, "callees", ()):
        home = getattr(callee, "__globals__", {})
        if home.get(callee.__name__, callee) is not callee and \
                callee.__qualname__ == callee.__name__:
            return False
    return True


def grad(f=None, wrt=0, *, optimize=True, verbose=False):
    """The gradient of scalar-valued ``f`` with respect to the argument(s) ``wrt``.

    ``tl.grad(f)`` returns ``df(*args)``; also usable as ``@tl.grad`` and
    ``@tl.grad(wrt="w")``.  ``df.source`` is the generated module's source.
    ``tl.grad(tl.grad(f))`` transforms the generated gradient again (reverse over
    reverse); where reverse mode lacks a rule for a helper the generated code calls,
    forward mode over the generated code is used instead, one pass per entry of ``wrt``.
    """
    if f is None or isinstance(f, (int, str, tuple, list)) and not callable(f):
        if f is not None:
            wrt = f
        return functools.partial(grad, wrt=wrt, optimize=optimize, verbose=verbose)
    if hasattr(f, "tl_forward_chain"):
        return _grad_of_generated(f, wrt, optimize, verbose)
    if getattr(_unwrap(f), "tl_mode", None) == "jvp":
        # tl.grad(tl.jvp(f)): the gradient of the directional derivative it returns
        return _finish(_transform(f, "grad_of_jvp", wrt, optimize, verbose), wrt)
    if getattr(_unwrap(f), "tl_generated", None) is not None:
        # reverse over reverse; forward mode over the generated code where reverse mode
        # has no rule for something the generated code calls
        try:
            return _finish(_transform(f, "grad", wrt, optimize, verbose), wrt)
        except TangentLiteError:
            return _grad_of_generated(f, wrt, optimize, verbose)
    return _finish(_transform(f, "grad", wrt, optimize, verbose), wrt)


def _grad_of_generated(f, wrt, optimize, verbose):
    """``grad`` of generated code: forward mode over it, seeded with each unit tangent.

    A gradient of that again (third derivatives) applies forward mode once more to
    the same generated code; past the second order the argument must be a scalar."""
    from .runtime import like, scalar_seed
    base, depth = getattr(f, "tl_forward_chain", (f, 0))
    user = getattr(f, "tl_forward_origin", base)  # the signature the caller uses
    names, single = _wrt_names(_unwrap(user), wrt)
    positions = _positions(user, names)
    forward = jvp(base, wrt=tuple(names), optimize=optimize, verbose=verbose)

    def df(*args, **kwargs):
        _checked_args(user, args, positions, "grad of a generated derivative")
        args, kwargs = _all_positional(user, args, kwargs)
        xs = [args[p] for p in positions]
        if depth and not (single and np.ndim(xs[0]) == 0):
            raise ArgumentError("a derivative of order three or more is taken with respect "
                                "to one scalar argument; use tl.hessian or tl.jacobian of "
                                "tl.grad(f) for arrays")
        out = [np.zeros(np.shape(x)) for x in xs]
        for j, xj in enumerate(xs):
            for index, e in _basis(xj):
                v = [e if k == j else _zero_tangent(x) for k, x in enumerate(xs)]
                value, t = forward(*args, *([1.0] * depth), *v, **kwargs)
                for _ in range(depth):
                    value, t = value[1], t[1]
                scalar_seed(value)
                out[j][index] = t
        res = [like(g, x) for g, x in zip(out, xs)]
        return res[0] if single else tuple(res)

    df.source = forward.source
    df.tl_forward_chain = (forward, depth + 1)
    df.tl_forward_origin = user
    df.__signature__ = inspect.signature(_unwrap(user))
    df.__name__ = df.__qualname__ = f"grad_{getattr(_unwrap(f), '__name__', 'f')}"
    return df


def value_and_grad(f=None, wrt=0, *, optimize=True, verbose=False):
    """``vg(*args) -> (f(*args), gradient)``."""
    if f is None:
        return functools.partial(value_and_grad, wrt=wrt, optimize=optimize, verbose=verbose)
    return _finish(_transform(f, "value_and_grad", wrt, optimize, verbose), wrt)


def vjp(f=None, wrt=0, *, optimize=True, verbose=False):
    """``f_vjp(*args, seed)``: the vector-Jacobian product; ``seed`` has the output's structure."""
    if f is None:
        return functools.partial(vjp, wrt=wrt, optimize=optimize, verbose=verbose)
    return _finish(_transform(f, "vjp", wrt, optimize, verbose), wrt)


def jvp(f=None, wrt=0, *, optimize=True, verbose=False):
    """``f_jvp(*args, *tangents) -> (f(*args), directional derivative)``, one tangent per
    ``wrt`` argument, by forward-mode source transformation (no tape)."""
    if f is None:
        return functools.partial(jvp, wrt=wrt, optimize=optimize, verbose=verbose)
    return _finish(_transform(f, "jvp", wrt, optimize, verbose), wrt)


def hvp(f=None, wrt=0, *, optimize=True, verbose=False):
    """``hvp(*args, v)``: the Hessian of scalar-valued ``f`` times ``v`` (one ``v`` per
    ``wrt`` argument), by forward mode over the generated gradient."""
    if f is None:
        return functools.partial(hvp, wrt=wrt, optimize=optimize, verbose=verbose)
    return _finish(_transform(f, "hvp", wrt, optimize, verbose), wrt)


def _positions(f, names):
    params = _param_names(_unwrap(f))
    return [params.index(n) for n in names]


def _basis(x):
    """Unit tangents for ``x``: (index, tangent) for each entry of a float or array."""
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        yield (), 1.0
        return
    shape = np.shape(x)
    for index in np.ndindex(*shape):
        e = np.zeros(shape)
        e[index] = 1.0
        yield index, e


def _zero_tangent(x):
    return np.zeros(np.shape(x)) if isinstance(x, np.ndarray) else 0.0


def _all_positional(f, args, kwargs):
    """``args`` with the defaults of the positional parameters not passed filled in, and
    the keyword arguments left: generated jvp/vjp/hvp entry points take every positional
    argument, then the tangents or the seed."""
    try:
        bound = inspect.signature(_unwrap(f)).bind(*args, **kwargs)
    except TypeError as exc:
        raise ArgumentError(f"bad call of {getattr(f, '__qualname__', f)}: {exc}") from None
    bound.apply_defaults()
    positional, rest = [], {}
    for name, p in inspect.signature(_unwrap(f)).parameters.items():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional.append(bound.arguments[name])
        elif p.kind == p.KEYWORD_ONLY:
            rest[name] = bound.arguments[name]
    return positional, rest


def _checked_args(f, args, positions, what):
    if any(p >= len(args) for p in positions):
        raise ArgumentError(f"{what} needs every wrt argument passed by position")
    for p in positions:
        x = args[p]
        if isinstance(x, bool) or not isinstance(x, (int, float, np.ndarray, np.generic)):
            raise ArgumentError(f"{what} differentiates with respect to floats and arrays; "
                                f"argument {p} is a {type(x).__name__}")


def hessian(f=None, wrt=0, *, optimize=True, verbose=False):
    """``H(*args)``: the Hessian of scalar-valued ``f``, of shape ``x.shape + x.shape`` for
    one array argument; a tuple ``wrt`` gives the nested blocks ``H[i][j]``.  It is built
    column by column from Hessian-vector products (forward over reverse)."""
    if f is None:
        return functools.partial(hessian, wrt=wrt, optimize=optimize, verbose=verbose)
    names, single = _wrt_names(_unwrap(f), wrt)
    positions = _positions(f, names)
    hv = hvp(f, wrt=names, optimize=optimize, verbose=verbose)

    def H(*args, **kwargs):
        _checked_args(f, args, positions, "hessian")
        args, kwargs = _all_positional(f, args, kwargs)
        xs = [args[p] for p in positions]
        blocks = [[np.zeros(np.shape(xi) + np.shape(xj)) for xj in xs] for xi in xs]
        for j, xj in enumerate(xs):
            for index, e in _basis(xj):
                v = [e if k == j else _zero_tangent(x) for k, x in enumerate(xs)]
                cols = hv(*args, *v, **kwargs)
                for i, col in enumerate(cols):
                    blocks[i][j][(Ellipsis,) + index] = col
        out = [[b if b.ndim else float(b) for b in row] for row in blocks]
        return out[0][0] if single else tuple(tuple(row) for row in out)

    H.source = hv.source
    H.__name__ = H.__qualname__ = f"hessian_{getattr(_unwrap(f), '__name__', 'f')}"
    return H


def jacobian(f=None, wrt=0, *, mode="reverse", optimize=True, verbose=False):
    """``J(*args)``: the Jacobian of ``f``, of shape ``out.shape + x.shape``; ``mode`` is
    ``"reverse"`` (one vjp per output entry) or ``"forward"`` (one jvp per input entry).
    A tuple ``wrt`` gives a tuple of Jacobians."""
    if f is None:
        return functools.partial(jacobian, wrt=wrt, mode=mode, optimize=optimize,
                                 verbose=verbose)
    if mode not in ("reverse", "forward"):
        raise ArgumentError(f"mode must be 'reverse' or 'forward', got {mode!r}")
    names, single = _wrt_names(_unwrap(f), wrt)
    positions = _positions(f, names)
    multi = tuple(names)
    inner = (vjp if mode == "reverse" else jvp)(f, wrt=multi, optimize=optimize,
                                                verbose=verbose)

    def J(*args, **kwargs):
        _checked_args(f, args, positions, "jacobian")
        args, kwargs = _all_positional(f, args, kwargs)
        xs = [args[p] for p in positions]
        if mode == "forward":
            out = None
            blocks = None
            for j, xj in enumerate(xs):
                for index, e in _basis(xj):
                    v = [e if k == j else _zero_tangent(x) for k, x in enumerate(xs)]
                    value, t = inner(*args, *v, **kwargs)
                    if blocks is None:
                        out = _array_output(value)
                        blocks = [np.zeros(np.shape(out) + np.shape(x)) for x in xs]
                    blocks[j][(Ellipsis,) + index] = t
        else:
            out = _array_output(_unwrap(f)(*args, **kwargs))
            blocks = [np.zeros(np.shape(out) + np.shape(x)) for x in xs]
            for index, e in _basis(out):
                cots = inner(*args, e, **kwargs)
                for j, c in enumerate(cots):
                    blocks[j][index] = c
        res = [b if b.ndim else float(b) for b in blocks]
        return res[0] if single else tuple(res)

    J.source = inner.source
    J.__name__ = J.__qualname__ = f"jacobian_{getattr(_unwrap(f), '__name__', 'f')}"
    return J


def _array_output(value):
    if isinstance(value, (list, tuple, dict)):
        raise ArgumentError("jacobian needs an array or scalar output; got a "
                            f"{type(value).__name__} (take the Jacobian of each entry)")
    return value


def _finish(fn, wrt):
    return fn


class Differentiable:
    """A function with lazily compiled derivatives (see :func:`differentiable`)."""

    def __init__(self, f, wrt=0):
        self.__wrapped__ = f
        self.__wrapped_primal__ = f
        self._wrt = wrt
        functools.update_wrapper(self, f)

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self.__call__, obj)

    @property
    def grad(self):
        return grad(self.__wrapped__, wrt=self._wrt)

    @property
    def value_and_grad(self):
        return value_and_grad(self.__wrapped__, wrt=self._wrt)

    @property
    def vjp(self):
        return vjp(self.__wrapped__, wrt=self._wrt)

    @property
    def jvp(self):
        return jvp(self.__wrapped__, wrt=self._wrt)

    @property
    def hvp(self):
        return hvp(self.__wrapped__, wrt=self._wrt)

    @property
    def hessian(self):
        return hessian(self.__wrapped__, wrt=self._wrt)

    @property
    def jacobian(self):
        return jacobian(self.__wrapped__, wrt=self._wrt)

    def __repr__(self):
        return f"<tl.differentiable {self.__wrapped__.__qualname__}>"


def differentiable(f=None, *, wrt=0):
    """``@tl.differentiable`` / ``@tl.differentiable(wrt=...)``: ``f`` unchanged when
    called, with ``.grad``, ``.value_and_grad``, ``.vjp``, ``.jvp``, ``.hvp``, ``.hessian``
    and ``.jacobian`` compiled on first use."""
    if f is None:
        return lambda g: Differentiable(g, wrt)
    if not callable(f):
        raise TangentLiteError("@tl.differentiable decorates a function")
    return Differentiable(f, wrt)
