"""Small helpers to build and inspect gast nodes."""

from __future__ import annotations

import copy

import gast


def load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def const(value):
    return gast.Constant(value=value, kind=None)


def assign(target, value, origin=None):
    if isinstance(target, str):
        target = store(target)
    node = gast.Assign(targets=[target], value=value, type_comment=None)
    if origin is not None:
        set_origin(node, origin)
    return node


def expr_stmt(value, origin=None):
    node = gast.Expr(value=value)
    if origin is not None:
        set_origin(node, origin)
    return node


def call(func, args, keywords=()):
    if isinstance(func, str):
        func = parse_expr(func)
    return gast.Call(func=func, args=list(args), keywords=list(keywords))


def parse_expr(src):
    return gast.parse(src, mode="eval").body


def parse_stmts(src):
    return gast.parse(src).body


class _Origin:
    """A reference to the user's statement; copying a generated node shares it."""

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = node

    def __deepcopy__(self, memo):
        return self


def set_origin(node, origin):
    """Tie a generated statement to the original statement it comes from."""
    if isinstance(origin, _Origin):
        origin = origin.node
    node.tl_origin = None if origin is None else _Origin(origin)
    return node


def origin_of(node):
    ref = getattr(node, "tl_origin", None)
    return None if ref is None else ref.node


def deepcopy(node):
    return copy.deepcopy(node)


def to_load(node):
    node = copy.deepcopy(node)
    for n in gast.walk(node):
        if hasattr(n, "ctx"):
            n.ctx = gast.Load()
    return node


def to_store(node):
    node = copy.deepcopy(node)
    if hasattr(node, "ctx"):
        node.ctx = gast.Store()
    if isinstance(node, (gast.Tuple, gast.List)):
        node.elts = [to_store(e) for e in node.elts]
    return node


def is_atom(node):
    return isinstance(node, (gast.Name, gast.Constant))


def reads(node):
    """Names loaded anywhere inside ``node``."""
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def writes(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


class Renamer(gast.NodeTransformer):
    """Replace names by expressions (``mapping[name] -> node``), copying each use."""

    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        if node.id in self.mapping:
            new = self.mapping[node.id]
            if isinstance(new, str):
                return gast.copy_location(
                    gast.Name(id=new, ctx=node.ctx, annotation=None, type_comment=None), node)
            new = copy.deepcopy(new)
            if isinstance(new, gast.Name):
                new.ctx = node.ctx
            return new
        return node


def rename(node, mapping):
    return Renamer(mapping).visit(node)
