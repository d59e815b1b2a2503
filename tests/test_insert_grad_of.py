"""``with tl.insert_grad_of(x) as dx:`` (SPEC §1): a block that runs in the backward pass.

Oracles: central finite differences (tests/fd.py) when the block leaves the adjoint
as it is (pass, logging), and hand-written backward passes when it changes it
(clipping, scaling). Functions under test carry ``# BAD`` on the line an error
must point at.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tangent_lite as tl
from fd import assert_close, check_grad, numerical_grad

LOG = []


@pytest.fixture(autouse=True)
def _clear_log():
    LOG.clear()
    yield
    LOG.clear()


def _line_of(fn, marker="# BAD"):
    import inspect
    lines, first = inspect.getsourcelines(fn)
    hits = [first + k for k, ln in enumerate(lines) if marker in ln]
    assert len(hits) == 1, hits
    return hits[0]


# ---------------------------------------------------------------- the functions

def logs_square(x):
    y = x * x
    with tl.insert_grad_of(y) as dy:
        LOG.append(dy)
    return np.sin(y)


def noop_block(x):
    y = np.exp(x) * x
    with tl.insert_grad_of(y) as dy:  # noqa: F841
        pass
    return np.sum(y ** 2)


def scales_adjoint(x):
    y = x * x
    with tl.insert_grad_of(y) as dy:
        dy = 3.0 * dy
    return np.sin(y)


def scales_in_place_syntax(x):
    y = x * x
    with tl.insert_grad_of(y) as dy:
        dy *= 3.0
        dy += 0.0
    return np.sin(y)


def scales_gradient_of_argument(x, w):
    with tl.insert_grad_of(x) as dx:
        dx = dx / 2.0
    return np.sum(np.tanh(x * w))


def rnn_clipped(W, U, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
        with tl.insert_grad_of(h) as dh:
            dh = np.clip(dh, -0.05, 0.05)
    return np.sum(h ** 2)


def rnn_clipped_by_hand(W, U, xs, h0):
    """The backward pass of rnn_clipped written by hand: (dW, dU)."""
    hs = [h0]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(W @ hs[-1] + U @ xs[t]))
    dW, dU = np.zeros_like(W), np.zeros_like(U)
    dh = 2.0 * hs[-1]
    for t in reversed(range(xs.shape[0])):
        dh = np.clip(dh, -0.05, 0.05)
        da = dh * (1.0 - hs[t + 1] ** 2)
        dW += np.outer(da, hs[t])
        dU += np.outer(da, xs[t])
        dh = W.T @ da
    return dW, dU


def rnn_logs_state(W, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
        with tl.insert_grad_of(h) as dh:
            LOG.append((t, h.copy(), dh.copy()))
    return np.sum(h)


def branch_clip(x, c):
    y = x * 3.0
    if c > 0:
        z = y * y
        with tl.insert_grad_of(z) as dz:
            LOG.append("then")
            dz = np.minimum(dz, 0.5)
    else:
        z = np.sin(y)
        with tl.insert_grad_of(z) as dz:
            LOG.append("else")
            dz = -dz
    return z * x


def while_halves(x):
    s = x
    n = 0
    while n < 4:
        s = np.sin(s) * 1.5
        with tl.insert_grad_of(s) as ds:
            LOG.append(n)
            ds = ds * 0.5
        n = n + 1
    return s


def vector_output(x):
    y = np.sin(x)
    with tl.insert_grad_of(y) as dy:
        dy = dy * np.array([1.0, 0.0, 2.0])
    return y * 2.0


def inactive_variable(x, c):
    k = c * 2.0
    with tl.insert_grad_of(k) as dk:
        LOG.append(dk)
    return x * k


def unused_variable(x):
    y = x * 2.0
    u = x * 5.0
    with tl.insert_grad_of(u) as du:
        LOG.append(du)
    return y


def uniform_adjoint(x):
    h = x * 2.0
    with tl.insert_grad_of(h) as dh:
        LOG.append(np.shape(dh))
    return np.sum(h)


def block_with_its_own_code(x):
    y = np.cos(x)
    with tl.insert_grad_of(y) as dy:
        total = 0.0
        for k in range(3):
            if k == 2:
                break
            total = total + float(np.sum(dy))
        LOG.append(total)
    return np.sum(y * x)


def logs_then_indexed(x):
    y = x * 2.0
    a = y[0]
    with tl.insert_grad_of(y) as dy:
        LOG.append(dy)
    return y @ y + a * 3.0


def helper_clips(a):
    b = a * a
    with tl.insert_grad_of(b) as db:
        db = np.clip(db, -1.0, 1.0)
    return b * 3.0


def calls_helper_that_clips(x):
    return np.sum(helper_clips(x))


def breaks_into_debugger(x):
    y = x
    for i in range(3):
        y = np.sin(y)
        with tl.insert_grad_of(y) as dy:  # noqa: F841
            breakpoint()
    return y


def skip_survives_except(x):
    y = x + 1.0
    with tl.insert_grad_of(y) as dy:  # noqa: F841
        try:
            LOG.append("ran")
        except Exception:
            LOG.append("caught")
    return y * 2.0


# ---------------------------------------------------------------- plain calls skip the block

def test_plain_call_skips_the_block_and_runs_the_rest():
    assert logs_square(0.7) == np.sin(0.7 * 0.7)
    assert rnn_logs_state(np.eye(2) * 0.5, np.ones((3, 2)), np.zeros(2)) == pytest.approx(
        _rnn_forward(np.eye(2) * 0.5, np.ones((3, 2)), np.zeros(2))[-1].sum())
    assert while_halves(0.3) == pytest.approx(_while_forward(0.3))
    assert skip_survives_except(1.0) == 4.0
    branch_clip(1.0, 1.0)
    assert LOG == []
    assert sys.gettrace() is None


def test_plain_call_keeps_an_active_trace_function():
    seen = []

    def tracer(frame, event, arg):
        if frame.f_code is logs_square.__code__:
            seen.append((event, frame.f_lineno))
        return tracer

    sys.settrace(tracer)
    try:
        value = logs_square(0.7)
        after = sys.gettrace()
    finally:
        sys.settrace(None)
    assert after is tracer
    assert value == np.sin(0.7 * 0.7) and LOG == []
    first = logs_square.__code__.co_firstlineno
    lines = [ln - first for ev, ln in seen if ev == "line"]
    # y = x * x; the with statement; return -- but never the block's line
    assert lines == [1, 2, 4], seen
    assert seen[-1][0] == "return"


def test_the_context_manager_swallows_only_its_own_exception():
    def raises_after(x):
        with tl.insert_grad_of(x) as dx:
            LOG.append(dx)
        raise KeyError("after the block")

    with pytest.raises(KeyError):
        raises_after(1.0)
    assert LOG == [] and sys.gettrace() is None


# ---------------------------------------------------------------- derivatives

def test_noop_block_gradient_matches_finite_differences():
    x = np.array([0.3, -0.8, 1.2])
    check_grad(noop_block, [x])


def test_logging_block_sees_the_adjoint_and_leaves_it():
    x = 0.7
    g = tl.grad(logs_square)(x)
    assert_close(g, numerical_grad(logs_square, [x]))
    # the adjoint of y = x*x is d sin(y)/dy, by finite differences in y
    assert len(LOG) == 1
    assert_close(LOG[0], numerical_grad(np.sin, [x * x]))


def test_assigning_the_adjoint_replaces_it():
    x = 0.7
    want = 3.0 * np.cos(x * x) * 2.0 * x  # hand-written: dy is tripled before y = x*x
    assert_close(tl.grad(scales_adjoint)(x), want, rtol=1e-12)
    assert_close(tl.grad(scales_in_place_syntax)(x), want, rtol=1e-12)
    assert_close(tl.grad(scales_adjoint, optimize=False)(x), want, rtol=1e-12)


def test_block_on_an_argument_changes_the_returned_gradient():
    x, w = np.array([0.2, -0.4]), np.array([1.5, 0.5])
    gx, gw = tl.grad(scales_gradient_of_argument, wrt=(0, 1))(x, w)
    fx, fw = numerical_grad(scales_gradient_of_argument, [x, w], wrt=(0, 1))
    assert_close(gx, fx / 2.0)
    assert_close(gw, fw)  # the block is on x only


@pytest.mark.parametrize("optimize", [True, False])
def test_clipping_in_an_rnn_loop_matches_a_hand_written_backward_pass(optimize):
    rng = np.random.default_rng(3)
    W = rng.standard_normal((4, 4)) * 0.6
    U = rng.standard_normal((4, 2))
    xs = rng.standard_normal((6, 2))
    h0 = rng.standard_normal(4) * 0.1
    dW, dU = tl.grad(rnn_clipped, wrt=("W", "U"), optimize=optimize)(W, U, xs, h0)
    hW, hU = rnn_clipped_by_hand(W, U, xs, h0)
    assert_close(dW, hW, rtol=1e-12, atol=1e-14)
    assert_close(dU, hU, rtol=1e-12, atol=1e-14)
    # the clip is active: without it the gradient is a different one
    fW = numerical_grad(rnn_clipped, [W, U, xs, h0], wrt=0)
    assert np.max(np.abs(fW - hW)) > 1e-3


def test_rnn_clip_source_reads_like_the_block():
    src = tl.grad(rnn_clipped, wrt="W").source
    line = _line_of(rnn_clipped, "with tl.insert_grad_of(h)")
    assert f"# L{line}: with tl.insert_grad_of(h) as dh:\n" in src
    assert "bh = np.clip(bh, -0.05, 0.05)" in src
    code = [ln for ln in src.splitlines() if not ln.lstrip().startswith("#")]
    assert not [ln for ln in code if "insert_grad_of" in ln or "tl." in ln]


def _rnn_forward(W, xs, h0):
    hs = [h0]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(W @ hs[-1] + xs[t]))
    return hs


def test_block_runs_once_per_iteration_and_reads_primal_values_of_its_iteration():
    rng = np.random.default_rng(5)
    W = rng.standard_normal((3, 3)) * 0.5
    xs = rng.standard_normal((4, 3))
    h0 = rng.standard_normal(3)
    g = tl.grad(rnn_logs_state)(W, xs, h0)
    assert_close(g, numerical_grad(rnn_logs_state, [W, xs, h0]))
    hs = _rnn_forward(W, xs, h0)
    assert [t for t, _, _ in LOG] == [3, 2, 1, 0]
    for t, h, dh in LOG:
        assert_close(h, hs[t + 1], rtol=1e-14)  # the state after step t, taped for the block
        # the adjoint of h after step t: finite differences of the rest of the loop
        rest = lambda h_t, t=t: float(np.sum(_rnn_forward(W, xs[t + 1:], h_t)[-1]))
        assert_close(dh, numerical_grad(rest, [hs[t + 1]]))


def test_value_and_grad_and_vjp():
    x = 0.7
    v, g = tl.value_and_grad(scales_adjoint)(x)
    assert v == scales_adjoint(x)
    assert_close(g, 3.0 * np.cos(x * x) * 2.0 * x, rtol=1e-12)

    x = np.array([0.1, 0.5, -0.9])
    seed = np.array([1.0, -2.0, 0.5])
    got = tl.vjp(vector_output)(x, seed)
    # by hand: b_y = 2 seed, multiplied by [1, 0, 2] in the block, then cos(x)
    assert_close(got, 2.0 * seed * np.array([1.0, 0.0, 2.0]) * np.cos(x), rtol=1e-12)


def test_forward_mode_leaves_the_block_out():
    x = 0.7
    value, tangent = tl.jvp(logs_square)(x, 1.0)
    assert value == logs_square(x)
    assert_close(tangent, numerical_grad(logs_square, [x]))  # the function called normally
    assert LOG == []
    xv = np.array([0.7, -0.2])
    assert_close(tl.jacobian(scales_adjoint, mode="forward")(xv),
                 np.diag(np.cos(xv * xv) * 2.0 * xv), rtol=1e-12)
    # reverse mode applies the block: dy tripled
    assert_close(tl.jacobian(scales_adjoint)(xv), np.diag(3.0 * np.cos(xv * xv) * 2.0 * xv),
                 rtol=1e-12)


def test_hvp_differentiates_the_changed_gradient():
    x = 0.7
    # the gradient is g(x) = 3 cos(x^2) 2x; by hand, g'(x) = 6 cos(x^2) - 12 x^2 sin(x^2)
    want = 6.0 * np.cos(x * x) - 12.0 * x * x * np.sin(x * x)
    assert_close(tl.hvp(scales_adjoint)(x, 1.0), want, rtol=1e-10)
    assert_close(tl.grad(tl.grad(scales_adjoint))(x), want, rtol=1e-10)


def test_blocks_in_branches_run_on_the_branch_taken():
    x = 0.4
    g = tl.grad(branch_clip)(x, 1.0)
    y = 3.0 * x
    assert_close(g, y * y + min(x, 0.5) * 2.0 * y * 3.0, rtol=1e-12)  # dz = min(x, .5)
    assert LOG == ["then"]
    LOG.clear()
    g = tl.grad(branch_clip)(x, -1.0)
    assert_close(g, np.sin(y) - x * np.cos(y) * 3.0, rtol=1e-12)
    assert LOG == ["else"]


def _while_forward(x):
    s = x
    for _ in range(4):
        s = np.sin(s) * 1.5
    return s


def test_block_in_a_while_loop_runs_once_per_trip_in_reverse():
    x = 0.3
    g = tl.grad(while_halves)(x)
    # ds is halved after each of the four steps of a chain: the gradient by 0.5 ** 4
    assert_close(g, (0.5 ** 4) * numerical_grad(_while_forward, [x]))
    assert LOG == [3, 2, 1, 0]


def test_inactive_variable_skips_the_block():
    x, c = 0.7, 1.3
    assert_close(tl.grad(inactive_variable)(x, c), numerical_grad(inactive_variable, [x, c]))
    assert LOG == []
    src = tl.grad(inactive_variable).source
    assert "append" not in src
    assert_close(tl.grad(unused_variable)(x), numerical_grad(unused_variable, [x]))
    assert LOG == []
    # with respect to c, k is active: the block runs
    assert_close(tl.grad(inactive_variable, wrt="c")(x, c),
                 numerical_grad(inactive_variable, [x, c], wrt=1))
    assert LOG == [x]


def test_the_block_sees_the_adjoint_with_its_variables_shape():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    check_grad(uniform_adjoint, [x])
    assert LOG == [(2, 2)]


def test_block_code_is_kept_as_written():
    x = np.array([0.5, 1.5])
    check_grad(block_with_its_own_code, [x])
    # the adjoint of y = cos(x) in sum(y * x) is x
    assert LOG == [pytest.approx(2 * float(np.sum(x)))]


def test_what_the_block_keeps_is_not_changed_by_later_in_place_updates():
    x = np.array([0.5, -1.0, 2.0])
    check_grad(logs_then_indexed, [x])
    # at the block, the adjoint of y holds the contribution of y @ y only;
    # y[0]'s contribution is added to the adjoint afterwards, in place
    assert_close(LOG[0], numerical_grad(lambda y: y @ y, [2.0 * x]))


def test_block_in_a_called_function():
    x = np.array([0.9, -0.1, 0.3])
    got = tl.grad(calls_helper_that_clips)(x)
    assert_close(got, np.clip(np.full(3, 3.0), -1.0, 1.0) * 2.0 * x, rtol=1e-12)


def test_breakpoint_in_the_block(monkeypatch):
    calls = []
    monkeypatch.setattr(sys, "breakpointhook", lambda *a, **k: calls.append(1))
    x = 0.8
    breaks_into_debugger(x)
    assert calls == []
    assert_close(tl.grad(breaks_into_debugger)(x), numerical_grad(breaks_into_debugger, [x]))
    assert len(calls) == 3


# ---------------------------------------------------------------- errors

def arg_is_an_expression(x):
    y = x * 2.0
    with tl.insert_grad_of(y + 1) as dy:  # BAD
        dy = dy * 2.0
    return y


def missing_as(x):
    y = x * 2.0
    with tl.insert_grad_of(y):  # BAD
        pass
    return y


def tuple_target(x):
    y = x * 2.0
    with tl.insert_grad_of(y) as (dy, dz):  # BAD
        pass
    return y


def one_line_block(x):
    y = x * 2.0
    with tl.insert_grad_of(y) as dy: dy = dy * 2.0  # BAD  # noqa: E701
    return y


def assigns_a_primal_variable(x):
    y = x * 2.0
    with tl.insert_grad_of(y) as dy:  # noqa: F841
        y = 0.0  # BAD
    return y


def changes_adjoint_in_place(x):
    y = x * 2.0
    with tl.insert_grad_of(y) as dy:
        dy[0] = 0.0  # BAD
    return np.sum(y)


def returns_from_block(x):
    y = x * 2.0
    with tl.insert_grad_of(y) as dy:
        return dy  # BAD
    return y


def breaks_out_of_block(x):
    y = x
    for i in range(3):
        y = y * x
        with tl.insert_grad_of(y) as dy:  # noqa: F841
            break  # BAD
    return y


def not_a_variable(x):
    with tl.insert_grad_of(LOG) as dlog:  # BAD  # noqa: F841
        pass
    return x * 2.0


def other_with(x):
    y = x * 2.0
    with open(os.devnull) as fh:  # BAD
        y = y + 0.0 * len(fh.name)
    return y


def adjoint_name_is_a_variable(x):
    y = x * 2.0
    with tl.insert_grad_of(y) as x:  # BAD
        x = x * 2.0
    return y


def adjoint_name_read_later(x):
    y = x * 2.0
    with tl.insert_grad_of(y) as dy:  # BAD
        dy = dy * 2.0
    return y * dy


def two_items(x):
    y = x * 2.0
    with tl.insert_grad_of(y) as dy, tl.insert_grad_of(x) as dx:  # BAD  # noqa: F841
        pass
    return y


def insert_grad_of(v):  # a different function with the same name
    import contextlib
    return contextlib.nullcontext(v)


def impostor(x):
    y = x * 2.0
    with insert_grad_of(y) as dy:  # BAD
        LOG.append(dy)
    return y


@pytest.mark.parametrize("fn, words, col", [
    (arg_is_an_expression, "must be a variable name", "y + 1"),
    (missing_as, "needs a name for the adjoint", "with"),
    (tuple_target, "bound to one name", "(dy, dz)"),
    (one_line_block, "line of its own", "dy = dy"),
    (assigns_a_primal_variable, "cannot assign 'y'", "y = 0.0"),
    (changes_adjoint_in_place, "cannot be changed in place", "dy[0]"),
    (returns_from_block, "return statement is not supported in a tl.insert_grad_of block",
     "return"),
    (breaks_out_of_block, "break or continue out of the block", "break"),
    (not_a_variable, "'LOG' is not a variable of this function", "LOG"),
    (other_with, "with statement is not supported", "with"),
    (two_items, "only item", "with"),
    (adjoint_name_is_a_variable, "also a variable of the function", "x:"),
    (adjoint_name_read_later, "also a variable of the function", "dy:"),
    (impostor, "with statement is not supported", "with"),
])
def test_bad_use_is_a_located_error(fn, words, col):
    with pytest.raises(tl.TangentLiteError) as info:
        tl.grad(fn)(1.0)
    exc = info.value
    line = _line_of(fn)
    assert exc.filename == __file__
    assert exc.lineno == line, str(exc)
    import linecache
    text = linecache.getline(__file__, line)
    assert exc.col == text.index(col) + 1, str(exc)
    assert words in str(exc), str(exc)
    assert text.strip() in str(exc)


# ---------------------------------------------------------------- command line

CLI_SRC = textwrap.dedent('''\
    import numpy as np
    import tangent_lite as tl


    def loss(w, xs):
        h = np.zeros(2)
        for t in range(xs.shape[0]):
            h = np.tanh(w * h + xs[t])
            with tl.insert_grad_of(h) as dh:
                print("adjoint", t)
                dh = np.clip(dh, -0.1, 0.1)
        return np.sum(h ** 2)
    ''')


def _by_hand(w, xs):
    hs = [np.zeros(2)]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(w * hs[-1] + xs[t]))
    dw, dh = np.zeros(2), 2.0 * hs[-1]
    for t in reversed(range(xs.shape[0])):
        dh = np.clip(dh, -0.1, 0.1)
        da = dh * (1.0 - hs[t + 1] ** 2)
        dw += da * hs[t]
        dh = da * w
    return dw


def test_cli_shows_the_block_and_the_written_file_runs_without_tangent_lite(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    (tmp_path / "m.py").write_text(CLI_SRC)
    env = dict(os.environ, PYTHONPATH=root)
    shown = subprocess.run([sys.executable, "-m", "tangent_lite", "grad", "m.py:loss"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "# L9: with tl.insert_grad_of(h) as dh:" in shown.stdout
    assert "print('adjoint', t)" in shown.stdout
    assert "bh = np.clip(bh, -0.1, 0.1)" in shown.stdout
    made = subprocess.run([sys.executable, "-m", "tangent_lite", "grad", "m.py:loss",
                           "--standalone", "-o", "d.py"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert "tangent_lite" not in "".join(
        ln for ln in (tmp_path / "d.py").read_text().splitlines(True) if not ln.startswith("#"))
    import shutil
    ruff = shutil.which("ruff")
    if ruff is not None:
        res = subprocess.run([ruff, "check", "--isolated", "--no-cache", "--select", "E,F,W",
                              "--ignore", "E501,E731", "d.py"], cwd=tmp_path,
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr
    code = textwrap.dedent("""
        import sys
        sys.modules["tangent_lite"] = None  # importing tangent_lite now fails
        import numpy as np
        import d
        g = d.grad_loss(np.array([0.9, -1.2]), np.array([[0.5, 1.0], [1.0, -0.3], [0.2, 0.8]]))
        print(repr(g.tolist()))
    """)
    env2 = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env2["PYTHONPATH"] = str(tmp_path)
    ran = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env2,
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[:3] == ["adjoint 2", "adjoint 1", "adjoint 0"]
    got = np.array(eval(lines[3]))
    want = _by_hand(np.array([0.9, -1.2]), np.array([[0.5, 1.0], [1.0, -0.3], [0.2, 0.8]]))
    assert_close(got, want, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- debuggers

def test_plain_call_under_a_real_debugger_steps_over_the_block():
    import bdb

    class Stepper(bdb.Bdb):
        def __init__(self):
            super().__init__()
            self.lines = []

        def user_line(self, frame):
            if frame.f_code is logs_square.__code__:
                self.lines.append(frame.f_lineno - logs_square.__code__.co_firstlineno)
            self.set_step()

    dbg = Stepper()
    value = dbg.runcall(logs_square, 0.7)
    assert value == np.sin(0.7 * 0.7) and LOG == []
    assert dbg.lines[0] == 1 and 3 not in dbg.lines and dbg.lines[-1] == 4, dbg.lines
    assert sys.gettrace() is None


def test_pdb_session_shown_in_the_docs():
    """docs/derivative-surgery.md shows a pdb session at a breakpoint in the block."""
    import re
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "docs", "derivative-surgery.md"), encoding="utf-8") as fh:
        text = fh.read()
    shown = re.search(r"```\n(> <tangent_lite .*?)```", text, re.S).group(1)
    commands = re.findall(r"^\(Pdb\) (.*)$", shown, re.M)
    expected = re.sub(r"^\(Pdb\) .*\n", "(Pdb) ", shown, flags=re.M)
    code = textwrap.dedent("""
        import numpy as np
        import tangent_lite as tl
        from surgery import rnn_loss_debug

        rng = np.random.default_rng(0)
        W = rng.standard_normal((5, 5)) * 0.8
        U = rng.standard_normal((5, 3))
        xs = rng.standard_normal((8, 3))
        target = rng.uniform(-0.5, 0.5, 5)
        dW = tl.grad(rnn_loss_debug)(W, U, xs, target)
        print("done", dW.shape)
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONBREAKPOINT"}
    env["PYTHONPATH"] = root + os.pathsep + os.path.join(root, "examples")
    stdin = "\n".join(commands + ["c"] * 10) + "\n"
    res = subprocess.run([sys.executable, "-c", code], input=stdin, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert expected in res.stdout, res.stdout
    assert "done (5, 5)" in res.stdout
