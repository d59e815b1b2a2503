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

    def __init__(self, fn, known=None):
        self.fn = fn
        self.known = dict(known or {})  # locals whose value is fixed: a bound method's self
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
        live = getattr(self.globals, "live", None)  # generated code: the user's globals
        if live and name in live:
            home, source = live[name]
            return home.get(source, _MISSING)
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
            and func.value.id in scope.known:
        # self.method(...) in a bound method: the method is known, differentiate it
        method = getattr(scope.known[func.value.id], func.attr, _MISSING)
        target = getattr(method, "__func__", None)
        if inspect.isfunction(target) and not _is_library(target):
            return Call(Call.USER, target, args=[func.value] + list(node.args),
                        name=_label(func))
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
    if inspect.isfunction(target) and (target.__module__ == "tangent_lite.runtime"
                                       or target.__module__.startswith("tangent_lite.rules.")):
        # a helper of generated code with no rule, or a rule that generated code calls
        # (its body did not fold to a straight line): differentiated from its source
        return Call(Call.USER, target, args=node.args, name=label)
    return Call(Call.UNKNOWN, obj, args=node.args, name=label)


def _is_library(fn):
    mod = getattr(fn, "__module__", "") or ""
    if mod.startswith("tangent_lite.generated."):
        return False  # generated code is differentiated from its source, like the user's
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


def mutating_call(s, scope, local_names, varied):
    """The label of the call of the expression statement ``s`` when it may change a
    differentiated value in place (its result unused, a varied value passed to it:
    ``np.add.at(out, i, x)``, ``np.multiply(y, 3, out=y)``, a user function that writes
    into its argument), else ``None``. Calls with no derivative (``print``) are fine."""
    v = getattr(s, "value", None)
    if not (isinstance(s, gast.Expr) and isinstance(v, gast.Call)):
        return None
    info = classify(v, scope, local_names)
    if info.kind == Call.NONDIFF:
        return None
    atoms = list(info.args) + [k.value for k in v.keywords]
    if isinstance(v.func, gast.Attribute) and isinstance(v.func.value, gast.Name):
        atoms.append(v.func.value)
    if any(isinstance(a, gast.Name) and a.id in varied for a in atoms):
        return info.name or _label(v.func)
    return None


def refuse_mutating_call(s, scope, local_names, varied, info):
    """Raise ``UnsupportedSyntaxError`` at ``s`` for a :func:`mutating_call`."""
    label = mutating_call(s, scope, local_names, varied)
    if label is None:
        return
    from .errors import UnsupportedSyntaxError
    raise info.error(
        UnsupportedSyntaxError,
        f"the result of {label}(...) is not used, and it takes a differentiated value: it "
        "may change an array in place, which derivatives cannot follow",
        A.origin_of(s) or s,
        "assign the result instead (out = out + ..., y = np.multiply(y, 3.0)); for "
        "np.add.at(a, i, v) write a = a + np.bincount(i, v, len(a)) or a loop")


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
    shape_tuples = {n for n, vs in defs.items() if len(vs) == 1 and isinstance(
        vs[0], gast.Attribute) and vs[0].attr == "shape"}
    changed = True
    while changed:
        changed = False
        for n in list(cand):
            if not all(_is_scalar(v, cand, scope, local_names, shape_tuples) for v in defs[n]):
                cand.discard(n)
                changed = True
    return cand


def _is_scalar(v, cand, scope, local_names, shape_tuples=()):
    if v == "range":
        return True
    if v is None:
        return False
    if isinstance(v, gast.Attribute) and v.attr in ("size", "ndim"):
        return True
    if isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name) \
            and v.value.id in shape_tuples and not isinstance(v.slice, (gast.Slice, gast.Tuple)):
        return True
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


# ---------------------------------------------------------------- symbolic shapes

