"""Forward mode: tangent statements interleaved with the primal, in one pass, no tape.

For each statement of the normalized function the transform emits the primal
statement and the statement that computes its tangent (``dz`` for ``z``):

* ``z = op(x, y)`` gets the forward rule of ``op`` inlined; a tangent known to be
  zero (of a constant, or of a value that does not depend on ``wrt``) is a
  symbolic zero, and the terms it multiplies vanish while the rule is inlined;
* branches and loops stay as they are, with tangent statements in their bodies:
  the derivative follows the path the primal takes;
* ``x[i] = v`` updates ``dx[i] = dv``; the tangent of an array updated in place
  is a copy the derivative owns, so the tangents passed in are never modified;
* ``lst.append(v)`` and ``v = lst.pop()`` move the tangent along on a tangent
  list (this is how the tape of generated reverse-mode code is differentiated);
* a call of another user function becomes a call of its generated forward
  function, ``jvp_g(x, y, dx=dx)``, which returns the value and its tangent.
"""

from __future__ import annotations

import gast
import numpy as np

from . import analysis as AN
from . import astutil as A
from . import rules as R
from .checks import stop_gradient
from .errors import NoRuleError, UnsupportedSyntaxError
from .normalize import local_names
from .reverse import (_elementwise, _linked, bind_arguments, rule_function_name,
                      substitute_template)
from .surgery import GradOf, insert_grad_of

ZERO = "__tl_zero__"
ANS = "__tl_ans__"  # the new value of the assigned name, while a rule is inlined

# functions linear in their first argument: f(0, ...) == 0
_LINEAR = {np.sum, np.mean, np.average, np.transpose, np.reshape, np.ravel, np.copy,
           np.array, np.asarray, np.cumsum, np.diag, np.diagonal, np.trace, np.squeeze,
           np.expand_dims, np.broadcast_to, np.moveaxis, np.swapaxes, np.flip, np.roll,
           np.tril, np.triu, np.tile, np.repeat, np.take, np.real, np.fliplr, np.flipud,
           np.atleast_1d, np.atleast_2d, np.atleast_3d, np.negative, np.positive, float,
           list, tuple}
# functions linear in each of their array arguments: f(.., 0, ..) == 0
_MULTILINEAR = {np.dot, np.matmul, np.outer, np.inner, np.multiply, np.tensordot, np.kron,
                np.cross, np.vdot}
# methods and attributes that are linear in the object
_LINEAR_METHODS = {"sum", "mean", "reshape", "ravel", "flatten", "transpose", "copy",
                   "astype", "squeeze", "swapaxes", "cumsum", "trace", "diagonal", "T",
                   "dot"}


def zero(of=None):
    """A symbolic zero: the tangent of ``of`` (an atom), materialized only if needed."""
    node = A.load(ZERO)
    node.tl_zero_of = of
    return node


def is_zero(node):
    return isinstance(node, gast.Name) and node.id == ZERO


class ZeroFolder(gast.NodeTransformer):
    """Simplify a substituted forward rule where symbolic zeros occur."""

    def __init__(self, resolve, env=None):
        self.resolve = resolve  # node -> object, for calls in the rule
        self.env = env or {}  # temporaries of the rule that turned out zero

    def visit_Name(self, node):
        if isinstance(node.ctx, gast.Load) and node.id in self.env:
            return zero(None)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right = is_zero(node.left), is_zero(node.right)
        op = node.op
        if isinstance(op, (gast.Mult, gast.MatMult)) and (left or right):
            return zero(None)
        if isinstance(op, (gast.Div, gast.FloorDiv, gast.Mod)) and left:
            return zero(None)
        if isinstance(op, gast.Add):
            if left:
                return node.right
            if right:
                return node.left
        if isinstance(op, gast.Sub):
            if right:
                return node.left
            if left:
                return gast.UnaryOp(op=gast.USub(), operand=node.right)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if is_zero(node.operand) and isinstance(node.op, (gast.USub, gast.UAdd)):
            return node.operand
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if is_zero(node.body) and is_zero(node.orelse):
            return zero(None)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if is_zero(node.value) and node.attr in _LINEAR_METHODS:
            return zero(None)
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if is_zero(node.value):
            return zero(None)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, gast.Attribute) and is_zero(func.value) \
                and func.attr in _LINEAR_METHODS:
            return zero(None)
        obj = self.resolve(func)
        args = node.args
        try:
            kind = R.linearity(obj)
            linear = obj in _LINEAR or kind == "first"
            multi = obj in _MULTILINEAR or kind == "each"
        except TypeError:
            return node
        if linear and args and is_zero(args[0]):
            return zero(None)
        if multi and any(is_zero(a) for a in args):
            return zero(None)
        if obj is np.einsum and any(is_zero(a) for a in args[1:]):
            return zero(None)
        if obj is np.where and len(args) == 3 and is_zero(args[1]) and is_zero(args[2]):
            return zero(None)
        return node


