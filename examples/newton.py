"""Second derivatives with tangent_lite: Newton's method and a mixed partial.

Run: python examples/newton.py

1. Minimize a smooth function of 5 variables with Newton's method, solving
   H(x) p = -g(x) with conjugate gradients that only need Hessian-vector
   products (tl.hvp, forward mode over the generated gradient), then once more
   with the full Hessian (tl.hessian).  Both converge quadratically.
2. The mixed partial d/dY (dL/dX) of a two-matrix loss, from the off-diagonal
   block of tl.hessian(loss, wrt=(0, 1)), checked against finite differences of
   the gradient.
"""

import numpy as np

import tangent_lite as tl


def energy(x):
    """A smooth, strictly convex function with its minimum away from 0."""
    d = x[1:] - x[:-1]
    return np.sum(np.exp(0.5 * x) - x) + 0.5 * np.sum(d * d) + 0.1 * np.sum(x ** 4)


def loss(X, Y):
    """A two-matrix loss: a bilinear coupling plus a smooth penalty on X."""
    return np.sum(np.tanh(X @ Y)) + 0.5 * np.sum(X * X)


grad_energy = tl.grad(energy)
hvp_energy = tl.hvp(energy)
hessian_energy = tl.hessian(energy)


def newton_cg(x, steps=8, cg_steps=20):
    """Newton's method; each step solves H p = -g by conjugate gradients on hvps."""
    history = []
    for _ in range(steps):
        g = grad_energy(x)
        history.append(float(np.linalg.norm(g)))
        if history[-1] < 1e-12:
            break
        p = np.zeros_like(x)
        r = -g
        d = r.copy()
        for _ in range(cg_steps):
            Hd = hvp_energy(x, d)
            alpha = (r @ r) / (d @ Hd)
            p = p + alpha * d
            r_new = r - alpha * Hd
            if np.linalg.norm(r_new) < 1e-14:
                break
            d = r_new + (r_new @ r_new) / (r @ r) * d
            r = r_new
        x = x + p
    return x, history


def newton_full(x, steps=8):
    """Newton's method with the full Hessian."""
    for _ in range(steps):
        x = x - np.linalg.solve(hessian_energy(x), grad_energy(x))
    return x


def main():
    x0 = np.linspace(-1.0, 2.0, 5)
    x_cg, history = newton_cg(x0)
    x_full = newton_full(x0)
    print("Newton-CG gradient norms:", " ".join(f"{h:.1e}" for h in history))
    assert history[-1] < 1e-10, history
    # quadratic convergence: the gradient norm at least squares (roughly) each step
    assert any(b < a * a * 10 for a, b in zip(history, history[1:]) if a < 0.1), history
    assert np.allclose(x_cg, x_full, atol=1e-9), (x_cg, x_full)

    # the Hessian against finite differences of the gradient, and its symmetry
    H = hessian_energy(x0)
    h = 1e-6
    fd = np.array([(grad_energy(x0 + h * e) - grad_energy(x0 - h * e)) / (2 * h)
                   for e in np.eye(5)]).T
    assert np.allclose(H, fd, rtol=1e-6, atol=1e-6), np.max(np.abs(H - fd))
    assert np.allclose(H, H.T)

    # the mixed partial d/dY (dL/dX): block [0][1] of the Hessian, shape X.shape + Y.shape
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    H_XY = tl.hessian(loss, wrt=(0, 1))(X, Y)[0][1]
    dL_dX = tl.grad(loss, wrt=0)
    fd = np.zeros(X.shape + Y.shape)
    for index in np.ndindex(*Y.shape):
        E = np.zeros(Y.shape)
        E[index] = h
        fd[(Ellipsis,) + index] = (dL_dX(X, Y + E) - dL_dX(X, Y - E)) / (2 * h)
    assert np.allclose(H_XY, fd, rtol=1e-6, atol=1e-7), np.max(np.abs(H_XY - fd))
    print("mixed partial d/dY (dL/dX): shape", H_XY.shape, "matches finite differences")


if __name__ == "__main__":
    main()
