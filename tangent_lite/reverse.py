"""Reverse mode: from a normalized function to its forward sweep and backward sweep.

For each statement the transform emits the primal statement (the forward sweep)
and, in mirror order, its adjoint (the backward sweep):

* ``z = op(x, y)`` gets the rule of ``op`` inlined: ``bx = bx + <rule>``; later
  passes turn the first contribution into a plain assignment.
* a branch replays the branch taken (its test variable is kept for the backward
  sweep); a ``for`` loop runs backwards over the same range; a ``while`` loop or a
  loop left by ``break`` counts its trips and runs that many times backwards.
* a value that a later statement overwrites, and that the backward sweep reads,
  is pushed on a tape before it is overwritten and popped back after the adjoint
  of the overwriting statement.  Which values are saved is decided only after the
  backward sweep has been optimized (:func:`resolve_markers`), so only values the
  backward sweep really reads go on the tape.
* a call to another user function becomes a call of its generated forward
  function (returning the output and what its backward needs) and, in the
  backward sweep, a call of its generated backward function.
"""

from __future__ import annotations

import inspect
import sys

import gast

from . import analysis as AN
from . import astutil as A
from . import rules as R
from .checks import stop_gradient
from .surgery import GradOf, insert_grad_of
from .normalize import local_names
from .errors import NoRuleError, UnsupportedSyntaxError

MARKER = "__tl_marker__"


_pairs = iter(range(1, 1 << 62))


def marker(kind, name, index=None, origin=None, pair=None):
    """A placeholder that resolve_markers turns into a tape push or pop, or nothing.

    A save and its restore share ``pair``, so both are kept or both dropped."""
    args = [A.const(kind), A.const(name)]
    node = A.expr_stmt(A.call(A.load(MARKER), args), origin)
    node.tl_marker = (kind, name, index)
    node.tl_pair = pair
    return node


def save_restore(name, origin, index=None):
    pair = next(_pairs)
    kinds = ("save_sub", "restore_sub") if index is not None else ("save", "restore")
    return (marker(kinds[0], name, index, origin, pair),
            marker(kinds[1], name, index, origin, pair))


def accum(adj, contribution, linear_in, *, origin, copy=False, add=False, linker=None):
    """``adj = adj + contribution``, tagged so the optimizer can simplify it."""
    if add:
        value = A.call(A.load(linker.helper("_add")), [A.load(adj), contribution])
    else:
        value = gast.BinOp(left=A.load(adj), op=gast.Add(), right=contribution)
    node = A.assign(A.store(adj), value, origin)
    node.tl_accum = (adj, contribution, linear_in, copy)
    return node


class Folder(gast.NodeTransformer):
    """Evaluate what a substituted rule template computes from constants only."""


    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.left, gast.Constant) and isinstance(node.right, gast.Constant):
            fn = AN.BINOPS.get(type(node.op))
            try:
                return A.const(fn(node.left.value, node.right.value))
            except Exception:
                return node
        if isinstance(node.op, gast.Pow) and isinstance(node.right, gast.Constant) \
                and node.right.value == 1 and not isinstance(node.right.value, bool):
            return node.left
        return node

    def visit_Call(self, node):
        # The pow rules use np.power(x, y - 1.0): it gives inf where Python's ``**`` on
        # floats raises (0.0 ** -0.5, 1e-170 ** -2.0). With a constant exponent >= 0
        # ``**`` cannot raise once the primal x ** y did not, so x ** 3 keeps reading
        # 3 * x ** 2 and x ** 2 reads 2 * x.
        self.generic_visit(node)
        # f(a, *(b, c)) -> f(a, b, c): a rule's *args bound to the call's arguments
        args = []
        for a in node.args:
            if isinstance(a, gast.Starred) and isinstance(a.value, (gast.Tuple, gast.List)):
                args.extend(a.value.elts)
            else:
                args.append(a)
        node.args = args
        f = node.func
        if isinstance(f, gast.Attribute) and f.attr == "power" and getattr(
                f.value, "tl_numpy", False) and len(node.args) == 2 and not node.keywords:
            e = node.args[1]
            if isinstance(e, gast.Constant) and isinstance(e.value, (int, float)) and not \
                    isinstance(e.value, bool) and e.value >= 0:
                if e.value == 1:
                    return node.args[0]
                c = int(e.value) if float(e.value).is_integer() else e.value
                return gast.BinOp(left=node.args[0], op=gast.Pow(), right=A.const(c))
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.operand, gast.Constant):
            fn = AN.UNOPS.get(type(node.op))
            try:
                return A.const(fn(node.operand.value))
            except Exception:
                return node
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.left, gast.Constant) and isinstance(
                node.comparators[0], gast.Constant):
            a, b = node.left.value, node.comparators[0].value
            op = node.ops[0]
            table = {gast.Is: lambda: a is b, gast.IsNot: lambda: a is not b,
                     gast.Eq: lambda: a == b, gast.NotEq: lambda: a != b}
            if type(op) in table:
                return A.const(table[type(op)]())
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        if all(isinstance(v, gast.Constant) for v in node.values):
            vals = [v.value for v in node.values]
            out = vals[0]
            for v in vals[1:]:
                out = (out and v) if isinstance(node.op, gast.And) else (out or v)
            return A.const(out)
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if isinstance(node.test, gast.Constant):
            return node.body if node.test.value else node.orelse
        return node

    def visit_If(self, node):
        self.generic_visit(node)
        if isinstance(node.test, gast.Constant):
            return (node.body if node.test.value else node.orelse) or []
        return node


