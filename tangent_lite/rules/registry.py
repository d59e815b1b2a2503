"""The rule registry: one table per transformation, keyed by the primal callable.

A reverse-mode rule is a plain Python function ``rule(g, ans, *args)`` that
returns one cotangent per positional argument (``None`` where there is none; a
one-argument primal may return the bare cotangent).  Its body is inlined into
the generated source with the names substituted, so built-in rules and the
user's own rules read the same in the output.
"""

from __future__ import annotations

import inspect
import textwrap

import gast

from ..errors import TangentLiteError

_VJP = {}  # key(callable) -> Rule
_METHOD_VJP = {}  # method name -> Rule (the object is the first argument)
_JVP = {}  # key(callable) -> JvpRule
_METHOD_JVP = {}  # method name -> JvpRule
_NONDIFF = {}  # key(callable) -> callable
_LINEARITY = {}  # key(callable) -> "first" | "each": where a zero argument gives zero
_NONDIFF_METHODS = set()
_NONDIFF_ATTRS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}


_listeners = []  # called when a rule changes: compiled derivatives may be stale


def on_change(callback):
    _listeners.append(callback)


def _changed():
    for callback in _listeners:
        callback()


def _registrar(table, key, make):
    """The decorator that puts ``make(template)`` in ``table`` under ``key``."""

    def decorate(template):
        table[key] = make(template)
        _changed()
        return template

    return decorate


def _lookup(table, fn):
    try:
        return table.get(_key(fn))
    except TypeError:  # an unhashable object that _key cannot name either
        return None


def _key(fn):
    try:
        hash(fn)
        return fn
    except TypeError:
        return ("id", id(fn))


class Rule:
    """A derivative rule written as a Python function (a template)."""

    def __init__(self, primal, template, *, broadcasting=False, name=None):
        self.primal = primal
        self.template = template
        self.broadcasting = broadcasting
        self.name = name or getattr(primal, "__name__", str(primal))
        try:
            sig = inspect.signature(template)
        except (TypeError, ValueError):
            raise TangentLiteError(f"the rule for {self.name} must be a Python function") from None
        params = list(sig.parameters.values())
        if len(params) < 2 or params[0].kind not in (params[0].POSITIONAL_ONLY,
                                                     params[0].POSITIONAL_OR_KEYWORD):
            raise TangentLiteError(
                f"the reverse-mode rule {template.__name__} for {self.name} must take "
                "(g, ans, *args): the output cotangent, the output value, then the "
                "primal's arguments")
        self.g_name = params[0].name
        self.ans_name = params[1].name
        self.params = params[2:]
        self.signature = sig
        self._fdef = None
        self._fdef_error = None

    @property
    def n_positional(self):
        return sum(1 for p in self.params if p.kind in (p.POSITIONAL_ONLY,
                                                        p.POSITIONAL_OR_KEYWORD))

    def fdef(self):
        """The parsed template, or ``None`` when its source is unavailable."""
        if self._fdef is None and self._fdef_error is None:
            try:
                src = textwrap.dedent(inspect.getsource(self.template))
                node = gast.parse(src).body[0]
                if not isinstance(node, gast.FunctionDef):
                    raise TypeError("not a def")
                node.decorator_list = []
                self._fdef = node
            except (OSError, TypeError, SyntaxError, IndexError) as exc:
                self._fdef_error = exc
        return self._fdef


