"""Optimize: known-zero propagation and dead-code elimination over structured code.

``zero_prop``  follows which adjoints are exactly ``0.0``: a contribution into a
zero adjoint becomes a plain assignment (``bx = bx + e`` → ``bx = e``) and a
contribution from a zero cotangent disappears, so no ``0 * ...`` lines and no
zeros are built for adjoints that are assigned before use.

``dce``  removes assignments whose value nobody reads, loops and branches left
empty, and the flags that control lowering did not need.
"""

from __future__ import annotations

import gast

from . import astutil as A
from .surgery import GradOf


def _is_zero(node):
    return isinstance(node, gast.Constant) and node.value == 0.0 and not isinstance(
        node.value, bool) and isinstance(node.value, float)


# ---------------------------------------------------------------- zero propagation

def zero_prop(stmts, zero=None, linker=None, owned=()):
    """``owned``: adjoints updated in place; their first value is copied, never aliased."""
    global _OWNED
    _OWNED = set(owned)
    out, _ = _zp_block(stmts, set(zero or ()), True, linker)
    return out


_OWNED = set()


def _zp_block(stmts, zero, rewrite, linker):
    out = []
    for s in stmts:
        new, zero = _zp_stmt(s, zero, rewrite, linker)
        out.extend(new)
    return out, zero


def _zp_stmt(s, zero, rewrite, linker):
    if isinstance(s, gast.Assign):
        acc = getattr(s, "tl_accum", None)
        lin = getattr(s, "tl_linear_in", None)
        targets = A.writes(s.targets[0]) if not isinstance(s.targets[0], gast.Subscript) else set()
        if acc is not None:
            adj, contribution, linear_in, copy = acc
            if linear_in in zero:
                return [], zero
            if adj in zero:
                value = A.deepcopy(contribution)
                if (copy or adj in _OWNED) and linker is not None:
                    fn = A.load(linker.helper("_copy"))
                    fn.tl_linked = True
                    value = A.call(fn, [value])
                new = A.assign(A.store(adj), value, A.origin_of(s))
                for attr in ("tl_bwd", "tl_keep"):
                    if hasattr(s, attr):
                        setattr(new, attr, getattr(s, attr))
                return [new if rewrite else s], zero - {adj}
            return [s], zero - targets
        if lin is not None and lin in zero:
            return [], zero
        if isinstance(s.targets[0], gast.Name) and _is_zero(s.value):
            return [s], zero | {s.targets[0].id}
        return [s], zero - targets
    if isinstance(s, gast.AugAssign):
        lin = getattr(s, "tl_linear_in", None)
        if lin is not None and lin in zero:
            return [], zero
        return [s], zero - A.writes(s.target)
    if isinstance(s, gast.If):
        body, z1 = _zp_block(s.body, set(zero), rewrite, linker)
        orelse, z2 = _zp_block(s.orelse, set(zero), rewrite, linker)
        if rewrite:
            s.body, s.orelse = body or [gast.Pass()], orelse
        return [s], z1 & z2
    if isinstance(s, (gast.For, gast.While)):
        entry = set(zero)
        if isinstance(s, gast.For):
            entry -= A.writes(s.target)
        while True:
            _, end = _zp_block(s.body, set(entry), False, linker)
            new_entry = entry & end
            if new_entry == entry:
                break
            entry = new_entry
        if rewrite:
            body, _ = _zp_block(s.body, set(entry), True, linker)
            s.body = body or [gast.Pass()]
        return [s], entry
    if isinstance(s, GradOf):
        return [s], zero - A.writes(s)  # the block may give an adjoint any value
    return [s], zero


# ---------------------------------------------------------------- dead code

def _pure(s):
    return not getattr(s, "tl_keep", False)


def dce(stmts, live_out=()):
    out, _ = _dce_block(stmts, set(live_out))
    return out


def _dce_block(stmts, live, mutate=True):
    out = []
    for s in reversed(stmts):
        new, live = _dce_stmt(s, live, mutate)
        out.extend(reversed(new))
    out.reverse()
    return out, live