class Shapes:
    """Symbolic shapes, to know when a broadcast needs no undoing.

    A shape is a tuple of dimensions plus, optionally, the unknown trailing
    dimensions of a named value: ``x`` is ``((), ("x", 0))``, ``x[1:]`` and
    ``x[:-1]`` are both ``((("x", 0, 1),), ("x", 1))``: one dimension one shorter
    than ``x``'s first, then the rest of ``x``.  Two names with equal shapes hold
    arrays of equal shapes on every run; anything not worked out is a token equal
    only to itself.
    """

    SCALAR = ((), None)

    def __init__(self, body, scope, local_names, params, scalar_names):
        self.scope, self.locals = scope, local_names
        self.shape = {p: ((), (p, 0)) for p in params}
        for n in scalar_names:
            self.shape[n] = self.SCALAR
        defs = []
        self.tuples = {}
        for s in walk_stmts(body):
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) and \
                    isinstance(s.value, gast.Tuple):
                self.tuples.setdefault(s.targets[0].id, []).append(s.value)
        for s in walk_stmts(body):
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
                if s.targets[0].id not in scalar_names:
                    defs.append((s.targets[0].id, s.value))
            elif isinstance(s, gast.Assign):
                for n in A.writes(s.targets[0]) if not isinstance(
                        s.targets[0], gast.Subscript) else set():
                    defs.append((n, None))
            elif isinstance(s, gast.For) and s.target.id not in scalar_names:
                defs.append((s.target.id, None))
        for _ in range(50):
            changed = False
            for name, value in defs:
                new = self.eval(value, name) if value is not None else self.unknown(name)
                old = self.shape.get(name)
                if old is None:
                    self.shape[name] = new
                    changed = True
                elif old != new and old != self.unknown(name):
                    self.shape[name] = self.unknown(name)
                    changed = True
            if not changed:
                break

    @staticmethod
    def unknown(name):
        return ((), ("?", name))

    def of(self, node):
        if isinstance(node, gast.Constant):
            if isinstance(node.value, (int, float, bool)):
                return self.SCALAR
            return None
        if isinstance(node, gast.Name):
            return self.shape.get(node.id)
        return None

    def known(self, s):
        return s is not None and not (s[1] is not None and s[1][0] == "?")

    def broadcast(self, shapes):
        out = self.SCALAR
        for s in shapes:
            if s is None:
                return None
            if out == self.SCALAR:
                out = s
            elif s == self.SCALAR or s == out:
                continue
            else:
                return None
        return out

    def equal(self, a, b):
        return a is not None and b is not None and a == b

    def eval(self, v, name):
        unk = self.unknown(name)
        if isinstance(v, (gast.Name, gast.Constant)):
            return self.of(v) or unk
        if isinstance(v, gast.BinOp):
            if isinstance(v.op, gast.MatMult):
                return unk
            return self.broadcast([self.of(v.left), self.of(v.right)]) or unk
        if isinstance(v, gast.UnaryOp):
            return self.of(v.operand) or unk
        if isinstance(v, gast.Compare):
            return self.broadcast([self.of(v.left)] + [self.of(c) for c in v.comparators]) \
                or unk
        if isinstance(v, gast.Subscript):
            return self.subscript(self.of(v.value), v.slice) or unk
        if isinstance(v, gast.Tuple) and isinstance(getattr(v, "ctx", None), gast.Load):
            return unk
        if isinstance(v, gast.Call):
            return self.call(v) or unk
        return unk

    def call(self, v):
        import numpy as np
        func = v.func
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                and func.value.id in self.locals:
            if func.attr in ("sum", "mean", "max", "min", "prod") and not v.args \
                    and not v.keywords:
                return self.SCALAR
            if func.attr == "copy" and not v.args:
                return self.of(func.value)
            return None
        obj = self.scope.resolve(func)
        if obj is _MISSING:
            return None
        if getattr(obj, "__module__", None) == "math" or obj in (float, int, len, abs):
            if obj is abs:
                return self.of(v.args[0]) if v.args else None
            return self.SCALAR
        if obj in (np.sum, np.mean, np.max, np.min, np.prod) and len(v.args) == 1 \
                and not v.keywords:
            return self.SCALAR
        if isinstance(obj, np.ufunc) and not v.keywords:
            return self.broadcast([self.of(a) for a in v.args])
        if obj in (np.where, np.clip) and not v.keywords:
            return self.broadcast([self.of(a) for a in v.args])
        if obj is np.copy and len(v.args) == 1:
            return self.of(v.args[0])
        if obj in (np.zeros_like, np.ones_like, np.empty_like, np.full_like) and v.args:
            return self.of(v.args[0])
        if obj in (np.zeros, np.ones, np.empty, np.full) and v.args:
            return self.literal_shape(v.args[0])
        return None

    def literal_shape(self, node):
        """The shape ``np.zeros(node)`` makes, when ``node`` spells it out."""
        if isinstance(node, gast.Name) and len(self.tuples.get(node.id, ())) == 1:
            node = self.tuples[node.id][0]
        parts = node.elts if isinstance(node, gast.Tuple) else [node]
        dims = []
        for p in parts:
            if isinstance(p, gast.Constant) and isinstance(p.value, int) \
                    and not isinstance(p.value, bool):
                dims.append(("=", p.value))
            elif isinstance(p, gast.Name) and self.shape.get(p.id) == self.SCALAR:
                dims.append(("=", p.id))
            else:
                return None
        return tuple(dims), None

    def expand(self, s, k):
        dims, rest = s
        dims = list(dims)
        while len(dims) < k:
            if rest is None or rest[0] == "?":
                return None
            dims.append((rest[0], rest[1]))
            rest = (rest[0], rest[1] + 1)
        return tuple(dims), rest

    def subscript(self, s, sl):
        if s is None or not self.known(s):
            return None
        parts = sl.elts if isinstance(sl, gast.Tuple) else [sl]
        e = self.expand(s, len(parts))
        if e is None:
            return None
        dims, rest = e
        out = []
        for d, p in zip(dims, parts):
            if isinstance(p, gast.Slice):
                delta = self.slice_delta(p)
                if delta is None:
                    return None
                if delta:
                    base, off = (d[0], d[1]) if len(d) == 2 else (d[0], d[1])
                    k = d[2] if len(d) == 3 else 0
                    out.append((base, off, k + delta))
                else:
                    out.append(d)
            elif self.of(p) == self.SCALAR and not (isinstance(p, gast.Constant)
                                                   and not isinstance(p.value, int)):
                continue  # an integer index drops the dimension
            else:
                return None
        return tuple(out) + dims[len(parts):], rest

    @staticmethod
    def slice_delta(p):
        def const(n):
            if n is None:
                return 0
            if isinstance(n, gast.Constant) and isinstance(n.value, int) \
                    and not isinstance(n.value, bool):
                return n.value
            return None
        lo, hi, step = const(p.lower), const(p.upper), const(p.step)
        if lo is None or hi is None or step not in (0, 1) or lo < 0 or hi > 0:
            return None
        return lo - hi


