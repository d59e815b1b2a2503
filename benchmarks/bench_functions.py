"""Primal functions and hand-written gradients for benchmarks/bench_grad.py.

tangent_lite reads a function's source with ``inspect.getsource``, so the primal
functions live in this real module rather than being built inside the script.

Each ``*_grad`` function is the gradient a careful person would write by hand:
plain NumPy, no tape library, intermediate values kept only where the backward
pass needs them.
"""

import math

import numpy as np


# ---------------------------------------------------------------------------
# (a) Vectorized Rosenbrock
# ---------------------------------------------------------------------------

def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    head = x[:-1]
    a = x[1:] - head ** 2
    g = np.zeros_like(x)
    g[1:] = 200.0 * a
    g[:-1] += -400.0 * a * head - 2.0 * (1.0 - head)
    return g


# ---------------------------------------------------------------------------
# (b) MLP loss: one tanh hidden layer, mean squared error
# ---------------------------------------------------------------------------

def mlp_loss(W1, W2, X, Y):
    h = np.tanh(X @ W1)
    out = h @ W2
    return np.mean((out - Y) ** 2)


def mlp_loss_grad_W1(W1, W2, X, Y):
    h = np.tanh(X @ W1)
    out = h @ W2
    dout = (2.0 / out.size) * (out - Y)
    dh = dout @ W2.T
    return X.T @ (dh * (1.0 - h * h))


def mlp_loss_grad_W1_W2(W1, W2, X, Y):
    h = np.tanh(X @ W1)
    out = h @ W2
    dout = (2.0 / out.size) * (out - Y)
    dW2 = h.T @ dout
    dh = dout @ W2.T
    dW1 = X.T @ (dh * (1.0 - h * h))
    return dW1, dW2


# ---------------------------------------------------------------------------
# (c) Scalar Python loop: explicit Euler for dy/dt = -x*y + sin(x*t), 10 000 steps
# ---------------------------------------------------------------------------

def euler_ode(x):
    y = 1.0
    dt = 0.001
    for i in range(10000):
        t = i * dt
        y = y + dt * (-x * y + math.sin(x * t))
    return y


def euler_ode_grad(x):
    # One scalar input: the cheapest hand-written derivative is forward mode,
    # carrying dy/dx alongside y (no storage of the trajectory needed).
    y = 1.0
    dy = 0.0
    dt = 0.001
    for i in range(10000):
        t = i * dt
        dy = dy + dt * (-y - x * dy + math.cos(x * t) * t)
        y = y + dt * (-x * y + math.sin(x * t))
    return dy


# ---------------------------------------------------------------------------
# (d) 50-step RNN, gradient w.r.t. the recurrent weights W
# ---------------------------------------------------------------------------

def rnn_loss(W, U, xs):
    h = np.zeros(W.shape[0])
    for t in range(50):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h ** 2)


def rnn_loss_grad_W(W, U, xs):
    hs = [np.zeros(W.shape[0])]
    for t in range(50):
        hs.append(np.tanh(W @ hs[-1] + U @ xs[t]))
    dW = np.zeros_like(W)
    dh = 2.0 * hs[-1]
    for t in range(49, -1, -1):
        da = dh * (1.0 - hs[t + 1] ** 2)
        dW += np.outer(da, hs[t])
        dh = W.T @ da
    return dW


# ---------------------------------------------------------------------------
# Compile-time benchmark: a ~30-line function with loops and branches.
# A mass on a spring that is stiffer under compression, with velocity-dependent
# damping, integrated with semi-implicit Euler; the loss penalises kinetic energy
# above a threshold and the distance of the final position from a target.
# ---------------------------------------------------------------------------

def spring_loss(k, x0, v0, target):
    x = x0
    v = v0
    dt = 0.01
    penalty = 0.0
    for step in range(200):
        if x > 0.0:
            force = -k * x
        else:
            force = -2.0 * k * x
        speed = abs(v)
        if speed > 1.0:
            force = force - 0.1 * v - 0.2 * v * (speed - 1.0)
        else:
            force = force - 0.1 * v
        v = v + dt * force
        x = x + dt * v
        energy = 0.5 * v * v
        if energy > 0.8:
            penalty = penalty + (energy - 0.8) ** 2
        elif energy < 0.01:
            penalty = penalty + (0.01 - energy)
    miss = x - target
    loss = miss * miss + 0.1 * penalty
    total = 0.0
    j = 0
    while j < 3:
        total = total + loss / (j + 1.0)
        j = j + 1
    return total