def _literal(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return A.const(value)
    if isinstance(value, tuple) and all(v is None or isinstance(v, (bool, int, float, str))
                                        for v in value):
        return gast.Tuple(elts=[A.const(v) for v in value], ctx=gast.Load())
    return None


class Reverse:
    """The reverse-mode transform of one normalized function."""

    def __init__(self, fdef, info, scope, names, wrt, module, scalar_output=False,
                 uniform=False):
        self.fdef, self.info, self.scope, self.names = fdef, info, scope, names
        self.wrt = list(wrt)
        self.module = module  # the ModuleBuilder: linker and callee requests
        self.linker = module.linker
        self.params = [a.id for a in fdef.args.posonlyargs + fdef.args.args
                       + fdef.args.kwonlyargs]
        self.locals = local_names(fdef)
        body = fdef.body
        self.out = body[-1].value if body and isinstance(body[-1], gast.Return) else A.const(None)
        self.ret_origin = A.origin_of(body[-1]) if body else None
        self.body = body[:-1] if body and isinstance(body[-1], gast.Return) else body
        self.active, self.varied = AN.activity(body, self.params, self.wrt, scope, self.locals)
        # flags and counters (of generated code, mostly) carry no derivative
        from .forward import discrete_names
        self.active -= discrete_names(body, scope, self.locals, self.params)
        self.dict_literals = {s.targets[0].id for s in AN.walk_stmts(body)
                              if isinstance(s, gast.Assign) and isinstance(s.value, gast.Dict)
                              and isinstance(s.targets[0], gast.Name)}
        self.scalar = AN.scalars(body, scope, self.locals, set(self.params))
        self.shapes = AN.Shapes(body, scope, self.locals, self.params, self.scalar)
        # values that must be scalars: a scalar output (grad checks it before its
        # backward sweep), and what is stored into one element of an array
        seeds = [self.out.id] if scalar_output and isinstance(self.out, gast.Name) else []
        for st in AN.walk_stmts(body):
            if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Subscript) \
                    and isinstance(st.value, gast.Name):
                t = st.targets[0]
                if self.shapes.subscript(self.shapes.of(t.value), t.slice) == self.shapes.SCALAR:
                    seeds.append(st.value.id)
        if seeds:
            self.scalar |= AN.forced_scalars(body, seeds, scope, self.locals)
            self.shapes = AN.Shapes(body, scope, self.locals, self.params, self.scalar)
        self.check_opaque(body)
        self.counters = {}  # counter name -> loop depth of its loop
        self.dense = set()  # adjoints updated in place: they must own their buffer
        self.blocks = []  # ANF statement lists of blocks inside loops, by marker key
        self.masked = set()  # adjoints that may hold zeros put there by np.where
        # The cotangent of np.sum(x) is the same number everywhere: it stays a scalar
        # through elementwise rules and is broadcast only where a rule needs the shape.
        self.uniform = uniform
        self.maybe_uniform = set()
        # local lists used as stacks (values pushed and popped back, as the tape of
        # generated code is): their adjoint is a stack too, run in mirror order
        self.stacks = {lst for st in AN.walk_stmts(body) for lst in [_popped_list(st)]
                       if lst is not None and lst in self.locals}
        # names that count up from 0 (targets of range loops): never negative indices
        self.counts = {st.target.id for st in AN.walk_stmts(body) if isinstance(st, gast.For)
                       and _counts_up(st.iter)}
        # lists that grow (lst.append): lst[-1] means another entry at each step
        self.growing = self.stacks | {st.value.func.value.id for st in AN.walk_stmts(body)
                                      if AN.is_append(st, self.locals)}

    def check_opaque(self, body):
        """Refuse what would silently lose a derivative: text round trips of values that
        depend on ``wrt``, and eval/exec, which read the function's locals."""
        import builtins
        opaque = {builtins.str, builtins.repr, builtins.format, builtins.eval, builtins.exec,
                  builtins.locals, builtins.vars, builtins.globals}
        texts = {}
        for st in AN.walk_stmts(body):
            for n in gast.walk(st):
                if isinstance(n, gast.Call) and not (
                        isinstance(n.func, gast.Attribute) and isinstance(n.func.value, gast.Name)
                        and n.func.value.id in self.locals):
                    obj = self.scope.resolve(n.func)
                    if obj in (builtins.eval, builtins.exec, builtins.locals, builtins.vars):
                        raise self.error(UnsupportedSyntaxError,
                                         f"{obj.__name__}() is not supported in a "
                                         "differentiated function", A.origin_of(st) or st,
                                         "write the expression out in the function")
            if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name):
                v = st.value
                conv = isinstance(v, gast.JoinedStr) or (
                    isinstance(v, gast.Call) and self.scope.resolve(v.func) in opaque)
                if conv and A.reads(v) & self.varied:
                    texts[st.targets[0].id] = st
        if not texts:
            return
        for st in AN.walk_stmts(body):
            if isinstance(st, (gast.Assign, gast.Return)) and st.value is not None:
                used = A.reads(st.value) & set(texts)
                if used and not (isinstance(st, gast.Assign)
                                 and st.targets[0].id in texts):
                    bad = texts[sorted(used)[0]]
                    raise self.error(UnsupportedSyntaxError,
                                     "a value that depends on the differentiated arguments is "
                                     "turned into text and used again: its derivative would "
                                     "be lost", A.origin_of(bad) or bad,
                                     "compute with the number itself")

    # -- names
    def adj(self, name):
        return self.names.adjoint(name)

    def is_active(self, node):
        return isinstance(node, gast.Name) and node.id in self.active

    def helper(self, name):
        node = A.load(self.linker.helper(name))
        node.tl_linked = True
        return node

    def np_attr(self, attr):
        import numpy
        name = self.linker.bind("np", numpy)
        base = A.load(name)
        base.tl_linked = True
        return gast.Attribute(value=base, attr=attr, ctx=gast.Load())

    def error(self, cls, msg, node, hint=None):
        return self.info.error(cls, msg, node, hint)

    # -- blocks
    def block(self, stmts, depth):
        # statements are visited last to first, the order the backward sweep runs in,
        # so facts about an adjoint (np.where zeros) are known when its rule is inlined
        fwd_parts, bwd = [], []
        for s in reversed(stmts):
            f, b = self.stmt(s, depth)
            fwd_parts.append(f)
            bwd.extend(b)
        fwd = [n for f in reversed(fwd_parts) for n in f]
        if depth > 0 and stmts:
            # values used only inside this block of a loop body can be pushed once at its
            # end and popped at the start of its mirror (decided in resolve_markers)
            key = len(self.blocks)
            end, start = marker("block_end", key), marker("block_start", key)
            brk = [i for i, n in enumerate(fwd) if _is_break_if(n)]
            if brk:  # push before leaving the loop; values made after it stay on the old path
                fwd.insert(brk[0], end)
            else:
                fwd.append(end)
            self.blocks.append(fwd)
            bwd.insert(0, start)
        return fwd, bwd

    def stmt(self, s, depth):
        if _popped_list(s) in self.stacks:
            return self.stack_pop(s)
        if isinstance(s, gast.Assign):
            if isinstance(s.targets[0], gast.Subscript):
                return self.assign_subscript(s)
            return self.assign(s)
        if isinstance(s, gast.If):
            return self.branch(s, depth)
        if isinstance(s, gast.For):
            return self.for_loop(s, depth)
        if isinstance(s, gast.While):
            return self.while_loop(s, depth)
        if isinstance(s, GradOf):
            return [], self.grad_of(s)
        if isinstance(s, gast.Expr) and AN.is_append(s, self.locals):
            if s.value.func.value.id in self.stacks:
                return self.stack_push(s)
            return self.append(s)

        if isinstance(s, (gast.Break, gast.Expr, gast.Assert)):
            if isinstance(s, gast.Expr):
                self.check_expr_stmt(s)
            return [s], []
        if isinstance(s, gast.Return):
            raise self.error(UnsupportedSyntaxError, "return is only supported at the end here",
                             A.origin_of(s) or s)
        raise self.error(UnsupportedSyntaxError,
                         f"{type(s).__name__} is not supported", A.origin_of(s) or s)

    def branch(self, s, depth):
        origin = A.origin_of(s)
        pre, post = [], []
        test = s.test
        written = set()
        for b in s.body + s.orelse:
            written |= {n.id for n in gast.walk(b) if isinstance(n, gast.Name)
                        and isinstance(n.ctx, gast.Store)}
        if A.reads(test) & written:
            # the branch changes its own test: the backward sweep needs the value it had
            cond = self.names.fresh("_cond")
            sv, rs = save_restore(cond, origin)
            pre = [sv, A.assign(A.store(cond), test, origin)]
            post = [rs]
            test = A.load(cond)
        fb, bb = self.block(s.body, depth)
        fo, bo = self.block(s.orelse, depth)
        fwd = A.set_origin(gast.If(test=test, body=fb or [gast.Pass()], orelse=fo), origin)
        bwd = []
        if bb or bo:
            bwd = [A.set_origin(gast.If(test=A.deepcopy(test), body=bb or [gast.Pass()],
                                        orelse=bo), origin)]
        return pre + [fwd], bwd + post

    def grad_of(self, s):
        """``with tl.insert_grad_of(x) as dx:``: the block, with ``dx`` renamed to the
        adjoint of ``x``, runs in the backward sweep where the ``with`` statement mirrors.

        It is not differentiated and its assignments to ``dx`` replace the adjoint.
        When no derivative flows through ``x`` there is no adjoint: the block is left out.
        """
        origin = A.origin_of(s)
        if self.scope.resolve(s.func) is not insert_grad_of:
            raise self.error(UnsupportedSyntaxError, "with statement is not supported in a "
                             "differentiated function (only with tl.insert_grad_of(x) as dx)",
                             origin, "move the with block outside the function you "
                             "differentiate")
        if s.var not in self.active:
            return []
        g = self.adj(s.var)
        body = [_AdjointRename(s.adjoint, g).visit(A.deepcopy(b)) for b in s.stmts]
        pre = []
        if g in self.maybe_uniform:
            # the block sees the adjoint with the shape of its variable, not a scalar
            # standing for a uniform array
            shape = A.call(self.np_attr("shape"), [A.load(s.var)])
            pre = [A.assign(A.store(g), A.call(self.np_attr("broadcast_to"),
                                               [A.load(g), shape]), origin)]
        # an adjoint that a later step updates in place (x[i] += ...) would change what
        # the block kept or assigned: it gets a copy (dropped unless g ends up in self.dense)
        post = A.assign(A.store(g), A.call(self.helper("_copy"), [A.load(g)]), origin)
        post.tl_copy_of = g
        return pre + [A.set_origin(GradOf(body, var=s.var, adjoint=g), origin), post]

    def append(self, s):
        """``lst.append(v)``: the backward sweep reads the cotangent at the index it got."""
        origin = A.origin_of(s)
        lst = s.value.func.value.id
        v = s.value.args[0]
        if lst not in self.active or not self.is_active(v):
            return [s], []
        k = self.names.fresh("_k")
        sv, rs = save_restore(k, origin)
        fwd = [sv,
               A.assign(A.store(k), A.call("len", [A.load(lst)]), origin), s]
        blst = self.adj(lst)
        part = gast.Subscript(value=A.load(blst), slice=A.load(k), ctx=gast.Load())
        bwd = [self.densify(lst, origin), accum(self.adj(v.id), part, blst, origin=origin),
               rs]
        return fwd, bwd

    def stack_push(self, s):
        """``lst.append(v)`` on a stack: the mirror pops ``v``'s cotangent off ``b_lst``."""
        lst = s.value.func.value.id
        v = s.value.args[0]
        if lst not in self.active:
            return [s], []
        popped = A.call(gast.Attribute(value=A.load(self.adj(lst)), attr="pop",
                                       ctx=gast.Load()), [])
        origin = A.origin_of(s)
        if self.is_active(v):
            node = accum(self.adj(v.id), popped, self.adj(lst), origin=origin)
        else:
            node = A.expr_stmt(popped, origin)
        node.tl_keep = True
        return [s], [node]

    def stack_pop(self, s):
        """``v = lst.pop()`` on a stack: the mirror pushes ``v``'s cotangent on ``b_lst``."""
        origin = A.origin_of(s)
        lst = _popped_list(s)
        name = s.targets[0].id if isinstance(s, gast.Assign) else None
        if isinstance(s, gast.Assign):
            sv, rs = save_restore(name, origin)
            fwd, tail = [sv, s], [rs]
        else:
            fwd, tail = [s], []
        if lst not in self.active:
            return fwd, tail
        value = A.load(self.adj(name)) if name in self.active else A.const(0.0)
        push = A.expr_stmt(A.call(gast.Attribute(value=A.load(self.adj(lst)), attr="append",
                                                 ctx=gast.Load()), [value]), origin)
        push.tl_keep = True
        bwd = [push]
        if name in self.active:
            bwd.append(A.assign(A.store(self.adj(name)), A.const(0.0), origin))
        return fwd, bwd + tail

    def diff_names(self, value):
        return {n for n in AN.diff_inputs(value, self.scope, self.locals) if n in self.active}

    def uniform_safe(self, name, value):
        """Whether the adjoint rule of ``name = value`` is right with a scalar standing for
        a cotangent that is the same everywhere (else it is broadcast first)."""
        import numpy as np
        if isinstance(value, (gast.Name, gast.Subscript)):
            return True
        if isinstance(value, gast.Attribute):
            return value.attr == "T"
        own = self.shapes.shape.get(name)
        if not self.shapes.known(own):
            return False

        def same(nodes):
            return all(not self.is_active(n) or self.shapes.of(n) == own for n in nodes)
        if isinstance(value, gast.UnaryOp):
            return same([value.operand])
        if isinstance(value, gast.BinOp):
            return not isinstance(value.op, gast.MatMult) and same([value.left, value.right])
        if isinstance(value, gast.Call):
            info = AN.classify(value, self.scope, self.locals)
            if info.kind == AN.Call.METHOD:
                return info.name in (".sum", ".mean", ".max", ".min")
            if info.kind != AN.Call.RULE:
                return False
            if info.obj in (np.sum, np.mean, np.max, np.min, np.amax, np.amin):
                return True
            if _elementwise(info.obj) or info.obj in (np.where, np.clip):
                return same(info.args)
        return False

    def check_expr_stmt(self, s):
        v = s.value
        if isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute) and isinstance(
                v.func.value, gast.Name) and v.func.value.id in self.locals:
            args = [a for a in v.args if isinstance(a, gast.Name) and a.id in self.varied]
            if v.func.value.id in self.varied:
                args.append(v.func.value)
            if args and v.func.attr in ("append", "extend", "insert", "update", "fill",
                                        "sort", "setdefault", "__setitem__", "add", "pop",
                                        "remove", "clear", "resize", "put", "itemset",
                                        "reverse", "popitem", "discard"):
                raise self.error(
                    UnsupportedSyntaxError,
                    f"in-place .{v.func.attr}() of a differentiable value is not supported",
                    A.origin_of(s) or s,
                    "build the values into an array instead (np.zeros then x[i] = ...), "
                    "or collect them with a tuple")
        AN.refuse_mutating_call(s, self.scope, self.locals, self.varied, self.info)

    def for_loop(self, s, depth):
        last = s.body[-1] if s.body else None
        has_break = isinstance(last, gast.If) and last.body and isinstance(last.body[0],
                                                                             gast.Break)
        target = s.target.id
        origin = A.origin_of(s)
        fb, bb = self.block(s.body, depth + 1)
        sv_t, rs_t = save_restore(target, origin)
        fwd = [sv_t]
        rng = A.deepcopy(s.iter)
        if has_break:
            n = self.names.fresh("_n")
            self.counters[n] = depth
            sv_n, rs_n = save_restore(n, origin)
            fwd += [sv_n, A.assign(A.store(n), A.const(0), origin)]
            fb.insert(0, A.assign(A.store(n), gast.BinOp(left=A.load(n), op=gast.Add(),
                                                         right=A.const(1)), origin))
            rng = gast.Subscript(value=rng, slice=gast.Slice(lower=None, upper=A.load(n),
                                                             step=None), ctx=gast.Load())
        fwd.append(A.set_origin(gast.For(target=s.target, iter=s.iter, body=fb, orelse=[],
                                         type_comment=None), origin))
        bwd = []
        if bb:
            bwd.append(A.set_origin(gast.For(target=A.store(target),
                                             iter=A.call("reversed", [rng]), body=bb,
                                             orelse=[], type_comment=None), origin))
        if has_break:
            bwd.append(rs_n)
        bwd.append(rs_t)
        return fwd, bwd

    def while_loop(self, s, depth):
        origin = A.origin_of(s)
        fb, bb = self.block(s.body, depth + 1)
        n = self.names.fresh("_n")
        self.counters[n] = depth
        fb.insert(0, A.assign(A.store(n), gast.BinOp(left=A.load(n), op=gast.Add(),
                                                     right=A.const(1)), origin))
        sv_n, rs_n = save_restore(n, origin)
        fwd = [sv_n, A.assign(A.store(n), A.const(0), origin),
               A.set_origin(gast.While(test=s.test, body=fb, orelse=[]), origin)]
        bwd = []
        if bb:
            k = self.names.exact("_")
            bwd.append(A.set_origin(gast.For(target=A.store(k),
                                             iter=A.call("range", [A.load(n)]), body=bb,
                                             orelse=[], type_comment=None), origin))
        bwd.append(rs_n)
        return fwd, bwd

    # -- assignments
    def fixed_index(self, s, sub):
        """``lst[-1]`` on a list that grows: which entry it is depends on when it runs, so
        the index is made absolute in the forward sweep (``_k = _abs_index(len(lst), -1)``)
        and the backward sweep uses that. Returns the statements computing it, or None."""
        lst = sub.value
        if not (isinstance(lst, gast.Name) and lst.id in self.growing and lst.id in self.active):
            return None
        idx = sub.slice
        if isinstance(idx, gast.Constant) and isinstance(idx.value, int) and idx.value >= 0:
            return None
        if getattr(idx, "tl_absolute", False) or (
                isinstance(idx, gast.Name) and idx.id in self.counts):
            return None
        k = self.names.fresh("_k")
        value = A.call(self.helper("_abs_index"), [A.call("len", [A.load(lst.id)]),
                                                   _index_value(idx)])
        sub.slice = A.load(k)
        sub.slice.tl_absolute = True
        return self.assign(A.assign(A.store(k), value, A.origin_of(s)))

    def assign(self, s):
        if isinstance(s.value, gast.Subscript):
            pre = self.fixed_index(s, s.value)
            if pre is not None:
                fwd, bwd = self.assign(s)
                return pre[0] + fwd, bwd + pre[1]
        name = s.targets[0].id
        origin = A.origin_of(s)
        if isinstance(s.value, gast.Call) and len(s.value.args) == 1 and \
                self.scope.resolve(s.value.func) is stop_gradient:
            s.value = s.value.args[0]  # the value, used as a constant (it is not active)
        sv, rs = save_restore(name, origin)
        fwd = [sv, s]
        bwd = []
        if name in self.active:
            g = self.adj(name)
            spread = []
            if g in self.maybe_uniform and not self.uniform_safe(name, s.value):
                shape = A.call(self.np_attr("shape"), [A.load(name)])
                spread = [A.assign(A.store(g), A.call(self.np_attr("broadcast_to"),
                                                      [A.load(g), shape]), origin)]
            extra_fwd, bwd = self.adjoint_of(name, s.value, s, origin)
            if g in self.maybe_uniform and not spread and not isinstance(s.value, gast.Subscript):
                # (an indexed value's adjoint is made dense: it is never uniform)
                for n in self.diff_names(s.value):
                    self.maybe_uniform.add(self.adj(n))
            bwd = spread + bwd
            bwd.append(A.assign(A.store(self.adj(name)), A.const(0.0), origin))
            if extra_fwd is not None:
                # a user call: its context variable is saved like any other value
                ctx = extra_fwd[-1].targets[0].elts[1].id
                sv_c, rs_c = save_restore(ctx, origin)
                fwd = [sv, sv_c] + extra_fwd
                bwd.append(rs_c)
        bwd.append(rs)
        return fwd, bwd

    def assign_subscript(self, s):
        pre = self.fixed_index(s, s.targets[0])
        if pre is not None:
            fwd, bwd = self.assign_subscript(s)
            return pre[0] + fwd, bwd + pre[1]
        t = s.targets[0]
        x = t.value.id
        if x in self.dict_literals and x in self.varied | {
                n.id for n in [s.value] if isinstance(n, gast.Name) and n.id in self.varied}:
            raise self.error(UnsupportedSyntaxError,
                             "assigning into a dict is not supported in a differentiated "
                             "function", A.origin_of(s),
                             "build the dict in one literal: {'k': value, ...}")
        v = s.value
        origin = A.origin_of(s)
        sv, rs = save_restore(x, origin, t.slice)
        fwd = [sv, s]
        bwd = []
        if x in self.active:
            bx = self.adj(x)
            bwd.append(self.densify(x, origin))
            if self.is_active(v):
                part = gast.Subscript(value=A.load(bx), slice=A.deepcopy(t.slice),
                                      ctx=gast.Load())
                target_shape = self.shapes.subscript(self.shapes.of(t.value), t.slice)
                if not self.is_scalar(v) and not self.shapes.equal(self.shapes.of(v),
                                                                   target_shape):
                    part = A.call(self.helper("_unbroadcast"), [part, A.load(v.id)])
                bwd.append(accum(self.adj(v.id), part, bx, origin=origin, copy=True))
            zero = gast.Subscript(value=A.load(bx), slice=A.deepcopy(t.slice), ctx=gast.Store())
            bwd.append(A.assign(zero, A.const(0.0), origin))
        bwd.append(rs)
        return fwd, bwd

    def densify(self, x, origin):
        bx = self.adj(x)
        self.dense.add(bx)
        return A.assign(A.store(bx), A.call(self.helper("_dense"), [A.load(bx), A.load(x)]),
                        origin)

    def is_scalar(self, node):
        if isinstance(node, gast.Constant):
            return isinstance(node.value, (int, float, bool))
        return isinstance(node, gast.Name) and (
            node.id in self.scalar or self.shapes.of(node) == self.shapes.SCALAR)

    def may_broadcast(self, node, slots):
        """Whether ``node`` may be smaller than the broadcast of all ``slots``."""
        sh = self.shapes
        mine = sh.of(node)
        if not sh.known(mine):
            return not all(self.is_scalar(o) or (isinstance(o, gast.Name) and o.id == node.id)
                           for o in slots if o is not node)
        return not sh.equal(mine, sh.broadcast([sh.of(o) for o in slots]))

    # -- adjoints of right-hand sides
    def adjoint_of(self, name, value, stmt, origin):
        """Return ``(replacement forward statements or None, backward statements)``."""
        g = self.adj(name)
        if isinstance(value, gast.Name):
            if value.id in self.active:
                return None, [accum(self.adj(value.id), A.load(g), g, origin=origin)]
            return None, []
        if isinstance(value, gast.BinOp):
            fn = AN.BINOPS.get(type(value.op))
            rule = R.lookup_vjp(fn) if fn is not None else None
            if rule is None:
                raise self.error(NoRuleError, "this operator has no derivative rule", origin)
            return None, self.inline(rule, [value.left, value.right], [], g, name, origin)
        if isinstance(value, gast.UnaryOp):
            fn = AN.UNOPS.get(type(value.op))
            rule = R.lookup_vjp(fn)
            if rule is None:
                return None, []
            return None, self.inline(rule, [value.operand], [], g, name, origin)
        if isinstance(value, gast.Call):
            return self.call(name, value, stmt, origin)
        if isinstance(value, gast.Attribute):
            return None, self.attribute(name, value, origin)
        if isinstance(value, gast.Subscript):
            x = value.value
            if not self.is_active(x):
                return None, []
            bx = self.adj(x.id)
            out = [self.densify(x.id, origin)]
            if self.index_is_basic(value.slice):
                tgt = gast.Subscript(value=A.load(bx), slice=A.deepcopy(value.slice),
                                     ctx=gast.Store())
                node = A.set_origin(gast.AugAssign(target=tgt, op=gast.Add(), value=A.load(g)),
                                    origin)
                node.tl_linear_in = g
                out.append(node)
            else:
                call = A.call(self.helper("_add_at"), [A.load(bx), _index_value(value.slice),
                                                         A.load(g)])
                node = A.assign(A.store(bx), call, origin)
                node.tl_linear_in = g
                out.append(node)
            return None, out
        if isinstance(value, (gast.Tuple, gast.List)):
            out = []
            if any(self.is_active(e) for e in value.elts):
                out.append(self.densify(name, origin))
            for k, e in enumerate(value.elts):
                if self.is_active(e):
                    part = gast.Subscript(value=A.load(g), slice=A.const(k), ctx=gast.Load())
                    out.append(accum(self.adj(e.id), part, g, origin=origin))
            return None, out
        if isinstance(value, gast.Dict):
            out = []
            if any(self.is_active(e) for e in value.values):
                out.append(self.densify(name, origin))
            for k, e in zip(value.keys, value.values):
                if self.is_active(e):
                    part = gast.Subscript(value=A.load(g), slice=A.deepcopy(k), ctx=gast.Load())
                    out.append(accum(self.adj(e.id), part, g, origin=origin))
            return None, out
        return None, []

    def index_is_basic(self, sl):
        parts = sl.elts if isinstance(sl, gast.Tuple) else [sl]
        for p in parts:
            if isinstance(p, gast.Slice):
                continue
            if isinstance(p, gast.Constant) and (isinstance(p.value, int) or p.value is None
                                                 or p.value is Ellipsis):
                continue
            if isinstance(p, gast.Name) and p.id in self.scalar:
                continue
            return False
        return True

    def attribute(self, name, value, origin):
        x = value.value
        if not self.is_active(x) or R.is_non_differentiable_attr(value.attr):
            return []
        g = self.adj(name)
        if value.attr == "T":
            part = gast.Attribute(value=A.load(g), attr="T", ctx=gast.Load())
            return [accum(self.adj(x.id), part, g, origin=origin)]
        raise self.error(NoRuleError, f"the attribute .{value.attr} has no derivative rule",
                         origin, "compute it with a NumPy function that has one")

    def call(self, name, value, stmt, origin):
        info = AN.classify(value, self.scope, self.locals)
        g = self.adj(name)
        if info.kind == AN.Call.NONDIFF:
            return None, []
        if info.kind in (AN.Call.RULE, AN.Call.METHOD):
            return None, self.inline(info.rule, info.args, value.keywords, g, name, origin)
        active_args = [a for a in info.args if self.is_active(a)] + [
            k.value for k in value.keywords if self.is_active(k.value)]
        if info.kind == AN.Call.USER:
            if not active_args:
                return None, []
            return self.user_call(name, value, info, stmt, origin)
        if not active_args:
            return None, []
        label = getattr(value, "tl_label", None)
        if label is not None:
            raise self.error(
                NoRuleError, f"cannot differentiate through the call {label}(...): the "
                "function is only known when the code runs", _located(value, origin),
                "call the function by its name (it is then differentiated from its "
                "source), or register a rule for it with tl.register_vjp")
        raise self.error(
            NoRuleError, f"no derivative rule for {info.name}()", _located(value, origin),
            f"register a rule, e.g.\n"
            f"    @tl.register_vjp({info.name})\n"
            f"    def {info.name.split('.')[-1]}_vjp(g, ans, *args):\n"
            f"        return <one cotangent per argument>\n"
            f"or, if no derivative should flow through it: tl.non_differentiable({info.name})")

    def inline(self, rule, args, keywords, g, ans, origin):
        bound = self.bind(rule, args, keywords, origin)
        slots = self.slots(rule, bound)  # one per cotangent the rule returns
        if not any(self.is_active(node) for node in slots):
            return []
        uniform = self.uniform_reduction(rule, bound, g, origin)
        if uniform is not None:
            return uniform
        fdef = rule.fdef()
        pre, ret = (None, None) if fdef is None else self.substitute(rule, fdef, bound, g, ans)
        out = []
        if ret is None:  # the rule is called, not inlined
            fdef = None
            fname = self.linker.bind(rule_function_name(rule), rule.template)
            callargs = [A.load(g), A.load(ans)] + [A.deepcopy(n) for n in slots]
            ret = A.call(_linked(fname), callargs)
            pre = []
        for s in pre:
            A.set_origin(s, origin)
        out.extend(pre)
        per_argument = getattr(rule.template, "tl_per_argument", False)
        source = rule.fdef()
        bare = source is not None and not per_argument and not any(
            isinstance(n, gast.Return) and isinstance(n.value, gast.Tuple)
            for n in gast.walk(source))
        if isinstance(ret, gast.Tuple):
            results = list(ret.elts)
        elif len(slots) == 1 or bare:
            results = [ret]  # a bare cotangent belongs to the first argument
        else:
            tmp = self.names.fresh("_t")
            node = A.assign(A.store(tmp), ret, origin)
            node.tl_linear_in = g
            out.append(node)
            results = [gast.Subscript(value=A.load(tmp), slice=A.const(k), ctx=gast.Load())
                       for k in range(len(slots))]
        parts = []
        for k, node in enumerate(slots):
            if not self.is_active(node) or k >= len(results):
                continue
            expr = results[k]
            if isinstance(expr, gast.Constant) and expr.value is None:
                continue
            expr = self.guard_masked(rule, g, expr, node)
            if rule.broadcasting and self.may_broadcast(node, slots):
                expr = A.call(self.helper("_unbroadcast"), [expr, A.load(node.id)])
            parts.append((node, expr))
        if len(parts) == 2 and parts[0][0].id == parts[1][0].id and \
                gast.dump(parts[0][1]) == gast.dump(parts[1][1]):
            # x * x: the same contribution twice; compute it once (the sum is the same)
            tmp = self.names.fresh("_t")
            node = A.assign(A.store(tmp), parts[0][1], origin)
            node.tl_linear_in = g
            out.append(node)
            parts = [(n, A.load(tmp)) for n, _ in parts]
        for node, expr in parts:
            out.append(accum(self.adj(node.id), expr, g, origin=origin))
        return out

    def guard_masked(self, rule, g, expr, node):
        """Keep zeros that np.where put in a cotangent from becoming NaN downstream.

        ``np.where(c, a, b)`` sends zero cotangent to the entries of ``a`` it did not
        select; a rule such as sqrt's ``g / (2 * ans)`` would turn 0 into NaN there
        (0 / 0, or 0 * inf). Elementwise rules fed by such a cotangent give exactly 0
        where the cotangent is 0.
        """
        import numpy as np
        if rule.primal is np.where:
            self.masked.add(self.adj(node.id))
            return expr
        if g not in self.masked or not _elementwise(rule.primal):
            return expr
        self.masked.add(self.adj(node.id))
        bare = expr.operand if isinstance(expr, gast.UnaryOp) and isinstance(
            expr.op, (gast.USub, gast.UAdd)) else expr
        if isinstance(bare, gast.Name) and bare.id == g:
            return expr  # g or -g: exactly zero where g is
        test = gast.Compare(left=A.load(g), ops=[gast.Eq()], comparators=[A.const(0.0)])
        return A.call(self.np_attr("where"), [test, A.const(0.0), expr])

    def uniform_reduction(self, rule, bound, g, origin):
        """``np.sum(x)`` / ``np.mean(x)``: x's cotangent is one number, kept a scalar."""
        import numpy as np
        if not self.uniform or rule.name not in ("sum", "mean", ".sum", ".mean") or (
                rule.primal not in (np.sum, np.mean, None)):
            return None
        axis = bound.get("axis")
        if not (isinstance(axis, gast.Constant) and axis.value is None):
            return None
        x = bound[rule.params[0].name]
        if not self.is_active(x):
            return []
        part = A.load(g)
        if rule.name in ("mean", ".mean"):
            part = gast.BinOp(left=part, op=gast.Div(),
                              right=A.call(self.np_attr("size"), [A.load(x.id)]))
        self.maybe_uniform.add(self.adj(x.id))
        return [accum(self.adj(x.id), part, g, origin=origin)]

    def slots(self, rule, bound):
        """The argument nodes in the order of the cotangents a rule returns."""
        out = []
        for p in rule.params:
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                out.append(bound[p.name])
            elif p.kind == p.VAR_POSITIONAL:
                out.extend(bound[p.name].elts)
        return out

    def bind(self, rule, args, keywords, origin):
        return bind_arguments(rule, args, keywords, origin, self.info, self.linker)

    def substitute(self, rule, fdef, bound, g, ans):
        mapping = {rule.g_name: A.load(g), rule.ans_name: A.load(ans)}
        mapping.update(bound)
        return substitute_template(rule, fdef, mapping, self.names, self.linker)

    # -- calls of other user functions
    def user_call(self, name, value, info, stmt, origin):
        fn = info.obj
        args = info.args  # a method call brings its object as the first argument
        try:
            sig = inspect.signature(fn)
            ba = sig.bind(*[object()] * len(args),
                          **{k.arg: object() for k in value.keywords})
        except TypeError as exc:
            raise self.error(UnsupportedSyntaxError, f"bad call of {info.name}(): {exc}",
                             origin) from None
        params = list(sig.parameters)
        bound = {}
        for i, a in enumerate(args):
            bound[params[i]] = a
        for k in value.keywords:
            bound[k.arg] = k.value
        del ba
        active = tuple(p for p in params if p in bound and self.is_active(bound[p]))
        known = {}
        first = args[0] if args else None
        if isinstance(first, gast.Name) and first.id in self.scope.known and params:
            known[params[0]] = self.scope.known[first.id]
        fwd_name, bwd_name = self.module.request(fn, active, origin, self.info, known)
        ctx = self.names.fresh(f"_{fn.__name__}_ctx")
        fnode = _linked(fwd_name)
        call = gast.Call(func=fnode, args=list(args), keywords=value.keywords)
        target = gast.Tuple(elts=[A.store(name), A.store(ctx)], ctx=gast.Store())
        fwd = A.assign(target, call, origin)
        g = self.adj(name)
        res = self.names.fresh("_t")
        bwd = [A.assign(A.store(res), A.call(_linked(bwd_name), [A.load(ctx), A.load(g)]),
                        origin)]
        bwd[0].tl_linear_in = g
        for k, p in enumerate(active):
            part = A.load(res) if len(active) == 1 else gast.Subscript(
                value=A.load(res), slice=A.const(k), ctx=gast.Load())
            bwd.append(accum(self.adj(bound[p].id), part, g, origin=origin, add=True,
                             linker=self.linker))
        return [fwd], bwd