class Forward:
    """The forward-mode transform of one normalized function."""

    def __init__(self, fdef, info, scope, names, wrt, module):
        self.fdef, self.info, self.scope, self.names = fdef, info, scope, names
        self.wrt = list(wrt)
        self.module = module
        self.linker = module.linker
        self.params = [a.id for a in fdef.args.posonlyargs + fdef.args.args
                       + fdef.args.kwonlyargs]
        self.locals = local_names(fdef)
        body = fdef.body
        self.out = body[-1].value if body and isinstance(body[-1], gast.Return) else A.const(None)
        self.ret_origin = A.origin_of(body[-1]) if body else None
        self.body = body[:-1] if body and isinstance(body[-1], gast.Return) else body
        self.active, self.varied = AN.activity(body, self.params, self.wrt, scope, self.locals)
        self.discrete = discrete_names(body, scope, self.locals, self.params)
        self.active -= self.discrete
        self.scalar = AN.scalars(body, scope, self.locals, set(self.params))
        # the seed of a generated gradient is the number 1.0
        from . import runtime
        self.scalar |= {st.targets[0].id for st in AN.walk_stmts(body)
                        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name)
                        and isinstance(st.value, gast.Call)
                        and scope.resolve(st.value.func) is runtime.scalar_seed}
        self.shapes = AN.Shapes(body, scope, self.locals, self.params, self.scalar)
        # arrays and lists updated in place: their tangents must be copies we own
        self.inplace = updated_in_place(body, self.locals)
        self.owner_temps = owner_temps(body, scope, self.inplace)
        self.viewed = viewed_after_write(body)
        self.zero_now = set()  # names whose tangent is zero here (straight-line knowledge)

    def keeps_owner(self, st):
        """Whether the tangent of this assignment is already a copy the derivative owns."""
        v = st.value
        return st.targets[0].id in self.owner_temps or (
            isinstance(v, gast.Name) and v.id in self.owner_temps)

    # -- names and small helpers
    def tan(self, name):
        return self.names.tangent(name)

    def is_active(self, node):
        return isinstance(node, gast.Name) and node.id in self.active

    def tangent_atom(self, node):
        """The tangent of an atom: its tangent name, or a symbolic zero."""
        if self.is_active(node) and node.id not in self.zero_now:
            return A.load(self.tan(node.id))
        return zero(node)

    def helper(self, name):
        return _linked(self.linker.helper(name))

    def error(self, cls, msg, node, hint=None):
        return self.info.error(cls, msg, node, hint)

    def materialize(self, node):
        """Replace the symbolic zeros left in ``node`` by real ones."""
        if is_zero(node):
            of = getattr(node, "tl_zero_of", None)
            if isinstance(of, gast.Name) and not self.is_scalar(of):
                return A.call(self.helper("_zeros_like"), [A.load(of.id)])
            return A.const(0.0)
        for field, value in gast.iter_fields(node):
            if isinstance(value, list):
                setattr(node, field, [self.materialize(v) if isinstance(v, gast.AST) else v
                                      for v in value])
            elif isinstance(value, gast.AST):
                setattr(node, field, self.materialize(value))
        return node

    def is_scalar(self, node):
        if isinstance(node, gast.Constant):
            return isinstance(node.value, (int, float, bool))
        return isinstance(node, gast.Name) and (
            node.id in self.scalar or self.shapes.of(node) == self.shapes.SCALAR)

    def zeros_for(self, name):
        """A fresh zero tangent for the value of ``name``."""
        if name in self.scalar and name not in self.inplace:
            return A.const(0.0)
        return A.call(self.helper("_zeros_like"), [A.load(name)])

    # -- blocks
    def block(self, stmts):
        out = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s):
        origin = A.origin_of(s)
        if isinstance(s, gast.Assign):
            t = s.targets[0]
            if isinstance(t, gast.Subscript):
                return self.assign_subscript(s)
            if isinstance(t, gast.Tuple):
                return self.assign_tuple(s)
            return self.assign(s)
        if isinstance(s, gast.If):
            before = set(self.zero_now)
            body = self.block(s.body) or [gast.Pass()]
            after_body, self.zero_now = self.zero_now, before
            orelse = self.block(s.orelse)
            self.zero_now &= after_body  # zero after the branch only if zero on both paths
            return [A.set_origin(gast.If(test=s.test, body=body, orelse=orelse), origin)]
        if isinstance(s, (gast.For, gast.While)):
            # a tangent the body assigns is not known to be zero on the next iteration
            self.zero_now -= A.writes(gast.Module(body=s.body, type_ignores=[]))
            body = self.block(s.body) or [gast.Pass()]
            self.zero_now -= A.writes(gast.Module(body=s.body, type_ignores=[]))
            if isinstance(s, gast.For):
                if s.target.id in self.active:  # a count from range(): no tangent
                    body.insert(0, A.assign(A.store(self.tan(s.target.id)), A.const(0.0),
                                            origin))
                node = gast.For(target=s.target, iter=s.iter, body=body, orelse=[],
                                type_comment=None)
            else:
                node = gast.While(test=s.test, body=body, orelse=[])
            return [A.set_origin(node, origin)]
        if isinstance(s, GradOf):
            if self.scope.resolve(s.func) is not insert_grad_of:
                raise self.error(UnsupportedSyntaxError, "with statement is not supported in "
                                 "a differentiated function (only with tl.insert_grad_of(x) "
                                 "as dx)", origin or s)
            return []  # a block of the backward pass: forward mode has none, as a normal call
        if isinstance(s, gast.Expr) and AN.is_append(s, self.locals):
            return self.append(s)
        if isinstance(s, gast.Expr):
            return self.expr_stmt(s)
        if isinstance(s, (gast.Break, gast.Assert, gast.Pass, gast.Continue)):
            return [s]
        if isinstance(s, gast.Return):
            raise self.error(UnsupportedSyntaxError, "return is only supported at the end here",
                             origin or s)
        raise self.error(UnsupportedSyntaxError, f"{type(s).__name__} is not supported",
                         origin or s)

    def append(self, s):
        lst = s.value.func.value.id
        if lst not in self.active:
            return [s]
        v = s.value.args[0]
        if isinstance(v, gast.Name) and v.id in self.discrete:
            dv = A.const(None)  # a flag or a count on a tape: it has no tangent
        else:
            dv = self.materialize(self.tangent_atom(v))
        call = A.call(gast.Attribute(value=A.load(self.tan(lst)), attr="append",
                                     ctx=gast.Load()), [dv])
        return [s, A.expr_stmt(call, A.origin_of(s))]

    def expr_stmt(self, s):
        v = s.value
        if isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute) and isinstance(
                v.func.value, gast.Name) and v.func.value.id in self.active:
            obj = v.func.value.id
            if v.func.attr == "pop":
                call = A.call(gast.Attribute(value=A.load(self.tan(obj)), attr="pop",
                                             ctx=gast.Load()), list(v.args))
                return [s, A.expr_stmt(call, A.origin_of(s))]
            if v.func.attr in ("extend", "insert", "update", "fill", "sort", "setdefault",
                               "remove", "clear", "resize", "put", "reverse", "popitem"):
                raise self.error(
                    UnsupportedSyntaxError,
                    f"in-place .{v.func.attr}() of a differentiable value is not supported",
                    A.origin_of(s) or s,
                    "build the values into an array instead (np.zeros then x[i] = ...), "
                    "or collect them with lst.append(v)")
        AN.refuse_mutating_call(s, self.scope, self.locals, self.varied, self.info)
        return [s]

    # -- assignments
    def assign(self, s):
        out = self.assign_(s)
        name = s.targets[0].id
        if getattr(s, "tl_zero_tangent", False) and name not in self.inplace:
            self.zero_now.add(name)
        else:
            self.zero_now.discard(name)
        return out

    def assign_(self, s):
        name = s.targets[0].id
        origin = A.origin_of(s)
        value = s.value
        if isinstance(value, gast.Call) and len(value.args) == 1 and \
                self.scope.resolve(value.func) is stop_gradient:
            s.value = value = value.args[0]  # the value, used as a constant
            if name in self.active:
                return self.zero_tangent(s)
            return [s]
        lst = self.pop_of(value)
        if lst is not None:
            return self.pop(s, name, lst, origin)
        if name not in self.active:
            return [s]
        if isinstance(value, gast.Call):
            info = self.classify(value)
            if info.kind == AN.Call.USER and any(self.is_active(a) for a in info.args) | any(
                    self.is_active(k.value) for k in value.keywords):
                return self.assign_user_call(s, info)
        pre, tangent, uses_ans = self.tangent_of(value, origin)
        if is_zero(tangent):
            return self.zero_tangent(s)
        tangent = self.materialize(tangent)
        if name in self.inplace and not _aliases(value) and not self.keeps_owner(s) \
                and not isinstance(tangent, (gast.BinOp, gast.List, gast.Dict)) \
                and not self.fresh_copy(tangent):
            # the primal made a new array but the tangent may be another one (as in
            # dx for x + c): a copy the derivative owns. Where the primal shares memory
            # (y = x, row = x[i]) the tangent shares it too, and updates stay in step.
            tangent = A.call(self.helper("_owned"), [tangent, A.load(ANS)])
            uses_ans = True
        for p in pre:
            A.set_origin(p, origin)
        if isinstance(tangent, gast.Name) and tangent.id == self.tan(name) and not pre:
            return [s]  # x = x - c: the tangent stays what it is
        return self.place(s, pre + [A.assign(A.store(self.tan(name)), tangent, origin)],
                          uses_ans)

    def fresh_copy(self, node):
        """``_copy(...)`` / ``np.copy(...)``: a new array already, no need to copy it again."""
        from . import runtime
        return isinstance(node, gast.Call) and self.resolve(node.func) in (runtime.copy,
                                                                            np.copy)

    def place(self, s, tstmts, uses_ans):
        """The primal statement ``s`` and the statements of its tangent, in an order that
        gives each the values it reads."""
        name, value, origin = s.targets[0].id, s.value, A.origin_of(s)
        if not uses_ans:
            return tstmts + [s]  # before the primal statement, which may overwrite an input
        if name in A.reads(value):
            # the tangent reads the old value and the new one: keep both for a moment
            tmp = self.names.fresh("_t")
            return ([A.assign(A.store(tmp), value, origin)] + _rename(tstmts, ANS, tmp)
                    + [A.assign(A.store(name), A.load(tmp), origin)])
        return [s] + _rename(tstmts, ANS, name)

    def zero_tangent(self, s):
        """``s`` whose value carries no derivative: its tangent is a zero of its shape."""
        s.tl_zero_tangent = True
        name, value = s.targets[0].id, s.value
        zeros = self.zeros_for(name)
        if isinstance(value, gast.Constant) and isinstance(value.value, (int, float)):
            zeros = A.const(0.0)
        elif isinstance(value, gast.Constant) and value.value is None:
            zeros = A.const(None)
        elif isinstance(value, (gast.List, gast.Tuple)):  # [] or (a, b): same structure
            zeros = type(value)(elts=[self.materialize(zero(e)) for e in value.elts],
                                ctx=gast.Load())
        return [s, A.assign(A.store(self.tan(name)), zeros, A.origin_of(s))]

    def assign_user_call(self, s, info):
        """``z, dz = jvp_g(x, dx=dx)``."""
        name, origin = s.targets[0].id, A.origin_of(s)
        dname = self.tan(name)
        call = self.user_call(s.value, info, origin)
        target = gast.Tuple(elts=[A.store(name), A.store(dname)], ctx=gast.Store())
        out = [A.assign(target, call, origin)]
        if name in self.inplace:
            out.append(A.assign(A.store(dname), A.call(
                self.helper("_owned"), [A.load(dname), A.load(name)]), origin))
        return out

    def pop_of(self, value):
        """``lst.pop()`` on an active list: the list's name."""
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and \
                value.func.attr == "pop" and isinstance(value.func.value, gast.Name) and \
                value.func.value.id in self.active and value.func.value.id in self.locals:
            return value.func.value.id
        return None

    def pop(self, s, name, lst, origin):
        call = A.call(gast.Attribute(value=A.load(self.tan(lst)), attr="pop", ctx=gast.Load()),
                      list(s.value.args))
        s.tl_keep = True
        if name in self.active:
            node = A.assign(A.store(self.tan(name)), call, origin)
            node.tl_keep = True
            return [s, node]
        return [s, A.expr_stmt(call, origin)]

    def assign_tuple(self, s):
        origin = A.origin_of(s)
        tmp = self.names.fresh("_t")
        if any(e.id in self.active for e in s.targets[0].elts):
            self.active.add(tmp)
        out = self.stmt(A.assign(A.store(tmp), s.value, origin))
        for k, e in enumerate(s.targets[0].elts):
            item = gast.Subscript(value=A.load(tmp), slice=A.const(k), ctx=gast.Load())
            out.extend(self.stmt(A.assign(A.store(e.id), item, origin)))
        return out

    def assign_subscript(self, s):
        t = s.targets[0]
        x = t.value.id
        if x not in self.active:
            s.tl_keep = x in self.viewed
            return [s]
        dv = self.tangent_atom(s.value)
        if is_zero(dv):
            dv = A.const(0.0)
        target = gast.Subscript(value=A.load(self.tan(x)), slice=A.deepcopy(t.slice),
                                ctx=gast.Store())
        # the tangent is written first: what it reads may be a view of x (row = x[i])
        # that the primal write is about to change. Both writes stay even where x is not
        # read again by name: a view of it may be (generated code restores x[i] so).
        node = A.assign(target, dv, A.origin_of(s))
        if x in self.viewed:
            node.tl_keep = s.tl_keep = True
        return [node, s]

    # -- tangents of right-hand sides
    def tangent_of(self, value, origin):
        """``(statements, tangent expression, whether it reads the new value)``."""
        if isinstance(value, gast.Name):
            return [], self.tangent_atom(value), False
        if isinstance(value, gast.Constant):
            return [], zero(None), False
        if isinstance(value, gast.BinOp):
            fn = AN.BINOPS.get(type(value.op))
            if fn is None or R.is_non_differentiable(fn):
                return [], zero(None), False
            rule = R.lookup_jvp(fn)
            if rule is None:
                raise self.error(NoRuleError, "this operator has no forward-mode rule", origin)
            return self.inline(rule, [value.left, value.right], [], origin)
        if isinstance(value, gast.UnaryOp):
            fn = AN.UNOPS.get(type(value.op))
            rule = R.lookup_jvp(fn)
            if rule is None:
                return [], zero(None), False
            return self.inline(rule, [value.operand], [], origin)
        if isinstance(value, gast.Call):
            return self.call(value, origin)
        if isinstance(value, gast.Attribute):
            x = value.value
            if not self.is_active(x) or R.is_non_differentiable_attr(value.attr):
                return [], zero(None), False
            if value.attr in ("T", "real"):
                return [], gast.Attribute(value=A.load(self.tan(x.id)), attr=value.attr,
                                          ctx=gast.Load()), False
            raise self.error(NoRuleError, f"the attribute .{value.attr} has no derivative rule",
                             origin, "compute it with a NumPy function that has one")
        if isinstance(value, gast.Subscript):
            if not self.is_active(value.value):
                return [], zero(None), False
            return [], gast.Subscript(value=A.load(self.tan(value.value.id)),
                                      slice=A.deepcopy(value.slice), ctx=gast.Load()), False
        if isinstance(value, (gast.Tuple, gast.List)):
            if not any(self.is_active(e) for e in value.elts):
                return [], zero(None), False
            elts = [self.materialize(self.tangent_atom(e)) for e in value.elts]
            return [], type(value)(elts=elts, ctx=gast.Load()), False
        if isinstance(value, gast.Dict):
            if not any(self.is_active(e) for e in value.values):
                return [], zero(None), False
            vals = [self.materialize(self.tangent_atom(e)) for e in value.values]
            return [], gast.Dict(keys=[A.deepcopy(k) for k in value.keys], values=vals), False
        return [], zero(None), False

    def classify(self, value):
        """As :func:`analysis.classify`; a helper of generated code with no forward rule
        is differentiated from its source, like the user's functions."""
        import inspect
        info = AN.classify(value, self.scope, self.locals)
        if info.kind in (AN.Call.USER, AN.Call.UNKNOWN) and info.obj is not None and \
                R.lookup_jvp(info.obj) is not None:
            info.kind = AN.Call.RULE  # a registered forward rule wins over the source
            return info
        if info.kind in (AN.Call.UNKNOWN, AN.Call.RULE) and inspect.isfunction(info.obj) \
                and R.lookup_jvp(info.obj) is None and (
                    info.obj.__module__ == "tangent_lite.runtime"
                    or info.obj.__module__.startswith("tangent_lite.rules.")
                    or info.obj.__module__.startswith("tangent_lite.generated.")):
            info.kind = AN.Call.USER
        return info

    def call(self, value, origin):
        info = self.classify(value)
        if info.kind == AN.Call.NONDIFF:
            return [], zero(None), False
        active_args = [a for a in info.args if self.is_active(a)] + [
            k.value for k in value.keywords if self.is_active(k.value)]
        if info.kind == AN.Call.USER:
            return [], zero(None), False  # no argument is active (else assign handles it)
        rule = None
        if info.kind == AN.Call.METHOD or (info.kind == AN.Call.UNKNOWN and info.obj is None
                                           and info.name.startswith(".")):
            rule = R.lookup_method_jvp(info.name[1:])
        elif info.obj is not None:
            rule = R.lookup_jvp(info.obj)
        if rule is not None:
            return self.inline(rule, info.args, value.keywords, origin)
        if not active_args:
            return [], zero(None), False
        if info.kind in (AN.Call.RULE, AN.Call.METHOD):
            short = info.name.split(".")[-1]
            raise self.error(
                NoRuleError, f"no forward-mode rule for {info.name}()", origin,
                f"register one, e.g.\n"
                f"    @tl.register_jvp({info.name})\n"
                f"    def {short}_jvp(ans, x, dx):\n"
                f"        return <the tangent of the output>")
        label = getattr(value, "tl_label", None)
        if label is not None:
            raise self.error(
                NoRuleError, f"cannot differentiate through the call {label}(...): the "
                "function is only known when the code runs", origin,
                "call the function by its name (it is then differentiated from its "
                "source), or register a rule for it with tl.register_jvp")
        raise self.error(
            NoRuleError, f"no derivative rule for {info.name}()", origin,
            f"register a rule, e.g.\n"
            f"    @tl.register_jvp({info.name})\n"
            f"    def {info.name.split('.')[-1]}_jvp(ans, x, dx):\n"
            f"        return <the tangent of the output>\n"
            f"or, if no derivative should flow through it: tl.non_differentiable({info.name})")

    def inline(self, rule, args, keywords, origin):
        ans = ANS
        bound = bind_arguments(rule, args, keywords, origin, self.info, self.linker)
        mapping = {rule.ans_name: A.load(ans)}
        mapping.update(bound)
        slots = []
        for p in rule.params:
            t = rule.tangent_of.get(p.name)
            node = bound.get(p.name)
            if p.kind == p.VAR_POSITIONAL:
                elts = node.elts if node is not None else []
                slots.extend(elts)
                if t is not None:
                    mapping[t] = gast.Tuple(elts=[self.tangent_atom(e) for e in elts],
                                            ctx=gast.Load())
                continue
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                slots.append(node)
            if t is not None:
                mapping[t] = self.tangent_atom(node) if node is not None else zero(None)
        if not any(self.is_active(n) for n in slots):
            return [], zero(None), False
        fdef = rule.fdef()
        pre, ret = (None, None) if fdef is None else substitute_template(
            rule, fdef, mapping, self.names, self.linker)
        if ret is None:  # not a straight line: the rule is called
            fname = self.linker.bind(rule_function_name(rule), rule.template)
            tangents = [mapping[rule.tangent_of[p.name]] for p in rule.params
                        if p.name in rule.tangent_of]
            prim = [bound[p.name] for p in rule.params if p.name in rule.tangent_of]
            callargs = [A.load(ans)] + [A.deepcopy(n) for n in prim] + [
                self.materialize(A.deepcopy(t)) for t in tangents]
            return [], A.call(_linked(fname), callargs), True
        folder = ZeroFolder(self.resolve)
        kept = []
        for st in pre:
            st = folder.visit(st)
            if is_zero(st.value):
                folder.env[st.targets[0].id] = True
                continue
            kept.append(st)
        ret = folder.visit(ret)
        uses = ans in set().union(A.reads(ret), *[A.reads(p) for p in kept])
        if is_zero(ret):
            return [], ret, False
        if _elementwise(rule.primal) and self.may_be_smaller(slots, kept, ret):
            ret = A.call(self.helper("_broadcast_like"), [ret, A.load(ans)])
            uses = True
        return kept, ret, uses

    def may_be_smaller(self, slots, pre, ret):
        """Whether the tangent may miss dimensions the output has: an inactive argument
        of an elementwise rule that is not a scalar and that the tangent does not read
        (as in ``x + y`` with ``y`` constant) may have broadcast the output."""
        reads = set().union(A.reads(ret), *[A.reads(p) for p in pre])
        for node in slots:
            if self.is_active(node) or self.is_scalar(node) or not isinstance(node, gast.Name):
                continue
            if node.id in reads:
                continue
            sh = self.shapes
            full = sh.broadcast([sh.of(o) for o in slots if self.is_active(o)])
            mine = sh.of(node)
            if not (sh.known(mine) and sh.known(full) and sh.equal(
                    sh.broadcast([mine, full]), full)):
                return True
        return False

    def resolve(self, func):
        if isinstance(func, gast.Name):
            obj = self.linker.bindings.get(func.id, AN._MISSING)
            if obj is AN._MISSING:
                import builtins
                obj = getattr(builtins, func.id, AN._MISSING)
            return obj
        if isinstance(func, gast.Attribute):
            base = self.resolve(func.value)
            return AN._MISSING if base is AN._MISSING else getattr(base, func.attr, AN._MISSING)
        return AN._MISSING

    # -- calls of other user functions
    def user_call(self, value, info, origin):
        """``jvp_g(x, y, dx=dx)``, which returns the pair (value, tangent)."""
        import inspect
        fn = info.obj
        args = info.args  # a method call brings its object as the first argument
        try:
            sig = inspect.signature(fn)
            sig.bind(*[object()] * len(args), **{k.arg: object() for k in value.keywords})
        except TypeError as exc:
            raise self.error(UnsupportedSyntaxError, f"bad call of {info.name}(): {exc}",
                             origin) from None
        params = list(sig.parameters)
        bound = {params[i]: a for i, a in enumerate(args)}
        for k in value.keywords:
            bound[k.arg] = k.value
        active = tuple(p for p in params if p in bound and self.is_active(bound[p]))
        known = {}
        first = args[0] if args else None
        if isinstance(first, gast.Name) and first.id in self.scope.known and params:
            known[params[0]] = self.scope.known[first.id]
        jvp_name, tangent_params = self.module.request_jvp(fn, active, origin, self.info, known)
        keywords = list(value.keywords) + [
            gast.keyword(arg=tangent_params[p], value=A.load(self.tan(bound[p].id)))
            for p in active]
        # a method call brings its object as the first argument, as the callee takes it
        return gast.Call(func=_linked(jvp_name), args=list(args), keywords=keywords)


