"""Reverse mode over generated reverse-mode code: tl.grad(tl.grad(f)), and gradients
of functions that call a generated gradient.  Oracles: central finite differences of
the first derivative, and tl.hessian (forward over reverse) where it applies."""

import numpy as np
import pytest

import rr_functions as R
import tangent_lite as tl

X = np.array([0.4, -0.7, 1.1])
X4 = np.array([0.4, -0.7, 1.1, 0.3])


def fd(f, x, h=1e-5):
    if np.ndim(x) == 0:
        return (f(x + h) - f(x - h)) / (2 * h)
    out = np.zeros(np.shape(f(x)) + np.shape(x))
    for index in np.ndindex(*np.shape(x)):
        e = np.zeros(np.shape(x))
        e[index] = h
        out[(Ellipsis,) + index] = (f(x + e) - f(x - e)) / (2 * h)
    return out


@pytest.mark.parametrize("name", ["scalar_loop", "scalar_while", "scalar_poly"])
@pytest.mark.parametrize("x", [0.45, 1.05, 1.7])  # away from the branches' kinks
def test_second_derivative_of_a_scalar_function(name, x):
    f = getattr(R, name)
    d1 = tl.grad(f)
    d2 = tl.grad(d1)
    assert np.isclose(d2(x), fd(d1, x), rtol=1e-6, atol=1e-8)


def test_reverse_over_reverse_is_reverse_mode_code():
    d2 = tl.grad(tl.grad(R.scalar_loop))
    src = d2.source
    assert "def grad_grad_scalar_loop(x):" in src
    assert "b_tape.append(" in src and "b_tape.pop()" in src
    assert "_tape_1 = []" in src  # the outer tape does not clash with the inner one


@pytest.mark.parametrize("order", [3, 4, 5])
def test_higher_orders_of_a_scalar_function(order):
    d = [R.scalar_poly]
    for _ in range(order):
        d.append(tl.grad(d[-1]))
    x = 0.7
    assert np.isclose(d[order](x), fd(d[order - 1], x, h=1e-4), rtol=1e-5, atol=1e-6)


def test_reverse_over_reverse_agrees_with_forward_over_reverse():
    x = 0.8
    rr = tl.grad(tl.grad(R.scalar_loop))(x)
    fr = tl.jvp(tl.grad(R.scalar_loop))(x, 1.0)[1]
    assert np.isclose(rr, fr, rtol=1e-12)


@pytest.mark.parametrize("name,f,x", [
    ("gradient_norm", R.gradient_norm, X),
    ("gradient_penalty", R.gradient_penalty, X4),
])
def test_gradient_of_a_function_that_calls_a_generated_gradient(name, f, x):
    g = tl.grad(f)(x)
    assert g.shape == x.shape
    assert np.allclose(g, fd(f, x), rtol=1e-5, atol=1e-7)


def test_gradient_norm_against_the_hessian():
    # d/dx |grad f|^2 = 2 H grad f, with H from forward over reverse
    x = X
    got = tl.grad(R.gradient_norm)(x)
    want = 2 * tl.hessian(R.matrix_loss)(x) @ R.d_matrix_loss(x)
    assert np.allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f,x", [(R.matrix_loss, X), (R.inplace_loss, X4),
                                 (R.gather_loss, X)])
def test_hessian_rows_by_reverse_over_reverse(f, x):
    """Each row of the Hessian is the gradient of one entry of the gradient."""
    H = tl.hessian(f)(x)
    d = tl.grad(f)
    for k in range(len(x)):
        src = f"def row(x):\n    return d(x)[{k}]\n"
        ns = {"d": d}
        import linecache
        filename = f"<rr row {f.__name__} {k}>"
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
        exec(compile(src, filename, "exec"), ns)
        row = tl.grad(ns["row"])(x)
        assert np.allclose(row, H[k], rtol=1e-8, atol=1e-10), (k, row, H[k])


def test_slice_update_in_generated_code():
    """The gradient of ``z[1:3] += ...`` restores ``z`` from its tape; reverse mode over
    it follows the restore, and forward over reverse agrees."""
    f = R.gradient_of_slice_update
    assert np.allclose(tl.grad(f)(X4), fd(f, X4), rtol=1e-6, atol=1e-8)
    v = np.array([0.3, -1.0, 0.5, 2.0])
    d = tl.grad(R.slice_update_loss)
    assert np.allclose(tl.hvp(R.slice_update_loss)(X4, v), fd(d, X4) @ v, rtol=1e-6)


def test_grad_of_jvp_is_reverse_over_forward():
    """tl.grad(tl.jvp(f)) differentiates the directional derivative jvp returns:
    with respect to x it is H u, with respect to the tangent it is the gradient."""
    x = np.array([0.3, -0.2, 0.8])
    g = tl.grad(tl.jvp(R.tanh_mix))
    d = tl.grad(R.tanh_mix)
    assert np.allclose(g(x, R.U), fd(d, x) @ R.U, rtol=1e-6, atol=1e-8)
    assert np.allclose(g(x, R.U), tl.hvp(R.tanh_mix)(x, R.U), rtol=1e-10)
    assert np.allclose(tl.grad(tl.jvp(R.tanh_mix), wrt=1)(x, R.U), d(x), rtol=1e-10)
    assert "def grad_jvp_tanh_mix(x, dx):" in g.source


def test_gradient_of_a_function_that_calls_a_generated_jvp():
    x = np.array([0.3, -0.2, 0.8])
    assert np.allclose(tl.grad(R.directional)(x), fd(R.directional, x), rtol=1e-6, atol=1e-8)


def test_an_error_in_generated_code_names_the_users_line():
    """A failure while differentiating generated code again is reported at the user's
    file and line (through the derivative's # L<n> comments), not inside tangent_lite."""
    import inspect
    import os

    import forward_functions as ff
    f = ff.norm_sq
    try:
        tl.hvp(f)(np.ones(3), np.ones(3))
    except tl.TangentLiteError as exc:
        lines, start = inspect.getsourcelines(f)
        assert os.path.basename(exc.filename) == "forward_functions.py"
        assert start <= exc.lineno < start + len(lines)
        assert "tangent_lite" + os.sep not in exc.filename
    else:  # a rule for the norm's helpers makes this pass: then the hvp must be right
        d = tl.grad(f)
        x, v = np.ones(3), np.ones(3)
        assert np.allclose(tl.hvp(f)(x, v), fd(d, x) @ v, rtol=1e-6)


def test_the_forward_fallback_for_grad_of_generated_code():
    """Where reverse mode has no rule for something generated code calls, tl.grad of it
    runs forward mode over it instead; orders above two chain forward mode again."""
    from tangent_lite import api

    d1 = tl.grad(R.scalar_poly)
    d2 = api._grad_of_generated(d1, 0, True, False)
    d3 = tl.grad(d2)
    x = 0.7
    assert np.isclose(d2(x), fd(d1, x), rtol=1e-7)
    assert np.isclose(d3(x), fd(d2, x, h=1e-4), rtol=1e-6)
    assert np.isclose(d3(x), tl.grad(tl.grad(tl.grad(R.scalar_poly)))(x), rtol=1e-10)
