"""Fence: reject what is outside the differentiable subset, with the user's file:line:col.

Runs on the parsed function before any rewriting, so every message points at
the construct the user wrote.
"""

from __future__ import annotations

import gast

from .errors import UnsupportedSyntaxError
from .surgery import is_grad_of, walk_outside

_STMTS = (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Expr, gast.If, gast.For,
          gast.While, gast.Break, gast.Continue, gast.Return, gast.Pass, gast.Assert,
          gast.FunctionDef)
_EXPRS = (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare, gast.BoolOp,
          gast.IfExp, gast.Call, gast.Attribute, gast.Subscript, gast.Slice, gast.Tuple,
          gast.List, gast.Dict, gast.JoinedStr, gast.FormattedValue, gast.ListComp,
          gast.GeneratorExp, gast.Lambda)

_HINTS = {
    gast.Try: "move the try/except outside the function you differentiate",
    gast.With: "move the with block outside the function you differentiate",
    gast.Raise: "check inputs before calling the derivative; use assert for invariants",
    gast.Global: "pass the value as an argument, or read the global without declaring it",
    gast.Nonlocal: "pass the value as an argument",
    gast.ClassDef: "define the class at module level",
    gast.Delete: "drop the del statement; names go out of scope on return",
    gast.Import: "import at module level",
    gast.ImportFrom: "import at module level",
    gast.Lambda: "define the function with def at module level and call it",
    gast.FunctionDef: "define the helper at module level and call it; it is differentiated too",
    gast.AsyncFunctionDef: "use a plain def",
    gast.ListComp: "write the comprehension as a for loop that fills an array",
    gast.GeneratorExp: "write the generator as a for loop",
    gast.SetComp: "write the comprehension as a for loop",
    gast.DictComp: "write the comprehension as a for loop",
    gast.Starred: "pass the arguments one by one",
    gast.NamedExpr: "assign the value in its own statement",
    gast.Yield: "return an array instead of yielding",
    gast.YieldFrom: "return an array instead of yielding",
    gast.Await: "differentiate the synchronous computation",
    gast.Set: "use a tuple or a list",
}

_NAMES = {
    gast.Try: "try statement", gast.With: "with statement", gast.Raise: "raise statement",
    gast.Global: "global declaration", gast.Nonlocal: "nonlocal declaration",
    gast.ClassDef: "class definition", gast.Delete: "del statement",
    gast.Import: "import statement", gast.ImportFrom: "import statement",
    gast.Lambda: "lambda", gast.FunctionDef: "nested function definition",
    gast.AsyncFunctionDef: "async function", gast.ListComp: "list comprehension",
    gast.GeneratorExp: "generator expression", gast.SetComp: "set comprehension",
    gast.DictComp: "dict comprehension", gast.Starred: "starred expression",
    gast.NamedExpr: "assignment expression (:=)", gast.Yield: "yield",
    gast.YieldFrom: "yield from", gast.Await: "await", gast.Set: "set literal",
}


def _describe(node):
    name = _NAMES.get(type(node))
    if name is None:
        name = type(node).__name__
    return name


def check(fdef, info):
    """Raise :class:`UnsupportedSyntaxError` at the first construct outside the subset."""
    a = fdef.args
    if a.vararg is not None or a.kwarg is not None:
        raise info.error(UnsupportedSyntaxError, "*args/**kwargs parameters are not supported",
                         a.vararg or a.kwarg, hint="name each parameter")
    names = _FunctionNames(fdef)
    for stmt in fdef.body:
        _check_stmt(stmt, info, names)


class _FunctionNames(frozenset):
    """The function's variables: its parameters and the names it assigns, outside the
    blocks of ``tl.insert_grad_of`` (whose names are their own); ``used`` adds the names
    it reads there."""

    def __new__(cls, fdef):
        a = fdef.args
        names = {p.id for p in a.posonlyargs + a.args + a.kwonlyargs}
        used = set()
        for n in walk_outside(fdef):
            if isinstance(n, gast.Name):
                (names if isinstance(n.ctx, gast.Store) else used).add(n.id)
        self = super().__new__(cls, names)
        self.used = frozenset(names | used)
        return self


