"""Benchmark single rules on 10**6-element arrays: tangent_lite against hand-written.

Run from the repository root:

    python benchmarks/bench_rules.py            # best of 7
    python benchmarks/bench_rules.py --quick    # best of 3

For each representative rule the script times the primal ``f``, ``tl.grad(f)``
and a hand-written NumPy gradient with the same semantics (ties split evenly,
0 where ``clip`` clamps), after checking that the two gradients agree. It
prints a markdown table with the ratio tl/hand; the target is at most 1.3.
Timings on a shared machine vary by about +-30%: run it two or three times.
"""

import argparse
import os
import sys
import timeit

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(1, ROOT)

import tangent_lite as tl  # noqa: E402

N = 1000  # arrays are N x N = 10**6 elements


def f_exp(x):
    return np.sum(np.exp(x))


def h_exp(x):
    return np.exp(x)


def f_tanh(x):
    return np.sum(np.tanh(x))


def h_tanh(x):
    t = np.tanh(x)
    return 1.0 - t * t


def f_sqrt(x):
    return np.sum(np.sqrt(x))


def h_sqrt(x):
    return 0.5 / np.sqrt(x)


def f_log(x):
    return np.sum(np.log(x))


def h_log(x):
    return 1.0 / x


def f_mul_broadcast(a, b):
    return np.sum(a * b)


def h_mul_broadcast(a, b):
    return np.broadcast_to(b, a.shape).copy(), np.sum(a, axis=0)


def f_sum(x):
    return np.sum(x)


def h_sum(x):
    return np.ones(x.shape)


def f_mean_axis(x, w):
    return np.sum(w * np.mean(x, axis=1))


def h_mean_axis(x, w):
    return np.broadcast_to((w / x.shape[1])[:, None], x.shape).copy()


def f_max(x):
    return np.max(x)


def h_max(x):
    mask = x == np.max(x)
    return mask / np.sum(mask)


def f_where(x):
    return np.sum(np.where(x > 0.5, x * x, -x))


def h_where(x):
    return np.where(x > 0.5, 2.0 * x, -1.0)


def f_clip(x):
    return np.sum(np.clip(x, 0.2, 0.8))


def h_clip(x):
    return ((x >= 0.2) & (x <= 0.8)).astype(float)


def f_maximum(a, b):
    return np.sum(np.maximum(a, b))


def h_maximum(a, b):
    tie = 0.5 * (a == b)
    return (a > b) + tie, (a < b) + tie


def cases(rng):
    x = rng.uniform(0.1, 1.0, (N, N))
    y = rng.uniform(0.1, 1.0, (N, N))
    b = rng.uniform(0.1, 1.0, N)
    w = rng.uniform(0.1, 1.0, N)
    return [
        ("exp", f_exp, h_exp, (x,), 0), ("tanh", f_tanh, h_tanh, (x,), 0),
        ("sqrt", f_sqrt, h_sqrt, (x,), 0), ("log", f_log, h_log, (x,), 0),
        ("a * b (b broadcast)", f_mul_broadcast, h_mul_broadcast, (x, b), (0, 1)),
        ("sum", f_sum, h_sum, (x,), 0), ("mean(axis=1)", f_mean_axis, h_mean_axis, (x, w), 0),
        ("max", f_max, h_max, (x,), 0), ("where", f_where, h_where, (x,), 0),
        ("clip", f_clip, h_clip, (x,), 0),
        ("maximum", f_maximum, h_maximum, (x, y), (0, 1)),
    ]


def best(fn, args, repeat):
    return min(timeit.repeat(lambda: fn(*args), number=1, repeat=repeat))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="best of 3 instead of 7")
    parser.add_argument("--show", metavar="NAME", help="print the generated source of one row")
    opts = parser.parse_args(argv)
    repeat = 3 if opts.quick else 7
    rng = np.random.default_rng(0)
    print(f"# rule benchmarks, {N}x{N} float64 arrays, best of {repeat}")
    print()
    print("| rule | f (ms) | tl.grad (ms) | hand (ms) | tl/hand |")
    print("|---|---:|---:|---:|---:|")
    worst = 0.0
    for name, f, hand, args, wrt in cases(rng):
        df = tl.grad(f, wrt=wrt)
        if opts.show == name:
            print(df.source)
        got, want = df(*args), hand(*args)
        for g, h in zip(got if isinstance(wrt, tuple) else (got,),
                        want if isinstance(wrt, tuple) else (want,)):
            np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-300)
        tf, tt, th = best(f, args, repeat), best(df, args, repeat), best(hand, args, repeat)
        worst = max(worst, tt / th)
        print(f"| {name} | {tf * 1e3:.2f} | {tt * 1e3:.2f} | {th * 1e3:.2f} | {tt / th:.2f} |")
    print()
    print(f"worst tl/hand: {worst:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