def _target_names(t):
    if isinstance(t, gast.Subscript):
        return {t.value.id} if isinstance(t.value, gast.Name) else set()
    return A.writes(t)


def _dce_stmt(s, live, mutate):
    if isinstance(s, gast.Assign):
        t = s.targets[0]
        names = _target_names(t)
        if isinstance(t, gast.Subscript):
            if not (names & live) and _pure(s):
                return [], live
            return [s], live | A.reads(s)
        if not (names & live) and _pure(s):
            return [], live
        return [s], (live - names) | A.reads(s.value)
    if isinstance(s, gast.AugAssign):
        names = _target_names(s.target)
        if not (names & live):
            return [], live
        return [s], live | A.reads(s)
    if isinstance(s, gast.Expr):
        if getattr(s, "tl_marker", None) is not None:
            return [s], live
        return [s], live | A.reads(s)
    if isinstance(s, gast.If):
        body, l1 = _dce_block(s.body, set(live), mutate)
        orelse, l2 = _dce_block(s.orelse, set(live), mutate)
        body = [b for b in body if not isinstance(b, gast.Pass)]
        orelse = [b for b in orelse if not isinstance(b, gast.Pass)]
        if not body and not orelse:
            return [], live
        if not mutate:
            return [s], l1 | l2 | A.reads(s.test)
        if not body:
            s.test = gast.UnaryOp(op=gast.Not(), operand=s.test) if not (
                isinstance(s.test, gast.UnaryOp) and isinstance(s.test.op, gast.Not)) \
                else s.test.operand
            body, orelse = orelse, []
        s.body, s.orelse = body, orelse
        return [s], l1 | l2 | A.reads(s.test)
    if isinstance(s, gast.For):
        tgt = A.writes(s.target)
        inner = set()
        while True:
            _, lin = _dce_block(s.body, live | (inner - tgt), False)
            if lin == inner:
                break
            inner = lin
        body, lin = _dce_block(s.body, live | (inner - tgt), mutate)
        body = [b for b in body if not isinstance(b, gast.Pass)]
        if not body and not (tgt & live):
            return [], live
        if mutate:
            s.body = body or [gast.Pass()]
        return [s], live | (lin - tgt) | A.reads(s.iter)
    if isinstance(s, gast.While):
        test = A.reads(s.test)
        inner = set()
        while True:
            _, lin = _dce_block(s.body, live | inner | test, False)
            if lin == inner:
                break
            inner = lin
        body, lin = _dce_block(s.body, live | inner | test, mutate)
        body = [b for b in body if not isinstance(b, gast.Pass)]
        if mutate:
            s.body = body or [gast.Pass()]
        return [s], live | lin | test
    if isinstance(s, gast.Pass):
        return [], live
    if isinstance(s, gast.Return):
        return [s], (A.reads(s.value) if s.value is not None else set())
    return [s], live | A.reads(s)


# ---------------------------------------------------------------- copy propagation

def copy_prop(stmts):
    """Read ``b`` where the code reads ``a`` after ``a = b``, while neither changes."""
    out, _ = _cp_block(stmts, {})
    return out


def _kill(copies, written):
    return {a: b for a, b in copies.items() if a not in written and b not in written}