def _check_stmt(node, info, names):
    if is_grad_of(node):
        _check_grad_of(node, info, names)
        return
    if isinstance(node, gast.FunctionDef):
        if node.decorator_list:
            raise info.error(UnsupportedSyntaxError, "a decorated nested function is not "
                             "supported", node, hint="define it at module level")
        check(node, info)
        return
    if not isinstance(node, _STMTS):
        raise info.error(UnsupportedSyntaxError,
                         f"{_describe(node)} is not supported in a differentiated function",
                         node, hint=_HINTS.get(type(node)))
    if isinstance(node, (gast.For, gast.While)) and node.orelse:
        raise info.error(UnsupportedSyntaxError, "an else clause on a loop is not supported",
                         node, hint="use a flag variable set before break")
    if isinstance(node, gast.For) and getattr(node, "type_comment", None):
        pass
    for field in ("body", "orelse"):
        for child in getattr(node, field, None) or []:
            if isinstance(child, gast.stmt):
                _check_stmt(child, info, names)
    for field, value in gast.iter_fields(node):
        if field in ("body", "orelse"):
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, gast.expr):
                _check_expr(child, info)
    if isinstance(node, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
        targets = node.targets if isinstance(node, gast.Assign) else [node.target]
        for t in targets:
            _check_target(t, info)


_HOW = "with tl.insert_grad_of(x) as dx:"
_BLOCK_STMTS = (gast.Assign, gast.AugAssign, gast.Expr, gast.If, gast.For, gast.While,
                gast.Pass, gast.Assert, gast.Import, gast.ImportFrom, gast.Raise)


def _check_grad_of(node, info, names):
    """``with tl.insert_grad_of(x) as dx:`` and a block that may run in the backward pass."""
    if len(node.items) != 1:
        raise info.error(UnsupportedSyntaxError, "tl.insert_grad_of must be the only item of "
                         "its with statement", node, hint=f"write {_HOW} on a line of its own")
    item = node.items[0]
    call = item.context_expr
    if call.keywords or len(call.args) != 1:
        raise info.error(UnsupportedSyntaxError, "tl.insert_grad_of takes one argument: the "
                         "variable whose adjoint the block works on", call, hint=_HOW)
    var = call.args[0]
    if not isinstance(var, gast.Name):
        raise info.error(UnsupportedSyntaxError, "the argument of tl.insert_grad_of must be a "
                         "variable name, not an expression", var,
                         hint="assign the expression to a variable first (y = x + 1), and use "
                         "tl.insert_grad_of(y)")
    if var.id not in names:
        raise info.error(UnsupportedSyntaxError, f"{var.id!r} is not a variable of this function: "
                         "tl.insert_grad_of works on a parameter or a variable the function "
                         "assigns", var)
    target = item.optional_vars
    if target is None:
        raise info.error(UnsupportedSyntaxError, "tl.insert_grad_of needs a name for the "
                         "adjoint: with tl.insert_grad_of(...) as NAME", node,
                         hint=f"with tl.insert_grad_of({var.id}) as d{var.id}:")
    if not isinstance(target, gast.Name):
        raise info.error(UnsupportedSyntaxError, "the adjoint of tl.insert_grad_of is bound to "
                         "one name", target, hint=f"with tl.insert_grad_of({var.id}) as "
                         f"d{var.id}:")
    if target.id == var.id or target.id in names.used:
        # a normal call binds the name (the block is skipped, the binding is not)
        raise info.error(UnsupportedSyntaxError, "the adjoint needs a name of its own: "
                         f"{target.id!r} is also a variable of the function", target,
                         hint=f"with tl.insert_grad_of({var.id}) as d{var.id}:")
    first = node.body[0]
    if getattr(first, "lineno", None) == getattr(node, "lineno", None):
        raise info.error(UnsupportedSyntaxError, "the block of tl.insert_grad_of must start on "
                         "a line of its own", first,
                         hint="put the block on the lines after the with statement")
    _check_block(node.body, info, names, target.id, False)


def _check_block(stmts, info, names, adj, in_loop):
    for s in stmts:
        if isinstance(s, (gast.Break, gast.Continue)) and in_loop:
            continue
        if not isinstance(s, _BLOCK_STMTS):
            what = _describe(s) if not isinstance(s, (gast.Break, gast.Continue)) else (
                "break or continue out of the block")
            if isinstance(s, gast.Return):
                what = "return statement"
            raise info.error(UnsupportedSyntaxError, f"{what} is not supported in a "
                             "tl.insert_grad_of block, which runs in the backward pass", s,
                             hint="keep the block to statements that look at or replace the "
                             "adjoint")
        for field, value in gast.iter_fields(s):
            if field in ("body", "orelse"):
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, gast.expr):
                    _check_expr(child, info)
        targets = s.targets if isinstance(s, gast.Assign) else (
            [s.target] if isinstance(s, (gast.AugAssign, gast.For)) else [])
        for t in targets:
            _check_block_target(t, info, names, adj)
        loop = in_loop or isinstance(s, (gast.For, gast.While))
        _check_block(getattr(s, "body", None) or [], info, names, adj, loop)
        _check_block(getattr(s, "orelse", None) or [], info, names, adj, loop)