class JvpRule:
    """A forward-mode rule written as a Python function (a template).

    ``rule(ans, *args, *tangents)``: the output value, the primal's arguments, then
    one tangent per argument; it returns the output's tangent.  Tangents are found
    by name when the rule names them ``d<arg>`` (``def sin(ans, x, dx)``; keyword
    arguments of the primal may then follow with defaults), otherwise the second
    half of the positional parameters are the tangents of the first half.  A
    ``*args`` parameter's tangents come as one tuple, named ``d<args>``.
    """

    def __init__(self, primal, template, *, name=None):
        self.primal = primal
        self.template = template
        self.name = name or getattr(primal, "__name__", str(primal))
        try:
            sig = inspect.signature(template)
        except (TypeError, ValueError):
            raise TangentLiteError(f"the rule for {self.name} must be a Python function") from None
        params = list(sig.parameters.values())
        usage = (f"the forward-mode rule {getattr(template, '__name__', template)!s} for "
                 f"{self.name} must take (ans, *args, *tangents): the output value, the "
                 "primal's arguments, then one tangent per argument")
        if len(params) < 2 or params[0].kind not in (params[0].POSITIONAL_ONLY,
                                                     params[0].POSITIONAL_OR_KEYWORD):
            raise TangentLiteError(usage)
        self.ans_name = params[0].name
        rest = params[1:]
        names = [p.name for p in rest]
        tangent_of = {}
        for p in rest:
            if p.name.startswith("d") and p.name[1:] in names[:names.index(p.name)]:
                tangent_of[p.name[1:]] = p.name
        if not tangent_of:
            pos = [p for p in rest if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                   and p.default is p.empty]
            if len(pos) < 2 or len(pos) % 2:
                raise TangentLiteError(usage)
            half = len(pos) // 2
            tangent_of = {a.name: t.name for a, t in zip(pos[:half], pos[half:])}
        tangent_names = set(tangent_of.values())
        self.params = [p for p in rest if p.name not in tangent_names]
        self.tangent_of = tangent_of
        self.signature = sig
        self._fdef = None
        self._fdef_error = None

    @property
    def n_positional(self):
        return sum(1 for p in self.params if p.kind in (p.POSITIONAL_ONLY,
                                                        p.POSITIONAL_OR_KEYWORD))

    fdef = Rule.fdef


def register_jvp(fn):
    """Teach forward mode a callable: ``@register_jvp(fn)`` over ``rule(ans, *args, *tangents)``."""

    return _registrar(_JVP, _key(fn), lambda template: JvpRule(fn, template))


def register_method_jvp(name):
    """A forward rule for the method ``x.name(...)``; the rule's first argument is ``x``."""

    return _registrar(_METHOD_JVP, name,
                      lambda template: JvpRule(None, template, name="." + name))


def lookup_jvp(fn):
    return _lookup(_JVP, fn)


def lookup_method_jvp(name):
    return _METHOD_JVP.get(name)


def all_jvp_rules():
    return dict(_JVP), dict(_METHOD_JVP)


def register_vjp(fn, *, broadcasting=False):
    """Teach reverse mode a callable: ``@register_vjp(fn)`` over ``rule(g, ans, *args)``."""

    return _registrar(_VJP, _key(fn),
                      lambda template: Rule(fn, template, broadcasting=broadcasting))


def register_method_vjp(name, *, broadcasting=False):
    """A rule for the method ``x.name(...)``; the rule's first argument is ``x``."""

    return _registrar(_METHOD_VJP, name, lambda template: Rule(
        None, template, broadcasting=broadcasting, name="." + name))


def non_differentiable(*fns):
    """Declare that these callables' outputs carry no derivative. Returns the first."""
    for fn in fns:
        _NONDIFF[_key(fn)] = fn
    _changed()
    return fns[0] if fns else None


def linear(kind, *fns):
    """Declare ``fns`` linear in their first argument (``"first"``) or in each argument
    (``"each"``): forward mode then drops terms whose tangent is known to be zero."""
    for fn in fns:
        _LINEARITY[_key(fn)] = kind


def linearity(fn):
    return _lookup(_LINEARITY, fn)


def non_differentiable_methods(*names):
    _NONDIFF_METHODS.update(names)


def lookup_vjp(fn):
    return _lookup(_VJP, fn)


def lookup_method_vjp(name):
    return _METHOD_VJP.get(name)


def is_non_differentiable(fn):
    return _key(fn) in _NONDIFF


def is_non_differentiable_method(name):
    return name in _NONDIFF_METHODS


def is_non_differentiable_attr(name):
    return name in _NONDIFF_ATTRS


def all_vjp_rules():
    return dict(_VJP), dict(_METHOD_VJP)
