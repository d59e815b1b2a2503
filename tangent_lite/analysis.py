"""Analyses over the normalized function. They return plain data and never mutate the tree.

``Scope``     resolves the names a function reads (closure, globals, builtins).
``classify``  says what a call is: a rule, a method, a user function, non-differentiable.
``activity``  the names that depend on the ``wrt`` arguments and reach the output.
``scalars``   the names that always hold Python or NumPy scalars (no broadcasting to undo).
"""

from __future__ import annotations

import builtins
import inspect
import math
import operator

import gast

from . import astutil as A
from . import rules as R

_MISSING = object()

BINOPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
          gast.Div: operator.truediv, gast.Pow: operator.pow, gast.MatMult: operator.matmul,
          gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod}
UNOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
         gast.Invert: operator.invert}


class Scope:
    """The names a user function can see, outside its own locals."""

    def __init__(self, fn):
        self.fn = fn
        self.globals = getattr(fn, "__globals__", {})
        code = getattr(fn, "__code__", None)
        self.closure = {}
        if code is not None and fn.__closure__:
            for name, cell in zip(code.co_freevars, fn.__closure__):
                try:
                    self.closure[name] = cell.cell_contents
                except ValueError:
                    pass

    def lookup(self, name):
        if name in self.closure:
            return self.closure[name]
        if name in self.globals:
            return self.globals[name]
        return getattr(builtins, name, _MISSING)

    def resolve(self, node):
        """The object a global name or attribute chain refers to, or ``_MISSING``."""
        if isinstance(node, gast.Name):
            return self.lookup(node.id)
        if isinstance(node, gast.Attribute):
            base = self.resolve(node.value)
            if base is _MISSING:
                return _MISSING
            return getattr(base, node.attr, _MISSING)
        return _MISSING


class Call:
    """What a call in the function is."""

    RULE, METHOD, USER, NONDIFF, UNKNOWN = "rule", "method", "user", "nondiff", "unknown"

    def __init__(self, kind, obj=None, rule=None, args=(), name=""):
        self.kind, self.obj, self.rule, self.args, self.name = kind, obj, rule, list(args), name


def classify(node, scope, local_names):
    """Classify a ``gast.Call`` whose arguments are atoms."""
    func = node.func
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
            and func.value.id in local_names:
        name = func.attr
        args = [func.value] + list(node.args)
        if R.is_non_differentiable_method(name):
            return Call(Call.NONDIFF, args=args, name="." + name)
        rule = R.lookup_method_vjp(name)
        if rule is not None:
            return Call(Call.METHOD, rule=rule, args=args, name="." + name)
        return Call(Call.UNKNOWN, args=args, name="." + name)
    if isinstance(func, gast.Name) and func.id in local_names:
        return Call(Call.UNKNOWN, args=node.args, name=func.id)
    obj = scope.resolve(func)
    label = _label(func)
    if obj is _MISSING:
        return Call(Call.UNKNOWN, args=node.args, name=label)
    if R.is_non_differentiable(obj):
        return Call(Call.NONDIFF, obj, args=node.args, name=label)
    rule = R.lookup_vjp(obj)
    if rule is not None:
        return Call(Call.RULE, obj, rule=rule, args=node.args, name=label)
    target = getattr(obj, "__wrapped_primal__", obj)
    if inspect.isfunction(target) and not _is_library(target):
        return Call(Call.USER, target, args=node.args, name=label)
    return Call(Call.UNKNOWN, obj, args=node.args, name=label)


def _is_library(fn):
    mod = getattr(fn, "__module__", "") or ""
    return mod.split(".")[0] in ("numpy", "math", "builtins", "scipy", "tangent_lite")


def _label(func):
    if isinstance(func, gast.Name):
        return func.id
    if isinstance(func, gast.Attribute):
        return _label(func.value) + "." + func.attr
    return "<call>"


def is_append(s, local_names):
    """``lst.append(v)`` on a local list, a statement the transforms understand."""
    v = getattr(s, "value", None)
    return (isinstance(s, gast.Expr) and isinstance(v, gast.Call)
            and isinstance(v.func, gast.Attribute) and v.func.attr == "append"
            and isinstance(v.func.value, gast.Name) and v.func.value.id in local_names
            and len(v.args) == 1 and not v.keywords)


def walk_stmts(stmts):
    for s in stmts:
        yield s
        for field in ("body", "orelse"):
            yield from walk_stmts(getattr(s, field, None) or [])