def bind_arguments(rule, args, keywords, origin, info, linker):
    """Bind a call's argument nodes to the parameters of a rule template."""
    bound = {}
    params = rule.params
    i = 0
    for p in params:
        if p.kind == p.VAR_POSITIONAL:
            bound[p.name] = gast.Tuple(elts=[A.deepcopy(a) for a in args[i:]],
                                       ctx=gast.Load())
            i = len(args)
            break
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        if i < len(args):
            bound[p.name] = args[i]
            i += 1
    if i < len(args):
        raise info.error(NoRuleError, f"{rule.name}() got more arguments than its rule "
                         f"{rule.template.__name__} accepts", origin)
    names = {p.name for p in params}
    for k in keywords:
        if k.arg not in names:
            raise info.error(NoRuleError, f"the rule for {rule.name}() has no argument "
                             f"{k.arg!r}", origin, "pass it by position or extend the rule")
        bound[k.arg] = k.value
    for p in params:
        if p.name not in bound and p.kind != p.VAR_POSITIONAL:
            if p.default is inspect.Parameter.empty:
                raise info.error(NoRuleError, f"{rule.name}() is missing the argument "
                                 f"{p.name!r} its rule needs", origin)
            lit = _literal(p.default)
            if lit is None:
                lit = A.load(linker.bind(f"_{p.name}_default", p.default))
                lit.tl_linked = True
            bound[p.name] = lit
        elif p.kind == p.VAR_POSITIONAL and p.name not in bound:
            bound[p.name] = gast.Tuple(elts=[], ctx=gast.Load())
    return bound