def forced_scalars(body, seeds, scope, local_names):
    """Names that must hold scalars when the output is a scalar.

    ``grad`` checks that the output is a scalar before its backward sweep starts.
    A broadcasting elementwise operation gives a scalar only if every operand is
    one, so everything that reaches the output through such operations alone is a
    scalar too, and its derivative needs no broadcast undone.
    """
    import numpy as np
    defs = {}
    for s in walk_stmts(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            defs.setdefault(s.targets[0].id, []).append(s.value)
    forced = set(seeds)
    todo = list(seeds)
    while todo:
        name = todo.pop()
        for v in defs.get(name, []):
            ins = []
            if isinstance(v, gast.Name):
                ins = [v]
            elif isinstance(v, gast.BinOp) and not isinstance(v.op, gast.MatMult):
                ins = [v.left, v.right]
            elif isinstance(v, gast.UnaryOp):
                ins = [v.operand]
            elif isinstance(v, gast.Call) and not (
                    isinstance(v.func, gast.Attribute) and isinstance(v.func.value, gast.Name)
                    and v.func.value.id in local_names):
                obj = scope.resolve(v.func)
                if isinstance(obj, np.ufunc) or obj is np.where or (
                        getattr(obj, "__module__", None) == "math"):
                    ins = list(v.args)
            for a in ins:
                if isinstance(a, gast.Name) and a.id not in forced:
                    forced.add(a.id)
                    todo.append(a.id)
    return forced
