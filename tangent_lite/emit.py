"""Emit: gast → Python source with ``ast.unparse``, one comment per original statement."""

from __future__ import annotations

import ast
import copy
import re

import gast

from . import astutil as A
from .surgery import GradOf

_COMMENT = "__tl_comment__"
_COMMENT_RE = re.compile(r"^(\s*)[\x22\x27]{1,3}" + _COMMENT + r"(\d+)[\x22\x27]{1,3}$", re.M)


def _annotate(stmts, info, table, last=None):
    out = []
    for s in stmts:
        origin = A.origin_of(s)
        key = None
        if origin is not None and info is not None:
            lt = info.line_text(origin)
            if lt is not None:
                key = lt
        if key is not None and key != last:
            table.append(f"L{key[0]}: {key[1]}")
            out.append(gast.Expr(value=A.const(f"{_COMMENT}{len(table) - 1}")))
        last = key
        if isinstance(s, GradOf):
            # a block of tl.insert_grad_of: its statements, as the user wrote them
            out.extend(_annotate(s.stmts, None, table, key) or [gast.Pass()])
            continue
        if getattr(s, "body", None) or getattr(s, "orelse", None):
            s = copy.copy(s)  # new lists in a shallow copy: the tree itself stays as it is
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if inner:
                    setattr(s, field, _annotate(inner, info, table, key))
        out.append(s)
    return out


def function_source(fdef, info):
    """Source of one generated function, commented back to the original lines."""
    table = []
    fdef = copy.copy(fdef)
    fdef.body = _annotate(fdef.body, info, table)
    tree = ast.fix_missing_locations(gast.gast_to_ast(fdef))
    text = ast.unparse(tree)
    return _COMMENT_RE.sub(lambda m: m.group(1) + "# " + table[int(m.group(2))], text)
