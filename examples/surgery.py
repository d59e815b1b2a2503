"""Derivative surgery: tl.stop_gradient and tl.insert_grad_of.

    python examples/surgery.py

The functions here are the ones docs/derivative-surgery.md shows. Each is
checked against an independent oracle: a hand-written backward pass where the
derivative is changed on purpose (stop_gradient, clipping), central finite
differences where it is only looked at (logging, a breakpoint).
"""

import sys

import numpy as np

import tangent_lite as tl


def normalized_error(x, y):
    """Squared error over a scale that is held fixed: no derivative flows through it."""
    scale = tl.stop_gradient(np.sum(x ** 2))
    return np.sum((x - y) ** 2) / scale


def rnn_loss_clipped(W, U, xs, target):
    """An RNN loss whose gradient is clipped at every step of the backward pass."""
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
        with tl.insert_grad_of(h) as dh:
            dh = np.clip(dh, -0.1, 0.1)
    return np.sum((h - target) ** 2)


NORMS = []


def rnn_loss_logged(W, U, xs, target):
    """The same loss; the backward pass records the size of the hidden state's adjoint."""
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
        with tl.insert_grad_of(h) as dh:
            NORMS.append((t, float(np.linalg.norm(dh))))
    return np.sum((h - target) ** 2)


def rnn_loss_debug(W, U, xs, target):
    """The same loss; the backward pass stops in the debugger where the adjoint is large."""
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
        with tl.insert_grad_of(h) as dh:
            if np.linalg.norm(dh) > 0.5:
                breakpoint()
    return np.sum((h - target) ** 2)


# ---------------------------------------------------------------- oracles

def clipped_by_hand(W, U, xs, target, bound=0.1):
    """The backward pass of rnn_loss_clipped, written out: (dW, dU)."""
    hs = [np.zeros(W.shape[0])]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(W @ hs[-1] + U @ xs[t]))
    dW, dU = np.zeros_like(W), np.zeros_like(U)
    dh = 2.0 * (hs[-1] - target)
    for t in reversed(range(xs.shape[0])):
        dh = np.clip(dh, -bound, bound)
        da = dh * (1.0 - hs[t + 1] ** 2)
        dW += np.outer(da, hs[t])
        dU += np.outer(da, xs[t])
        dh = W.T @ da
    return dW, dU


def finite_differences(f, args, k, step=1e-6):
    """Central differences of f with respect to args[k], entry by entry."""
    x = args[k]
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus = [a.copy() for a in args]
        minus = [a.copy() for a in args]
        plus[k][i] += step
        minus[k][i] -= step
        out[i] = (f(*plus) - f(*minus)) / (2 * step)
    return out


def main():
    rng = np.random.default_rng(0)
    hidden, inputs, steps = 5, 3, 8
    W = rng.standard_normal((hidden, hidden)) * 0.8
    U = rng.standard_normal((hidden, inputs))
    xs = rng.standard_normal((steps, inputs))
    target = rng.uniform(-0.5, 0.5, hidden)
    args = [W, U, xs, target]

    # stop_gradient: the scale is a constant for the derivative
    x, y = rng.standard_normal(4), rng.standard_normal(4)
    got = tl.grad(normalized_error)(x, y)
    want = 2.0 * (x - y) / np.sum(x ** 2)
    assert np.allclose(got, want, rtol=1e-12), (got, want)
    print("stop_gradient: gradient equals 2 (x - y) / sum(x ** 2)")

    # clipping: compared with the backward pass written by hand
    dW, dU = tl.grad(rnn_loss_clipped, wrt=("W", "U"))(*args)
    hW, hU = clipped_by_hand(*args)
    assert np.allclose(dW, hW, rtol=1e-12, atol=1e-15) and np.allclose(dU, hU, rtol=1e-12,
                                                                       atol=1e-15)
    plain = finite_differences(rnn_loss_clipped, args, 0)  # called normally: no clipping
    assert not np.allclose(hW, plain, rtol=1e-3), "the clip should change this gradient"
    print(f"clipping: |dW clipped| = {np.linalg.norm(dW):.4f}, "
          f"|dW unclipped| = {np.linalg.norm(plain):.4f}; matches the hand-written pass")

    # logging: the gradient is unchanged, one record per step, last step first
    NORMS.clear()
    dW = tl.grad(rnn_loss_logged)(*args)
    assert np.allclose(dW, plain, rtol=1e-6, atol=1e-8), "logging changed the gradient"
    assert [t for t, _ in NORMS] == list(reversed(range(steps))), NORMS
    NORMS.clear()
    rnn_loss_logged(*args)
    assert NORMS == [], "the block ran in a normal call"
    print("logging: |dh| by step", ", ".join(f"{t}: {n:.3f}" for t, n in sorted(tl_norms(
        rnn_loss_logged, args))))

    # a breakpoint: replace the debugger by a counter for this run
    stops = []
    sys.breakpointhook = lambda *a, **k: stops.append(1)
    try:
        dW = tl.grad(rnn_loss_debug)(*args)
    finally:
        sys.breakpointhook = sys.__breakpointhook__
    large = [t for t, n in tl_norms(rnn_loss_logged, args) if n > 0.5]
    assert len(stops) == len(large) > 0 and np.allclose(dW, plain, rtol=1e-6, atol=1e-8)
    print(f"breakpoint: the backward pass stopped {len(stops)} times, at steps {large}")


def tl_norms(f, args):
    NORMS.clear()
    tl.grad(f)(*args)
    out = list(NORMS)
    NORMS.clear()
    return out


if __name__ == "__main__":
    main()
