"""The public Python API of SPEC §1 (reverse-mode part)."""

import inspect
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import tangent_lite as tl
from fd import (
    assert_close,
    assert_grad_type,
    check_grad,
    numerical_grad,
    numerical_jacobian,
    vjp_oracle,
)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))

_rng = np.random.default_rng(5)
V3 = _rng.uniform(-1.0, 1.0, 3)
V4 = _rng.uniform(-1.0, 1.0, 4)
A34 = _rng.uniform(-1.0, 1.0, (3, 4))
A23 = _rng.uniform(-1.0, 1.0, (2, 3))


def three_args(x, y, z):
    return x * y * y + np.sum(z * x) + y * np.sum(z ** 2)


def two_floats(a, b):
    return a ** 2 * b + b ** 3


def vector_out(x):
    return np.sin(x) * x[0]


def matrix_out(a, v):
    return np.tanh(a) * v


def tuple_out(x, s):
    return np.sum(x ** 2) * s, np.exp(x) * s


def scalar_out(x):
    return np.sum(x ** 3)


def straight_line(x, y):
    a = x * y
    b = np.sin(a)
    c = b * x + y
    return c


def with_loop(x):
    s = 0.0
    for i in range(5):
        if s > 1.0:
            s = s - x * i * 0.1
        else:
            s = s + np.exp(x * 0.3) * i
    return s


def array_loop(x, w):
    h = x
    for i in range(4):
        h = np.tanh(w @ h) + 0.1 * h
    return np.sum(h ** 2)


def non_scalar(x):
    return x * 2.0


def vector_grad_fn(x):
    return np.sum(np.log1p(x ** 2))


# ---------------------------------------------------------------------------
# wrt
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("wrt", [0, 1, 2, "x", "y", "z"])
def test_single_wrt(wrt):
    args = (0.7, -1.3, V3)
    g = check_grad(three_args, args, wrt)
    assert not isinstance(g, tuple)


@pytest.mark.parametrize("wrt", [(0, 1), ("z", "x"), (2, "y"), ("y", 0, "z"), (1,)])
def test_tuple_wrt(wrt):
    args = (0.7, -1.3, V3)
    g = tl.grad(three_args, wrt=wrt)(*args)
    assert isinstance(g, tuple) and len(g) == len(wrt)
    expected = numerical_grad(three_args, args, wrt)
    assert_close(g, expected)
    for gi, w in zip(g, wrt):
        idx = w if isinstance(w, int) else "xyz".index(w)
        assert_grad_type(gi, args[idx])


def test_name_and_position_agree():
    args = (0.7, -1.3, V3)
    assert_close(tl.grad(three_args, wrt="z")(*args), tl.grad(three_args, wrt=2)(*args),
                 rtol=0, atol=0)


def test_default_wrt_is_first_argument():
    args = (0.4, 1.1)
    assert tl.grad(two_floats)(*args) == pytest.approx(numerical_grad(two_floats, args, 0),
                                                        rel=1e-6)


def test_keyword_arguments_at_call():
    g_pos = tl.grad(two_floats, wrt="b")(0.4, 1.1)
    g_kw = tl.grad(two_floats, wrt="b")(0.4, b=1.1)
    assert g_kw == pytest.approx(g_pos, rel=1e-10)
    assert g_kw == pytest.approx(numerical_grad(two_floats, (0.4, 1.1), 1), rel=1e-6)


def test_different_wrt_are_different_derivatives():
    args = (0.4, 1.1)
    ga = tl.grad(two_floats, wrt=0)(*args)
    gb = tl.grad(two_floats, wrt=1)(*args)
    assert ga == pytest.approx(numerical_grad(two_floats, args, 0), rel=1e-6)
    assert gb == pytest.approx(numerical_grad(two_floats, args, 1), rel=1e-6)


# ---------------------------------------------------------------------------
# value_and_grad
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("wrt", [0, "z", (0, 2)])
def test_value_and_grad(wrt):
    args = (0.7, -1.3, V3)
    result = tl.value_and_grad(three_args, wrt=wrt)(*args)
    assert isinstance(result, tuple) and len(result) == 2
    value, g = result
    assert float(value) == pytest.approx(float(three_args(*args)), rel=1e-10)
    assert_close(g, numerical_grad(three_args, args, wrt))


