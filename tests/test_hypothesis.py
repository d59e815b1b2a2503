"""Property-based tests: random small programs, tl.grad vs central finite differences.

A hypothesis strategy builds a program as source text (arithmetic, np.sin/np.exp/
np.tanh on bounded arguments, if/else on comparisons, for loops over range(k) with
loop-carried accumulators, while loops with a counter). Each program is written to a
real .py file and imported, so tangent_lite can read its source. An instrumented twin
of the program records every comparison's margin; points close to a branch boundary
(where finite differences are meaningless) or where values blow up are rejected.
"""

import importlib.util
import itertools
import math

import numpy as np
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import tangent_lite as tl
from fd import assert_close, numerical_grad

_counter = itertools.count()

VARS = ("x", "y")


# ---------------------------------------------------------------------------
# Expression and statement strategies (source text)
# ---------------------------------------------------------------------------


def _expr(names, depth):
    var = st.sampled_from(names)
    leaf = st.one_of(
        var, var, var,
        st.floats(-2.0, 2.0).map(lambda c: repr(round(c, 2))),
    )
    if depth <= 0:
        return leaf
    sub = _expr(names, depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*"]), sub).map(
            lambda t: "(%s %s %s)" % t),
        # division with a denominator bounded away from zero
        st.tuples(sub, sub).map(lambda t: "(%s / (1.5 + np.sin(%s)))" % t),
        sub.map(lambda e: "np.sin(%s)" % e),
        sub.map(lambda e: "np.tanh(%s)" % e),
        sub.map(lambda e: "np.exp(np.sin(%s))" % e),
        sub.map(lambda e: "(-%s)" % e),
    )


@st.composite
def _block(draw, names, depth, indent):
    """A list of source lines; assigns only to existing names (so all stay defined)."""
    pad = "    " * indent
    lines = []
    n = draw(st.integers(1, 3))
    for _ in range(n):
        kind = draw(st.sampled_from(
            ["assign", "assign", "accumulate", "if", "for", "while"] if depth > 0
            else ["assign", "accumulate"]))
        target = draw(st.sampled_from(names))
        if kind == "assign":
            lines.append("%s%s = %s" % (pad, target, draw(_expr(names, 2))))
        elif kind == "accumulate":
            lines.append("%s%s = %s + 0.5 * np.tanh(%s)" % (
                pad, target, target, draw(_expr(names, 2))))
        elif kind == "if":
            a, b = draw(_expr(names, 1)), draw(_expr(names, 1))
            op = draw(st.sampled_from(["<", ">"]))
            lines.append("%sif %s %s %s:" % (pad, a, op, b))
            lines.extend(draw(_block(names, depth - 1, indent + 1)))
            if draw(st.booleans()):
                lines.append("%selse:" % pad)
                lines.extend(draw(_block(names, depth - 1, indent + 1)))
        elif kind == "for":
            k = draw(st.integers(0, 4))
            loopvar = "i%d" % indent
            lines.append("%sfor %s in range(%d):" % (pad, loopvar, k))
            body_names = names + (loopvar,)
            lines.append("%s    %s = %s + 0.3 * np.sin(%s * %s)" % (
                pad, target, target, draw(_expr(body_names, 1)), loopvar))
            lines.extend(draw(_block(names, depth - 1, indent + 1)))
        else:  # while with a counter
            k = draw(st.integers(0, 3))
            counter = "n%d" % indent
            lines.append("%s%s = 0" % (pad, counter))
            lines.append("%swhile %s < %d:" % (pad, counter, k))
            lines.append("%s    %s = %s * 0.9 + 0.2 * np.tanh(%s)" % (
                pad, target, target, draw(_expr(names, 1))))
            lines.extend(draw(_block(names, depth - 1, indent + 1)))
            lines.append("%s    %s = %s + 1" % (pad, counter, counter))
    return lines


