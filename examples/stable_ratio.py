"""Gradients of ratios at tiny magnitudes stay finite.

    python examples/stable_ratio.py

With a and b near 1e-170, d(a/b)/db = -a / b**2 is about -1e170: an ordinary
float64 number. Written as -a / b**2 it is not computable, because b**2 = 1e-340
underflows to 0 and the quotient becomes -inf. tangent_lite's rule for a / b
reuses the quotient, -(a / b) / b, which never leaves the float64 range; the same
holds through a normalisation p = x / sum(x).
"""

import numpy as np

import tangent_lite as tl


def ratio(a, b):
    return a / b


def normalised_dot(x, w):
    p = x / np.sum(x)
    return np.sum(w * p)


def main():
    a, b = 3e-170, 2e-170
    da, db = tl.grad(ratio, wrt=(0, 1))(a, b)
    print(f"a = {a:g}, b = {b:g}: d/da = {da:.6g}, d/db = {db:.6g}")
    with np.errstate(all="ignore"):
        naive = -np.float64(a) / np.float64(b) ** 2
    print(f"the naive -a / b**2 gives {naive}")
    assert np.isfinite(da) and np.isfinite(db) and not np.isfinite(naive)
    # exact values: 1 / b and -(a / b) / b
    assert abs(da - 1.0 / b) <= 1e-15 * abs(1.0 / b)
    assert abs(db - (-(a / b) / b)) <= 1e-15 * abs(a / b / b)
    # and central differences with a step relative to the magnitude agree
    h = 1e-6 * b
    fd_db = (ratio(a, b + h) - ratio(a, b - h)) / (2 * h)
    assert abs(db - fd_db) <= 1e-6 * abs(db)

    rng = np.random.default_rng(3)
    x = rng.uniform(1.0, 2.0, 5) * 1e-170
    w = rng.standard_normal(5)
    g = tl.grad(normalised_dot)(x, w)
    s = np.sum(x)
    exact = (w - np.sum(w * x) / s) / s  # the same formula, written stably by hand
    fd = np.array([(normalised_dot(x + e, w) - normalised_dot(x - e, w)) / (2 * e.max())
                   for e in np.diag(x * 1e-6)])
    print(f"normalised_dot gradient, scaled by 1e-170: {np.round(g * 1e-170, 4)}")
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, exact, rtol=1e-12)
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    print("all gradients finite and correct")


if __name__ == "__main__":
    main()