def test_value_and_grad_with_loop():
    value, g = tl.value_and_grad(with_loop)(0.9)
    assert value == pytest.approx(with_loop(0.9), rel=1e-10)
    assert_grad_type(g, 0.9)
    assert_close(g, numerical_grad(with_loop, (0.9,)))


# ---------------------------------------------------------------------------
# vjp
# ---------------------------------------------------------------------------


def test_vjp_vector_output():
    x = V4.copy()
    seed = _rng.uniform(-1.0, 1.0, 4)
    got = tl.vjp(vector_out)(x, seed)
    assert isinstance(got, np.ndarray) and got.shape == x.shape
    jac = numerical_jacobian(vector_out, (x,))
    assert_close(got, seed @ jac)
    assert np.array_equal(x, V4)


def test_vjp_matrix_output_wrt_both():
    seed = _rng.uniform(-1.0, 1.0, (3, 4))
    fv = tl.vjp(matrix_out, wrt=(0, 1))
    ga, gv = fv(A34, V4, seed)
    assert_close(ga, vjp_oracle(matrix_out, (A34, V4), seed, 0))
    assert_close(gv, vjp_oracle(matrix_out, (A34, V4), seed, 1))
    assert ga.shape == A34.shape and gv.shape == V4.shape


def test_vjp_tuple_output():
    seed = (0.7, _rng.uniform(-1.0, 1.0, 3))
    gx = tl.vjp(tuple_out)(V3, 1.3, seed)
    assert_close(gx, vjp_oracle(tuple_out, (V3, 1.3), seed, 0))
    gs = tl.vjp(tuple_out, wrt="s")(V3, 1.3, seed)
    assert_grad_type(gs, 1.3)
    assert_close(gs, vjp_oracle(tuple_out, (V3, 1.3), seed, 1))


def test_vjp_scalar_output_is_scaled_gradient():
    seed = 2.5
    got = tl.vjp(scalar_out)(V3, seed)
    assert_close(got, seed * numerical_grad(scalar_out, (V3,)))


def test_vjp_explicit_jacobian_rows():
    # seeding with each unit vector recovers the rows of the Jacobian
    jac = numerical_jacobian(vector_out, (V4,))
    fv = tl.vjp(vector_out)
    rows = np.array([fv(V4, e) for e in np.eye(4)])
    assert_close(rows, jac)


# ---------------------------------------------------------------------------
# @tl.differentiable and @tl.grad decorators
# ---------------------------------------------------------------------------


def test_differentiable_call_unchanged():
    import api_helpers as h

    x, w = V3.copy(), _rng.uniform(-1.0, 1.0, 3)
    assert h.energy(x, w) == h.plain_energy(x, w)
    assert h.energy.__doc__ == "A docstring."
    assert h.energy.__name__ == "energy"


def test_differentiable_attributes():
    import api_helpers as h

    x, w = V3.copy(), _rng.uniform(-1.0, 1.0, 3)
    assert_close(h.energy.grad(x, w), numerical_grad(h.plain_energy, (x, w), 0))
    value, g = h.energy.value_and_grad(x, w)
    assert value == pytest.approx(h.plain_energy(x, w), rel=1e-10)
    assert_close(g, numerical_grad(h.plain_energy, (x, w), 0))
    assert_close(h.energy.vjp(x, w, 2.0), 2.0 * numerical_grad(h.plain_energy, (x, w), 0))


def test_differentiable_with_wrt():
    import api_helpers as h

    x, w = V3.copy(), _rng.uniform(-1.0, 1.0, 3)
    assert h.energy_w(x, w) == h.plain_energy(x, w)
    assert_close(h.energy_w.grad(x, w), numerical_grad(h.plain_energy, (x, w), 1))


def test_grad_decorator_bare():
    import api_helpers as h

    g = h.grad_of_sin_sq(V4)
    assert_grad_type(g, V4)
    assert_close(g, numerical_grad(h.plain_sin_sq, (V4,)))


def test_grad_decorator_with_wrt():
    import api_helpers as h

    w = _rng.uniform(-1.0, 1.0, 4)
    g = h.grad_of_loss_w(A34, w)
    assert_grad_type(g, w)
    assert_close(g, numerical_grad(h.plain_loss, (A34, w), 1))


def test_grad_decorator_with_tuple_wrt():
    import api_helpers as h

    w = _rng.uniform(-1.0, 1.0, 4)
    g = h.grad_of_product_both(A34, w)
    assert isinstance(g, tuple) and len(g) == 2
    assert_close(g, numerical_grad(h.plain_product, (A34, w), (0, 1)))


