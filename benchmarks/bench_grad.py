"""Benchmark tangent_lite gradients against hand-written NumPy gradients.

Run from the repository root:

    python benchmarks/bench_grad.py            # full run (7 repeats per timing)
    python benchmarks/bench_grad.py --quick    # fewer repeats, for a smoke test

Prints markdown tables: run time of the primal f, of the tangent_lite gradient
and of a careful hand-written gradient, with the ratios tl/hand and tl/f; then
the cost of the first ``tl.grad(f)`` (compilation) and of a second, cached one.

Before timing, every hand-written gradient is checked against fourth-order
central finite differences (relative agreement 1e-6), and tangent_lite's gradient
is checked against the hand-written one.

BLAS note: the MLP and RNN rows are dominated by matrix products, so their
absolute times depend on the BLAS build and its settings. This script leaves the
environment alone. If OPENBLAS_CORETYPE is set in your shell (it forces a generic
OpenBLAS kernel on some machines), unset it for representative BLAS-heavy
timings:

    env -u OPENBLAS_CORETYPE python benchmarks/bench_grad.py

and pin the thread count (e.g. OPENBLAS_NUM_THREADS=1) for stable ratios.
"""

import argparse
import os
import platform
import sys
import time
import timeit

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Measure the working tree, also when tangent_lite is not installed.
if ROOT not in sys.path:
    sys.path.insert(1, ROOT)

import tangent_lite as tl  # noqa: E402

import bench_functions as bf  # noqa: E402

FD_RTOL = 1e-6      # hand-written gradient vs finite differences
AGREE_RTOL = 1e-8   # tangent_lite gradient vs hand-written gradient


# ---------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------

def _as_tuple(g, n):
    return tuple(g) if n > 1 else (g,)


def _shift(args, wrt, direction, step):
    new = list(args)
    for i, d in zip(wrt, direction):
        new[i] = args[i] + step * d
    return new


def fd_directional(f, args, wrt, direction, h):
    """Fourth-order central difference of f along `direction` (one entry per wrt)."""
    fp2 = f(*_shift(args, wrt, direction, 2 * h))
    fp1 = f(*_shift(args, wrt, direction, h))
    fm1 = f(*_shift(args, wrt, direction, -h))
    fm2 = f(*_shift(args, wrt, direction, -2 * h))
    return (-fp2 + 8.0 * fp1 - 8.0 * fm1 + fm2) / (12.0 * h)


def rel_err(a, b):
    a = float(a)
    b = float(b)
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def check_against_fd(name, f, grad, args, wrt, rng, n_dirs=3, n_coords=4, h=1e-3,
                     what="hand-written gradient"):
    """Compare grad(*args) with finite differences along random directions and
    along a few coordinate axes. Returns the worst relative error."""
    g = _as_tuple(grad(*args), len(wrt))
    worst = 0.0
    directions = []
    for _ in range(n_dirs):
        dirs = []
        for i in wrt:
            d = rng.standard_normal(np.shape(args[i]))
            dirs.append(d if np.ndim(args[i]) else float(d))
        norm = np.sqrt(sum(np.sum(np.square(d)) for d in dirs))
        directions.append([d / norm for d in dirs])
    for k, i in enumerate(wrt):
        for _ in range(n_coords if np.ndim(args[i]) else 0):
            dirs = [np.zeros_like(args[j]) if np.ndim(args[j]) else 0.0 for j in wrt]
            flat = rng.integers(np.size(args[i]))
            dirs[k].flat[flat] = 1.0
            directions.append(dirs)
    for dirs in directions:
        analytic = sum(np.sum(gi * di) for gi, di in zip(g, dirs))
        numeric = fd_directional(f, args, wrt, dirs, h)
        worst = max(worst, rel_err(analytic, numeric))
    assert worst < FD_RTOL, f"{name}: {what} vs finite differences: {worst:.2e}"
    return worst


def check_agreement(name, g_tl, g_hand, n):
    worst = 0.0
    for a, b in zip(_as_tuple(g_tl, n), _as_tuple(g_hand, n)):
        assert np.shape(a) == np.shape(b), f"{name}: shape {np.shape(a)} != {np.shape(b)}"
        scale = max(float(np.max(np.abs(b))), 1e-300)
        worst = max(worst, float(np.max(np.abs(np.asarray(a) - b))) / scale)
    assert worst < AGREE_RTOL, f"{name}: tangent_lite vs hand-written gradient: {worst:.2e}"
    return worst


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------

def best_time(fn, args, repeat):
    """Best per-call time in seconds over `repeat` timeit runs."""
    timer = timeit.Timer(lambda: fn(*args))
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


# ---------------------------------------------------------------------------
# Benchmarks
# ---------------------------------------------------------------------------

def make_cases(rng):
    n = 10_000
    x_rosen = rng.uniform(-1.5, 1.5, n)

    X = rng.standard_normal((64, 128))
    W1 = rng.standard_normal((128, 256)) / np.sqrt(128)
    W2 = rng.standard_normal((256, 10)) / np.sqrt(256)
    Y = rng.standard_normal((64, 10))

    H, D = 64, 32
    W = rng.standard_normal((H, H)) * (0.9 / np.sqrt(H))
    U = rng.standard_normal((H, D)) / np.sqrt(D)
    xs = rng.standard_normal((50, D))

    return [
        # name, f, args, wrt, hand-written gradient
        ("Rosenbrock, n=10 000", bf.rosenbrock, (x_rosen,), (0,), bf.rosenbrock_grad),
        ("MLP loss, d/dW1", bf.mlp_loss, (W1, W2, X, Y), (0,), bf.mlp_loss_grad_W1),
        ("MLP loss, d/d(W1, W2)", bf.mlp_loss, (W1, W2, X, Y), (0, 1),
         bf.mlp_loss_grad_W1_W2),
        ("scalar loop, 10 000 iters", bf.euler_ode, (0.7,), (0,), bf.euler_ode_grad),
        ("RNN, 50 steps, H=64, d/dW", bf.rnn_loss, (W, U, xs), (0,), bf.rnn_loss_grad_W),
    ]


