"""The public API: grad, value_and_grad, vjp, differentiable; the cache of compiled derivatives."""

from __future__ import annotations

import functools
import inspect
import threading
import types
import weakref

from . import pipeline
from .errors import ArgumentError, TangentLiteError
from .frontend import check_is_function

_cache = weakref.WeakKeyDictionary()  # function -> {(mode, wrt, ...): generated function}
_lock = threading.RLock()


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
        if hit is None:
            gen = pipeline.build(f, mode, list(names), optimize=optimize, single=single,
                                 known=known)
            hit = pipeline.load(gen.source, gen.namespace, gen.entry)
            hit.source = gen.source
            hit.tl_generated = gen
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
    """
    if f is None or isinstance(f, (int, str, tuple, list)) and not callable(f):
        if f is not None:
            wrt = f
        return functools.partial(grad, wrt=wrt, optimize=optimize, verbose=verbose)
    return _finish(_transform(f, "grad", wrt, optimize, verbose), wrt)


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

    def __repr__(self):
        return f"<tl.differentiable {self.__wrapped__.__qualname__}>"


def differentiable(f=None, *, wrt=0):
    """``@tl.differentiable`` / ``@tl.differentiable(wrt=...)``: ``f`` unchanged when
    called, with ``.grad``, ``.value_and_grad`` and ``.vjp`` compiled on first use."""
    if f is None:
        return lambda g: Differentiable(g, wrt)
    if not callable(f):
        raise TangentLiteError("@tl.differentiable decorates a function")
    return Differentiable(f, wrt)