def test_decorated_nested_function():
    @tl.grad
    def inner(x):
        return np.sum(np.cos(x) * x)

    def plain(x):
        return np.sum(np.cos(x) * x)

    assert_close(inner(V4), numerical_grad(plain, (V4,)))


# ---------------------------------------------------------------------------
# Source, verbose, inspect
# ---------------------------------------------------------------------------

_L_COMMENT = re.compile(r"^\s*#\s*L(\d+)\b:?\s?(.*)$")


def _statement_lines(f):
    """File line numbers and stripped text of the body statements of f."""
    lines, start = inspect.getsourcelines(f)
    body = {}
    for k, text in enumerate(lines[1:], start=start + 1):
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            body[k] = stripped
    return body, start


def test_source_is_str_with_line_comments():
    df = tl.grad(straight_line)
    df(0.3, 0.8)
    src = df.source
    assert isinstance(src, str)
    assert "def " in src
    body, start = _statement_lines(straight_line)
    referenced = set()
    for line in src.splitlines():
        m = _L_COMMENT.match(line)
        if not m:
            continue
        n = int(m.group(1))
        text = m.group(2).strip()
        # accept absolute file line numbers or numbers relative to the def line
        for cand in (n, start + n - 1):
            if cand in body and (not text or body[cand].startswith(text.rstrip(". "))
                                 or text.startswith(body[cand])):
                referenced.add(cand)
    assert referenced, "no '# L<line>' comment references an original line:\n" + src
    # one comment per original statement (SPEC §6): every statement of this
    # straight-line, fully active function is referenced
    assert referenced == set(body), (sorted(referenced), sorted(body), src)


def test_source_of_loop_function_has_line_comments():
    src = tl.grad(with_loop).source
    body, start = _statement_lines(with_loop)
    nums = {int(m.group(1)) for m in map(_L_COMMENT.match, src.splitlines()) if m}
    loop_line = next(k for k, t in body.items() if t.startswith("for "))
    assert loop_line in nums or (loop_line - start + 1) in nums, src


def test_inspect_getsource_works():
    df = tl.grad(straight_line)
    text = inspect.getsource(df)
    assert "def " in text
    assert text.strip() in df.source


def test_generated_source_is_valid_python():
    import ast

    for f in (straight_line, with_loop, array_loop):
        ast.parse(tl.grad(f).source)


def test_verbose_prints_source(capsys):
    df = tl.grad(vector_grad_fn, verbose=True)
    g = df(V3)
    out = capsys.readouterr().out
    assert "def " in out
    assert inspect.getsource(df).strip() in out
    assert_close(g, numerical_grad(vector_grad_fn, (V3,)))


def test_not_verbose_prints_nothing(capsys):
    df = tl.grad(scalar_out)
    df(V3)
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------------------
# Cache and threads
# ---------------------------------------------------------------------------


def _generated_code(df):
    return inspect.unwrap(df).__code__


def test_cache_compiles_once():
    a = tl.grad(with_loop)
    b = tl.grad(with_loop)
    assert a is b or _generated_code(a) is _generated_code(b)
    assert a.source == b.source
    assert a(0.9) == b(0.9)


def test_cache_distinguishes_wrt():
    a = tl.grad(two_floats, wrt=0)
    b = tl.grad(two_floats, wrt=1)
    assert a(0.4, 1.1) != b(0.4, 1.1)
    assert a(0.4, 1.1) == pytest.approx(numerical_grad(two_floats, (0.4, 1.1), 0), rel=1e-6)


def test_cache_is_per_function():
    def first(x):
        return x * x

    def second(x):
        return x * x * x

    assert tl.grad(first)(2.0) == pytest.approx(numerical_grad(first, (2.0,)), rel=1e-6)
    assert tl.grad(second)(2.0) == pytest.approx(numerical_grad(second, (2.0,)), rel=1e-6)