def _check_block_target(t, info, names, adj):
    if isinstance(t, (gast.Tuple, gast.List)):
        for e in t.elts:
            _check_block_target(e, info, names, adj)
        return
    if isinstance(t, gast.Starred):
        _check_block_target(t.value, info, names, adj)
        return
    if isinstance(t, gast.Name):
        if t.id != adj and t.id in names:
            raise info.error(UnsupportedSyntaxError, f"a tl.insert_grad_of block cannot assign "
                             f"{t.id!r}, a variable of the function: the block runs in the "
                             "backward pass, where that would change the derivative", t,
                             hint=f"assign {adj} to replace the adjoint, or use a new name")
        return
    base = t.value
    while isinstance(base, (gast.Subscript, gast.Attribute)):
        base = base.value
    if isinstance(base, gast.Name) and base.id == adj:
        raise info.error(UnsupportedSyntaxError, f"the adjoint {adj!r} cannot be changed in "
                         "place", t, hint=f"assign a new value: {adj} = np.where(...) or "
                         f"{adj} = {adj} * ...")
    if isinstance(base, gast.Name) and base.id in names:
        raise info.error(UnsupportedSyntaxError, f"a tl.insert_grad_of block cannot change "
                         f"{base.id!r}, a variable of the function, in place", t,
                         hint="the block runs in the backward pass; change a copy")


def _check_target(t, info):
    if isinstance(t, (gast.Tuple, gast.List)):
        for e in t.elts:
            _check_target(e, info)
    elif isinstance(t, gast.Attribute):
        raise info.error(UnsupportedSyntaxError, "assignment to an attribute is not supported",
                         t, hint="assign to a local variable")
    elif isinstance(t, gast.Subscript) and not isinstance(t.value, gast.Name):
        raise info.error(UnsupportedSyntaxError,
                         "assignment into a nested subscript is not supported", t,
                         hint="index once with a tuple: x[i, j] = v")