def updated_in_place(body, local_names):
    """Names of arrays and lists that ``x[i] = v`` or ``lst.append(v)`` update."""
    out = set()
    for st in AN.walk_stmts(body):
        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Subscript):
            out.add(st.targets[0].value.id)
        elif AN.is_append(st, local_names):
            out.add(st.value.func.value.id)
    return out


def viewed_after_write(body):
    """Arrays whose in-place writes a view reads later (``v = x[1:]``, then ``x[1:] = w``,
    then ``v`` read): those writes stay even when ``x`` itself is not read again.

    Generated code restores ``x[i]`` from its tape so that its views see the old values.
    """
    order = []  # (statement, enclosing loops)

    def walk(stmts, loops):
        for st in stmts:
            order.append((st, loops))
            if isinstance(st, (gast.For, gast.While)):
                walk(st.body, loops + (id(st),))
            elif isinstance(st, gast.If):
                walk(st.body, loops)
                walk(st.orelse, loops)
    walk(body, ())
    views = {}  # view name -> (base, position)
    writes = {}  # base -> [(position, loops)]
    for k, (st, loops) in enumerate(order):
        if not isinstance(st, gast.Assign):
            continue
        t, v = st.targets[0], st.value
        if isinstance(t, gast.Name) and isinstance(v, (gast.Subscript, gast.Attribute)) and \
                isinstance(v.value, gast.Name):
            views[t.id] = (v.value.id, k, loops)
        elif isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name):
            writes.setdefault(t.value.id, []).append((k, loops))
    out = set()
    for k, (st, loops) in enumerate(order):
        if isinstance(st, (gast.For, gast.While, gast.If)):
            continue
        for name in A.reads(st) & set(views):
            base, made, made_loops = views[name]
            for w, w_loops in writes.get(base, ()):
                shared = set(w_loops) & set(loops) - set(made_loops)
                if w > made and (k > w or shared):
                    out.add(base)
    return out