def _splice_starred(node):
    """``f(a, *(b, c))`` as ``f(a, b, c)``: a rule's ``*args`` bound to the call's own
    arguments (generated code stays free of starred expressions)."""
    for n in gast.walk(node):
        if isinstance(n, gast.Call) and any(
                isinstance(a, gast.Starred) and isinstance(a.value, (gast.Tuple, gast.List))
                for a in n.args):
            args = []
            for a in n.args:
                if isinstance(a, gast.Starred) and isinstance(a.value, (gast.Tuple, gast.List)):
                    args.extend(a.value.elts)
                else:
                    args.append(a)
            n.args = args
    return node


def substitute_template(rule, fdef, mapping, names, linker):
    """The rule's body with names substituted (``mapping``: parameter -> node) and
    constant tests folded.

    Returns ``(statements, returned expression)``, or ``(None, None)`` when the
    body is not a straight line ending in a return (the rule is then called).
    """
    import builtins
    body = A.deepcopy(fdef.body)
    if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant):
        body = body[1:]
    mapping = dict(mapping)
    local = set()
    for n in gast.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            local.add(n.id)
    for name in sorted(local - set(mapping)):
        mapping[name] = A.load(names.fresh("_t"))
    glb = rule.template.__globals__
    for n in gast.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, gast.Name) and n.id not in mapping and not getattr(
                n, "tl_linked", False):
            obj = glb.get(n.id, AN._MISSING)
            if obj is AN._MISSING:
                if getattr(builtins, n.id, AN._MISSING) is not AN._MISSING:
                    continue
                return None, None
            mapping[n.id] = _linked(linker.bind(n.id, obj, glb.get("__name__")))
            mapping[n.id].tl_numpy = obj is sys.modules.get("numpy")
    body = [_splice_starred(s) for s in _fold_block([A.rename(s, mapping) for s in body])]
    body = _returns_as_ifexp(body)
    if not body or not isinstance(body[-1], gast.Return) or not all(
            isinstance(s, gast.Assign) and all(isinstance(t, gast.Name) for t in s.targets)
            for s in body[:-1]):
        return None, None
    return body[:-1], body[-1].value