def bench_compile(rng, repeat):
    """First tl.grad(f) (includes compilation) vs a second, cached one."""
    f = bf.spring_loss
    args = (3.0, 0.5, 1.5, 0.2)

    t0 = time.perf_counter()
    df = tl.grad(f, wrt=0)
    t_grad1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    g1 = df(*args)
    t_call1 = time.perf_counter() - t0

    t0 = time.perf_counter()
    df2 = tl.grad(f, wrt=0)
    t_grad2 = time.perf_counter() - t0
    t0 = time.perf_counter()
    g2 = df2(*args)
    t_call2 = time.perf_counter() - t0

    assert g1 == g2, f"second tl.grad gives a different gradient: {g1} != {g2}"
    # Small step: the spring is piecewise linear, keep the stencil inside one piece.
    fd_err = check_against_fd("spring_loss", f, df, args, (0,), rng, n_dirs=1, h=1e-5,
                              what="tangent_lite gradient")
    t_steady = best_time(df, args, repeat)
    t_f = best_time(f, args, repeat)

    first = t_grad1 + t_call1
    second = t_grad2 + t_call2
    same_object = df2 is df
    # Compilation overhead = (tl.grad + first call) - a steady-state call.
    overhead1 = max(first - t_steady, 1e-9)
    overhead2 = max(second - t_steady, 1e-9)
    cache_hit = same_object or (overhead2 < overhead1 / 20)
    src_lines = len(getattr(df, "source", "").splitlines())
    return {
        "first": first, "t_grad1": t_grad1, "t_call1": t_call1,
        "second": second, "t_grad2": t_grad2, "t_call2": t_call2,
        "steady": t_steady, "f": t_f, "same_object": same_object,
        "cache_hit": cache_hit, "overhead1": overhead1, "overhead2": overhead2,
        "src_lines": src_lines, "fd_err": fd_err,
    }


def ms(t):
    return f"{t * 1e3:.3f}" if t < 1.0 else f"{t * 1e3:.0f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (3 instead of 7)")
    opts = parser.parse_args(argv)
    repeat = 3 if opts.quick else 7
    rng = np.random.default_rng(0)

    print(f"# tangent_lite gradient benchmarks ({'quick' if opts.quick else 'full'} run)")
    print()
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{platform.machine()}, best of {repeat} repeats; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print()

    # Cold compile first, so that it is what a user sees in a fresh process.
    comp = bench_compile(rng, repeat)

    rows = []
    for name, f, args, wrt, hand in make_cases(rng):
        fd_err = check_against_fd(name, f, hand, args, wrt, rng)
        arg = wrt[0] if len(wrt) == 1 else wrt
        df = tl.grad(f, wrt=arg)
        agree = check_agreement(name, df(*args), hand(*args), len(wrt))
        t_f = best_time(f, args, repeat)
        t_tl = best_time(df, args, repeat)
        t_hand = best_time(hand, args, repeat)
        rows.append((name, t_f, t_tl, t_hand, fd_err, agree))

    print("| benchmark | f (ms) | tl grad (ms) | hand-written grad (ms) | tl/hand | tl/f |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, t_f, t_tl, t_hand, _, _ in rows:
        print(f"| {name} | {ms(t_f)} | {ms(t_tl)} | {ms(t_hand)} | "
              f"{t_tl / t_hand:.2f} | {t_tl / t_f:.2f} |")
    print()
    print("Checks: hand-written vs finite differences (worst relative error) / "
          "tangent_lite vs hand-written (max abs difference / max abs):")
    print()
    for name, _, _, _, fd_err, agree in rows:
        print(f"- {name}: {fd_err:.1e} / {agree:.1e}")
    print()

    print("| compile (spring_loss, 30 lines, loops + branches) | ms |")
    print("|---|---:|")
    print(f"| first `tl.grad(f)` | {ms(comp['t_grad1'])} |")
    print(f"| first call of the result (any lazy compilation) | {ms(comp['t_call1'])} |")
    print(f"| **first total** | **{ms(comp['first'])}** |")
    print(f"| second `tl.grad(f)` | {ms(comp['t_grad2'])} |")
    print(f"| first call of the second result | {ms(comp['t_call2'])} |")
    print(f"| **second total** | **{ms(comp['second'])}** |")
    print(f"| steady-state gradient call | {ms(comp['steady'])} |")
    print(f"| primal f call | {ms(comp['f'])} |")
    print()
    print(f"Cache hit on the second tl.grad(f): {'yes' if comp['cache_hit'] else 'NO'} "
          f"(same object: {comp['same_object']}; "
          f"compile overhead first {ms(comp['overhead1'])} ms, "
          f"second {ms(comp['overhead2'])} ms); "
          f"generated source: {comp['src_lines']} lines; "
          f"gradient vs finite differences: {comp['fd_err']:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
