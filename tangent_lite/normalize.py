"""Normalize: structured control flow and one operation per statement (A-normal form).

Two passes, in order:

``lower_control``  turns ``return`` inside branches or loops, ``break`` and
``continue`` into flags, so each loop body ends in at most one
``if _brk1: break`` and the function ends in a single ``return``::

    for i in range(n):              _brk1 = False
        if x[i] < 0:                for i in range(n):
            break                       _jmp1 = False
        s = s + x[i]                    if x[i] < 0:
                                            _brk1 = True
                                            _jmp1 = True
                                        if not _jmp1:
                                            s = s + x[i]
                                        if _brk1:
                                            break

``to_anf``  gives every operation its own statement over names and constants,
desugars augmented assignment and unpacking, turns conditional expressions and
``and``/``or`` into ``if`` statements, and rewrites every ``for`` loop as a
loop over ``range``::

    z = np.exp(-x * y).sum()        _t1 = -x
                                    _t2 = _t1 * y
                                    _t3 = np.exp(_t2)
                                    z = _t3.sum()

Every produced statement keeps ``tl_origin``: the user's statement it comes from.
"""

from __future__ import annotations

import gast

from . import astutil as A
from .errors import UnsupportedSyntaxError
from .surgery import GradOf


# ---------------------------------------------------------------- lower_control

class _Loop:
    def __init__(self, jmp, brk):
        self.jmp, self.brk = jmp, brk
        self.uses_jmp = self.uses_brk = False


class ControlLowering:
    def __init__(self, names):
        self.names = names
        self.ret = self.result = None

    def run(self, fdef):
        body = fdef.body
        early = any(isinstance(n, gast.Return) for s in body[:-1] for n in gast.walk(s)) or (
            body and not isinstance(body[-1], gast.Return)
            and any(isinstance(n, gast.Return) for n in gast.walk(body[-1])))
        has_jumps = any(isinstance(n, (gast.Break, gast.Continue))
                        for s in body for n in gast.walk(s))
        if not early and not has_jumps:
            return
        if early:
            self.ret = self.names.exact("_ret")
            self.result = self.names.exact("_result")
        last = None
        if not early and body and isinstance(body[-1], gast.Return):
            last, body = body[-1], body[:-1]
        out, _ = self.block(body, None)
        if early:
            pre = [A.assign(self.ret, A.const(False), body[0]),
                   A.assign(self.result, A.const(None), body[0])]
            fin = gast.Return(value=A.load(self.result))
            A.set_origin(fin, fdef.body[-1])
            out = pre + out + [fin]
        elif last is not None:
            out.append(last)
        fdef.body = out

    def block(self, stmts, loop):
        out = []
        for i, s in enumerate(stmts):
            new, flag = self.stmt(s, loop)
            out.extend(new)
            if flag is not None:
                rest, _ = self.block(stmts[i + 1:], loop)
                if rest:
                    test = gast.UnaryOp(op=gast.Not(), operand=A.load(flag))
                    out.append(A.set_origin(gast.If(test=test, body=rest, orelse=[]),
                                            stmts[i + 1]))
                return out, flag
        return out, None

    def stmt(self, s, loop):
        o = s
        if isinstance(s, gast.Return):
            value = s.value if s.value is not None else A.const(None)
            new = [A.assign(self.result, value, o), A.assign(self.ret, A.const(True), o)]
            if loop is None:
                return new, self.ret
            loop.uses_jmp = loop.uses_brk = True
            new += [A.assign(loop.brk, A.const(True), o), A.assign(loop.jmp, A.const(True), o)]
            return new, loop.jmp
        if isinstance(s, gast.Break):
            loop.uses_jmp = loop.uses_brk = True
            return [A.assign(loop.brk, A.const(True), o), A.assign(loop.jmp, A.const(True), o)
                    ], loop.jmp
        if isinstance(s, gast.Continue):
            loop.uses_jmp = True
            return [A.assign(loop.jmp, A.const(True), o)], loop.jmp
        if isinstance(s, gast.If):
            body, f1 = self.block(s.body, loop)
            orelse, f2 = self.block(s.orelse, loop)
            s.body, s.orelse = body or [A.set_origin(gast.Pass(), s)], orelse
            return [s], f1 or f2
        if isinstance(s, (gast.For, gast.While)):
            return self.loop(s, loop)
        return [s], None

    def loop(self, s, outer):
        inner = _Loop(self.names.fresh("_jmp"), self.names.fresh("_brk"))
        returns = any(isinstance(n, gast.Return) for b in s.body for n in gast.walk(b))
        body, _ = self.block(s.body, inner)
        if inner.uses_jmp:
            body.insert(0, A.assign(inner.jmp, A.const(False), s))
        if inner.uses_brk:
            body.append(A.set_origin(gast.If(test=A.load(inner.brk),
                                             body=[A.set_origin(gast.Break(), s)], orelse=[]), s))
        s.body = body
        new = [s]
        if inner.uses_brk:
            new.insert(0, A.assign(inner.brk, A.const(False), s))
        if not returns:
            return new, None
        if outer is None:
            return new, self.ret
        outer.uses_jmp = outer.uses_brk = True
        new += [A.assign(outer.brk, A.load(self.ret), s), A.assign(outer.jmp, A.load(self.ret), s)]
        return new, outer.jmp