def _returns_as_ifexp(body):
    """``if c: return a`` followed by ``return b`` (the test not constant, so not folded)
    becomes ``return a if c else b``, so the rule is still inlined."""
    if len(body) >= 2 and isinstance(body[-1], gast.Return) and isinstance(body[-2], gast.If):
        branch = body[-2]
        inner = _returns_as_ifexp(list(branch.body))
        if not branch.orelse and len(inner) == 1 and isinstance(inner[0], gast.Return) \
                and inner[0].value is not None and body[-1].value is not None:
            ret = gast.Return(value=gast.IfExp(test=branch.test, body=inner[0].value,
                                               orelse=body[-1].value))
            return _returns_as_ifexp(body[:-2] + [ret])
    return body


class _AdjointRename(gast.NodeTransformer):
    """In a block of ``tl.insert_grad_of``: the user's name for the adjoint becomes the
    adjoint's name; ``dx += e`` becomes ``dx = dx + e`` (it must not update the adjoint
    array in place, which other adjoints may share)."""

    def __init__(self, old, new):
        self.old, self.new = old, new

    def visit_Name(self, node):
        if node.id == self.old:
            node.id = self.new
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        t = node.target
        if isinstance(t, gast.Name) and t.id == self.new:
            value = gast.BinOp(left=A.load(self.new), op=node.op, right=node.value)
            return gast.copy_location(gast.Assign(targets=[t], value=value, type_comment=None),
                                      node)
        return node


