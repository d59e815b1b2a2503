"""Train a small neural network (one tanh hidden layer) with gradient descent.

    python examples/mlp.py

The task is synthetic: points in the plane, labelled by whether they lie inside a
circle, which a linear model cannot separate. The loss is plain NumPy (a stable
logistic loss written with np.logaddexp); tl.grad gives the gradient with
respect to all four parameter arrays at once.
"""

import numpy as np

import tangent_lite as tl


def loss(W1, b1, W2, b2, x, y):
    """Mean logistic loss of a 2-16-1 tanh network; labels y are -1 or +1."""
    h = np.tanh(x @ W1 + b1)
    z = h @ W2 + b2
    return np.mean(np.logaddexp(0.0, -y * z)) + 1e-4 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))


def make_data(rng, n=300):
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = np.where(np.sum(x ** 2, axis=1) < 0.45, 1.0, -1.0)
    return x, y


def central_difference(f, args, k, h=1e-6):
    """Gradient of f with respect to args[k] by central finite differences."""
    x = args[k]
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus = [a.copy() for a in args]
        minus = [a.copy() for a in args]
        plus[k][i] += h
        minus[k][i] -= h
        g[i] = (f(*plus) - f(*minus)) / (2 * h)
    return g


def main():
    rng = np.random.default_rng(0)
    x, y = make_data(rng)
    hidden = 16
    params = [rng.normal(0.0, 1.0, (2, hidden)), np.zeros(hidden),
              rng.normal(0.0, 0.5, hidden), 0.0]

    dloss = tl.grad(loss, wrt=("W1", "b1", "W2", "b2"))

    # the generated gradient against finite differences at the starting point
    grads = dloss(*params, x, y)
    arrays = [np.asarray(p, dtype=float) for p in params]
    worst = 0.0
    for k in range(3):
        fd = central_difference(lambda *a: loss(*a, x, y), arrays, k)
        worst = max(worst, float(np.max(np.abs(grads[k] - fd))))
    fd_b2 = (loss(*params[:3], 1e-6, x, y) - loss(*params[:3], -1e-6, x, y)) / 2e-6
    worst = max(worst, abs(grads[3] - fd_b2))
    assert isinstance(grads[3], float)

    first = loss(*params, x, y)
    learning_rate = 0.5
    print(" step   loss     accuracy")
    for step in range(601):
        if step % 100 == 0:
            z = np.tanh(x @ params[0] + params[1]) @ params[2] + params[3]
            print(f"{step:5d}   {loss(*params, x, y):.4f}   {np.mean(np.sign(z) == y):.1%}")
        grads = dloss(*params, x, y)
        params = [p - learning_rate * g for p, g in zip(params, grads)]

    last = loss(*params, x, y)
    z = np.tanh(x @ params[0] + params[1]) @ params[2] + params[3]
    accuracy = np.mean(np.sign(z) == y)
    print(f"loss {first:.4f} -> {last:.4f}, training accuracy {accuracy:.1%}")
    print(f"max |tl.grad - finite differences| at the start: {worst:.2e}")
    assert worst < 1e-7, "gradient disagrees with finite differences"
    assert last < 0.5 * first, "training did not reduce the loss"
    assert accuracy > 0.9


if __name__ == "__main__":
    main()