@st.composite
def programs(draw):
    names = ("x", "y", "a")
    body = ["    a = x * y"]
    body.extend(draw(_block(names, 2, 1)))
    ret = draw(_expr(names, 2))
    body.append("    return %s + a * x - y" % ret)
    return "def f(x, y):\n" + "\n".join(body) + "\n"


# ---------------------------------------------------------------------------
# Instrumentation: the same program with every comparison's margin recorded
# ---------------------------------------------------------------------------


def _instrument(src):
    import ast

    tree = ast.parse(src)

    class Record(ast.NodeTransformer):
        def visit_Compare(self, node):
            self.generic_visit(node)
            # a < b  ->  _rec(a - b) < 0   (same truth value, margin recorded)
            diff = ast.BinOp(left=node.left, op=ast.Sub(), right=node.comparators[0])
            call = ast.Call(func=ast.Name("_rec", ast.Load()), args=[diff], keywords=[])
            return ast.Compare(left=call, ops=node.ops, comparators=[ast.Constant(0.0)])

    tree = ast.fix_missing_locations(Record().visit(tree))
    return ast.unparse(tree)


def _load(src, tmp_dir):
    name = "hyp_prog_%d" % next(_counter)
    path = tmp_dir / (name + ".py")
    path.write_text("import numpy as np\n\n\n" + src)
    spec = importlib.util.spec_from_file_location(name, str(path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.f


def _min_margin(src, x, y):
    margins = []

    def _rec(v):
        # integer comparisons (while-loop counters) are exact, not near-boundary cases
        if not isinstance(v, (int, np.integer)):
            margins.append(abs(float(v)))
        return v

    ns = {"np": np, "_rec": _rec}
    exec(compile(_instrument(src), "<instrumented>", "exec"), ns)
    value = ns["f"](x, y)
    return (min(margins) if margins else math.inf), value


@settings(max_examples=70, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(src=programs(), x=st.floats(-1.5, 1.5), y=st.floats(-1.5, 1.5))
def test_random_program_grad(tmp_path_factory, src, x, y):
    note(src)
    margin, value = _min_margin(src, x, y)
    assume(margin > 1e-3)
    assume(np.isfinite(value) and abs(value) < 1e4)
    f = _load(src, tmp_path_factory.getbasetemp())
    expected = numerical_grad(f, (x, y), (0, 1))
    assume(all(np.isfinite(e) and abs(e) < 1e5 for e in expected))
    g = tl.grad(f, wrt=(0, 1))(x, y)
    note("tl: %r  fd: %r" % (g, expected))
    assert isinstance(g, tuple) and len(g) == 2
    assert all(isinstance(gi, float) for gi in g)
    assert_close(g, expected, rtol=1e-4, atol=1e-5)


@st.composite
def array_programs(draw):
    # straight-line + loop programs over a small array, reduced with np.sum
    k = draw(st.integers(0, 3))
    e1 = draw(_expr(("v", "w"), 2))
    e2 = draw(_expr(("v", "w", "h"), 2))
    lines = [
        "def f(v, w):",
        "    h = %s" % e1,
        "    for i in range(%d):" % k,
        "        h = h + 0.5 * np.tanh(%s)" % e2,
        "    return np.sum(h * v)",
    ]
    return "\n".join(lines) + "\n"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(src=array_programs(), seed=st.integers(0, 2 ** 16))
def test_random_array_program_grad(tmp_path_factory, src, seed):
    note(src)
    rng = np.random.default_rng(seed)
    v = rng.uniform(-1.0, 1.0, 3)
    w = rng.uniform(-1.0, 1.0, 3)
    f = _load(src, tmp_path_factory.getbasetemp())
    value = f(v.copy(), w.copy())
    assume(np.all(np.isfinite(value)) and abs(value) < 1e4)
    expected = numerical_grad(f, (v, w), (0, 1))
    g = tl.grad(f, wrt=(0, 1))(v, w)
    assert_close(g, expected, rtol=1e-4, atol=1e-5)
