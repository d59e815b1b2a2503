"""The pipeline: the ordered list of passes, readable top to bottom.

Reverse mode (grad, value_and_grad, vjp):

    parse_function  → fence.check → normalize → Reverse (activity, forward and
    backward sweeps) → zero_prop + dce on the backward sweep → resolve_markers
    (what goes on the tape) → dce on the whole function → link → emit → load

Forward mode (jvp; hvp is forward mode over the loaded gradient):

    parse_function  → fence.check → normalize → Forward (tangent statements next to
    the primal ones, symbolic zeros folded) → dce, inline_temps → link → emit → load

Generated code goes through the same passes again for higher orders: its
``# L<n>:`` comments keep the user's lines (frontend), its tape is a stack (reverse)
or carries a tangent stack (forward).
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import linecache
import types

import gast

from . import analysis as AN
from . import astutil as A
from . import fence, frontend
from . import runtime as _runtime
from .emit import function_source
from .errors import SourceError, TangentLiteError
from .linker import Linker
from .naming import Names, names_in
from .normalize import local_names, normalize
from .optimize import (_stmt_writes, copy_prop, dce, dedupe_dense, fold_signs,
                       fold_unit_seed, inline_temps, merge_rebinds, reductions_for_shape,
                       shapes_from_operands,
                       zero_prop)
from .forward import ZERO, Forward
from .reverse import MARKER, Reverse

def _tape(tr):
    """The tape's name: ``_tape``, or a variant when the function has a ``_tape`` of its
    own (generated code differentiated again)."""
    if getattr(tr, "tape", None) is None:
        tr.tape = tr.names.exact("_tape")
    return tr.tape


class Generated:
    """A generated module: its source, the namespace it runs in, its entry point."""

    def __init__(self, source, namespace, entry, linker, functions, user_fn):
        self.source, self.namespace, self.entry = source, namespace, entry
        self.linker, self.functions, self.user_fn = linker, functions, user_fn


class ModuleBuilder:
    """Collects the generated functions of one module (entry point and callees)."""

    def __init__(self, optimize=True):
        self.linker = Linker()
        self.optimize = optimize
        self.functions = []  # (FunctionDef, SourceInfo)
        self.memo = {}

    def request(self, fn, active, origin, caller_info, known=None):
        """Names of the forward and backward functions of ``fn`` for these active params."""
        known = known or {}
        key = (fn, active, tuple((k, id(v)) for k, v in sorted(known.items())))
        if key in self.memo:
            return self.memo[key]
        base = fn.__name__
        fwd = self.linker.bind("fwd_" + base, ("generated", key, "fwd"))
        bwd = self.linker.bind("bwd_" + base, ("generated", key, "bwd"))
        self.memo[key] = (fwd, bwd)
        with _helper_gap(fn, "reverse-mode", origin, caller_info):
            try:
                fdef, info = frontend.parse_function(fn)
            except SourceError as exc:
                raise caller_info.error(
                    type(exc), f"cannot differentiate {fn.__qualname__}(): {exc.message}",
                    origin, f"register a rule: @tl.register_vjp({fn.__name__})") from None
            fence.check(fdef, info)
            fence.check_aliasing(fdef, info)
            names = Names(names_in(fdef))
            normalize(fdef, info, names)
            scope = AN.Scope(fn, known)
            tr = Reverse(fdef, info, scope, names, list(active), self)
            f_def, b_def = build_split(tr, fwd, bwd, self.optimize)
        self.functions.append((f_def, info, scope))
        self.functions.append((b_def, info, scope))
        return fwd, bwd


    def request_jvp(self, fn, active, origin, caller_info, known=None):
        """The name of the forward-mode function of ``fn`` for these active parameters,
        and the names of its tangent parameters (keyword-only: ``jvp_g(x, *, dx)``)."""
        known = known or {}
        key = (fn, active, tuple((k, id(v)) for k, v in sorted(known.items())), "jvp")
        if key in self.memo:
            return self.memo[key]
        name = self.linker.bind("jvp_" + fn.__name__, ("generated", key, "jvp"))
        with _helper_gap(fn, "forward-mode", origin, caller_info):
            try:
                fdef, info = frontend.parse_function(fn)
            except SourceError as exc:
                raise caller_info.error(
                    type(exc), f"cannot differentiate {fn.__qualname__}(): {exc.message}",
                    origin, f"register a rule: @tl.register_jvp({fn.__name__})") from None
            fence.check(fdef, info)
            if not _is_generated(fn):
                fence.check_aliasing(fdef, info)
            names = Names(names_in(fdef))
            tangents = {p: names.tangent(p) for p in active}
            self.memo[key] = (name, tangents)
            normalize(fdef, info, names)
            scope = AN.Scope(fn, known)
            tr = Forward(fdef, info, scope, names, list(active), self)
            built = build_forward(tr, name, self.optimize, entry=False)
        self.functions.append((built, info, scope))
        return name, tangents


# ---------------------------------------------------------------- assembling functions

def build_forward(tr, name, optimize, entry=True, tangent_only=False):
    """``jvp_f(*args, *tangents) -> (value, tangent)``; a callee takes its tangents by
    keyword, ``jvp_g(x, y, *, dx)``, so defaults and keywords keep working."""
    # a parameter that is not differentiated but is reassigned from one that is (on one
    # branch, say) starts with a zero tangent
    heads = []
    for p in tr.params:
        if p in tr.active and p not in tr.wrt:
            heads.append(A.assign(A.store(tr.tan(p)), tr.zeros_for(p)))
            tr.zero_now.add(p)
    body = tr.block(tr.body)
    out = tr.out
    for p in tr.wrt:
        if p in tr.inplace and p in tr.active:
            heads.append(A.assign(A.store(tr.tan(p)), A.call(
                _helper(tr, "_owned"), [A.load(tr.tan(p)), A.load(p)])))
    if isinstance(out, gast.Name) and out.id in tr.active:
        dout = A.load(tr.tan(out.id))
    elif isinstance(out, gast.Name) and not tr.is_scalar(out):
        dout = A.call(_helper(tr, "_zeros_like"), [A.load(out.id)])
    else:
        dout = A.const(0.0)
    ret = gast.Return(value=dout if tangent_only else gast.Tuple(
        elts=[A.to_load(out), dout], ctx=gast.Load()))
    A.set_origin(ret, tr.ret_origin)
    body = dce(heads + body + [ret])
    if optimize:
        body = fold_signs(inline_temps(merge_rebinds(body), tr.names.temps))
    body = _unused_pops(body)
    leftover = [n for n in gast.walk(gast.Module(body=body, type_ignores=[]))
                if isinstance(n, gast.Name) and n.id == ZERO]
    assert not leftover, "a symbolic zero was left in the generated code"
    args = _arguments(tr.fdef)
    tangent_args = [gast.Name(id=tr.tan(p), ctx=gast.Param(), annotation=None,
                              type_comment=None) for p in tr.wrt]
    if entry:
        args.defaults = []  # the tangents follow every positional argument
        args.args.extend(tangent_args)
    else:
        args.kwonlyargs.extend(tangent_args)
        args.kw_defaults.extend([None] * len(tangent_args))
    return _function(name, args, body)


def _adjoint_inits(tr, skip=()):
    out = []
    for name in sorted(tr.active):
        if name in skip:
            continue
        if name in getattr(tr, "stacks", ()):  # one zero per entry left on the stack
            out.append(A.assign(A.store(tr.adj(name)),
                                A.call(_helper(tr, "_stack_adjoint"), [A.load(name)])))
            continue
        out.append(A.assign(A.store(tr.adj(name)), A.const(0.0)))
    return out


def _primal_names(fwd, params):
    names = set(params)
    for s in fwd:
        for n in gast.walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                names.add(n.id)
    return names


def _only_markers(stmts, real):
    """Whether these statements will vanish: markers that will not become code."""
    for s in stmts:
        m = getattr(s, "tl_marker", None)
        if (m is not None and not real(m)) or isinstance(s, gast.Pass):
            continue
        if isinstance(s, (gast.If, gast.For, gast.While)) and _only_markers(s.body, real) \
                and _only_markers(getattr(s, "orelse", []) or [], real):
            continue
        return False
    return True


def _bwd_reads(stmts, real):
    """Names the backward sweep reads; branches and loops that will vanish do not count.
    ``real(marker)`` says whether a marker will become code."""
    reads = set()
    for s in stmts:
        m = getattr(s, "tl_marker", None)
        if m is not None:
            if real(m) and m[0] == "restore_sub":
                reads |= A.reads(m[2]) | {m[1]}
            continue
        if isinstance(s, (gast.If, gast.For, gast.While)):
            if _only_markers([s], real):
                continue
            head = s.iter if isinstance(s, gast.For) else s.test
            reads |= A.reads(head)
            reads |= _bwd_reads(s.body, real) | _bwd_reads(getattr(s, "orelse", []) or [], real)
            continue
        reads |= A.reads(s)
    return reads - {MARKER}


def _def_info(fwd, params, counters):
    """How often each name is assigned, and whether inside a loop.

    A name assigned once, inside loops, from values none of those loops change,
    holds the same value on every iteration: it counts as assigned outside them.
    """
    count, in_loop, loop_defs = {}, {}, {}

    def note(name, depth):
        count[name] = count.get(name, 0) + 1
        in_loop[name] = in_loop.get(name, False) or depth > 0

    def walk(stmts, depth, outer):
        for s in stmts:
            if isinstance(s, gast.Assign):
                t = s.targets[0]
                if not isinstance(t, gast.Subscript):
                    for n in A.writes(t):
                        if n not in counters:
                            note(n, depth)
                            if outer is not None and isinstance(t, gast.Name):
                                loop_defs[n] = (outer, s)
            elif isinstance(s, (gast.For, gast.While)):
                if isinstance(s, gast.For):
                    note(s.target.id, depth)
                walk(s.body, depth + 1, outer if outer is not None else s)
            elif isinstance(s, gast.If):
                walk(s.body, depth, outer)
                walk(s.orelse, depth, outer)
    walk(fwd, 0, None)
    for p in params:
        note(p, 0)
    for n, depth in counters.items():
        note(n, depth)
    written = {}
    for name, (loop, stmt) in loop_defs.items():
        if count.get(name) != 1 or getattr(stmt, "tl_keep", False) or _has_call(stmt.value):
            continue
        if id(loop) not in written:
            written[id(loop)] = set().union(*(_stmt_writes(x) for x in AN.walk_stmts([loop])))
        if not (A.reads(stmt.value) & written[id(loop)]):
            in_loop[name] = False
    return count, in_loop


def _has_call(node):
    return any(isinstance(n, gast.Call) for n in gast.walk(node))


def resolve_markers(fwd, bwd, tr, linker):
    """Turn save/restore markers into tape pushes and pops where the backward needs them."""
    primal = _primal_names(fwd, tr.params)
    subs = []
    for s in AN.walk_stmts(fwd):
        m = getattr(s, "tl_marker", None)
        if m is not None and m[0] == "save_sub":
            subs.append(m)
    count, in_loop = _def_info(fwd, tr.params, tr.counters)

    # What the backward sweep needs grows to a fixed point: a restore that becomes a
    # pop keeps the branch around it, and that branch reads its test.
    needed, local, local_names = set(), {}, set()

    def saves(name):
        return name in needed and name not in local_names and (
            count.get(name, 0) >= 2 or in_loop.get(name, False))

    def real(m):
        kind, name, _ = m
        if kind == "restore":
            return saves(name)
        if kind == "restore_sub":
            return name in needed
        return False

    while True:
        new = _bwd_reads(bwd, real) & primal
        for kind, name, idx in subs:
            if name in new:
                new |= A.reads(idx) & primal
        new |= needed
        if new == needed:
            break
        needed = new
        local = _block_locals(fwd, bwd, tr, needed, count, in_loop, real)
        local_names = {n for names in local.values() for n in names}

    used = [False]
    inits = set()
    copy_fn = A.load(linker.helper("_copy"))
    copy_fn.tl_linked = True

    def push(value):
        used[0] = True
        return A.expr_stmt(A.call(gast.Attribute(value=A.load(_tape(tr)), attr="append",
                                                 ctx=gast.Load()), [value]))

    def pop(target):
        node = A.assign(target, A.call(gast.Attribute(value=A.load(_tape(tr)), attr="pop",
                                                      ctx=gast.Load()), []))
        node.tl_keep = True
        return node

    skipped = set()  # pairs whose value was never set before: nothing to save or restore

    def replace(stmts, da, ma, depth, forward):
        """``da``: names surely assigned here; ``ma``: names perhaps assigned here."""
        out = []
        for s in stmts:
            m = getattr(s, "tl_marker", None)
            if m is not None:
                kind, name, idx = m
                origin = A.origin_of(s)
                pair = getattr(s, "tl_pair", None)
                if kind == "block_end":
                    out.extend(push(A.load(v)) for v in local.get(name, ()))
                elif kind == "block_start":
                    out.extend(pop(A.store(v)) for v in reversed(local.get(name, ())))
                elif kind == "save" and saves(name):
                    if forward and depth == 0 and name not in ma:
                        skipped.add(pair)  # the first value of a name: nothing to keep
                        continue
                    if forward and name not in da:
                        inits.add(name)
                    out.append(A.set_origin(push(A.load(name)), origin))
                elif kind == "restore" and saves(name) and pair not in skipped:
                    out.append(A.set_origin(pop(A.store(name)), origin))
                elif kind == "save_sub" and name in needed:
                    item = gast.Subscript(value=A.load(name), slice=A.deepcopy(idx),
                                          ctx=gast.Load())
                    out.append(A.set_origin(push(A.call(A.deepcopy(copy_fn), [item])), origin))
                elif kind == "restore_sub" and name in needed:
                    item = gast.Subscript(value=A.load(name), slice=A.deepcopy(idx),
                                          ctx=gast.Store())
                    out.append(A.set_origin(pop(item), origin))
                continue
            if isinstance(s, gast.Assign) and not isinstance(s.targets[0], gast.Subscript):
                da = da | A.writes(s.targets[0])
            if isinstance(s, gast.If):
                s.body = replace(s.body, set(da), set(ma), depth, forward) or [gast.Pass()]
                s.orelse = replace(s.orelse, set(da), set(ma), depth, forward)
            elif isinstance(s, gast.For):
                s.body = replace(s.body, da | A.writes(s.target), ma | _stores(s), depth + 1,
                                 forward) or [gast.Pass()]
            elif isinstance(s, gast.While):
                s.body = replace(s.body, set(da), ma | _stores(s), depth + 1,
                                 forward) or [gast.Pass()]
            ma = ma | _stores(s)
            out.append(s)
        return out

    fwd = replace(fwd, set(tr.params), set(tr.params), 0, True)
    bwd = replace(bwd, set(), set(), 0, False)
    pre = [A.assign(A.store(n), A.const(None)) for n in sorted(inits)]
    return pre + fwd, bwd, used[0]


def _stores(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


def definitely_assigned(stmts, da):
    """Names assigned on every path through ``stmts`` (loops may run zero times)."""
    da = set(da)
    for s in stmts:
        if isinstance(s, gast.Assign) and not isinstance(s.targets[0], gast.Subscript):
            da |= A.writes(s.targets[0])
        elif isinstance(s, gast.If):
            da = definitely_assigned(s.body, da) & definitely_assigned(s.orelse, da)
    return da


def _block_locals(fwd, bwd, tr, needed, count, in_loop, real):
    """Per block of a loop body: the taped values used only inside that block.

    Such a value is pushed once at the end of the block and popped at the start
    of its mirror in the backward sweep, instead of saving the value it overwrites.
    """
    total_fwd = _reads_count(fwd)
    total_bwd = _reads_count(bwd)
    starts = {}
    _find_block_starts(bwd, starts)
    out = {}
    for key, block in enumerate(tr.blocks):
        if key not in starts:
            continue
        ends = [i for i, n in enumerate(block) if getattr(n, "tl_marker", (None,))[0]
                == "block_end"]
        stmts = block[:ends[0]] if ends else block
        inside_bwd = _reads_count(starts[key])
        names = []
        for k, st in enumerate(stmts):
            if not (isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name)):
                continue
            v = st.targets[0].id
            if v not in needed or count.get(v) != 1 or not in_loop.get(v) or v in names:
                continue
            if _reads_count(stmts[k:]).get(v, 0) != total_fwd.get(v, 0) \
                    or v in A.reads(st.value):
                continue
            if inside_bwd.get(v, 0) != total_bwd.get(v, 0):
                continue
            names.append(v)
        if names:
            out[key] = names
    return out


def _reads_count(stmts):
    counts = {}
    for s in stmts:
        for n in gast.walk(s):
            if getattr(n, "tl_marker", None) is not None:
                continue
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def _find_block_starts(stmts, found):
    for i, s in enumerate(stmts):
        m = getattr(s, "tl_marker", None)
        if m is not None and m[0] == "block_start":
            found[m[1]] = stmts
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if inner:
                _find_block_starts(inner, found)


def _optimize_bwd(bwd, live_out, tr, enabled, zero=()):
    if enabled:
        bwd = zero_prop(bwd, zero, linker=tr.linker, owned=tr.dense)
        bwd = copy_prop(dce(bwd, live_out))
        if "_dense" in tr.linker.bindings:
            bwd = dedupe_dense(bwd, "_dense")
    return dce(bwd, live_out)


def _arguments(fdef):
    return A.deepcopy(fdef.args)


def _function(name, args, body):
    return gast.FunctionDef(name=name, args=args, body=body, decorator_list=[], returns=None,
                            type_comment=None, type_params=[])


def _simple_args(names):
    return gast.arguments(args=[gast.Name(id=n, ctx=gast.Param(), annotation=None,
                                          type_comment=None) for n in names],
                          posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                          kwarg=None, defaults=[])


def _drop_copies(stmts, dense):
    """Keep the copy after a block of ``tl.insert_grad_of`` only for an adjoint that is
    updated in place later (one in ``dense``)."""
    out = []
    for s in stmts:
        g = getattr(s, "tl_copy_of", None)
        if g is not None and g not in dense:
            continue
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if inner:
                setattr(s, field, _drop_copies(inner, dense))
        out.append(s)
    return out


def build_split(tr, fwd_name, bwd_name, optimize):
    """A callee: ``fwd_g(*args) -> (out, ctx)`` and ``bwd_g(ctx, b_out) -> cotangents``."""
    fwd, bwd = tr.block(tr.body, 0)
    bwd = _drop_copies(bwd, tr.dense)
    out = tr.out
    seed = tr.adj(out.id) if isinstance(out, gast.Name) else tr.names.fresh("b_out")
    active_out = isinstance(out, gast.Name) and out.id in tr.active
    grads = [tr.adj(p) for p in tr.wrt]
    if not active_out:
        bwd = []
    bwd = _adjoint_inits(tr, skip={out.id} if active_out else ()) + bwd
    bwd = _optimize_bwd(bwd, set(grads), tr, optimize)
    fwd, bwd, used = resolve_markers(fwd, bwd, tr, tr.linker)
    ret = A.load(grads[0]) if len(grads) == 1 else gast.Tuple(
        elts=[A.load(g) for g in grads], ctx=gast.Load())
    bwd_body = dce(bwd + [gast.Return(value=ret)])
    live_in = _live_in(bwd_body) - {seed}
    primal = _primal_names(fwd, tr.params) | ({_tape(tr)} if used else set())
    ctx_names = sorted(live_in & primal)
    # a value defined on one branch only is still passed on: give it a value on the others
    missing = sorted(set(ctx_names) - definitely_assigned(fwd, set(tr.params)) - {_tape(tr)})
    fwd = [A.assign(A.store(n), A.const(None)) for n in missing] + fwd
    grads_unassigned = [g for g in grads if g in live_in]
    ctx = tr.names.exact("_ctx")
    fwd_ret = gast.Return(value=gast.Tuple(elts=[A.to_load(out), gast.Tuple(
        elts=[A.load(n) for n in ctx_names], ctx=gast.Load())], ctx=gast.Load()))
    head = [A.assign(A.store(_tape(tr)), gast.List(elts=[], ctx=gast.Load()))] if used else []
    fwd_body = dce(head + fwd + [fwd_ret])
    unpack = []
    if ctx_names:
        target = gast.Tuple(elts=[A.store(n) for n in ctx_names], ctx=gast.Store())
        unpack = [A.assign(target, A.load(ctx))]
    zero_grads = [A.assign(A.store(g), A.const(0.0)) for g in grads_unassigned]
    b_body = unpack + zero_grads + bwd_body
    if optimize:
        fwd_body = inline_temps(fwd_body, tr.names.temps)
        b_body = fold_signs(inline_temps(merge_rebinds(b_body), tr.names.temps))
    f_def = _function(fwd_name, _arguments(tr.fdef), fwd_body)
    b_def = _function(bwd_name, _simple_args([ctx, seed]), b_body)
    return f_def, b_def


def _live_in(stmts):
    from .optimize import _dce_block
    _, live = _dce_block(stmts, set(), False)
    return live


def build_entry(tr, name, mode, optimize, single=True):
    """The entry point: ``grad_f``, ``value_and_grad_f`` or ``vjp_f``."""
    fwd, bwd = tr.block(tr.body, 0)
    bwd = _drop_copies(bwd, tr.dense)
    out = tr.out
    active_out = isinstance(out, gast.Name) and out.id in tr.active
    grads = [tr.adj(p) for p in tr.wrt]
    seed_param = None
    out_expr = A.to_load(out)
    if mode == "vjp":
        seed_param = tr.names.exact("seed")
        seed_value = A.call(_helper(tr, "_seed"), [A.to_load(out), A.load(seed_param)])
    elif mode == "grad" and optimize and _reduces_to_scalar(tr, out):
        seed_value = A.const(1.0)  # no check needed, and the output need not be computed
    else:
        seed_value = A.call(_helper(tr, "_scalar_seed"), [A.to_load(out)])
    if mode == "value_and_grad":
        # the backward sweep may restore the output's name to older values: keep the value
        value_name = tr.names.exact("value")
        fwd = fwd + [A.assign(A.store(value_name), A.to_load(out))]
        out_expr = A.load(value_name)
    # the seed is taken at the end of the forward sweep, where the output has its value
    if active_out:
        seed_stmt = A.assign(A.store(tr.adj(out.id)), seed_value, tr.ret_origin)
        seed_stmt.tl_pin = True  # stays a statement of its own in the output
        fwd = fwd + [seed_stmt]
        bwd = _adjoint_inits(tr, skip={out.id}) + bwd
    else:
        fwd = fwd + [A.expr_stmt(seed_value, tr.ret_origin)]
        bwd = []
    bwd = _optimize_bwd(bwd, set(grads), tr, optimize,
                        zero={tr.adj(n) for n in tr.active} - (
                            {tr.adj(out.id)} if active_out else set()))
    fwd, bwd, used = resolve_markers(fwd, bwd, tr, tr.linker)
    like = _helper(tr, "_like")
    results = []
    keep = []  # arguments the function reassigns: the gradient takes the shape they came in
    reassigned = _stores(gast.Module(body=fwd, type_ignores=[]))
    for p, g in zip(tr.wrt, grads):
        value = A.load(g) if g in _assigned(bwd) | _assigned(fwd) else A.const(0.0)
        arg = p
        if p in reassigned:
            arg = tr.names.exact(p + "_arg")
            keep.append(A.assign(A.store(arg), A.load(p)))
        results.append(A.call(A.deepcopy(like), [value, A.load(arg)]))
    if single:
        result = results[0]
    elif len(results) > 1:  # one cotangent may reach several arguments: separate arrays
        result = A.call(_helper(tr, "_distinct"), results)
    else:
        result = gast.Tuple(elts=results, ctx=gast.Load())
    if mode == "value_and_grad":
        result = gast.Tuple(elts=[out_expr, result], ctx=gast.Load())
    head = keep + ([A.assign(A.store(_tape(tr)), gast.List(elts=[], ctx=gast.Load()))] if used
                   else [])
    body = dce(head + fwd + bwd + [gast.Return(value=result)])
    if optimize:
        body = dce(shapes_from_operands(body, lambda f: _resolve_callee(tr, f)))
        body = fold_signs(inline_temps(merge_rebinds(body), tr.names.temps))
        if mode == "grad" and active_out:
            body = dce(fold_unit_seed(body, tr.adj(out.id), lambda f: _resolve_callee(tr, f),
                                      set(tr.names.adjoints.values()),
                                      lambda: tr.linker.bind("_spread", _runtime.spread)))
        body = dce(reductions_for_shape(body, lambda f: _resolve_callee(tr, f),
                                        lambda: _helper(tr, "_reduced_shape_of")))
    args = _arguments(tr.fdef)
    if seed_param is not None:
        args.args.append(gast.Name(id=seed_param, ctx=gast.Param(), annotation=None,
                                   type_comment=None))
        args.defaults = []  # the seed follows every positional argument
    return _function(name, args, body)


def _resolve_callee(tr, func):
    """The object a callee expression of generated code names, or None."""
    if isinstance(func, gast.Name) and func.id in tr.linker.bindings:
        obj = tr.linker.bindings[func.id]
        return None if isinstance(obj, tuple) else obj
    obj = tr.scope.resolve(func)
    return None if obj is AN._MISSING else obj


def _reduces_to_scalar(tr, out):
    """``out`` is the result of ``np.sum(e)`` / ``np.mean(e)`` (or the methods) without
    ``axis``: a scalar on every run, whose value the gradient may not need."""
    import numpy as np
    if not isinstance(out, gast.Name):
        return False
    body = gast.Module(body=tr.body, type_ignores=[])
    n_stores = sum(1 for n in gast.walk(body) if isinstance(n, gast.Name) and n.id == out.id
                   and isinstance(n.ctx, gast.Store))
    defs = [s for s in AN.walk_stmts(tr.body) if isinstance(s, gast.Assign)
            and isinstance(s.targets[0], gast.Name) and s.targets[0].id == out.id]
    if n_stores != 1 or len(defs) != 1:
        return False
    v = defs[0].value
    if not isinstance(v, gast.Call) or v.keywords or len(v.args) > 1:
        return False
    if isinstance(v.func, gast.Attribute) and isinstance(v.func.value, gast.Name) and \
            v.func.value.id in tr.locals:
        return not v.args and v.func.attr in ("sum", "mean")
    return len(v.args) == 1 and tr.scope.resolve(v.func) in (np.sum, np.mean)


def _assigned(stmts):
    return {n for s in stmts for n in A.writes(s)}


def _helper(tr, name):
    node = A.load(tr.linker.helper(name))
    node.tl_linked = True
    return node


# ---------------------------------------------------------------- linking and loading

def link(fdef, scope, linker):
    """Give every global the function reads its linked name."""
    local = local_names(fdef) | {a.id for a in fdef.args.args}
    mapping_cache = {}
    for n in gast.walk(fdef):
        if not isinstance(n, gast.Name) or not isinstance(n.ctx, gast.Load):
            continue
        if getattr(n, "tl_linked", False) or n.id in local:
            continue
        if n.id in mapping_cache:
            n.id = mapping_cache[n.id]
            continue
        obj = scope.lookup(n.id)
        if obj is AN._MISSING:
            continue
        if getattr(builtins, n.id, AN._MISSING) is obj:
            continue
        orig = n.id
        module, source_name = getattr(scope.fn, "__module__", None), orig
        first = getattr(scope.globals, "tl_linker", None)
        if first is not None:  # generated code: the name came from the user's module
            module, source_name = first.origins.get(orig, (module, orig))
        new = linker.bind(orig, obj, module, source_name)
        mapping_cache[orig] = new
        n.id = new
        if orig not in scope.closure and scope.globals.get(orig, AN._MISSING) is obj \
                and not isinstance(obj, types.ModuleType):
            linker.live[new] = (scope.globals, orig)
        elif first is not None and orig in getattr(scope.globals, "live", {}):
            linker.live[new] = scope.globals.live[orig]


def _generated_fn(obj):
    return isinstance(obj, tuple) and bool(obj) and obj[0] == "generated"


_counter = itertools.count(1)


def module_source(functions, linker, header_lines=(), runtime_import=True):
    """The text of a generated module."""
    lines = list(header_lines)
    imports = []
    others = []
    runtime = []
    used = {n.id for f, _ in functions for n in gast.walk(f) if isinstance(n, gast.Name)}
    for name, obj in sorted(linker.bindings.items()):
        if name not in used:
            continue
        if isinstance(obj, tuple) and obj and obj[0] == "generated":
            continue
        if isinstance(obj, types.ModuleType):
            mod = obj.__name__
            if name == mod:
                imports.append(f"import {mod}")
            elif "." in mod and name == mod.rsplit(".", 1)[1]:
                imports.append(f"from {mod.rsplit('.', 1)[0]} import {name}")
            else:
                imports.append(f"import {mod} as {name}")
        elif getattr(obj, "__module__", None) == "tangent_lite.runtime":
            runtime.append((name, obj))
        else:
            others.append(name)
    lines += imports
    if runtime and runtime_import:
        parts = [f"{o.__name__} as {n}" for n, o in runtime]
        line = "from tangent_lite.runtime import " + ", ".join(parts)
        if len(line) > 100:  # one name a line, as a formatter would
            line = "from tangent_lite.runtime import (\n" + "".join(
                f"    {p},\n" for p in parts) + ")"
        lines.append(line)
    elif runtime:
        lines.append("# helpers from tangent_lite.runtime: " + ", ".join(n for n, _ in runtime))
    if others:
        lines.append("# from the differentiated function's scope: " + ", ".join(others))
    body = "\n\n\n".join(function_source(f, info) for f, info in functions)
    text = "\n".join(lines)
    return (text + "\n\n\n" if text else "") + body + "\n"


def load(source, namespace, entry):
    filename = f"<tangent_lite {entry} #{next(_counter)}>"
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    code = compile(source, filename, "exec")
    exec(code, namespace)
    fn = namespace[entry]
    return fn


def build(fn, mode, wrt_names, optimize=True, single=None, known=None, of=None,
          output_index=None):
    """Generate the module for ``mode`` ∈ {grad, value_and_grad, vjp, jvp, hvp} of ``fn``.

    ``hvp`` is forward mode over the generated gradient ``fn`` of ``of``: the
    entry point returns the tangent alone, the Hessian-vector product.
    ``output_index`` differentiates one entry of a returned tuple (the tangent of a
    generated ``jvp``, for ``tl.grad(tl.jvp(f))``)."""
    fdef, info = frontend.parse_function(fn)
    fence.check(fdef, info)
    if not (mode in ("jvp", "hvp") and _is_generated(fn)):
        fence.check_aliasing(fdef, info)
    names = Names(names_in(fdef))
    normalize(fdef, info, names)
    if output_index is not None:
        _select_output(fdef, names, output_index)
    builder = ModuleBuilder(optimize)
    scope = AN.Scope(fn, known)
    label = of or fn
    entry = builder.linker.bind(
        f"{mode}_{fdef.name if label.__name__ == '<lambda>' else label.__name__}",
        ("generated", fn, mode))
    if mode in ("jvp", "hvp"):
        main = build_forward(Forward(fdef, info, scope, names, wrt_names, builder), entry,
                             optimize, tangent_only=mode == "hvp")
    else:
        # grad checks that the output is a scalar before its backward sweep runs
        tr = Reverse(fdef, info, scope, names, wrt_names, builder,
                     scalar_output=mode in ("grad", "value_and_grad"), uniform=optimize)
        if single is None:
            single = len(wrt_names) == 1
        main = build_entry(tr, entry, mode, optimize, single)
    functions = builder.functions + [(main, info, scope)]
    for f, _, sc in functions:
        link(f, sc, builder.linker)
    src_functions = [(f, info) for f, info, _ in functions]
    namespace = builder.linker.namespace()
    namespace["__name__"] = f"tangent_lite.generated.{entry}"
    namespace.tl_user_file = getattr(getattr(fn, "__globals__", None), "tl_user_file", None) \
        or _source_file(label)
    header = [f"# Generated by tangent_lite: {mode} of {label.__module__}.{label.__qualname__} "
              f"({_where(label)})."]
    source = module_source(src_functions, builder.linker, header)
    gen = Generated(source, namespace, entry, builder.linker, src_functions, label)
    gen.callees = [key[0] for key in builder.memo]
    return gen


def _unused_pops(body):
    """``v = lst.pop()`` whose ``v`` is never read becomes ``lst.pop()``: the pop must
    stay (the list is a stack), the name need not. ``x = x`` goes."""
    read = A.reads(gast.Module(body=body, type_ignores=[]))

    def fix(stmts):
        out = []
        for st in stmts:
            v = getattr(st, "value", None)
            if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and \
                    isinstance(v, gast.Name) and v.id == st.targets[0].id:
                continue  # dx = dx, left by inlining: nothing to do
            if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and \
                    st.targets[0].id not in read and isinstance(v, gast.Call) and \
                    isinstance(v.func, gast.Attribute) and v.func.attr == "pop":
                st = A.expr_stmt(v, A.origin_of(st))
            for field in ("body", "orelse"):
                if getattr(st, field, None):
                    kept = fix(getattr(st, field))
                    setattr(st, field, kept or ([gast.Pass()] if field == "body" else []))
            if isinstance(st, gast.If) and all(isinstance(b, gast.Pass) for b in st.body) \
                    and not st.orelse:
                continue  # a branch left with nothing to do
            out.append(st)
        return out
    return fix(body)


class _helper_gap:
    """A helper of generated code differentiated from its source because it has no rule:
    a failure there is a missing rule in tangent_lite, reported at the line that needs
    it rather than inside tangent_lite's own files."""

    def __init__(self, fn, mode, origin, caller_info):
        self.fn, self.mode, self.origin, self.caller_info = fn, mode, origin, caller_info

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or not isinstance(exc, TangentLiteError) or getattr(
                self.fn, "__module__", None) != "tangent_lite.runtime":
            return False
        from .errors import NoRuleError
        raise self.caller_info.error(
            NoRuleError, f"tangent_lite has no {self.mode} rule for its helper "
            f"{self.fn.__name__}(), which the derivative calls here, and cannot "
            f"differentiate its source ({getattr(exc, 'message', exc)})", self.origin,
            "a gap in tangent_lite's rules for derivatives of derivatives; a rule registered "
            f"for tangent_lite.runtime.{self.fn.__name__} (tl.register_jvp for forward mode, "
            "tl.register_vjp for reverse mode) fills it"
        ) from None


