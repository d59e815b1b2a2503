"""Train a logistic regression with gradient descent, using tl.grad for the gradient.

    python examples/logistic_regression.py

The loss is ordinary NumPy code. tangent_lite turns it into a gradient function
once; the training loop then calls that function like any other.
"""

import numpy as np

import tangent_lite as tl


def loss(w, x, y, l2):
    """Mean binary cross-entropy plus an L2 penalty on the weights (not the bias)."""
    z = x @ w
    p = 1.0 / (1.0 + np.exp(-z))
    data = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return data + l2 * np.sum(w[1:] ** 2)


def make_data(rng, n=400, d=3):
    """Two Gaussian blobs; column 0 of x is the constant 1 (the bias feature)."""
    true_w = np.array([0.5, 2.0, -1.0, 1.5])[: d + 1]
    features = rng.standard_normal((n, d))
    x = np.hstack([np.ones((n, 1)), features])
    prob = 1.0 / (1.0 + np.exp(-(x @ true_w)))
    y = (rng.uniform(size=n) < prob).astype(float)
    return x, y


def central_difference(f, w, *args, h=1e-6):
    """Gradient of f with respect to w by central finite differences."""
    g = np.zeros_like(w)
    for i in range(w.size):
        step = np.zeros_like(w)
        step[i] = h
        g[i] = (f(w + step, *args) - f(w - step, *args)) / (2 * h)
    return g


def main():
    rng = np.random.default_rng(42)
    x, y = make_data(rng)
    l2 = 1e-3

    dloss = tl.grad(loss, wrt="w")  # same as wrt=0

    w = np.zeros(x.shape[1])
    # The generated gradient against finite differences, before and after training.
    errors = [np.max(np.abs(dloss(w, x, y, l2) - central_difference(loss, w, x, y, l2)))]

    learning_rate = 0.5
    print(" step   loss")
    for step in range(201):
        if step % 25 == 0:
            print(f"{step:5d}   {loss(w, x, y, l2):.5f}")
        w = w - learning_rate * dloss(w, x, y, l2)

    errors.append(np.max(np.abs(dloss(w, x, y, l2) - central_difference(loss, w, x, y, l2))))
    accuracy = np.mean(((x @ w) > 0) == (y > 0.5))
    print(f"learned weights: {np.round(w, 3)}")
    print(f"training accuracy: {accuracy:.1%}")
    print(f"max |tl.grad - finite differences|: {max(errors):.2e}")
    assert max(errors) < 1e-7, "gradient disagrees with finite differences"
    assert loss(w, x, y, l2) < loss(np.zeros_like(w), x, y, l2)
    assert accuracy > 0.7


if __name__ == "__main__":
    main()