def owner_temps(body, scope, inplace):
    """``_t = _dense(b, x)`` / ``_add_at(b, i, g)`` on an array updated in place: helpers
    of generated code that return their first argument, updated, or a fresh array, so
    the tangent's owner stays the same and needs no copy."""
    from . import runtime
    out = set()
    for st in AN.walk_stmts(body):
        v = getattr(st, "value", None)
        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and \
                isinstance(v, gast.Call) and v.args and isinstance(v.args[0], gast.Name) \
                and v.args[0].id in inplace and \
                scope.resolve(v.func) in (runtime.dense, runtime.add_at):
            out.add(st.targets[0].id)
    return out


def _discrete_value(v, names, scope, local_names):
    if isinstance(v, (gast.Compare, gast.BoolOp)) or (
            isinstance(v, gast.UnaryOp) and isinstance(v.op, gast.Not)):
        return True
    if isinstance(v, gast.Constant):
        return v.value is None or isinstance(v.value, (bool, int, str))
    if isinstance(v, gast.Name):
        return v.id in names
    if isinstance(v, gast.BinOp):
        return all(_discrete_value(x, names, scope, local_names) for x in (v.left, v.right))
    if isinstance(v, gast.Subscript):  # an entry of a list of flags or counts
        return _discrete_value(v.value, names, scope, local_names)
    if isinstance(v, gast.Call):
        info = AN.classify(v, scope, local_names)
        if info.kind == AN.Call.NONDIFF:
            return True
        # list(reversed(range(n))) and the like: a container of counts
        return info.obj in _STRUCTURAL and all(
            _discrete_value(a, names, scope, local_names) for a in info.args)
    return False


