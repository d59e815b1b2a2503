"""Forward mode (tl.jvp): every directional derivative against an independent oracle.

The oracle is a central finite difference in float64 along the same direction
(tests/tree_fd.py) and, for the sweep over the reverse-mode test functions, also
the gradient from tl.grad dotted with the direction.
"""

import copy
import math
import inspect
import os
import re

import numpy as np
import pytest

import forward_functions as ff
import tangent_lite as tl
from tree_fd import (assert_tree_close, assert_tree_equal, directional_fd, random_like,
                     snapshot)

_rng = np.random.default_rng(7)


def _u(shape, lo=-1.0, hi=1.0):
    return _rng.uniform(lo, hi, size=shape)


def _positions(f, wrt):
    names = list(inspect.signature(f).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [names.index(w) if isinstance(w, str) else w for w in items]


def check_jvp(f, args, wrt=0, tangents=None, mutates=False, rtol=1e-5, atol=1e-6,
              seed=0):
    """tl.jvp(f, wrt)(*args, *tangents) == (f(*args), FD directional derivative).

    Also: the tangent has the output's structure and shapes, the tangents passed in are
    not modified, and the primal inputs are modified exactly as f itself modifies them.
    """
    rng = np.random.default_rng(seed)
    positions = _positions(f, wrt)
    if tangents is None:
        tangents = [random_like(args[p], rng) for p in positions]
    expected_t = directional_fd(f, args, dict(zip(positions, tangents)))
    f_args = copy.deepcopy(list(args))
    expected_y = f(*f_args)
    call_args = copy.deepcopy(list(args))
    call_tangents = copy.deepcopy(list(tangents))
    before_t = snapshot(call_tangents)
    y, t = tl.jvp(f, wrt=wrt)(*call_args, *call_tangents)
    assert_tree_equal(call_tangents, before_t, "a tangent passed to the jvp")
    assert_tree_equal(call_args, f_args if mutates else list(args), "a primal argument")
    assert_tree_close(y, expected_y, rtol=1e-12, atol=1e-12)
    assert_tree_close(t, expected_t, rtol=rtol, atol=atol)
    return y, t


V3 = _u(3)
V4 = _u(4)
V5 = _u(5)
A34 = _u((3, 4))
A33 = _u((3, 3))

# (id, function, args, wrt)
CASES = [
    ("scalar_poly_x", ff.scalar_poly, (0.7, -1.3), 0),
    ("scalar_poly_y", ff.scalar_poly, (0.7, -1.3), 1),
    ("scalar_poly_both", ff.scalar_poly, (0.7, -1.3), (0, 1)),
    ("array_chain", ff.array_chain, (V5,), 0),
    ("broadcast_const", ff.broadcast_const, (V3,), 0),
    ("broadcast_const_mul", ff.broadcast_const_mul, (V3,), 0),
    ("broadcast_const_scalar", ff.broadcast_const, (0.4,), 0),
    ("broadcast_col_x", ff.broadcast_col, (V4, V3), 0),
    ("broadcast_col_c", ff.broadcast_col, (V4, V3), 1),
    ("reduce_all", ff.reduce_all, (A34,), 0),
    ("matvec_a", ff.matvec, (A33, V3), 0),
    ("matvec_both", ff.matvec, (A33, V3), (0, 1)),
    ("if_top", ff.if_elif_else, (1.5,), 0),
    ("if_mid", ff.if_elif_else, (0.3,), 0),
    ("if_else", ff.if_elif_else, (-1.8,), 0),
    ("branch_on_array_pos", ff.branch_on_array, (np.abs(V4) + 0.1,), 0),
    ("branch_on_array_neg", ff.branch_on_array, (-np.abs(V4) - 0.1,), 0),
    ("ifexp_true", ff.ifexp, (1.2, 0.4), (0, 1)),
    ("ifexp_false", ff.ifexp, (-1.2, 0.4), (0, 1)),
    ("for_range", ff.for_range, (0.8,), 0),
    ("for_range_array", ff.for_range, (V3,), 0),
    ("for_over_array_rows", ff.for_over_array_rows, (A34,), 0),
    ("for_over_list", ff.for_over_list, ([0.3, V3, -1.2],), 0),
    ("for_enumerate", ff.for_enumerate, (V5,), 0),
    ("for_zip", ff.for_zip, (V4, _u(4)), (0, 1)),
    ("while_loop", ff.while_loop, (0.9,), 0),
    ("break_continue", ff.break_continue, (0.6,), 0),
    ("break_continue_nobreak", ff.break_continue, (0.05,), 0),
    ("early_return_hit", ff.early_return, (1.3,), 0),
    ("early_return_miss", ff.early_return, (0.2,), 0),
    ("nested_loops", ff.nested_loops, (A33,), 0),
    ("nested_while_for", ff.nested_while_for, (0.7,), 0),
    ("setitem_loop", ff.setitem_loop, (V4,), 0),
    ("augitem_2d", ff.augitem_2d, (np.array([0.5, -0.7, 1.1]),), 0),
    ("slice_assign", ff.slice_assign, (V4,), 0),
    ("mutate_copy", ff.mutate_copy, (V3,), 0),
    ("inplace_in_branch_if", ff.inplace_in_branch, (V3, 1), 0),
    ("inplace_in_branch_else", ff.inplace_in_branch, (V3, -1), 0),
    ("list_arg", ff.list_arg, ([0.5, V3, 1.1],), 0),
    ("tuple_arg", ff.tuple_arg, ((V3, _u(3)),), 0),
    ("dict_arg", ff.dict_arg, ({"w": V3, "b": _u(3), "c": 0.7},), 0),
    ("list_out", ff.list_out, (V3,), 0),
    ("tuple_out", ff.tuple_out, (V3, _u(3)), (0, 1)),
    ("dict_out", ff.dict_out, (V3,), 0),
    ("appends", ff.appends, (V3,), 0),
    ("list_comp", ff.list_comp, (V5,), 0),
    ("list_comp_loop", ff.list_comp_loop, (V5,), 0),
    ("list_comp_array", ff.list_comp_array, (V5,), 0),
    ("builtin_sum", ff.builtin_sum, (V5,), 0),
    ("builtin_max", ff.builtin_max, (0.3, 0.9), (0, 1)),
    ("lambda_local", ff.lambda_local, (0.6,), 0),
    ("nested_def", ff.nested_def, (0.6, -0.9), (0, 1)),
    ("calls_helper_kw", ff.calls_helper_kw, (0.45,), 0),
    ("calls_other_module", ff.calls_other_module, (0.45,), 0),
    ("calls_other_module_array", ff.calls_other_module_array, (V4,), 0),
    ("methods_x", ff.methods, (A34, V4), 0),
    ("methods_y", ff.methods, (A34, V4), 1),
    ("wrt_name", ff.three_args, (V3, _u(3), _u(3)), "w"),
    ("wrt_tuple_names", ff.three_args, (V3, _u(3), _u(3)), ("b", "x")),
    ("wrt_tuple_positions", ff.three_args, (V3, _u(3), _u(3)), (0, 1, 2)),
    ("with_default", ff.with_default, (V3, 2.0), 0),
    ("with_default_wrt_scale", ff.with_default, (V3, 1.3), 1),
    ("while_break_inplace", ff.while_break_inplace, (_u(3, 0.1, 1.0),), 0),
    ("return_in_nested_hit", ff.return_in_nested, (_u((3, 3), 0.1, 1.0),), 0),
    ("return_in_nested_miss", ff.return_in_nested, (_u((2, 2), 0.0, 0.3),), 0),
    ("loop_over_list_of_arrays", ff.loop_over_list_of_arrays, ([_u(2), _u(2)],), 0),
    ("row_views", ff.row_views, (A34,), 0),
    ("slices_2d", ff.slices_2d, (_u((4, 4)),), 0),
    ("closure_loop", ff.closure_loop, (0.4,), 0),
    ("ifexp_in_comprehension", ff.ifexp_in_comprehension, (np.array([0.5, -0.3, 1.2]),), 0),
    ("dict_loop", ff.dict_loop, ({"a": _u(2), "b": _u(3)},), 0),
    ("global_array_use", ff.global_array_use, (V3,), 0),
    ("getitem_negative_step", ff.getitem_negative_step, (V5,), 0),
    ("nested_tuple_out", ff.nested_tuple_out, (_u(2),), 0),
    ("cond_chain_and", ff.cond_chain, (0.5, 0.7), (0, 1)),
    ("cond_chain_or", ff.cond_chain, (0.5, -0.7), (0, 1)),
    ("cond_chain_else", ff.cond_chain, (-0.5, -0.7), (0, 1)),
    ("assert_and_pass", ff.assert_and_pass, (0.5,), 0),
]

XFAIL = {}


def _param(case):
    marks = []
    if case[0] in XFAIL:
        marks.append(pytest.mark.xfail(reason=XFAIL[case[0]], strict=True))
    return pytest.param(*case[1:], id=case[0], marks=marks)


@pytest.mark.parametrize("f,args,wrt", [_param(c) for c in CASES])
def test_jvp_matches_fd(f, args, wrt):
    check_jvp(f, args, wrt)


def test_mutating_function_mutates_like_the_original():
    x = _u(3)
    check_jvp(ff.mutates_input, (x,), 0, mutates=True)


def test_broadcast_tangent_has_the_output_shape():
    y, t = tl.jvp(ff.broadcast_const)(V3, np.ones(3))
    assert np.shape(t) == (3, 3)
    np.testing.assert_array_equal(t, np.ones((3, 3)))


def test_tangent_of_a_constant_output_is_zero_with_output_shape():
    # the tangent of x.shape-independent output: d/dx of (C33 * 0 + x)[0, 0] pattern
    y, t = tl.jvp(ff.broadcast_col, wrt=1)(V4, V3, np.zeros(3))
    assert np.shape(t) == (3, 4)
    np.testing.assert_array_equal(t, np.zeros((3, 4)))


def test_tuple_wrt_is_the_sum_of_the_single_jvps():
    args = (V3, _u(3), _u(3))
    us = [_u(3), _u(3), _u(3)]
    _, total = tl.jvp(ff.three_args, wrt=(0, 1, 2))(*args, *us)
    parts = [tl.jvp(ff.three_args, wrt=k)(*args, us[k])[1] for k in range(3)]
    np.testing.assert_allclose(total, sum(parts), rtol=1e-12, atol=1e-14)


def test_default_argument_must_be_passed_explicitly():
    # the jvp entry takes every positional argument, then the tangents
    x, u = V3, _u(3)
    y, t = tl.jvp(ff.with_default)(x, 2.0, u)
    assert_tree_close(t, directional_fd(ff.with_default, (x, 2.0), {0: u}))
    assert_tree_close(y, ff.with_default(x))


def test_stop_gradient_is_constant():
    x, u = V3, _u(3)
    _, t = tl.jvp(ff.stop_grad)(x, u)
    np.testing.assert_allclose(t, (x * x + np.cos(x)) * u, rtol=1e-12)


def test_jvp_is_linear_in_the_tangent():
    x, u, w = V5, _u(5), _u(5)
    j = tl.jvp(ff.array_chain)
    _, tu = j(x, u)
    _, tw = j(x, w)
    _, tsum = j(x, 2.0 * u - 3.0 * w)
    np.testing.assert_allclose(tsum, 2.0 * tu - 3.0 * tw, rtol=1e-10, atol=1e-12)


def test_differentiable_decorator_jvp():
    d = tl.differentiable(ff.three_args, wrt="w")
    args = (V3, _u(3), _u(3))
    u = _u(3)
    y, t = d.jvp(*args, u)
    assert_tree_close(t, directional_fd(ff.three_args, args, {1: u}))
    assert_tree_close(y, ff.three_args(*args))


def test_jvp_is_cached():
    assert tl.jvp(ff.array_chain) is tl.jvp(ff.array_chain)


# ---------------------------------------------------------------- sweep over reverse-mode cases


def _sweep_cases():
    import test_grad_e2e as e2e
    import test_realistic as real

    out = []
    for f, args, wrt in e2e.CASES + e2e.SPEC_NUMPY_CASES:
        out.append(("e2e-%s-wrt%s" % (f.__name__, wrt), f, args, wrt))
    tables = [getattr(real, n) for n in sorted(dir(real)) if re.fullmatch(r"CASES\d*", n)]
    for table in tables:
        for case in table:
            if case[0] not in real.XFAIL:  # reverse mode gets these wrong too: see below
                out.append(("realistic-" + case[0],) + tuple(case[1:]))
    seen = {}
    unique = []
    for case in out:
        seen[case[0]] = seen.get(case[0], 0) + 1
        name = case[0] if seen[case[0]] == 1 else "%s-%d" % (case[0], seen[case[0]])
        unique.append((name,) + case[1:])
    return unique


SWEEP = _sweep_cases()
# Missing forward rules for calls that reverse mode differentiates (SPEC §2 lists them).
SWEEP_XFAIL = {}  # every case reverse mode supports also works in forward mode


def _sweep_param(case):
    marks = []
    if case[0] in SWEEP_XFAIL:
        marks.append(pytest.mark.xfail(reason=SWEEP_XFAIL[case[0]], strict=True))
    return pytest.param(*case[1:], id=case[0], marks=marks)


def _dot(g, u):
    from tree_fd import tree_map
    total = [0.0]

    def acc(a, b):
        total[0] += float(np.sum(np.asarray(a) * np.asarray(b)))

    tree_map(acc, g, u)
    return total[0]


def _is_float_input(x):
    from tree_fd import tree_map
    ok = [True]

    def chk(a):
        if isinstance(a, bool) or not isinstance(a, (float, np.ndarray)) or \
                (isinstance(a, np.ndarray) and a.dtype.kind != "f"):
            ok[0] = False

    tree_map(chk, x)
    return ok[0]


def _with_defaults(f, args):
    """The jvp entry takes every positional argument explicitly: fill in the defaults."""
    params = list(inspect.signature(f).parameters.values())
    extra = [p.default for p in params[len(args):]
             if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is not p.empty]
    return tuple(args) + tuple(extra)


@pytest.mark.parametrize("f,args,wrt", [_sweep_param(c) for c in SWEEP])
def test_sweep_jvp_equals_grad_dot_u(f, args, wrt):
    positions = _positions(f, wrt)
    if not all(_is_float_input(args[p]) for p in positions):
        pytest.skip("integer-valued wrt argument: no tangent direction")
    args = _with_defaults(f, args)
    rng = np.random.default_rng(11)
    us = [random_like(args[p], rng) for p in positions]
    g = tl.grad(f, wrt=wrt)(*copy.deepcopy(list(args)))
    gs = g if isinstance(wrt, tuple) else (g,)
    expected = sum(_dot(gi, ui) for gi, ui in zip(gs, us))
    y, t = tl.jvp(f, wrt=wrt)(*copy.deepcopy(list(args)), *copy.deepcopy(us))
    assert np.shape(t) == ()
    fd = directional_fd(f, args, dict(zip(positions, us)))
    scale = max(1.0, abs(float(expected)))
    assert abs(float(t) - expected) <= 1e-8 * scale, (float(t), expected)
    assert abs(float(t) - float(fd)) <= 1e-5 * scale, (float(t), float(fd))
    assert float(y) == pytest.approx(float(f(*copy.deepcopy(list(args)))), rel=1e-12,
                                     abs=1e-12)


def test_jvp_on_integer_index_view_alias():
    """row = Y[i] is a view of Y; Y[i] = ... then changes row, and drow with dY (reverse
    mode is xfail here)."""
    import test_realistic as real

    check_jvp(real.row_normalize_with_view, (_u((3, 2)),), 0)


def test_jvp_on_scatter_add_with_repeated_index():
    """counts[idx] += w with a repeated index keeps only the last write (reverse mode gets
    this wrong; forward mode must follow NumPy)."""
    import test_realistic as real

    check_jvp(real.histogram_scatter_add, (_u(3),), 0)


# ---------------------------------------------------------------- register_jvp


def test_register_jvp_for_a_library_function_is_inlined():
    from tangent_lite.rules import registry
    built_in = registry.lookup_jvp(np.sinc)
    tl.register_jvp(np.sinc)(ff.sinc_rule)
    try:
        j = tl.jvp(ff.uses_sinc)
        assert "np.cos(np.pi *" in j.source  # the rule's body, inlined
        assert "sinc_rule" not in j.source
        x, u = np.array([0.3, -1.2, 2.1]), _u(3)
        check_jvp(ff.uses_sinc, (x,), 0, tangents=[u])
    finally:  # the built-in rule is back for the other tests
        registry._JVP[registry._key(np.sinc)] = built_in


def test_register_jvp_for_a_user_function_is_inlined():
    tl.register_jvp(ff.black_box)(ff.black_box_rule)
    j = tl.jvp(ff.uses_black_box)
    assert "3.0 * x * x" in j.source
    assert "jvp_black_box" not in j.source
    check_jvp(ff.uses_black_box, (0.7,), 0)


def test_register_jvp_makes_an_opaque_user_function_differentiable():
    tl.register_jvp(ff.opaque_identity)(ff.identity_rule)
    x, u = _u(3), _u(3)
    y, t = tl.jvp(ff.uses_opaque_identity)(x, u)
    np.testing.assert_allclose(t, 2.0 * u, rtol=1e-12)


def test_register_jvp_with_wrong_arity_is_an_error():
    with pytest.raises(tl.TangentLiteError, match="ans, \\*args, \\*tangents"):
        tl.register_jvp(ff.black_box2)(ff.wrong_arity_rule)
        tl.jvp(ff.uses_black_box2)


def test_call_without_a_rule_names_file_and_line():
    src_lines, start = inspect.getsourcelines(ff.uses_i0)
    line = start + next(i for i, s in enumerate(src_lines) if "NO RULE" in s)
    with pytest.raises(tl.TangentLiteError) as info:
        tl.jvp(ff.uses_i0)
    msg = str(info.value)
    assert "forward_functions.py:%d:" % line in msg
    assert "np.i0" in msg and "register_jvp" in msg


def test_missing_forward_rule_names_the_users_line():
    src_lines, start = inspect.getsourcelines(ff.uses_opaque)
    with pytest.raises(tl.TangentLiteError) as info:
        tl.jvp(ff.uses_opaque)
    assert "forward_functions.py:%d:" % (start + 2) in str(info.value)


def test_hvp_error_names_the_users_file(monkeypatch):
    """A registered reverse rule whose body forward mode cannot differentiate (it calls
    np.i0, which has no forward rule): the hvp error names the user's file."""
    from tangent_lite.rules import registry as R

    monkeypatch.setitem(R._VJP, ff.opaque_cosh, R.Rule(ff.opaque_cosh, ff.opaque_cosh_vjp))
    with pytest.raises(tl.TangentLiteError) as info:
        tl.hvp(ff.uses_opaque_cosh)
    assert "forward_functions.py:" in str(info.value)


# ---------------------------------------------------------------- readable, deterministic source


def _ruff(src, tmp_path, project_config=True):
    """ruff check with the project's pyproject.toml (line length 100, E/F/W), or, as
    tests/test_api.py does for ``.source``, E/F/W without E501."""
    import shutil
    import subprocess

    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    path = tmp_path / "generated.py"
    path.write_text(src)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if project_config:
        opts = ["--config", os.path.join(root, "pyproject.toml")]
    else:
        opts = ["--isolated", "--select", "E,F,W", "--ignore", "E501,E731"]
    res = subprocess.run([ruff, "check", "--no-cache"] + opts + [str(path)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def _fresh_source(mode, fname):
    """Build from scratch in a subprocess (no cache, fresh counters)."""
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ("import sys; sys.path[:0] = [%r, %r]\n"
            "import tangent_lite as tl, forward_functions as ff\n"
            "sys.stdout.write(tl.%s(ff.%s).source)\n"
            % (root, os.path.join(root, "tests"), mode, fname))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.mark.parametrize("mode", ["jvp", "hvp"])
def test_generated_source_is_readable(mode, tmp_path):
    src = getattr(tl, mode)(ff.five_lines).source
    header, rest = src.split("\n", 1)
    assert header.startswith("# Generated by tangent_lite: %s of " % mode)
    # the header carries the absolute path of the source file: its length depends on where
    # the repository lives, so it is checked separately
    _ruff("# header\n" + rest, tmp_path)
    _, start = inspect.getsourcelines(ff.five_lines)
    for k in range(1, 6):
        assert "# L%d:" % (start + k) in src, "no comment for line %d" % (start + k)
    assert "__tl_" not in src
    assert ("def %s_five_lines(x, y, dx)" % mode) in src


@pytest.mark.parametrize("mode", ["jvp", "hvp"])
def test_generated_source_is_deterministic(mode):
    a = _fresh_source(mode, "five_lines")
    b = _fresh_source(mode, "five_lines")
    assert a == b
    assert a == getattr(tl, mode)(ff.five_lines).source


RUFF_CASES = ([("jvp", n) for n in ("setitem_loop", "break_continue", "calls_helper_kw",
                                     "dict_out", "nested_def", "augitem_2d")]
              + [("hvp", n) for n in ("break_continue", "calls_helper_kw", "nested_def",
                                      "loss_loops", "loss_inplace")])


@pytest.mark.parametrize("mode,fname", RUFF_CASES)
def test_source_of_control_flow_passes_ruff(mode, fname, tmp_path):
    src = getattr(tl, mode)(getattr(ff, fname)).source
    _ruff(src, tmp_path, project_config=False)
    assert "__tl_" not in src


# ---------------------------------------------------------------- command line: jvp and hvp

CLI_MODEL = '''\
import numpy as np

from cli_helpers import squash

SHIFT = 0.5


def loss(w, x):
    z = x @ w
    return np.sum(np.tanh(z + SHIFT) ** 2) + squash(w[0])


def field(w, x):
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = np.sin(x[i] @ w) * w[i % w.shape[0]]
    return out
'''

CLI_HELPERS = '''\
import numpy as np

GAIN = 1.5


def squash(t):
    return GAIN * np.tanh(t) * t
'''

CLI_W = np.array([0.3, -0.8, 0.5])
CLI_X = np.array([[0.2, 0.4, -0.1], [1.0, -0.3, 0.6], [-0.5, 0.7, 0.9], [0.1, 0.1, -0.8]])
CLI_U = np.array([0.7, 0.2, -0.4])
CLI_UX = np.linspace(-1.0, 1.0, 12).reshape(4, 3)


@pytest.fixture
def cli_dir(tmp_path):
    (tmp_path / "model.py").write_text(CLI_MODEL)
    (tmp_path / "cli_helpers.py").write_text(CLI_HELPERS)
    return tmp_path


def _cli_model(cli_dir):
    import importlib.util
    import sys

    sys.path.insert(0, str(cli_dir))
    try:
        spec = importlib.util.spec_from_file_location("fwd_cli_model_%d" % id(cli_dir),
                                                      str(cli_dir / "model.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(cli_dir))
    return mod


def _run_out(workdir, call):
    import json

    import test_cli

    code = """
        import numpy as np
        import out
        W = np.array(%r); X = np.array(%r); U = np.array(%r); UX = np.array(%r)
        res = %s
        print(json.dumps([np.asarray(r).tolist() for r in res]))
    """ % (CLI_W.tolist(), CLI_X.tolist(), CLI_U.tolist(), CLI_UX.tolist(), call)
    res = test_cli.run_isolated(workdir, code)
    assert res.returncode == 0, res.stderr
    return [np.array(r) for r in json.loads(res.stdout)]


def _cli(args, cwd):
    import test_cli

    proc = test_cli.run_cli(args, cwd)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_cli_jvp_file_runs_without_tangent_lite(cli_dir):
    _cli(["jvp", "model.py:loss", "-o", "out.py"], cli_dir)
    text = (cli_dir / "out.py").read_text()
    assert "def jvp_loss(" in text and "tangent-lite jvp model.py:loss" in text
    assert "tangent_lite" not in "\n".join(ln for ln in text.splitlines()
                                            if ln.startswith(("import", "from")))
    y, t = _run_out(cli_dir, "out.jvp_loss(W, X, U)")
    model = _cli_model(cli_dir)
    assert float(y) == pytest.approx(float(model.loss(CLI_W, CLI_X)), rel=1e-12)
    assert float(t) == pytest.approx(float(directional_fd(model.loss, (CLI_W, CLI_X),
                                                          {0: CLI_U})), rel=1e-6)
    assert float(t) == pytest.approx(float(tl.jvp(model.loss)(CLI_W, CLI_X, CLI_U)[1]),
                                     rel=1e-12)


def test_cli_jvp_two_wrt_array_output(cli_dir):
    _cli(["jvp", "model.py:field", "--wrt", "w,x", "-o", "out.py"], cli_dir)
    y, t = _run_out(cli_dir, "out.jvp_field(W, X, U, UX)")
    model = _cli_model(cli_dir)
    np.testing.assert_allclose(y, model.field(CLI_W, CLI_X), rtol=1e-12)
    expected = directional_fd(model.field, (CLI_W, CLI_X), {0: CLI_U, 1: CLI_UX})
    np.testing.assert_allclose(t, expected, rtol=1e-6, atol=1e-8)


def test_cli_hvp_file_runs_without_tangent_lite(cli_dir):
    _cli(["hvp", "model.py:loss", "-o", "out.py"], cli_dir)
    text = (cli_dir / "out.py").read_text()
    assert "def hvp_loss(" in text
    (hv,) = _run_out(cli_dir, "[out.hvp_loss(W, X, U)]")
    model = _cli_model(cli_dir)
    g = tl.grad(model.loss)
    h = 1e-5
    expected = (g(CLI_W + h * CLI_U, CLI_X) - g(CLI_W - h * CLI_U, CLI_X)) / (2 * h)
    np.testing.assert_allclose(hv, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hv, tl.hvp(model.loss)(CLI_W, CLI_X, CLI_U), rtol=1e-12)


@pytest.mark.parametrize("mode", ["jvp", "hvp"])
def test_cli_standalone_needs_nothing_from_the_users_module(cli_dir, tmp_path_factory, mode):
    _cli([mode, "model.py:loss", "--standalone", "-o", "out.py"], cli_dir)
    text = (cli_dir / "out.py").read_text()
    imports = [ln for ln in text.splitlines() if ln.startswith(("import", "from"))]
    assert not any("model" in ln or "cli_helpers" in ln or "tangent_lite" in ln
                   for ln in imports), imports
    elsewhere = tmp_path_factory.mktemp("standalone")
    (elsewhere / "out.py").write_text(text)
    call = "out.jvp_loss(W, X, U)" if mode == "jvp" else "[out.hvp_loss(W, X, U)]"
    got = _run_out(elsewhere, call)
    model = _cli_model(cli_dir)
    expected = (tl.jvp(model.loss)(CLI_W, CLI_X, CLI_U) if mode == "jvp"
                else [tl.hvp(model.loss)(CLI_W, CLI_X, CLI_U)])
    for a, e in zip(got, expected):
        np.testing.assert_allclose(a, e, rtol=1e-12)


@pytest.mark.parametrize("mode", ["jvp", "hvp"])
def test_cli_output_passes_ruff(cli_dir, mode, tmp_path):
    _cli([mode, "model.py:loss", "-o", "out.py"], cli_dir)
    _ruff((cli_dir / "out.py").read_text(), tmp_path, project_config=False)


def test_cli_jvp_error_names_the_line(cli_dir):
    import test_cli

    (cli_dir / "bad.py").write_text("import numpy as np\n\n\ndef f(x):\n"
                                    "    y = x * 2.0\n    return np.i0(y)\n")
    proc = test_cli.run_cli(["jvp", "bad.py:f", "-o", "out.py"], cli_dir)
    assert proc.returncode == 1
    assert "bad.py:6:" in proc.stderr
    assert not (cli_dir / "out.py").exists()


# ---------------------------------------------------------------- conventions at kinks (SPEC §3)


def test_abs_at_zero_has_zero_tangent():
    assert tl.jvp(ff.conv_abs)(0.0, 1.0)[1] == 0.0
    np.testing.assert_array_equal(tl.jvp(ff.conv_abs)(np.zeros(2), np.ones(2))[1], 0.0)


def test_maximum_tie_splits_evenly():
    _, t = tl.jvp(ff.conv_maximum, wrt=(0, 1))(np.ones(2), np.ones(2), np.ones(2),
                                               3.0 * np.ones(2))
    np.testing.assert_allclose(t, [2.0, 2.0])
    _, t = tl.jvp(ff.conv_maximum, wrt=(0, 1))(np.array([2.0, 0.0]), np.array([1.0, 1.0]),
                                               np.array([5.0, 5.0]), np.array([7.0, 7.0]))
    np.testing.assert_allclose(t, [5.0, 7.0])


def test_max_reduction_tie_splits_among_tied_entries():
    _, t = tl.jvp(ff.conv_max_reduce)(np.array([1.0, 1.0, 0.0]), np.array([1.0, 3.0, 5.0]))
    assert float(t) == pytest.approx(2.0)


def test_sqrt_at_zero_is_inf_and_where_does_not_leak_nan():
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.isinf(tl.jvp(ff.conv_sqrt)(np.zeros(1), np.ones(1))[1]).all()
        _, t = tl.jvp(ff.conv_where)(np.array([-1.0, 0.0, 4.0]), np.ones(3))
    np.testing.assert_allclose(t, [-1.0, -1.0, 0.25])


def test_piecewise_constant_functions_have_zero_tangent():
    _, t = tl.jvp(ff.conv_sign_floor)(np.array([-1.3, 0.4, 2.5]), _u(3) * 0 + 2.0)
    np.testing.assert_allclose(t, [2.0, 2.0, 2.0])  # only x % 1.0 contributes


def test_tangent_of_an_output_that_does_not_depend_on_x():
    y, t = tl.jvp(ff.independent_of_x)(np.ones(2), np.ones((2, 3)), np.ones(2))
    assert np.shape(t) == (2, 3)
    np.testing.assert_array_equal(t, 0.0)


def test_tuple_swap_and_keyword_only_arguments():
    check_jvp(ff.swap, (2.0, 3.0), (0, 1))
    y, t = tl.jvp(ff.kwonly)(2.0, 1.0, k=3.0)
    assert (y, t) == (6.0, 3.0)
    y, t = tl.jvp(ff.kwonly, wrt="k")(2.0, 1.0, k=3.0)
    assert (y, t) == (6.0, 2.0)


def test_float32_in_float32_out():
    y, t = tl.jvp(ff.float32_fn)(np.ones(2, np.float32), np.ones(2, np.float32))
    assert y.dtype == np.float32 and t.dtype == np.float32


def test_integer_primal_argument():
    x = 2
    y, t = tl.jvp(ff.float32_fn)(x, 1.0)
    assert float(t) == pytest.approx(math.cos(2.0) * 2.0 + math.sin(2.0), rel=1e-12)


@pytest.mark.parametrize("f,args,wrt", [_param(c) for c in CASES if c[0] not in XFAIL])
def test_jvp_without_optimizer(f, args, wrt):
    rng = np.random.default_rng(1)
    positions = _positions(f, wrt)
    us = [random_like(args[p], rng) for p in positions]
    _, t = tl.jvp(f, wrt=wrt, optimize=False)(*copy.deepcopy(list(args)), *copy.deepcopy(us))
    assert_tree_close(t, directional_fd(f, args, dict(zip(positions, us))))