def _cp_block(stmts, copies):
    out = []
    for s in stmts:
        if isinstance(s, (gast.If, gast.For, gast.While)):
            head = s.test if not isinstance(s, gast.For) else s.iter
            _subst(head, copies)
            written = {n.id for n in gast.walk(s) if isinstance(n, gast.Name)
                       and isinstance(n.ctx, gast.Store)}
            inner = _kill(copies, written)
            for field in ("body", "orelse"):
                block = getattr(s, field, None)
                if block:
                    setattr(s, field, _cp_block(block, dict(inner))[0])
            copies = inner
            out.append(s)
            continue
        if isinstance(s, gast.Assign):
            _subst(s.value, copies)
            t = s.targets[0]
            if isinstance(t, gast.Subscript):
                _subst(t, copies)
            if isinstance(t, gast.Name) and isinstance(s.value, gast.Name) \
                    and s.value.id == t.id and not getattr(s, "tl_keep", False):
                continue  # x = x
            copies = _kill(copies, A.writes(t) if not isinstance(t, gast.Subscript) else set())
            if isinstance(t, gast.Name) and isinstance(s.value, gast.Name) \
                    and not getattr(s, "tl_keep", False) and not getattr(s, "tl_pin", False):
                copies[t.id] = s.value.id
            out.append(s)
            continue
        if isinstance(s, gast.AugAssign):
            _subst(s, copies)
            out.append(s)
            continue
        if isinstance(s, GradOf):
            # the user's block is left as written; what it assigns is no copy any more
            copies = _kill(copies, A.writes(s))
            out.append(s)
            continue
        if getattr(s, "tl_marker", None) is None:
            _subst(s, copies)
        out.append(s)
    return out, copies


def _subst(node, copies):
    if not copies or node is None:
        return
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in copies:
            n.id = copies[n.id]


# ---------------------------------------------------------------- inlining temporaries

def _is_temp(name, temps):
    return name in temps


def _count_reads(stmts):
    counts = {}
    for s in stmts:
        for n in gast.walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def _stmt_writes(s):
    """Names a statement may change (assigned, updated in place, or mutated by a method)."""
    out = set()
    for n in gast.walk(s):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            out.add(n.id)
        elif isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(
                getattr(n, "ctx", None), gast.Store) and isinstance(n.value, gast.Name):
            out.add(n.value.id)
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Subscript) and \
                isinstance(n.target.value, gast.Name):
            out.add(n.target.value.id)
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and isinstance(
                n.func.value, gast.Name):
            out.add(n.func.value.id)
    return out


def inline_temps(body, temps, max_len=40):
    """Put each temporary that is read once back into the expression that reads it.

    ``temps`` are the generated names that may disappear.  A temporary is inlined
    only into a later statement of the same block, when nothing in between changes
    what its expression reads; the result reads like the original expression and
    frees intermediate arrays as soon as they are used.
    """
    counts = _count_reads(body)

    def size(node):
        return sum(1 for n in gast.walk(node) if isinstance(n, (gast.expr, gast.operator)))

    def fits(u, name, value, depth):
        """Whether ``u`` with ``value`` for ``name`` still fits a 100-column line."""
        import ast
        import copy
        trial = copy.deepcopy(u.test if isinstance(u, gast.If) else u)
        _replace_name(trial, name, value)
        try:
            text = ast.unparse(ast.fix_missing_locations(gast.gast_to_ast(trial)))
        except Exception:
            return True
        return len(text.splitlines()[0]) + 4 * (depth + 1) <= 96

    def block(stmts, depth=0):
        for s in stmts:
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if inner:
                    setattr(s, field, block(inner, depth + 1))
        i = len(stmts) - 1
        while i >= 0:
            s = stmts[i]
            if (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                    and s.targets[0].id in temps and counts.get(s.targets[0].id, 0) == 1
                    and not getattr(s, "tl_keep", False) and not getattr(s, "tl_pin", False)
                    and not isinstance(s.value, (gast.List, gast.Dict))):
                name = s.targets[0].id
                reads = A.reads(s.value)
                for j in range(i + 1, len(stmts)):
                    u = stmts[j]
                    uses = [n for n in gast.walk(u) if isinstance(n, gast.Name)
                            and isinstance(n.ctx, gast.Load) and n.id == name]
                    if uses:
                        if isinstance(u, (gast.For, gast.While, gast.If)):
                            head = u.iter if isinstance(u, gast.For) else u.test
                            if not any(n is m for n in uses for m in gast.walk(head)):
                                break
                            if isinstance(u, (gast.For, gast.While)):
                                break
                        if getattr(u, "tl_marker", None) is not None:
                            break
                        head = u.test if isinstance(u, gast.If) else u
                        if size(head) + size(s.value) > max_len or not fits(
                                u, name, s.value, depth):
                            break
                        _replace_name(u, name, s.value)
                        del stmts[i]
                        break
                    if _stmt_writes(u) & (reads | {name}):
                        break
                    if isinstance(u, (gast.For, gast.While, gast.If)):
                        break
            i -= 1
        return stmts

    return block(body)