_STRUCTURAL = {list, tuple, reversed, sorted}


def discrete_names(body, scope, local_names, params):
    """Names that only ever hold flags, counts and other values without a tangent:
    every assignment gives a comparison, a boolean or integer constant, the result
    of a non-differentiable call, or arithmetic on such names.  A value popped from a
    list does not count against a name (generated code pops what it pushed)."""
    assigns = {}
    for st in AN.walk_stmts(body):
        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name):
            v = st.value
            popped = isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute) \
                and v.func.attr == "pop"
            assigns.setdefault(st.targets[0].id, []).append(None if popped else v)
        elif isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Subscript):
            assigns.setdefault(st.targets[0].value.id, []).append(st.value)
        elif isinstance(st, gast.Assign):
            for n in A.writes(st.targets[0]):
                assigns.setdefault(n, []).append(st.targets[0])
        elif AN.is_append(st, local_names):
            assigns.setdefault(st.value.func.value.id, []).append(st.value.args[0])
        elif isinstance(st, gast.For):
            assigns.setdefault(st.target.id, []).append(A.const(0))
    names = {n for n, vs in assigns.items() if n not in params and any(
        v is not None for v in vs)}
    changed = True
    while changed:
        changed = False
        for n in sorted(names):
            if not all(v is None or _discrete_value(v, names, scope, local_names)
                       for v in assigns[n]):
                names.discard(n)
                changed = True
    return names


def _aliases(value):
    """Whether the primal value may share memory with another name (y = x, x[i], x.T)."""
    return isinstance(value, (gast.Name, gast.Subscript, gast.Attribute))


def _rename(stmts, old, new):
    return [A.rename(s, {old: new}) for s in stmts]
