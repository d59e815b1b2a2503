"""Golden tests: the exact source generated for one function per construct.

Any change to the generated code shows up here as a diff to review.  After an
intended change, regenerate the expected files with

    TL_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

and read the diff before committing it.  Each golden derivative is also
checked numerically in the other test files.
"""

import os

import numpy as np
import pytest

import golden_functions as G
from fd import assert_close, check_grad, vjp_oracle
import tangent_lite as tl

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [
    ("straight_line", tl.grad, {}), ("straight_line_wrt_both", tl.grad, {"wrt": (0, 1)}),
    ("branch", tl.grad, {}), ("ifexp_and_or", tl.grad, {}), ("for_range", tl.grad, {}),
    ("for_array", tl.grad, {}), ("while_loop", tl.grad, {}), ("break_continue", tl.grad, {}),
    ("early_return", tl.grad, {}), ("inplace_matrix", tl.grad, {}),
    ("running_max_logsumexp", tl.grad, {}), ("calls_helper", tl.grad, {}),
    ("comprehension", tl.grad, {}), ("rnn", tl.grad, {}), ("rosenbrock", tl.grad, {}),
    ("vector_output", tl.vjp, {}), ("straight_line_value_and_grad", tl.value_and_grad, {}),
    # forward mode, and transforms of generated code
    ("straight_line_jvp", tl.jvp, {}), ("branch_jvp", tl.jvp, {}),
    ("while_loop_jvp", tl.jvp, {}), ("inplace_matrix_jvp", tl.jvp, {}),
    ("calls_helper_jvp", tl.jvp, {}), ("rnn_jvp", tl.jvp, {}),
    ("rosenbrock_hvp", tl.hvp, {}), ("for_array_hvp", tl.hvp, {}),
    ("straight_line_jvp_of_grad", lambda f: tl.jvp(tl.grad(f)), {}),
]
SUFFIXES = ("_wrt_both", "_value_and_grad", "_jvp_of_grad", "_jvp", "_hvp")


def _source(name, transform, kwargs):
    base = name
    for suffix in SUFFIXES:
        base = base.replace(suffix, "")
    fn = getattr(G, base)
    src = transform(fn, **kwargs).source
    # the first line names the absolute path of the source file
    return "\n".join(src.splitlines()[1:]) + "\n"


@pytest.mark.parametrize("name,transform,kwargs", CASES, ids=[c[0] for c in CASES])
def test_golden_source(name, transform, kwargs):
    path = os.path.join(HERE, "golden", name + ".py.txt")
    got = _source(name, transform, kwargs)
    if os.environ.get("TL_UPDATE_GOLDEN"):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(got)
    with open(path, encoding="utf-8") as fh:
        expected = fh.read()
    assert got == expected, f"generated source for {name} changed; see {path}"


ARGS = {
    "straight_line": (0.7, 1.3), "branch": (0.4,), "ifexp_and_or": (0.8, 0.3),
    "for_range": (0.3,), "for_array": (np.array([0.5, -1.0, 2.0, 0.25]),),
    "while_loop": (1.3,), "break_continue": (0.9,), "early_return": (1.2,),
    "inplace_matrix": (np.array([0.5, -1.0, 2.0, 0.25]),),
    "running_max_logsumexp": (np.array([0.5, -1.0, 2.0, 0.25]),),
    "calls_helper": (0.6,), "comprehension": (np.array([0.5, -1.0, 2.0]),),
    "rnn": (np.full((3, 3), 0.2) + np.eye(3) * 0.3, np.linspace(-1.0, 1.0, 12).reshape(4, 3)),
    "rosenbrock": (np.array([0.5, -1.0, 2.0, 0.25, 1.1]),),
}


@pytest.mark.parametrize("name", sorted(ARGS))
def test_golden_functions_are_right(name):
    fn = getattr(G, name)
    check_grad(fn, ARGS[name], 0)


def test_golden_vjp_is_right():
    x = np.array([0.5, -1.0, 2.0])
    seed = np.array([1.0, -2.0, 0.5])
    assert_close(tl.vjp(G.vector_output)(x, seed), vjp_oracle(G.vector_output, (x,), seed))


@pytest.mark.parametrize("name", sorted(ARGS))
def test_golden_forward_mode_is_right(name):
    """jvp along a random direction against central finite differences."""
    fn = getattr(G, name)
    args = ARGS[name]
    rng = np.random.default_rng(7)
    u = rng.normal(size=np.shape(args[0])) if np.ndim(args[0]) else 0.37
    value, t = tl.jvp(fn)(*args, u)
    h = 1e-6
    plus = fn(args[0] + h * u, *args[1:])
    minus = fn(args[0] - h * u, *args[1:])
    assert_close(value, fn(*args))
    assert_close(t, (plus - minus) / (2 * h), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["rosenbrock", "for_array", "straight_line"])
def test_golden_hvp_is_right(name):
    fn = getattr(G, name)
    args = ARGS[name]
    u = np.linspace(-1.0, 1.0, np.size(args[0])).reshape(np.shape(args[0])) if np.ndim(
        args[0]) else 0.37
    g = tl.grad(fn)
    h = 1e-5
    fd = (g(args[0] + h * u, *args[1:]) - g(args[0] - h * u, *args[1:])) / (2 * h)
    assert_close(tl.hvp(fn)(*args, u), fd, rtol=1e-5, atol=1e-6)
