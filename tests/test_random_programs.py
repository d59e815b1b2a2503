"""Random array programs: nested loops, in-place updates, branches, break, continue,
early return and while loops, each checked against central finite differences.

Programs come from a seeded generator, so a failure names a reproducible seed.
"""

import importlib
import random
import sys

import numpy as np
import pytest

import tangent_lite as tl

X0 = np.array([0.37, -0.21, 0.53, 0.137])
W0 = 0.71


def _expr(r, names, depth=0):
    if depth > 2 or r.random() < 0.3:
        return r.choice(names + ["0.5", "1.3"])
    op = r.choice(["+", "-", "*", "sin", "tanh", "idx", "sq"])
    a, b = _expr(r, names, depth + 1), _expr(r, names, depth + 1)
    if op in "+-*":
        return f"({a} {op} {b})"
    if op == "sin":
        return f"np.sin({a})"
    if op == "tanh":
        return f"np.tanh({a})"
    if op == "sq":
        return f"({a}) ** 2"
    index = [n for n in names if n in ("i", "j")] + ["0"]
    return f"x[{r.choice(index)}]"


def _stmt(r, pad, loop_vars):
    names = ["s", "t", "w"] + loop_vars
    k = r.random()
    if k < 0.3:
        return [f"{pad}s = s + {_expr(r, names)}"]
    if k < 0.45:
        return [f"{pad}t = {_expr(r, names)}"]
    if k < 0.6 and loop_vars:
        return [f"{pad}v[{r.choice(loop_vars)} % 4] += {_expr(r, names)}"]
    if k < 0.7 and loop_vars:
        return [f"{pad}if {_expr(r, names)} > 0.3:", f"{pad}    s = s * 0.9",
                f"{pad}    break" if r.random() < 0.3 else f"{pad}    t = t + s"]
    if k < 0.75:
        return [f"{pad}if t > s:", f"{pad}    t = t * s + 0.1", f"{pad}else:",
                f"{pad}    s = s - t * 0.2"]
    if k < 0.8 and loop_vars:
        return [f"{pad}if s > {r.choice(['0.4', '1.1', '-0.3'])}:", f"{pad}    continue"]
    if k < 0.85 and loop_vars:
        return [f"{pad}if t < {r.choice(['0.2', '-0.6'])}:", f"{pad}    return s * t + v[2]"]
    if k < 0.9:
        return [f"{pad}n = 0", f"{pad}while n < 3 and s < 2.5:",
                f"{pad}    s = s + t * 0.3 + 0.05", f"{pad}    n = n + 1"]
    return [f"{pad}v[1] = v[1] * 0.5 + t"]


def program(seed):
    r = random.Random(seed)
    lines = ["import numpy as np", "", "", "def f(x, w):", "    s = 0.0", "    v = np.zeros(4)",
             "    t = w * 1.0", f"    for i in range({r.randint(1, 4)}):"]
    for _ in range(r.randint(1, 3)):
        lines += _stmt(r, " " * 8, ["i"])
    if r.random() < 0.6:
        lines.append(f"        for j in range({r.randint(1, 3)}):")
        for _ in range(r.randint(1, 3)):
            lines += _stmt(r, " " * 12, ["i", "j"])
    for _ in range(r.randint(0, 2)):
        lines += _stmt(r, " " * 4, [])
    lines.append("    return s + t * 0.3 + np.sum(v * v)")
    return "\n".join(lines) + "\n"


def _fd(f, x, w):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = 1e-6
        g[i] = (f(x + e, w) - f(x - e, w)) / 2e-6
    return g


@pytest.mark.parametrize("seed", range(150))
def test_random_program(seed, tmp_path, monkeypatch):
    src = program(seed)
    (tmp_path / f"prog{seed}.py").write_text(src)
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module(f"prog{seed}")
    try:
        y = mod.f(X0.copy(), W0)
        if not np.isfinite(y) or abs(y) > 1e4:
            pytest.skip("the program's value is too large for finite differences")
        g = tl.grad(mod.f)(X0.copy(), W0)
        ref = _fd(mod.f, X0, W0)
        np.testing.assert_allclose(g, ref, rtol=1e-4, atol=1e-5, err_msg=src)
    finally:
        sys.modules.pop(f"prog{seed}", None)