def _replace_name(node, name, value):
    for parent in gast.walk(node):
        for field, child in gast.iter_fields(parent):
            if isinstance(child, gast.Name) and child.id == name and isinstance(
                    child.ctx, gast.Load):
                setattr(parent, field, A.deepcopy(value))
            elif isinstance(child, list):
                for k, c in enumerate(child):
                    if isinstance(c, gast.Name) and c.id == name and isinstance(
                            c.ctx, gast.Load):
                        child[k] = A.deepcopy(value)


# ---------------------------------------------------------------- redundant _dense calls

def dedupe_dense(stmts, helper_name):
    """Drop ``bx = _dense(bx, x)`` when ``bx`` is already an array nothing rebound since."""
    out, _ = _dd_block(stmts, set(), helper_name)
    return out


def _is_dense_call(s, helper_name):
    return (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.Call) and isinstance(s.value.func, gast.Name)
            and s.value.func.id == helper_name and s.value.args
            and isinstance(s.value.args[0], gast.Name)
            and s.value.args[0].id == s.targets[0].id)


def _dd_block(stmts, known, helper_name):
    out = []
    for s in stmts:
        if _is_dense_call(s, helper_name):
            name = s.targets[0].id
            if name in known:
                continue
            out.append(s)
            known = known | {name}
            continue
        if isinstance(s, (gast.If, gast.For, gast.While)):
            written = {n.id for n in gast.walk(s) if isinstance(n, gast.Name)
                       and isinstance(n.ctx, gast.Store)}
            inner = known - written if isinstance(s, (gast.For, gast.While)) else known
            for field in ("body", "orelse"):
                block = getattr(s, field, None)
                if block:
                    setattr(s, field, _dd_block(block, set(inner), helper_name)[0])
            known = known - written
            out.append(s)
            continue
        if isinstance(s, gast.Assign) and not isinstance(s.targets[0], gast.Subscript):
            known = known - A.writes(s.targets[0])
        elif isinstance(s, GradOf):
            known = known - A.writes(s)
        out.append(s)
    return out, known


# ---------------------------------------------------------------- signs

def _pull_neg(e):
    """``-a * b`` → ``-(a * b)``: the same value (negation is exact), one operation less
    once the sign meets an addition."""
    if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Mult, gast.Div)):
        left = _pull_neg(e.left)
        if isinstance(left, gast.UnaryOp) and isinstance(left.op, gast.USub):
            return gast.UnaryOp(op=gast.USub(), operand=gast.BinOp(
                left=left.operand, op=e.op, right=e.right))
        e.left = left
    return e


def fold_signs(stmts):
    """``b += -e`` → ``b -= e``, ``b = b + -e`` → ``b = b - e`` and ``b = -(-a * c)`` →
    ``b = a * c`` (negation is exact)."""
    for s in stmts:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if inner:
                fold_signs(inner)
        if isinstance(s, gast.AugAssign) and isinstance(s.op, gast.Add):
            v = _pull_neg(s.value)
            if isinstance(v, gast.UnaryOp) and isinstance(v.op, gast.USub):
                s.op, s.value = gast.Sub(), v.operand
            else:
                s.value = v
        elif isinstance(s, gast.Assign) and isinstance(s.value, gast.UnaryOp) and isinstance(
                s.value.op, gast.USub):
            inner = _pull_neg(s.value.operand)
            if isinstance(inner, gast.UnaryOp) and isinstance(inner.op, gast.USub):
                s.value = inner.operand  # -(-a * b) → a * b
            else:
                s.value.operand = inner
        elif isinstance(s, gast.Assign) and isinstance(s.value, gast.BinOp) and isinstance(
                s.value.op, gast.Add):
            r = _pull_neg(s.value.right)
            if isinstance(r, gast.UnaryOp) and isinstance(r.op, gast.USub):
                s.value.op, s.value.right = gast.Sub(), r.operand
            else:
                s.value.right = r
    return stmts