def rule_function_name(rule):
    """The name a rule that is called (not inlined) gets in generated code: its own, or
    one made from the primal's for a lambda."""
    name = getattr(rule.template, "__name__", "")
    if name.isidentifier():
        return name
    base = "".join(c if c.isalnum() else "_" for c in rule.name.split(".")[-1]).strip("_")
    return f"{base or 'rule'}_rule"


def _counts_up(it):
    """``range(n)`` or ``range(k, ...)`` with a constant k >= 0."""
    if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Name)
            and it.func.id == "range" and 1 <= len(it.args) <= 3):
        return False
    if len(it.args) == 1:
        return True
    start = it.args[0]
    step_ok = len(it.args) < 3 or (isinstance(it.args[2], gast.Constant)
                                   and isinstance(it.args[2].value, int) and it.args[2].value > 0)
    return isinstance(start, gast.Constant) and isinstance(start.value, int) and \
        start.value >= 0 and step_ok


def _popped_list(st):
    """The list ``lst`` of ``v = lst.pop()`` or ``lst.pop()``, else ``None``."""
    v = getattr(st, "value", None)
    if isinstance(st, (gast.Assign, gast.Expr)) and isinstance(v, gast.Call) and \
            isinstance(v.func, gast.Attribute) and v.func.attr == "pop" and not v.args and \
            isinstance(v.func.value, gast.Name):
        return v.func.value.id
    return None


