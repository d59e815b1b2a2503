"""Benchmark forward mode and second derivatives against hand-written code.

Run from the repository root:

    python benchmarks/bench_forward.py            # full run (7 repeats per timing)
    python benchmarks/bench_forward.py --quick    # fewer repeats, for a smoke test

Rows:

* jvp / f: ``tl.jvp(f)`` (value and directional derivative in one pass) against
  the primal ``f`` alone, and against a hand-written forward-mode derivative;
* hvp / grad: ``tl.hvp(f)`` (forward over the generated gradient) against
  ``tl.grad(f)`` and against a hand-written Hessian-vector product;
* hessian vs hvps: ``tl.hessian(f)`` of a 50-dimensional function against 50
  calls of ``tl.hvp``.

Every derivative is checked first: tangent_lite's against the hand-written one,
and the hand-written one against central finite differences.
"""

import argparse
import math
import os
import sys
import timeit

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(1, ROOT)

import tangent_lite as tl  # noqa: E402

import bench_functions as bf  # noqa: E402


def rosenbrock_jvp(x, u):
    head, du_head = x[:-1], u[:-1]
    a = x[1:] - head ** 2
    da = u[1:] - 2.0 * head * du_head
    b = 1.0 - head
    return np.sum(100.0 * a * a + b * b), np.sum(200.0 * a * da - 2.0 * b * du_head)


def rosenbrock_hvp(x, v):
    head = x[:-1]
    a = x[1:] - head ** 2
    da = v[1:] - 2.0 * head * v[:-1]
    out = np.zeros_like(x)
    out[1:] = 200.0 * da
    out[:-1] += -400.0 * (da * head + a * v[:-1]) + 2.0 * v[:-1]
    return out


def euler_jvp(x, u):
    y, dy, dt = 1.0, 0.0, 0.001
    for i in range(10000):
        t = i * dt
        dy = dy + dt * (-u * y - x * dy + math.cos(x * t) * t * u)
        y = y + dt * (-x * y + math.sin(x * t))
    return y, dy


def quartic(x):
    return np.sum(x ** 4) + np.sum(np.sin(x[1:] * x[:-1]))


def best(fn, repeat, number):
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number


def check(a, b, what, rtol=1e-7):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(b))))
    if not np.allclose(a, b, rtol=rtol, atol=rtol * scale):
        raise SystemExit(f"{what}: results differ (max {np.max(np.abs(a - b)):.3g})")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats")
    args = p.parse_args(argv)
    repeat = 3 if args.quick else 7
    rng = np.random.default_rng(0)
    rows = []

    # Rosenbrock, n = 10 000
    x = rng.uniform(-1.0, 1.0, 10000)
    u = rng.normal(size=x.shape)
    jv = tl.jvp(bf.rosenbrock)
    hv = tl.hvp(bf.rosenbrock)
    g = tl.grad(bf.rosenbrock)
    check(jv(x, u)[1], rosenbrock_jvp(x, u)[1], "rosenbrock jvp")
    h = 1e-6
    check(rosenbrock_hvp(x, u), (bf.rosenbrock_grad(x + h * u) - bf.rosenbrock_grad(x - h * u))
          / (2 * h), "hand-written rosenbrock hvp vs finite differences", rtol=1e-5)
    check(hv(x, u), rosenbrock_hvp(x, u), "rosenbrock hvp")
    n = 200
    t_f = best(lambda: bf.rosenbrock(x), repeat, n)
    t_jvp = best(lambda: jv(x, u), repeat, n)
    t_hand_jvp = best(lambda: rosenbrock_jvp(x, u), repeat, n)
    t_grad = best(lambda: g(x), repeat, n)
    t_hvp = best(lambda: hv(x, u), repeat, n)
    t_hand_hvp = best(lambda: rosenbrock_hvp(x, u), repeat, n)
    rows.append(("Rosenbrock n = 10 000: jvp", t_jvp, t_hand_jvp, f"jvp / f = {t_jvp / t_f:.2f}"))
    rows.append(("Rosenbrock n = 10 000: hvp", t_hvp, t_hand_hvp,
                 f"hvp / grad = {t_hvp / t_grad:.2f}"))

    # scalar loop, 10 000 Euler steps
    jv_e = tl.jvp(bf.euler_ode)
    x0 = 0.7
    check(jv_e(x0, 1.0)[1], euler_jvp(x0, 1.0)[1], "euler jvp")
    check(euler_jvp(x0, 1.0)[1], (bf.euler_ode(x0 + 1e-6) - bf.euler_ode(x0 - 1e-6)) / 2e-6,
          "hand-written euler jvp vs finite differences", rtol=1e-6)
    m = 3
    t_fe = best(lambda: bf.euler_ode(x0), repeat, m)
    t_je = best(lambda: jv_e(x0, 1.0), repeat, m)
    t_he = best(lambda: euler_jvp(x0, 1.0), repeat, m)
    rows.append(("scalar loop, 10 000 steps: jvp", t_je, t_he, f"jvp / f = {t_je / t_fe:.2f}"))

    # Hessian of a 50-dimensional function against 50 hvps
    x50 = rng.normal(size=50)
    H = tl.hessian(quartic)
    hv50 = tl.hvp(quartic)
    eye = np.eye(50)
    check(H(x50), np.array([hv50(x50, e) for e in eye]).T, "hessian vs hvps")
    k = 5
    t_h = best(lambda: H(x50), repeat, k)
    t_50 = best(lambda: [hv50(x50, e) for e in eye], repeat, k)
    rows.append(("hessian, n = 50", t_h, t_50, f"hessian / (50 hvp) = {t_h / t_50:.2f}"))

    print("| benchmark | tl (ms) | reference (ms) | tl / reference | ratio |")
    print("|---|---:|---:|---:|---|")
    for name, t, ref, ratio in rows:
        print(f"| {name} | {t * 1e3:.3f} | {ref * 1e3:.3f} | {t / ref:.2f} | {ratio} |")


if __name__ == "__main__":
    main()