def merge_rebinds(stmts):
    """``b = e`` directly followed by ``b = f(b)`` (reading ``b`` once) → ``b = f(e)``."""
    out = []
    for s in stmts:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if inner:
                setattr(s, field, merge_rebinds(inner))
        prev = out[-1] if out else None
        if (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and isinstance(prev, gast.Assign) and isinstance(prev.targets[0], gast.Name)
                and prev.targets[0].id == s.targets[0].id
                and not getattr(prev, "tl_keep", False) and not getattr(prev, "tl_pin", False)
                and _count_reads([s]).get(s.targets[0].id, 0) == 1):
            _replace_name(s, s.targets[0].id, prev.value)
            out[-1] = s
            continue
        out.append(s)
    return out


# ---------------------------------------------------------------- the unit seed of grad

_MUTATING_NUMPY = {"copyto", "put", "place", "putmask", "put_along_axis", "fill_diagonal"}
_FRESH_OPS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.MatMult, gast.FloorDiv,
              gast.Mod)


def fold_unit_seed(body, seed, resolve, adjoints, spread=None):
    """``b = 1.0 * e`` → ``b = e`` where the grad seed ``seed`` is the constant 1.0.

    Multiplying by the seed of a gradient copies a whole array for nothing. The
    product is dropped when that cannot be seen: ``e`` is a fresh array (an
    arithmetic result or a NumPy ufunc's) that nothing modifies in place, and ``b``
    is never updated in place or aliased either. ``resolve(func)`` is the object a
    callee expression names (or None), ``adjoints`` are the adjoint names, and
    ``spread()`` binds the helper ``_spread`` and returns its name.
    """
    import numpy as np

    from . import runtime

    nodes = list(gast.walk(gast.Module(body=body, type_ignores=[])))
    stores = {}
    for n in nodes:
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
    seed_defs = [n for n in nodes if isinstance(n, gast.Assign)
                 and isinstance(n.targets[0], gast.Name) and n.targets[0].id == seed]
    if stores.get(seed) != 1 or len(seed_defs) != 1 or not (
            isinstance(seed_defs[0].value, gast.Constant) and seed_defs[0].value.value == 1.0):
        return body
    parent = {}
    for n in nodes:
        for c in gast.iter_child_nodes(n):
            parent[id(c)] = n
    mutating_helpers = {runtime.dense, runtime.add_at}
    fresh_float_helpers = {runtime.inside}

    def is_numpy(func):
        return isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) and \
            resolve(func.value) is np

    def safe_use(name):
        """Every read of ``name`` only reads the value (no alias, no in-place update)."""
        for n in nodes:
            if isinstance(n, gast.AugAssign) and name in _target_base(n.target):
                return False
            if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Subscript) and \
                    name in _target_base(n.targets[0]):
                return False
            if not (isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Load)):
                continue
            p = parent.get(id(n))
            if isinstance(p, (gast.BinOp, gast.UnaryOp, gast.Compare)):
                continue
            if isinstance(p, gast.Subscript) and p.value is n:
                continue
            if isinstance(p, gast.Call) and n in p.args:
                if is_numpy(p.func) and p.func.attr not in _MUTATING_NUMPY:
                    continue
                obj = resolve(p.func) if isinstance(p.func, gast.Name) else None
                if getattr(obj, "__module__", None) == runtime.__name__ and \
                        obj not in mutating_helpers:
                    continue
            return False
        return True

    def defs_of(name):
        return [n for n in nodes if isinstance(n, gast.Assign)
                and isinstance(n.targets[0], gast.Name) and n.targets[0].id == name]

    def float_valued(v, depth=0):
        """``v`` is a float or an array of floats whatever the inputs' dtypes."""
        if depth > 8:
            return False
        if isinstance(v, gast.Constant):
            return isinstance(v.value, float)
        if isinstance(v, gast.Name):
            d = defs_of(v.id)
            return stores.get(v.id) == 1 and len(d) == 1 and float_valued(d[0].value, depth + 1)
        if isinstance(v, gast.BinOp):
            if isinstance(v.op, gast.Div):
                return True
            if isinstance(v.op, (gast.Add, gast.Sub, gast.Mult)):
                return float_valued(v.left, depth + 1) or float_valued(v.right, depth + 1)
            return False
        if isinstance(v, gast.UnaryOp) and isinstance(v.op, (gast.USub, gast.UAdd)):
            return float_valued(v.operand, depth + 1)
        if isinstance(v, gast.Call) and is_numpy(v.func) and not v.keywords:
            uf = getattr(np, v.func.attr, None)
            return isinstance(uf, np.ufunc) and all(t[-1] in "efdgFDGO" for t in uf.types)
        if isinstance(v, gast.Call) and isinstance(v.func, gast.Name):
            return resolve(v.func) in fresh_float_helpers
        return False

    def fresh(v):
        """``v`` makes a new float array (or a float): an alias of nothing."""
        if isinstance(v, gast.Name):
            d = defs_of(v.id)
            if stores.get(v.id) != 1 or len(d) != 1 or v.id in adjoints:
                return False
            v = d[0].value
        if isinstance(v, gast.BinOp) and not isinstance(v.op, _FRESH_OPS):
            return False
        if isinstance(v, gast.UnaryOp) and not isinstance(v.op, (gast.USub, gast.UAdd)):
            return False
        if isinstance(v, gast.Call) and not (is_numpy(v.func) or isinstance(v.func, gast.Name)):
            return False
        return isinstance(v, (gast.BinOp, gast.UnaryOp, gast.Call)) and float_valued(v)

    used = set()
    for s in nodes:
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and isinstance(s.value, gast.BinOp) and isinstance(s.value.op, gast.Mult)):
            continue
        left, right = s.value.left, s.value.right
        if isinstance(left, gast.Name) and left.id == seed:
            other = right
        elif isinstance(right, gast.Name) and right.id == seed:
            other = left
        else:
            continue
        target = s.targets[0].id
        if not safe_use(target):
            continue
        if not fresh(other):
            continue
        if isinstance(other, gast.Name):
            if other.id in used or not safe_use(other.id):
                continue
            used.add(other.id)
        s.value = other
    if spread is not None:
        _fold_spread_seed(nodes, seed, stores, defs_of, resolve, spread,
                          lambda v: not isinstance(v, gast.Name) and fresh(v))
    return body