def _index_value(sl):
    """An index as a value: ``1:3`` is only valid inside brackets, ``slice(1, 3)`` anywhere."""
    if isinstance(sl, gast.Slice):
        parts = [A.deepcopy(p) if p is not None else A.const(None)
                 for p in (sl.lower, sl.upper, sl.step)]
        return A.call(A.load("slice"), parts)
    if isinstance(sl, gast.Tuple):
        return gast.Tuple(elts=[_index_value(e) for e in sl.elts], ctx=gast.Load())
    return A.deepcopy(sl)


def _elementwise(fn):
    import math
    import operator

    import numpy as np
    if isinstance(fn, np.ufunc):
        return True
    if fn in (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
              operator.neg, operator.pos, operator.mod, abs, pow):
        return True
    return getattr(fn, "__module__", None) == "math" or (
        getattr(math, getattr(fn, "__name__", ""), None) is fn)


def _located(node, fallback):
    """``node`` when it carries a source position of its own, else ``fallback``."""
    return node if getattr(node, "lineno", None) is not None else fallback


def _is_break_if(node):
    return isinstance(node, gast.If) and node.body and isinstance(node.body[0], gast.Break)


def _linked(name):
    node = A.load(name)
    node.tl_linked = True
    return node


def _fold_block(body):
    folder = Folder()
    out = []
    for s in body:
        r = folder.visit(s)
        if isinstance(r, list):
            out.extend(_fold_block(r))
        elif r is not None:
            out.append(r)
        if out and isinstance(out[-1], gast.Return):
            break  # what follows a return never runs
    return out