@pytest.mark.parametrize("f,make_args", [
    (with_loop, lambda k: (0.1 + 0.2 * k,)),
    (array_loop, lambda k: (np.linspace(-1.0, 1.0, 4) * (k + 1) / 8.0, 0.5 * np.eye(4) + 0.1 * k)),
])
def test_thread_safety(f, make_args):
    points = [make_args(k) for k in range(8)]
    sequential = [tl.grad(f)(*p) for p in points]
    results = [None] * 8
    errors = []
    barrier = threading.Barrier(8)

    def work(k):
        try:
            df = tl.grad(f)
            barrier.wait()
            for _ in range(20):
                results[k] = df(*points[k])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors
    for k in range(8):
        assert_close(results[k], sequential[k], rtol=0, atol=0)
    # and the sequential results are right
    for p, g in zip(points[:2], sequential[:2]):
        assert_close(g, numerical_grad(f, p))


def test_concurrent_first_compile():
    # several threads ask for the same, not yet compiled, derivative at once
    def fresh(x):
        return np.sum(np.sin(x) * np.cos(x))

    out = [None] * 8
    errors = []
    barrier = threading.Barrier(8)

    def work(k):
        try:
            barrier.wait()
            out[k] = tl.grad(fresh)(V4 * (k + 1))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for k in range(8):
        assert_close(out[k], numerical_grad(fresh, (V4 * (k + 1),)))


# ---------------------------------------------------------------------------
# API errors
# ---------------------------------------------------------------------------


def test_non_scalar_output_raises():
    with pytest.raises(tl.TangentLiteError):
        tl.grad(non_scalar)(V3)


def test_unknown_wrt_name_raises():
    with pytest.raises(tl.TangentLiteError):
        tl.grad(two_floats, wrt="nope")(0.4, 1.1)


@pytest.mark.parametrize("wrt", [2, 5, -3, (0, 7)])
def test_wrt_index_out_of_range_raises(wrt):
    with pytest.raises(tl.TangentLiteError):
        tl.grad(two_floats, wrt=wrt)(0.4, 1.1)


def test_error_is_exception_subclass():
    assert issubclass(tl.TangentLiteError, Exception)


# ---------------------------------------------------------------------------
# Emitted source quality: ruff and determinism
# ---------------------------------------------------------------------------

RUFF_FUNCS = [straight_line, with_loop, array_loop, three_args, vector_grad_fn]


@pytest.mark.parametrize("f", RUFF_FUNCS, ids=[f.__name__ for f in RUFF_FUNCS])
def test_generated_source_passes_ruff(f, tmp_path):
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    path = tmp_path / ("grad_%s.py" % f.__name__)
    path.write_text(tl.grad(f).source)
    proc = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "E,F,W",
         "--ignore", "E501,E731", str(path)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr + "\n" + path.read_text()


_DETERMINISM_SCRIPT = textwrap.dedent("""
    import sys
    sys.path[:0] = [{repo!r}, {tests!r}]
    import tangent_lite as tl
    import test_api
    import subroutine_helpers
    out = []
    for f in (test_api.straight_line, test_api.with_loop, test_api.array_loop,
              subroutine_helpers.poly):
        out.append(tl.grad(f).source)
    sys.stdout.write("\\n=====\\n".join(out))
""")


def test_generated_source_is_deterministic(tmp_path):
    script = tmp_path / "emit.py"
    script.write_text(_DETERMINISM_SCRIPT.format(repo=REPO_ROOT, tests=TESTS_DIR))
    texts = []
    for seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              env=env, cwd=str(tmp_path), timeout=120)
        assert proc.returncode == 0, proc.stderr
        texts.append(proc.stdout)
    assert texts[0] == texts[1]
    assert "def " in texts[0]


# ---------------------------------------------------------------------------
# Edge cases of the argument/result types
# ---------------------------------------------------------------------------


def constant_output(x):
    return 3.0


def ignores_first(x, y):
    return y * y


def test_int_argument_gives_float_gradient():
    # SPEC §1: a gradient of a Python number is a float
    g = tl.grad(two_floats)(2, 3)
    assert isinstance(g, float)
    assert g == pytest.approx(numerical_grad(two_floats, (2.0, 3.0), 0), rel=1e-6)


@pytest.mark.parametrize("x", [0.5, V3])
def test_constant_function_has_zero_gradient(x):
    check_grad(constant_output, (x,), 0)


@pytest.mark.parametrize("x", [0.5, A34])
def test_unused_argument_has_zero_gradient(x):
    check_grad(ignores_first, (x, 1.5), 0)


@pytest.mark.parametrize("wrt", [1.5, None, object(), (0, 2.5)])
def test_bad_wrt_type_raises(wrt):
    with pytest.raises(tl.TangentLiteError):
        tl.grad(two_floats, wrt=wrt)(0.4, 1.1)