def _fold_spread_seed(nodes, seed, stores, defs_of, resolve, spread, fresh_float):
    """``np.broadcast_to(seed, S) * e`` → ``_spread(e, S)``: a read-only view of ``e``
    (as floats) instead of a product of a whole array with ones. Nothing can update
    a read-only view in place: ``_dense`` and ``_like`` copy it first."""
    import numpy as np

    def seed_spread(v):
        """The shape ``S`` when ``v`` is ``np.broadcast_to(seed, S)``, else None."""
        if isinstance(v, gast.Call) and len(v.args) == 2 and not v.keywords and \
                resolve(v.func) is np.broadcast_to and isinstance(v.args[0], gast.Name) \
                and v.args[0].id == seed:
            return v.args[1]
        return None

    spreads = {}
    for n in nodes:
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Name) and \
                stores.get(n.targets[0].id) == 1 and seed_spread(n.value) is not None:
            spreads[n.targets[0].id] = seed_spread(n.value)
    parents = []
    for n in nodes:
        for field, value in gast.iter_fields(n):
            if isinstance(value, gast.BinOp):
                parents.append((n, field, None, value))
            elif isinstance(value, list):
                parents += [(n, field, k, e) for k, e in enumerate(value)
                            if isinstance(e, gast.BinOp)]
    def shape_of(mine):
        if isinstance(mine, gast.Name):
            # a named spread: its shape is read again here, so it must not have changed
            shape = spreads.get(mine.id)
            if shape is None or any(stores.get(n, 0) > 1 for n in A.reads(shape)):
                return None
            return shape
        return seed_spread(mine)

    def is_shape_of(shape, name):
        return isinstance(shape, gast.Call) and resolve(shape.func) is np.shape and \
            len(shape.args) == 1 and isinstance(shape.args[0], gast.Name) and \
            shape.args[0].id == name.id

    detached = set()
    for holder, field, k, op in parents:
        if not isinstance(op.op, gast.Mult) or id(op) in detached:
            continue
        inner = op.left
        if isinstance(inner, gast.BinOp) and isinstance(inner.op, gast.Mult) and \
                isinstance(inner.right, gast.Constant) and isinstance(op.right, gast.Name) \
                and isinstance(inner.right.value, (int, float)) and \
                is_shape_of(shape_of(inner.left), op.right):
            # (spread of the seed to e's shape) * c * e: just c * e, in floats
            op.left = A.const(float(inner.right.value))
            detached.add(id(inner))
            continue
        sides = [(op.left, op.right), (op.right, op.left)]
        for mine, other in sides:
            shape = shape_of(mine)
            if shape is None:
                continue
            if isinstance(other, (gast.Name, gast.Constant)):
                new = A.call(A.load(spread()), [A.deepcopy(other), A.deepcopy(shape)])
            elif fresh_float(other):
                # a new float array nothing else holds: _spread may return it as it is
                new = A.call(A.load(spread()), [A.deepcopy(other), A.deepcopy(shape),
                                                A.const(True)])
            else:
                continue
            new.func.tl_linked = True
            if k is None:
                setattr(holder, field, new)
            else:
                getattr(holder, field)[k] = new
            break


