"""L1-regularised least squares (the lasso) trained with subgradient descent.

    python examples/lasso.py

abs has a kink at 0. tangent_lite uses the subgradient 0 there (as PyTorch and
JAX do), so a weight that sits exactly at zero feels only the data term. The
loop below is plain subgradient descent followed by a soft-threshold step
(proximal gradient), which keeps the irrelevant weights at exactly zero.
"""

import numpy as np

import tangent_lite as tl


def lasso_loss(w, x, y, lam):
    r = x @ w - y
    return 0.5 * np.mean(r ** 2) + lam * np.sum(np.abs(w))


def data_loss(w, x, y):
    r = x @ w - y
    return 0.5 * np.mean(r ** 2)


def main():
    rng = np.random.default_rng(1)
    n, d = 200, 10
    true_w = np.zeros(d)
    true_w[[1, 4, 7]] = [2.0, -3.0, 1.5]
    x = rng.standard_normal((n, d))
    y = x @ true_w + 0.1 * rng.standard_normal(n)
    lam = 0.05

    dloss = tl.grad(lasso_loss)
    ddata = tl.grad(data_loss)

    # at w = 0 the penalty contributes the subgradient 0: only the data term is left
    w0 = np.zeros(d)
    assert np.array_equal(dloss(w0, x, y, lam), ddata(w0, x, y))

    # away from the kinks the gradient matches central finite differences
    w1 = rng.standard_normal(d)
    fd = np.array([(lasso_loss(w1 + e, x, y, lam) - lasso_loss(w1 - e, x, y, lam)) / 2e-6
                   for e in np.eye(d) * 1e-6])
    err = float(np.max(np.abs(dloss(w1, x, y, lam) - fd)))
    print(f"max |tl.grad - finite differences|: {err:.2e}")
    assert err < 1e-7

    # subgradient descent, then proximal gradient to land exactly on zeros
    w = np.zeros(d)
    start = lasso_loss(w, x, y, lam)
    step = 0.1
    for _ in range(300):
        w = w - step * dloss(w, x, y, lam)
    after_sub = lasso_loss(w, x, y, lam)
    for _ in range(200):
        z = w - step * ddata(w, x, y)
        w = np.sign(z) * np.maximum(np.abs(z) - step * lam, 0.0)
    end = lasso_loss(w, x, y, lam)
    print(f"loss {start:.4f} -> {after_sub:.4f} (subgradient) -> {end:.4f} (proximal)")
    print(f"weights: {np.round(w, 2) + 0.0}")
    print(f"nonzero weights: {np.flatnonzero(w).tolist()} (true: [1, 4, 7])")
    assert after_sub < 0.1 * start and end <= after_sub + 1e-9
    assert np.flatnonzero(w).tolist() == [1, 4, 7]
    assert np.max(np.abs(w - true_w)) < 0.2


if __name__ == "__main__":
    main()