def _check_expr(node, info):
    for sub in gast.walk(node):
        if isinstance(sub, gast.expr) and not isinstance(sub, _EXPRS):
            raise info.error(UnsupportedSyntaxError,
                             f"{_describe(sub)} is not supported in a differentiated function",
                             sub, hint=_HINTS.get(type(sub)))
        if isinstance(sub, (gast.ListComp, gast.GeneratorExp)):
            for gen in sub.generators:
                if gen.is_async:
                    raise info.error(UnsupportedSyntaxError, "async comprehensions are not "
                                     "supported", sub)
        if isinstance(sub, gast.Call):
            for kw in sub.keywords:
                if kw.arg is None:
                    raise info.error(UnsupportedSyntaxError, "**kwargs in a call is not supported",
                                     kw.value, hint="pass the keyword arguments by name")
                if kw.arg == "out" and not (isinstance(kw.value, gast.Constant)
                                            and kw.value.value is None):
                    raise info.error(
                        UnsupportedSyntaxError, "out= writes the result into an existing array "
                        "in place, which derivatives cannot follow", kw.value,
                        hint="assign the result instead: y = np.multiply(a, b)")


_VIEW_METHODS = {"reshape", "ravel", "transpose", "view", "squeeze", "swapaxes", "T"}
_VIEW_FUNCS = {"reshape", "ravel", "transpose", "asarray", "squeeze", "swapaxes",
               "moveaxis", "expand_dims", "atleast_1d", "atleast_2d"}


def _alias_source(value):
    """``(name, kind)`` when ``value`` may share memory with the array ``name``."""
    if isinstance(value, gast.Name):
        return value.id, "copy"
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
        parts = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
        view = any(isinstance(p, gast.Slice) for p in parts)
        return value.value.id, "view" if view else "item"
    if isinstance(value, gast.Attribute) and value.attr == "T" and isinstance(
            value.value, gast.Name):
        return value.value.id, "view"
    if isinstance(value, gast.Call):
        f = value.func
        if isinstance(f, gast.Attribute) and f.attr in _VIEW_METHODS and isinstance(
                f.value, gast.Name):
            return f.value.id, "view"
        if isinstance(f, gast.Attribute) and f.attr in _VIEW_FUNCS and value.args and \
                isinstance(value.args[0], gast.Name):
            return value.args[0].id, "view"
    return None


def check_aliasing(fdef, info):
    """Refuse in-place writes through a name that may share memory with another.

    ``y = x`` then ``y[0] = 1`` (or ``y += 1`` on arrays) changes ``x`` too.  The
    reverse sweep follows names, not memory, so such code would get a wrong
    derivative.
    """
    edges = {}  # name -> [(other, kind, role)]; role "target" when name = f(other)
    arrays = set()  # names assigned the result of a call: arrays, as far as we can tell
    for node in walk_outside(fdef):
        if isinstance(node, gast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], gast.Name):
            t = node.targets[0].id
            if isinstance(node.value, gast.Call):
                arrays.add(t)
            src = _alias_source(node.value)
            if src is not None and src[0] != t:
                edges.setdefault(t, []).append((src[0], src[1], "target"))
                edges.setdefault(src[0], []).append((t, src[1], "source"))
    for node in walk_outside(fdef):
        targets = node.targets if isinstance(node, gast.Assign) else (
            [node.target] if isinstance(node, gast.AugAssign) else [])
        for t in targets:
            if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name):
                # x[i] = ... writes into x's memory: refuse when x is, or has, a view
                name = t.value.id
                for other, kind, role in edges.get(name, []):
                    if kind != "item" or role == "target":
                        _alias_error(info, node, name, other)
            elif isinstance(t, gast.Name) and isinstance(node, gast.AugAssign):
                # x += ... on an array updates x in place
                for other, kind, role in edges.get(t.id, []):
                    if kind == "view" or (kind == "copy" and {t.id, other} & arrays):
                        _alias_error(info, node, t.id, other)


def _alias_error(info, node, name, other):
    raise info.error(
        UnsupportedSyntaxError,
        f"this in-place update of {name!r} may also change {other!r}, which shares its "
        "memory; reverse mode follows names, not memory", node,
        hint=f"make an independent array first: {name} = {other}.copy() (or np.copy)")
