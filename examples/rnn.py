"""Gradient of a recurrent network unrolled by a Python for loop.

    python examples/rnn.py

The loop carries the hidden state h from one step to the next. tangent_lite's
reverse pass runs the loop backwards, popping from a tape the hidden states the
backward step needs. The gradient with respect to both weight matrices is then
used to fit the final hidden state to a target.
"""

import numpy as np

import tangent_lite as tl


def rnn_loss(W, U, xs, target):
    """Squared distance between the final hidden state and a target."""
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum((h - target) ** 2)


def check_with_finite_differences(f, args, grads, rng, n_entries=10, h=1e-6):
    """Central differences on a few random entries of each weight matrix."""
    worst = 0.0
    for k, g in enumerate(grads):
        for _ in range(n_entries):
            i = rng.integers(g.size)
            plus = [a.copy() for a in args]
            minus = [a.copy() for a in args]
            plus[k].flat[i] += h
            minus[k].flat[i] -= h
            fd = (f(*plus) - f(*minus)) / (2 * h)
            worst = max(worst, abs(g.flat[i] - fd))
    return worst


def main():
    rng = np.random.default_rng(1)
    hidden, inputs, steps = 16, 4, 20
    W = rng.standard_normal((hidden, hidden)) * (0.5 / np.sqrt(hidden))
    U = rng.standard_normal((hidden, inputs)) / np.sqrt(inputs)
    xs = rng.standard_normal((steps, inputs))
    target = rng.uniform(-0.5, 0.5, hidden)

    dloss = tl.grad(rnn_loss, wrt=("W", "U"))

    dW, dU = dloss(W, U, xs, target)
    print(f"loss {rnn_loss(W, U, xs, target):.5f}; "
          f"dW {dW.shape}, |dW| = {np.linalg.norm(dW):.4f}; "
          f"dU {dU.shape}, |dU| = {np.linalg.norm(dU):.4f}")
    err = check_with_finite_differences(
        lambda W_, U_: rnn_loss(W_, U_, xs, target), [W, U], [dW, dU], rng)
    print(f"max |tl.grad - finite differences| over 20 entries: {err:.2e}")
    assert err < 1e-7, "gradient disagrees with finite differences"

    initial = rnn_loss(W, U, xs, target)
    print(" step   loss")
    for step in range(101):
        if step % 20 == 0:
            print(f"{step:5d}   {rnn_loss(W, U, xs, target):.6f}")
        dW, dU = dloss(W, U, xs, target)
        W = W - 0.1 * dW
        U = U - 0.1 * dU
    final = rnn_loss(W, U, xs, target)
    assert final < 0.1 * initial, "training did not reduce the loss"


if __name__ == "__main__":
    main()
