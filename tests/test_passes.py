"""Unit tests of the compiler passes, each on its own (no derivative is taken here;
the derivatives these passes produce are checked numerically in the other files)."""

import ast

import gast
import pytest

import pass_inputs as P
from tangent_lite import analysis as AN
from tangent_lite import fence, frontend
from tangent_lite.errors import UnsupportedSyntaxError
from tangent_lite.naming import Names, names_in
from tangent_lite.normalize import local_names, normalize
from tangent_lite.optimize import copy_prop, dce, inline_temps, zero_prop
from tangent_lite.reverse import accum


def _normalized(fn):
    fdef, info = frontend.parse_function(fn)
    fence.check(fdef, info)
    names = Names(names_in(fdef))
    normalize(fdef, info, names)
    return fdef, info, names


def _src(stmts):
    mod = gast.Module(body=stmts, type_ignores=[])
    return ast.unparse(ast.fix_missing_locations(gast.gast_to_ast(mod)))


def _parse(src):
    return gast.parse(src).body


# ---------------------------------------------------------------- frontend / fence

def test_frontend_maps_nodes_back_to_file_lines():
    fdef, info = frontend.parse_function(P.anf_target)
    line, col, text = info.location(fdef.body[0])
    assert text.strip() == "z = np.exp(-x * y).sum()"
    assert line == P.anf_target.__code__.co_firstlineno + 1 and col == 5


def test_fence_points_at_the_construct():
    src = ("def f(x):\n    try:\n        y = x\n    except ValueError:\n        y = 0\n"
           "    return y\n")
    fdef = gast.parse(src).body[0]
    info = frontend.SourceInfo("m.py", 10, 0, tuple(src.splitlines()))
    with pytest.raises(UnsupportedSyntaxError) as exc:
        fence.check(fdef, info)
    assert "m.py:11:5" in str(exc.value) and "try" in str(exc.value)


# ---------------------------------------------------------------- normalize

def test_anf_gives_one_operation_per_statement():
    fdef, _, _ = _normalized(P.anf_target)
    for s in fdef.body[:-1]:
        assert isinstance(s, gast.Assign)
        ops = [n for n in gast.walk(s.value)
               if isinstance(n, (gast.BinOp, gast.UnaryOp, gast.Call, gast.Subscript))]
        assert len(ops) <= 1, _src([s])
    text = _src(fdef.body)
    assert "z = z + x" not in text  # x = x op y goes through a temporary
    assert isinstance(fdef.body[-1], gast.Return)


def test_break_becomes_flags_and_a_final_break():
    fdef, _, _ = _normalized(P.flags_target)
    loop = [s for s in fdef.body if isinstance(s, gast.For)][0]
    last = loop.body[-1]
    assert isinstance(last, gast.If) and isinstance(last.body[0], gast.Break)
    breaks = [n for n in gast.walk(loop) if isinstance(n, gast.Break)]
    assert len(breaks) == 1


def test_early_return_becomes_a_single_return():
    fdef, _, _ = _normalized(P.early_target)
    returns = [n for n in gast.walk(fdef) if isinstance(n, gast.Return)]
    assert len(returns) == 1 and returns[0] is fdef.body[-1]


# ---------------------------------------------------------------- analyses

def test_activity_keeps_only_what_depends_on_wrt_and_reaches_the_output():
    fdef, _, _ = _normalized(P.activity_target)
    scope = AN.Scope(P.activity_target)
    active, varied = AN.activity(fdef.body, ["x", "y", "n"], ["x"], scope, local_names(fdef))
    assert {"x", "a", "c"} <= active
    assert "b" not in active and "y" not in active  # b reaches the output only through len
    assert "d" not in active  # floor is piecewise constant
    assert "n" not in varied


def test_shapes_know_stencil_slices_are_equal():
    fdef, _, _ = _normalized(P.shapes_target)
    scope = AN.Scope(P.shapes_target)
    loc = local_names(fdef)
    sh = AN.Shapes(fdef.body, scope, loc, ["x", "s"], AN.scalars(fdef.body, scope, loc, {"x"}))
    assert sh.of(gast.Name(id="a", ctx=gast.Load(), annotation=None, type_comment=None)) == \
        sh.of(gast.Name(id="b", ctx=gast.Load(), annotation=None, type_comment=None))
    assert sh.shape["t"] == sh.SCALAR
    assert not sh.known(sh.shape["c"]) or sh.shape["c"] != sh.shape["b"]


# ---------------------------------------------------------------- optimize

def test_zero_prop_turns_first_contribution_into_assignment_and_drops_zero_cotangents():
    stmts = _parse("bx = 0.0\nby = 0.0\nbz = 0.0")
    stmts.append(accum("bx", gast.Name(id="g", ctx=gast.Load(), annotation=None,
                                       type_comment=None), "g", origin=None))
    stmts.append(accum("by", gast.Name(id="bz", ctx=gast.Load(), annotation=None,
                                       type_comment=None), "bz", origin=None))
    out = _src(zero_prop(stmts, {"bx", "by", "bz"}))
    assert "bx = g" in out
    assert "by = by +" not in out and "by = bz" not in out


def test_dce_removes_dead_assignments_and_keeps_loops_that_matter():
    stmts = _parse("a = 1\nb = 2\nfor i in range(3):\n    c = a + i\n    b = b + c\nd = 5\n"
                   "result = b")
    out = _src(dce(stmts, {"result"}))
    assert "d = 5" not in out and "for i in range(3)" in out and "c = a + i" in out


def test_dce_keeps_values_read_by_the_next_iteration():
    stmts = _parse("s = 0\nfor i in range(3):\n    t = s * 2\n    s = t + 1\nout = s")
    assert "t = s * 2" in _src(dce(stmts, {"out"}))


def test_copy_prop_reads_the_source_of_a_copy():
    out = _src(dce(copy_prop(_parse("a = b\nc = a * 2\nr = c")), {"r"}))
    assert out.strip() == "c = b * 2\nr = c"


def test_inline_temps_rebuilds_expressions_but_not_past_a_write():
    stmts = _parse("_t1 = -z\n_t2 = np.exp(_t1)\n_t3 = x + 1\nx = 5\ny = _t3 * _t2")
    out = _src(inline_temps(stmts, {"_t1", "_t2", "_t3"}))
    assert "_t2 = np.exp(-z)" in out or "np.exp(-z)" in out
    assert "_t3 = x + 1" in out  # x changes before _t3 is read