def _target_base(t):
    while isinstance(t, (gast.Subscript, gast.Attribute)):
        t = t.value
    return {t.id} if isinstance(t, gast.Name) else set()


# ---------------------------------------------------------------- shapes without values

def shapes_from_operands(body, resolve):
    """``np.shape(a * b)`` → ``np.broadcast_shapes(np.shape(a), np.shape(b))``, and
    ``np.shape(x ** 2)``, ``np.size(x ** 2)`` → ``np.shape(x)``, ``np.size(x)``; also for
    elementwise ufuncs such as ``np.maximum(a, b)``.

    The scalar-cotangent pass spreads a cotangent to the shape of a value; when the
    value is an elementwise operation kept only for that, its operands' shapes give
    the same answer without computing it (dce then drops the operation).
    """
    import numpy as np

    nodes = list(gast.walk(gast.Module(body=body, type_ignores=[])))
    stores, defs, reads = {}, {}, {}
    for n in nodes:
        if isinstance(n, gast.Name):
            if isinstance(n.ctx, gast.Store):
                stores[n.id] = stores.get(n.id, 0) + 1
            elif isinstance(n.ctx, gast.Load):
                reads.setdefault(n.id, []).append(n)
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Name):
            defs[n.targets[0].id] = n.value

    def number(v):
        return isinstance(v, gast.Constant) and isinstance(v.value, (int, float)) and \
            not isinstance(v.value, bool)

    def operands(v):
        if isinstance(v, gast.BinOp) and not isinstance(v.op, gast.MatMult):
            parts = [v.left, v.right]
        elif isinstance(v, gast.UnaryOp) and isinstance(v.op, (gast.USub, gast.UAdd)):
            parts = [v.operand]
        elif isinstance(v, gast.Call) and not v.keywords and isinstance(
                resolve(v.func), np.ufunc) and resolve(v.func).nout == 1 and \
                len(v.args) == resolve(v.func).nin:
            parts = list(v.args)  # an elementwise ufunc: the broadcast of its inputs
        else:
            return None
        if not all(isinstance(p, gast.Name) or number(p) for p in parts):
            return None
        return [p for p in parts if isinstance(p, gast.Name)]

    calls = [n for n in nodes if isinstance(n, gast.Call) and len(n.args) == 1
             and not n.keywords and isinstance(n.func, gast.Attribute)
             and resolve(n.func) in (np.shape, np.size)]
    inside = {id(c.args[0]): c for c in calls}
    for call in calls:
        arg = call.args[0]
        names = operands(arg)
        if names is None and isinstance(arg, gast.Name) and stores.get(arg.id) == 1 and \
                arg.id in defs and all(id(r) in inside for r in reads.get(arg.id, [])):
            names = operands(defs[arg.id])
            users = [inside[id(r)] for r in reads.get(arg.id, [])]
            if names and len(names) > 1 and any(resolve(u.func) is np.size for u in users):
                continue  # the size of a broadcast needs the value (or a product)
        if not names or (len(names) > 1 and resolve(call.func) is np.size):
            continue
        np_base = call.func.value

        def shape(n, base=np_base):
            return A.call(gast.Attribute(value=A.deepcopy(base), attr="shape", ctx=gast.Load()),
                          [A.load(n.id)])
        if len(names) == 1:
            call.args = [A.load(names[0].id)]
        else:
            call.func = gast.Attribute(value=A.deepcopy(np_base), attr="broadcast_shapes",
                                       ctx=gast.Load())
            call.args = [shape(n) for n in names]
    return body