def diff_inputs(value, scope, local_names):
    """Names whose derivative can flow into the value of the expression ``value``."""
    if isinstance(value, gast.Name):
        return {value.id}
    if isinstance(value, gast.BinOp):
        if type(value.op) in (gast.FloorDiv,):
            return set()
        if isinstance(value.op, gast.Mod):
            return A.reads(value.left)
        return A.reads(value)
    if isinstance(value, gast.UnaryOp):
        return set() if isinstance(value.op, (gast.Not, gast.Invert)) else A.reads(value)
    if isinstance(value, (gast.Compare, gast.Constant, gast.JoinedStr)):
        return set()
    if isinstance(value, gast.Attribute):
        if R.is_non_differentiable_attr(value.attr) or not isinstance(value.value, gast.Name):
            return set()
        return {value.value.id}
    if isinstance(value, gast.Subscript):
        return A.reads(value.value)
    if isinstance(value, (gast.Tuple, gast.List)):
        return {e.id for e in value.elts if isinstance(e, gast.Name)}
    if isinstance(value, gast.Dict):
        return {e.id for e in value.values if isinstance(e, gast.Name)}
    if isinstance(value, gast.Call):
        info = classify(value, scope, local_names)
        if info.kind == Call.NONDIFF:
            return set()
        names = {a.id for a in info.args if isinstance(a, gast.Name)}
        names |= {k.value.id for k in value.keywords if isinstance(k.value, gast.Name)}
        return names
    return A.reads(value)


def activity(body, params, wrt, scope, local_names):
    """Return the set of active names: varied by ``wrt`` and useful for the output."""
    assigns = []  # (target base name, diff input names, is_subscript)
    returns = set()
    for s in walk_stmts(body):
        if isinstance(s, gast.Assign):
            t = s.targets[0]
            ins = diff_inputs(s.value, scope, local_names)
            if isinstance(t, gast.Name):
                assigns.append((t.id, ins))
            elif isinstance(t, gast.Tuple):
                for e in t.elts:
                    assigns.append((e.id, ins))
            elif isinstance(t, gast.Subscript):
                assigns.append((t.value.id, ins))
        elif isinstance(s, gast.Return):
            returns |= A.reads(s.value)
        elif is_append(s, local_names):
            v = s.value
            assigns.append((v.func.value.id, A.reads(v.args[0]) if v.args else set()))
    varied = set(wrt)
    changed = True
    while changed:
        changed = False
        for target, ins in assigns:
            if target not in varied and ins & varied:
                varied.add(target)
                changed = True
    useful = set(returns)
    changed = True
    while changed:
        changed = False
        for target, ins in assigns:
            if target in useful:
                new = (ins & varied) - useful
                if new:
                    useful |= new
                    changed = True
    return varied & useful, varied


_SCALAR_FUNCS = {len, float, int, abs, round, bool, min, max, pow}


def scalars(body, scope, local_names, params):
    """Names that hold scalars on every path (Python numbers, NumPy scalars)."""
    defs = {}
    for s in walk_stmts(body):
        if isinstance(s, gast.Assign):
            t = s.targets[0]
            if isinstance(t, gast.Name):
                defs.setdefault(t.id, []).append(s.value)
            else:
                for n in A.writes(t) if not isinstance(t, gast.Subscript) else {t.value.id}:
                    defs.setdefault(n, []).append(None)
        elif isinstance(s, gast.For):
            defs.setdefault(s.target.id, []).append("range")
    cand = {n for n in defs if n not in params}
    changed = True
    while changed:
        changed = False
        for n in list(cand):
            if not all(_is_scalar(v, cand, scope, local_names) for v in defs[n]):
                cand.discard(n)
                changed = True
    return cand


def _is_scalar(v, cand, scope, local_names):
    if v == "range":
        return True
    if v is None:
        return False
    if isinstance(v, gast.Constant):
        return isinstance(v.value, (int, float, bool)) or v.value is None
    if isinstance(v, gast.Name):
        return v.id in cand
    if isinstance(v, (gast.BinOp,)):
        return all(_atom_scalar(a, cand) for a in (v.left, v.right)) and not isinstance(
            v.op, gast.MatMult)
    if isinstance(v, gast.UnaryOp):
        return _atom_scalar(v.operand, cand)
    if isinstance(v, gast.Compare):
        return _atom_scalar(v.left, cand) and all(_atom_scalar(c, cand) for c in v.comparators)
    if isinstance(v, gast.Call) and not (isinstance(v.func, gast.Attribute) and isinstance(
            v.func.value, gast.Name) and v.func.value.id in local_names):
        obj = scope.resolve(v.func)
        if obj in (len, float, int, bool):
            return True
        if getattr(obj, "__module__", None) == "math" or (
                inspect.isbuiltin(obj) and getattr(math, getattr(obj, "__name__", ""), None)
                is obj):
            return True
        if obj in _SCALAR_FUNCS:
            return all(_atom_scalar(a, cand) for a in v.args)
    return False


def _atom_scalar(a, cand):
    if isinstance(a, gast.Constant):
        return isinstance(a.value, (int, float, bool))
    return isinstance(a, gast.Name) and a.id in cand