def _source_file(fn):
    try:
        return inspect.getsourcefile(fn)
    except TypeError:
        return None


def _is_generated(fn):
    """Generated code: forward mode follows its memory exactly (a tangent is a view where
    the value is one), so its aliasing needs no check; reverse mode still checks it."""
    return (getattr(fn, "__module__", "") or "").startswith("tangent_lite.generated.")


def _select_output(fdef, names, k):
    """Make the normalized function return entry ``k`` of the tuple it returns."""
    ret = fdef.body[-1]
    value = ret.value
    last = fdef.body[-2] if len(fdef.body) > 1 else None
    if isinstance(value, gast.Name) and isinstance(last, gast.Assign) and isinstance(
            last.targets[0], gast.Name) and last.targets[0].id == value.id and isinstance(
            last.value, gast.Tuple) and k < len(last.value.elts):
        ret.value = A.deepcopy(last.value.elts[k])  # (value, tangent): return the tangent
        return
    chosen = names.fresh("_t")
    pick = A.assign(A.store(chosen), gast.Subscript(value=value, slice=A.const(k),
                                                    ctx=gast.Load()), ret)
    fdef.body[-1:] = [pick, A.set_origin(gast.Return(value=A.load(chosen)), ret)]


def build_hvp(fn, wrt_names, optimize=True, known=None):
    """The Hessian-vector product of ``fn``: forward mode over its generated gradient."""
    gen = build(fn, "grad", wrt_names, optimize=optimize, known=known)
    g = load(gen.source, gen.namespace, gen.entry)
    g.source, g.tl_generated = gen.source, gen
    out = build(g, "hvp", wrt_names, optimize=optimize, of=fn)
    out.callees = list(gen.callees) + [fn]
    out.grad = g
    return out


def _where(fn):
    try:
        return f"{inspect.getsourcefile(fn)}:{fn.__code__.co_firstlineno}"
    except TypeError:
        return "?"