def reductions_for_shape(body, resolve, stand_in):
    """``t = np.mean(x, axis=1)`` read only for its shape (``np.shape(t)``, ``np.size(t)``,
    ``_unbroadcast(g, t)``) becomes ``t = _reduced_shape_of(x, 1)``: a stand-in of the
    same shape that costs nothing, so the reduction is not computed.

    The cotangent of ``w * np.mean(x, axis=1)`` needs only the mean's shape; computing
    the mean itself doubled the cost of the gradient.
    """
    import numpy as np

    from . import runtime
    from .analysis import walk_stmts
    reductions = {np.sum, np.mean, np.max, np.min, np.amax, np.amin, np.prod}
    nodes = list(gast.walk(gast.Module(body=body, type_ignores=[])))
    stores, loads = {}, {}
    for n in nodes:
        if isinstance(n, gast.Name):
            table = stores if isinstance(n.ctx, gast.Store) else loads
            table[n.id] = table.get(n.id, 0) + 1
    shape_reads = {}
    for n in nodes:
        if not isinstance(n, gast.Call):
            continue
        f = resolve(n.func)
        if f in (np.shape, np.size, np.ndim) and len(n.args) == 1:
            args = n.args
        elif f is runtime.unbroadcast and len(n.args) == 2:
            args = n.args[1:]
        else:
            continue
        for a in args:
            if isinstance(a, gast.Name):
                shape_reads[a.id] = shape_reads.get(a.id, 0) + 1

    def constant(v):
        return isinstance(v, gast.Constant) or (
            isinstance(v, gast.Tuple) and all(isinstance(e, gast.Constant) for e in v.elts))

    for st in walk_stmts(body):
        if not (isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name)):
            continue
        t, v = st.targets[0].id, st.value
        if not (isinstance(v, gast.Call) and resolve(v.func) in reductions and v.args
                and len(v.args) <= 2 and isinstance(v.args[0], gast.Name)):
            continue
        if stores.get(t) != 1 or loads.get(t, 0) == 0 or shape_reads.get(t) != loads.get(t):
            continue
        kws = {k.arg: k.value for k in v.keywords}
        if set(kws) - {"axis", "keepdims"} or not all(constant(k) for k in kws.values()):
            continue
        axis = v.args[1] if len(v.args) == 2 else kws.get("axis", A.const(None))
        if not constant(axis):
            continue
        st.value = A.call(stand_in(), [A.deepcopy(v.args[0]), A.deepcopy(axis),
                                       A.deepcopy(kws.get("keepdims", A.const(False)))])
    return body