# ---------------------------------------------------------------- to_anf

class ANF:
    def __init__(self, info, names, local_names):
        self.info = info
        self.names = names
        self.locals = local_names
        self.origin = None

    def temp(self):
        name = self.names.fresh("_t")
        self.locals.add(name)
        return name

    def error(self, msg, node, hint=None):
        return self.info.error(UnsupportedSyntaxError, msg, node, hint)

    def emit(self, out, node):
        A.set_origin(node, self.origin)
        out.append(node)
        return node

    # -- statements
    def block(self, stmts):
        out = []
        for s in stmts:
            self.origin = A.origin_of(s) or s
            self.stmt(s, out)
        return out

    def stmt(self, s, out):
        method = getattr(self, "stmt_" + type(s).__name__)
        method(s, out)

    def stmt_Assign(self, s, out):
        if len(s.targets) == 1 and isinstance(s.targets[0], gast.Name) and isinstance(
                s.value, gast.IfExp):
            self.ifexp_into(s.value, s.targets[0].id, out)
            return
        if len(s.targets) == 1:
            value = self.expr(s.value, out)
        else:
            value = self.atom(s.value, out)
        t0 = s.targets[0]
        if len(s.targets) == 1 and isinstance(t0, gast.Name) and not A.is_atom(value) \
                and t0.id in A.reads(value):
            # x = x * 2 becomes _t = x * 2; x = _t: each name has one value per statement
            value = self.atomize(value, out)
        for t in s.targets:
            self.assign_target(t, value, out)

    def stmt_AnnAssign(self, s, out):
        if s.value is not None:
            self.assign_target(s.target, self.expr(s.value, out), out)

    def assign_target(self, t, value, out):
        if isinstance(t, gast.Name):
            if isinstance(value, gast.Name) and value.id == t.id:
                return  # x = x changes nothing
            self.emit(out, A.assign(A.store(t.id), value))
        elif isinstance(t, (gast.Tuple, gast.List)):
            if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(t.elts) \
                    and all(A.is_atom(e) for e in value.elts):
                src = [v for v in value.elts]
                # a, b = b, a needs the old values: go through temporaries
                clash = A.writes(t) & {e.id for e in src if isinstance(e, gast.Name)}
                tmps = []
                for e in src:
                    if isinstance(e, gast.Name) and clash:
                        tmp = self.temp()
                        self.emit(out, A.assign(A.store(tmp), A.load(e.id)))
                        tmps.append(A.load(tmp))
                    else:
                        tmps.append(e)
                for elt, v in zip(t.elts, tmps):
                    self.assign_target(elt, v, out)
                return
            if any(isinstance(e, gast.Starred) for e in t.elts):
                raise self.error("starred unpacking is not supported", t,
                                 "unpack the elements by index")
            src = self.atomize(value, out)
            for k, elt in enumerate(t.elts):
                item = gast.Subscript(value=A.to_load(src), slice=A.const(k), ctx=gast.Load())
                self.assign_target(elt, item, out)
        elif isinstance(t, gast.Subscript):
            base = t.value
            idx = self.index(t.slice, out)
            rhs = self.atomize(value, out)
            self.emit(out, A.assign(gast.Subscript(value=A.load(base.id), slice=idx,
                                                   ctx=gast.Store()), rhs))
        else:
            raise self.error("this assignment target is not supported", t)

    def atomize(self, value, out):
        if A.is_atom(value):
            return value
        tmp = self.temp()
        self.emit(out, A.assign(A.store(tmp), value))
        return A.load(tmp)

    def stmt_AugAssign(self, s, out):
        t = s.target
        rhs = self.atom(s.value, out)
        if isinstance(t, gast.Name):
            tmp = self.temp()
            self.emit(out, A.assign(A.store(tmp), gast.BinOp(left=A.load(t.id), op=s.op,
                                                             right=rhs)))
            self.emit(out, A.assign(A.store(t.id), A.load(tmp)))
        elif isinstance(t, gast.Subscript):
            idx = self.index(t.slice, out)
            old = self.temp()
            self.emit(out, A.assign(A.store(old), gast.Subscript(
                value=A.load(t.value.id), slice=A.deepcopy(idx), ctx=gast.Load())))
            new = self.temp()
            self.emit(out, A.assign(A.store(new), gast.BinOp(left=A.load(old), op=s.op,
                                                             right=rhs)))
            self.emit(out, A.assign(gast.Subscript(value=A.load(t.value.id), slice=idx,
                                                   ctx=gast.Store()), A.load(new)))
        else:
            raise self.error("this augmented assignment target is not supported", t)

    def stmt_Expr(self, s, out):
        if isinstance(s.value, gast.Constant):
            return  # docstring or bare constant
        value = self.expr(s.value, out)
        if not A.is_atom(value):
            self.emit(out, A.expr_stmt(value))

    def stmt_If(self, s, out):
        if isinstance(s.test, gast.UnaryOp) and isinstance(s.test.op, gast.Not) and isinstance(
                s.test.operand, gast.Name):
            test = A.to_load(s.test)
        else:
            test = self.atom(s.test, out)
        origin = self.origin
        body = self.block(s.body)
        orelse = self.block(s.orelse)
        self.origin = origin
        self.emit(out, gast.If(test=test, body=body, orelse=orelse))

    def stmt_While(self, s, out):
        origin = self.origin
        pre = []
        test = self.atom(s.test, pre)
        if isinstance(test, gast.Name) and pre:
            # recompute the condition at the end of each iteration into the same name
            again = []
            self.origin = origin
            value = self.expr(s.test, again)
            self.emit(again, A.assign(A.store(test.id), value))
        else:
            again = []
        out.extend(pre)
        body = self.block(s.body)
        self.origin = origin
        if body and isinstance(body[-1], gast.If) and isinstance(body[-1].body[0], gast.Break):
            body = body[:-1] + again + body[-1:] if not again else body + again
        else:
            body = body + again
        self.emit(out, gast.While(test=test, body=body, orelse=[]))

    def stmt_For(self, s, out):
        origin = self.origin
        it = s.iter
        target = s.target
        func = self.global_callee_name(it.func) if isinstance(it, gast.Call) else None
        prefix = []
        if func == "range" and isinstance(target, gast.Name) and not it.keywords:
            args = [self.atom(a, out) for a in it.args]
            loop_var = target.id
            new_iter = A.call("range", args)
        else:
            # enumerate, zip (nested too) and any other iterable: a loop over an index
            loop_var = self.names.fresh("_i")
            lens = []
            binds = self.iter_binds(target, it, lens, out)
            if len(lens) > 1:
                n = self.temp()
                self.emit(out, A.assign(A.store(n), A.call("min", lens)))
                total = A.load(n)
            else:
                total = lens[0]
            new_iter = A.call("range", [total])
            for tgt, value in binds:
                self.assign_target(tgt, value(A.load(loop_var)), prefix)
        body = self.block(s.body)
        self.origin = origin
        for p in prefix:
            A.set_origin(p, origin)
        self.emit(out, gast.For(target=A.store(loop_var), iter=new_iter, body=prefix + body,
                                orelse=[], type_comment=None))

    def iter_binds(self, target, it, lens, out):
        """``[(target, value(i))]`` for ``for target in it``; appends the lengths to ``lens``."""
        func = self.global_callee_name(it.func) if isinstance(it, gast.Call) else None
        if func == "zip" and it.args and not it.keywords and isinstance(
                target, (gast.Tuple, gast.List)) and len(target.elts) == len(it.args):
            binds = []
            for t, a in zip(target.elts, it.args):
                binds += self.iter_binds(t, a, lens, out)
            return binds
        if func == "enumerate" and len(it.args) in (1, 2) and not it.keywords and isinstance(
                target, (gast.Tuple, gast.List)) and len(target.elts) == 2:
            start = self.atom(it.args[1], out) if len(it.args) == 2 else None

            def index(i, start=start):
                return i if start is None else gast.BinOp(left=i, op=gast.Add(), right=start)
            return [(target.elts[0], index)] + self.iter_binds(target.elts[1], it.args[0],
                                                               lens, out)
        if func == "range" or isinstance(it, (gast.List, gast.Tuple)):
            seq = self.atom(it, out)
        else:
            # list() gives any iterable (array rows, dict keys, a generator) an index
            seq = self.atom(A.call("list", [it]), out)
        n = self.temp()
        self.emit(out, A.assign(A.store(n), A.call("len", [A.to_load(seq)])))
        lens.append(A.load(n))
        return [(target, lambda i, seq=seq: gast.Subscript(value=A.to_load(seq), slice=i,
                                                            ctx=gast.Load()))]

    def stmt_Return(self, s, out):
        value = self.atom(s.value, out) if s.value is not None else A.const(None)
        self.emit(out, gast.Return(value=value))

    def stmt_Break(self, s, out):
        self.emit(out, gast.Break())

    def stmt_Continue(self, s, out):  # pragma: no cover - lowered before
        raise self.error("continue should have been lowered", s)

    def stmt_Pass(self, s, out):
        pass

    def stmt_Assert(self, s, out):
        self.emit(out, s)

    def stmt_With(self, s, out):
        """``with tl.insert_grad_of(x) as dx:`` (the only with the fence lets through):
        its block is kept as it is, for the backward sweep."""
        item = s.items[0]
        call = item.context_expr
        self.emit(out, GradOf(A.deepcopy(s.body), var=call.args[0].id,
                              adjoint=item.optional_vars.id, func=A.deepcopy(call.func)))

    # -- expressions
    def global_callee_name(self, func):
        if isinstance(func, gast.Name) and func.id not in self.locals:
            return func.id
        return None

    def is_global_chain(self, node):
        while isinstance(node, gast.Attribute):
            node = node.value
        return isinstance(node, gast.Name) and node.id not in self.locals

    def atom(self, node, out):
        if isinstance(node, gast.Name):
            return A.load(node.id)
        if isinstance(node, gast.Constant):
            return node
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) and isinstance(
                node.operand, gast.Constant) and isinstance(node.operand.value, (int, float)) \
                and not isinstance(node.operand.value, bool):
            return A.const(-node.operand.value)
        if isinstance(node, gast.Attribute) and self.is_global_chain(node):
            return A.to_load(node)
        if isinstance(node, gast.IfExp):
            tmp = self.temp()
            self.ifexp_into(node, tmp, out)
            return A.load(tmp)
        if isinstance(node, gast.BoolOp):
            tmp = self.temp()
            self.boolop_into(node, tmp, out)
            return A.load(tmp)
        if isinstance(node, gast.Compare) and len(node.ops) > 1:
            tmp = self.temp()
            self.chain_into(node, tmp, out)
            return A.load(tmp)
        if isinstance(node, (gast.ListComp, gast.GeneratorExp)):
            return self.comprehension(node, out)
        value = self.expr(node, out)
        if A.is_atom(value):
            return value
        tmp = self.temp()
        self.emit(out, A.assign(A.store(tmp), value))
        return A.load(tmp)

    def expr(self, node, out):
        """One operation over atoms (the right-hand side of an ANF assignment)."""
        new = self._expr(node, out)
        if new is not node and getattr(node, "lineno", None) is not None \
                and getattr(new, "lineno", None) is None:
            gast.copy_location(new, node)
        return new

    def _expr(self, node, out):
        if isinstance(node, (gast.Name, gast.Constant, gast.IfExp, gast.BoolOp, gast.ListComp,
                             gast.GeneratorExp)) or (
                isinstance(node, gast.Attribute) and self.is_global_chain(node)):
            return self.atom(node, out)
        if isinstance(node, gast.BinOp):
            return gast.BinOp(left=self.atom(node.left, out), op=node.op,
                              right=self.atom(node.right, out))
        if isinstance(node, gast.UnaryOp):
            if isinstance(node.op, gast.USub) and isinstance(node.operand, gast.Constant) \
                    and isinstance(node.operand.value, (int, float)) \
                    and not isinstance(node.operand.value, bool):
                return A.const(-node.operand.value)
            return gast.UnaryOp(op=node.op, operand=self.atom(node.operand, out))
        if isinstance(node, gast.Compare):
            if len(node.ops) > 1:
                return self.atom(node, out)
            return gast.Compare(left=self.atom(node.left, out), ops=node.ops,
                                comparators=[self.atom(node.comparators[0], out)])
        if isinstance(node, gast.Call):
            return self.call(node, out)
        if isinstance(node, gast.Attribute):
            return gast.Attribute(value=self.atom(node.value, out), attr=node.attr,
                                  ctx=gast.Load())
        if isinstance(node, gast.Subscript):
            return gast.Subscript(value=self.atom(node.value, out),
                                  slice=self.index(node.slice, out), ctx=gast.Load())
        if isinstance(node, (gast.Tuple, gast.List)):
            return type(node)(elts=[self.atom(e, out) for e in node.elts], ctx=gast.Load())
        if isinstance(node, gast.Dict):
            if any(k is None for k in node.keys):
                raise self.error("dict unpacking (**) is not supported", node)
            return gast.Dict(keys=[self.atom(k, out) for k in node.keys],
                             values=[self.atom(v, out) for v in node.values])
        if isinstance(node, gast.JoinedStr):
            return node
        raise self.error(f"{type(node).__name__} is not supported here", node)

    def inline_local(self, node, out):
        """A call of a local function: its body, with fresh names, at the call."""
        name = node.func.id
        self.depth = getattr(self, "depth", 0) + 1
        if self.depth > 20:
            raise self.error("local functions calling each other this deeply (recursion?) "
                             "are not supported", node, "define the function at module level")
        args, body, _ = self.local_functions[name]
        params = [a.id for a in args.args]
        defaults = dict(zip(params[len(params) - len(args.defaults):], args.defaults))
        values = {}
        for p, a in zip(params, node.args):
            values[p] = self.atom(a, out)
        for k in node.keywords:
            if k.arg not in params:
                raise self.error(f"{name}() got an unexpected keyword argument {k.arg!r}", node)
            values[k.arg] = self.atom(k.value, out)
        for p in params:
            if p not in values:
                if p not in defaults:
                    raise self.error(f"{name}() is missing the argument {p!r}", node)
                values[p] = self.atom(A.deepcopy(defaults[p]), out)
        stored = {n.id for s in body for n in gast.walk(s)
                  if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        mapping = {}
        for v in sorted(set(params) | stored):
            mapping[v] = self.names.fresh(v + "_")
            self.locals.add(mapping[v])
        inner = gast.FunctionDef(name=name, args=args, body=[A.rename(A.deepcopy(s), mapping)
                                                             for s in body],
                                 decorator_list=[], returns=None, type_comment=None,
                                 type_params=[])
        for p in params:
            self.emit(out, A.assign(A.store(mapping[p]), values[p]))
        if not inner.body or not isinstance(inner.body[-1], gast.Return):
            inner.body.append(gast.Return(value=A.const(None)))
        ControlLowering(self.names).run(inner)
        origin = self.origin
        for s in inner.body[:-1]:
            self.origin = A.origin_of(s) or s
            self.stmt(s, out)
        self.origin = origin
        result = self.atom(inner.body[-1].value, out)
        self.depth -= 1
        return result

    def call(self, node, out):
        if isinstance(node.func, gast.Name) and node.func.id in getattr(
                self, "local_functions", {}):
            return self.inline_local(node, out)
        func = node.func
        if isinstance(func, gast.Attribute) and not self.is_global_chain(func):
            func = gast.Attribute(value=self.atom(func.value, out), attr=func.attr,
                                  ctx=gast.Load())
        elif not isinstance(func, (gast.Name, gast.Attribute)):
            func = self.atom(func, out)
        for a in node.args:
            if isinstance(a, gast.Starred):
                raise self.error("*args in a call is not supported", a,
                                 "pass the arguments one by one")
        args = [self.atom(a, out) for a in node.args]
        kws = [gast.keyword(arg=k.arg, value=self.atom(k.value, out)) for k in node.keywords]
        call = gast.Call(func=A.to_load(func), args=args, keywords=kws)
        if func is not node.func:
            # what the user wrote, for messages about this call
            import ast as _ast
            try:
                call.tl_label = _ast.unparse(gast.gast_to_ast(A.deepcopy(node.func)))
            except Exception:
                pass
        return call

    def index(self, sl, out):
        if isinstance(sl, gast.Slice):
            return gast.Slice(*(None if p is None else self.atom(p, out)
                                for p in (sl.lower, sl.upper, sl.step)))
        if isinstance(sl, gast.Tuple):
            return gast.Tuple(elts=[self.index(e, out) for e in sl.elts], ctx=gast.Load())
        return self.atom(sl, out)

    def comprehension(self, node, out):
        """``[e for t in it if c]`` becomes a loop that appends to a fresh list."""
        tmp = self.temp()
        self.emit(out, A.assign(A.store(tmp), gast.List(elts=[], ctx=gast.Load())))
        mapping = {}
        gens = []
        for gen in node.generators:
            iter_ = A.rename(A.deepcopy(gen.iter), dict(mapping))
            for name in sorted(A.writes(gen.target)):
                mapping[name] = self.names.fresh(name + "_")
                self.locals.add(mapping[name])
            target = A.rename(A.deepcopy(gen.target), dict(mapping))
            ifs = [A.rename(A.deepcopy(c), dict(mapping)) for c in gen.ifs]
            gens.append((target, iter_, ifs))
        elt = A.rename(A.deepcopy(node.elt), mapping)
        append = gast.Call(func=gast.Attribute(value=A.load(tmp), attr="append",
                                               ctx=gast.Load()), args=[elt], keywords=[])
        body = [gast.Expr(value=append)]
        for target, iter_, ifs in reversed(gens):
            for c in reversed(ifs):
                body = [gast.If(test=c, body=body, orelse=[])]
            body = [gast.For(target=target, iter=iter_, body=body, orelse=[],
                             type_comment=None)]
        origin = self.origin
        for s in body:
            self.stmt(s, out)
        self.origin = origin
        return A.load(tmp)

    def ifexp_into(self, node, name, out):
        test = self.atom(node.test, out)
        body, orelse = [], []
        self.emit(body, A.assign(A.store(name), self.expr(node.body, body)))
        self.emit(orelse, A.assign(A.store(name), self.expr(node.orelse, orelse)))
        self.emit(out, gast.If(test=test, body=body, orelse=orelse))

    def boolop_into(self, node, name, out):
        self.emit(out, A.assign(A.store(name), self.expr(node.values[0], out)))
        rest = node.values[1:]
        if not rest:
            return
        inner = []
        sub = gast.BoolOp(op=node.op, values=rest) if len(rest) > 1 else rest[0]
        if isinstance(sub, gast.BoolOp):
            self.boolop_into(sub, name, inner)
        else:
            self.emit(inner, A.assign(A.store(name), self.expr(sub, inner)))
        test = A.load(name)
        if isinstance(node.op, gast.Or):
            test = gast.UnaryOp(op=gast.Not(), operand=test)
        self.emit(out, gast.If(test=test, body=inner, orelse=[]))

    def chain_into(self, node, name, out):
        left = self.atom(node.left, out)
        pairs = list(zip(node.ops, node.comparators))
        self._chain(left, pairs, name, out)

    def _chain(self, left, pairs, name, out):
        op, comp = pairs[0]
        right = self.atom(comp, out)
        self.emit(out, A.assign(A.store(name), gast.Compare(left=left, ops=[op],
                                                             comparators=[right])))
        if len(pairs) > 1:
            inner = []
            self._chain(right, pairs[1:], name, inner)
            self.emit(out, gast.If(test=A.load(name), body=inner, orelse=[]))


def local_names(fdef):
    names = {a.id for a in fdef.args.args + fdef.args.kwonlyargs + fdef.args.posonlyargs}
    for n in gast.walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            names.add(n.id)
    return names


def local_functions(fdef, info):
    """Take the nested ``def``s and ``name = lambda ...`` out of the body.

    Each is inlined where it is called (it reads the enclosing function's locals
    at the call, as a closure does).  Returns ``{name: (arguments, body)}``.
    """
    found = {}
    rest = []
    for s in fdef.body:
        if isinstance(s, gast.FunctionDef):
            found[s.name] = (s.args, s.body, s)
            continue
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], gast.Name) and isinstance(s.value, gast.Lambda):
            ret = gast.Return(value=s.value.body)
            gast.copy_location(ret, s)
            found[s.targets[0].id] = (s.value.args, [ret], s)
            continue
        rest.append(s)
    for n in gast.walk(gast.Module(body=rest, type_ignores=[])):
        if isinstance(n, (gast.FunctionDef, gast.Lambda)):
            raise info.error(UnsupportedSyntaxError,
                             "a nested function or lambda is supported when it is defined at "
                             "the top level of the function body and then called", n,
                             "define it (def or name = lambda ...) before the code that calls it")
    if not found:
        return {}
    everything = gast.Module(body=rest + [b for _, body, _ in found.values() for b in body],
                             type_ignores=[])
    calls = set()
    for n in gast.walk(everything):
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in found:
            calls.add(id(n.func))
    for n in gast.walk(everything):
        if isinstance(n, gast.Name) and n.id in found and id(n) not in calls:
            raise info.error(UnsupportedSyntaxError,
                             f"the local function {n.id!r} is used as a value", n,
                             "call it directly; passing it to another function is not "
                             "supported")
    for _, (args, _, node) in found.items():
        if args.vararg or args.kwarg or args.kwonlyargs:
            raise info.error(UnsupportedSyntaxError, "a local function with *args, **kwargs "
                             "or keyword-only parameters is not supported", node)
    fdef.body = rest
    return found


def normalize(fdef, info, names):
    local = local_functions(fdef, info)
    ControlLowering(names).run(fdef)
    anf = ANF(info, names, local_names(fdef))
    anf.local_functions = local
    fdef.body = anf.block(fdef.body)
    return fdef
