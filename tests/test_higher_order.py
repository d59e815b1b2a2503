"""Higher order: tl.hvp, tl.hessian, tl.jacobian and transforms of generated code.

Oracles: central differences of the gradient along v, HIPS autograd's hessian on the
same math, analytic derivatives of a scalar function, and the Jacobian's rows/columns
computed by finite differences of f.
"""

import copy
import math
import re

import numpy as np
import pytest

import forward_functions as ff
import tangent_lite as tl
from fd import numerical_jacobian
from tree_fd import assert_tree_close, assert_tree_equal, random_like, snapshot, tree_map

_rng = np.random.default_rng(2024)


def _u(shape, lo=-1.0, hi=1.0):
    return _rng.uniform(lo, hi, size=shape)


def grad_fd_along(f, args, positions, vs, h=1e-5):
    """(grad f(x + h v) - grad f(x - h v)) / 2h for every wrt argument."""
    g = tl.grad(f, wrt=tuple(positions))

    def at(sign):
        a = copy.deepcopy(list(args))
        for p, v in zip(positions, vs):
            a[p] = tree_map(lambda x, d: x + sign * h * d, a[p], v)
        return g(*a)

    return tree_map(lambda gp, gm: (np.asarray(gp) - np.asarray(gm)) / (2 * h), at(1), at(-1))


X3 = np.array([0.3, -0.7, 1.1])
X4 = np.array([0.6, -0.4, 1.3, -1.1])
MAT_X = _u((2, 3))
MAT_Y = _u((3, 2))

HVP_CASES = [
    ("loss_vec", ff.loss_vec, (X3,), 0),
    ("loss_mat", ff.loss_mat, (X3,), 0),
    ("loss_loops", ff.loss_loops, (X4,), 0),
    ("loss_inplace", ff.loss_inplace, (X4,), 0),
    ("loss_prod", ff.loss_prod, (X3,), 0),
    ("two_matrix_X", ff.two_matrix_loss, (MAT_X, MAT_Y), 0),
    ("two_matrix_XY", ff.two_matrix_loss, (MAT_X, MAT_Y), (0, 1)),
    ("scalar_cubic", ff.scalar_cubic, (0.7,), 0),
    ("scalar_poly_xy", ff.scalar_poly, (0.7, -1.3), (0, 1)),
    ("for_range", ff.for_range, (0.8,), 0),
    ("while_loop", ff.while_loop, (0.9,), 0),
    ("early_return", ff.early_return, (1.3,), 0),
    ("nested_loops", ff.nested_loops, (_u((3, 3)),), 0),
    ("calls_other_module", ff.calls_other_module, (0.45,), 0),
    ("calls_helper_kw", ff.calls_helper_kw, (0.45,), 0),
    ("dict_arg", ff.dict_arg, ({"w": X3, "b": _u(3), "c": 0.7},), 0),
    ("list_comp_loop", ff.list_comp_loop, (X4,), 0),
    ("lambda_local", ff.lambda_local, (0.6,), 0),
    ("nested_def", ff.nested_def, (0.6, -0.9), (0, 1)),
    ("five_lines", ff.five_lines, (X3, _u(3)), (0, 1)),
    ("return_in_nested_hit", ff.return_in_nested, (_u((3, 3), 0.1, 1.0),), 0),
    ("return_in_nested_miss", ff.return_in_nested, (_u((2, 2), 0.0, 0.3),), 0),
    ("closure_loop", ff.closure_loop, (0.4,), 0),
    ("dict_loop", ff.dict_loop, ({"a": _u(2), "b": _u(3)},), 0),
    ("cond_chain_and", ff.cond_chain, (0.5, 0.7), (0, 1)),
    ("cond_chain_or", ff.cond_chain, (0.5, -0.7), (0, 1)),
    ("assert_and_pass", ff.assert_and_pass, (0.5,), 0),
    ("break_continue", ff.break_continue, (0.6,), 0),
    ("nested_while_for", ff.nested_while_for, (0.7,), 0),
    ("list_arg", ff.list_arg, ([0.5, 0.8, 1.1],), 0),
    ("scalar_relu_like", ff.if_elif_else, (0.3,), 0),
    ("mean_center", ff.mean_center, (X3,), 0),
    ("builtin_max_sq", ff.builtin_max_sq, (0.5, 0.2), (0, 1)),
    ("einsum_quad", ff.einsum_quad, (_u((3, 3)), X3), (0, 1)),
    ("norm_cubed", ff.norm_sq, (X3,), 0),
    ("var_loss", ff.var_loss, (X3,), 0),
    ("solve_loss", ff.solve_loss, (np.eye(3) * 2.0 + 0.1, X3), (0, 1)),
    ("copy_then_slice_update", ff.copy_then_slice_update, (X3,), 0),
    ("dict_two_keys", ff.dict_two_keys, (0.5, 2.0), 0),
    ("triangular_loops", ff.triangular_loops, (0.5, 4), 0),
    ("uses_power_rec", ff.uses_power_rec, (0.5,), 0),
    ("calls_int_power", ff.calls_int_power, (np.array([0.2, 0.5, 0.7]),), 0),
]

HVP_XFAIL = {}


def _param(case, xfail):
    marks = [pytest.mark.xfail(reason=xfail[case[0]], strict=True)] if case[0] in xfail else []
    return pytest.param(*case[1:], id=case[0], marks=marks)


def _positions(wrt):
    return list(wrt) if isinstance(wrt, tuple) else [wrt]


@pytest.mark.parametrize("f,args,wrt", [_param(c, HVP_XFAIL) for c in HVP_CASES])
def test_hvp_matches_fd_of_gradient(f, args, wrt):
    positions = _positions(wrt)
    rng = np.random.default_rng(3)
    vs = [random_like(args[p], rng) for p in positions]
    expected = grad_fd_along(f, args, positions, vs)
    call_args, call_vs = copy.deepcopy(list(args)), copy.deepcopy(vs)
    before = snapshot(call_vs)
    hv = tl.hvp(f, wrt=wrt)(*call_args, *call_vs)
    assert_tree_equal(call_args, list(args), "a primal argument")
    assert_tree_equal(call_vs, before, "v")
    if not isinstance(wrt, tuple):
        hv = (hv,)
    assert_tree_close(tuple(hv), tuple(expected), rtol=1e-5, atol=1e-6)


def test_hvp_is_hessian_times_v():
    v = _u(4)
    H = tl.hessian(ff.loss_inplace)(X4)
    np.testing.assert_allclose(tl.hvp(ff.loss_inplace)(X4, v), H @ v, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f,x", [(ff.loss_vec, X3), (ff.loss_mat, X3), (ff.loss_loops, X4),
                                 (ff.loss_inplace, X4)])
def test_hessian_symmetric_and_matches_fd(f, x):
    H = tl.hessian(f)(x)
    assert H.shape == x.shape + x.shape
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)
    expected = numerical_jacobian(tl.grad(f), (x,), 0)
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6)


def _anp_loss_vec(x):
    import autograd.numpy as anp
    return anp.sum(anp.tanh(x) * x ** 2) + x[0] * x[1] ** 2


def _anp_loss_mat(x):
    import autograd.numpy as anp
    y = anp.dot(ff.C33, x)
    return anp.sum(anp.log1p(y * y)) + anp.sum(anp.exp(0.3 * x))


def _anp_two_matrix(X, Y):
    import autograd.numpy as anp
    return anp.sum(anp.tanh(anp.dot(X, Y)) ** 2) + anp.sum(X.T * Y ** 2)


@pytest.mark.parametrize("f,fa,x", [(ff.loss_vec, _anp_loss_vec, X3),
                                    (ff.loss_mat, _anp_loss_mat, X3)])
def test_hessian_matches_autograd(f, fa, x):
    import autograd

    np.testing.assert_allclose(tl.hessian(f)(x), autograd.hessian(fa)(x), rtol=1e-10,
                               atol=1e-12)


def test_hessian_matrix_argument_and_blocks_match_autograd():
    import autograd

    H = tl.hessian(ff.two_matrix_loss, wrt=(0, 1))(MAT_X, MAT_Y)
    assert isinstance(H, tuple) and len(H) == 2 and all(len(r) == 2 for r in H)
    shapes = [MAT_X.shape, MAT_Y.shape]
    for i in range(2):
        for j in range(2):
            assert H[i][j].shape == shapes[i] + shapes[j]
    for i in range(2):
        for j in range(2):
            expected = autograd.jacobian(autograd.grad(_anp_two_matrix, i), j)(MAT_X, MAT_Y)
            np.testing.assert_allclose(H[i][j], expected, rtol=1e-9, atol=1e-11)
    # the mixed partial d/dY (dL/dX) is the transpose of d/dX (dL/dY)
    np.testing.assert_allclose(H[0][1], np.transpose(H[1][0], (2, 3, 0, 1)), rtol=1e-10,
                               atol=1e-12)


def test_mixed_partial_block_matches_fd_of_gradient():
    dX = tl.grad(ff.two_matrix_loss, wrt=0)
    expected = numerical_jacobian(dX, (MAT_X, MAT_Y), 1)
    H = tl.hessian(ff.two_matrix_loss, wrt=(0, 1))(MAT_X, MAT_Y)
    np.testing.assert_allclose(H[0][1], expected, rtol=1e-5, atol=1e-6)


def test_hessian_of_scalar_function_is_a_float():
    h = tl.hessian(ff.scalar_cubic)(0.7)
    assert isinstance(h, float)
    assert h == pytest.approx(_cubic_derivs(0.7)[2], rel=1e-12)


def test_differentiable_hvp_and_hessian():
    d = tl.differentiable(ff.loss_mat)
    v = _u(3)
    np.testing.assert_allclose(d.hvp(X3, v), d.hessian(X3) @ v, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.jacobian(X3), tl.grad(ff.loss_mat)(X3), rtol=1e-12)


# ---------------------------------------------------------------- jacobian


@pytest.mark.parametrize("f,x", [
    (ff.vec_map, X3),                 # square
    (ff.nonsquare_map, X3),           # 4 x 3
    (ff.scalar_to_vec, 0.4),          # scalar input
    (ff.mat_to_mat, MAT_X),           # matrix -> matrix
    (ff.broadcast_const, X3),         # (3,) -> (3, 3)
    (ff.setitem_loop, X4),
])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_matches_fd(f, x, mode):
    J = tl.jacobian(f, mode=mode)(x)
    expected = numerical_jacobian(f, (x,), 0)
    assert J.shape == np.shape(f(x)) + np.shape(x)
    np.testing.assert_allclose(J, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f,x", [(ff.vec_map, X3), (ff.nonsquare_map, X3),
                                 (ff.scalar_to_vec, 0.4), (ff.mat_to_mat, MAT_X)])
def test_jacobian_forward_equals_reverse(f, x):
    np.testing.assert_allclose(tl.jacobian(f, mode="forward")(x),
                               tl.jacobian(f, mode="reverse")(x), rtol=1e-12, atol=1e-14)


def test_jacobian_tuple_wrt():
    a, v = _u((3, 3)), _u(3)
    Ja, Jv = tl.jacobian(ff.matvec, wrt=(0, 1), mode="forward")(a, v)
    np.testing.assert_allclose(Ja, numerical_jacobian(ff.matvec, (a, v), 0), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(Jv, numerical_jacobian(ff.matvec, (a, v), 1), rtol=1e-5,
                               atol=1e-6)


def test_jacobian_bad_mode_is_an_error():
    with pytest.raises(tl.TangentLiteError):
        tl.jacobian(ff.vec_map, mode="sideways")


# ---------------------------------------------------------------- transforms of generated code


def _cubic_derivs(x):
    """f = x^3 sin x + exp(x/2) and its first three derivatives, by hand."""
    s, c, e = math.sin(x), math.cos(x), math.exp(0.5 * x)
    f0 = x ** 3 * s + e
    f1 = 3 * x ** 2 * s + x ** 3 * c + 0.5 * e
    f2 = 6 * x * s + 6 * x ** 2 * c - x ** 3 * s + 0.25 * e
    f3 = 6 * s + 18 * x * c - 9 * x ** 2 * s - x ** 3 * c + 0.125 * e
    return f0, f1, f2, f3


def test_cubic_oracle_matches_autograd():
    import autograd
    import autograd.numpy as anp

    fa = lambda x: x ** 3 * anp.sin(x) + anp.exp(0.5 * x)
    g3 = autograd.grad(autograd.grad(autograd.grad(fa)))
    assert _cubic_derivs(0.7)[3] == pytest.approx(g3(0.7), rel=1e-12)


def test_jvp_of_grad_vector():
    v = _u(3)
    g, hv = tl.jvp(tl.grad(ff.loss_mat))(X3, v)
    np.testing.assert_allclose(g, tl.grad(ff.loss_mat)(X3), rtol=1e-12)
    np.testing.assert_allclose(hv, grad_fd_along(ff.loss_mat, (X3,), [0], [v])[0],
                               rtol=1e-5, atol=1e-6)


def test_jvp_of_grad_scalar():
    g, h = tl.jvp(tl.grad(ff.scalar_cubic))(0.7, 1.0)
    _, f1, f2, _ = _cubic_derivs(0.7)
    assert g == pytest.approx(f1, rel=1e-12)
    assert h == pytest.approx(f2, rel=1e-12)


def test_jvp_of_jvp_second_derivative():
    (y, t), (dy, dt) = tl.jvp(tl.jvp(ff.scalar_cubic))(0.7, 1.0, 1.0)
    f0, f1, f2, _ = _cubic_derivs(0.7)
    assert (y, t, dy, dt) == pytest.approx((f0, f1, f1, f2), rel=1e-12)


def test_third_derivative_by_jvp_of_jvp_of_jvp():
    out = tl.jvp(tl.jvp(tl.jvp(ff.scalar_cubic)))(0.7, 1.0, 1.0, 1.0)
    f3 = out[1][1][1]
    assert f3 == pytest.approx(_cubic_derivs(0.7)[3], rel=1e-12)


def test_vjp_of_jvp_second_derivative():
    # reverse over forward: the cotangent of the tangent output is f''
    h = tl.vjp(tl.jvp(ff.scalar_cubic))(0.7, 1.0, (0.0, 1.0))
    assert h == pytest.approx(_cubic_derivs(0.7)[2], rel=1e-12)


def test_grad_of_grad_scalar():
    assert tl.grad(tl.grad(ff.scalar_cubic))(0.7) == pytest.approx(_cubic_derivs(0.7)[2],
                                                                  rel=1e-12)


def test_third_derivative_jvp_of_grad_of_grad():
    _, f3 = tl.jvp(tl.grad(tl.grad(ff.scalar_cubic)))(0.7, 1.0)
    assert f3 == pytest.approx(_cubic_derivs(0.7)[3], rel=1e-12)


def test_grad_of_jvp_is_the_gradient_of_the_directional_derivative():
    # reverse over forward: d/dx (f'(x) u) = f''(x) u
    assert tl.grad(tl.jvp(ff.scalar_cubic))(0.7, 1.5) == pytest.approx(
        1.5 * _cubic_derivs(0.7)[2], rel=1e-12)
    v, u = _u(3), _u(3)
    np.testing.assert_allclose(tl.grad(tl.jvp(ff.loss_mat))(v, u),
                               grad_fd_along(ff.loss_mat, (v,), [0], [u])[0], rtol=1e-5,
                               atol=1e-6)


def test_grad_of_grad_of_grad_third_derivative():
    assert tl.grad(tl.grad(tl.grad(ff.scalar_cubic)))(0.7) == pytest.approx(
        _cubic_derivs(0.7)[3], rel=1e-10)


def test_hvp_source_is_forward_over_reverse():
    src = tl.hvp(ff.loss_mat).source
    assert "def hvp_loss_mat(x, dx)" in src
    assert "# L" in src


# ---------------------------------------------------------------- hvp sweep over the jvp sweep


def _hvp_sweep():
    import test_forward as tf

    out = []
    for name, f, args, wrt in tf.SWEEP:
        if name in tf.SWEEP_XFAIL:
            continue
        args = tf._with_defaults(f, args)
        if not all(tf._is_float_input(args[p]) for p in tf._positions(f, wrt)):
            continue
        out.append((name, f, args, wrt))
    return out


HVP_SWEEP = _hvp_sweep()
# Why hvp (forward over the generated gradient) fails on cases whose jvp and grad both work
# (none left).
HVP_SWEEP_XFAIL = {}

@pytest.mark.parametrize("f,args,wrt", [_param(c, HVP_SWEEP_XFAIL) for c in HVP_SWEEP])
def test_sweep_hvp_matches_fd_of_gradient(f, args, wrt):
    import test_forward as tf

    positions = tf._positions(f, wrt)
    single = not isinstance(wrt, tuple)
    rng = np.random.default_rng(5)
    vs = [random_like(args[p], rng) for p in positions]
    expected = grad_fd_along(f, args, positions, vs)
    hv = tl.hvp(f, wrt=wrt)(*copy.deepcopy(list(args)), *copy.deepcopy(vs))
    assert_tree_close(tuple((hv,) if single else hv), tuple(expected), rtol=1e-4, atol=1e-5)


def test_hessian_tuple_wrt_of_scalars_matches_autograd():
    import autograd
    import autograd.numpy as anp

    def fa(v):
        x, y = v[0], v[1]
        z = x * y + anp.sin(x)
        w = z / (1.0 + y * y)
        return w ** 2 + anp.exp(-x)

    H = tl.hessian(ff.scalar_poly, wrt=(0, 1))(0.7, -1.3)
    assert all(isinstance(b, float) for row in H for b in row)
    np.testing.assert_allclose(np.array(H), autograd.hessian(fa)(np.array([0.7, -1.3])),
                               rtol=1e-10, atol=1e-12)


def test_hvp_is_reentrant_across_threads():
    import threading

    hv = tl.hvp(ff.loss_loops)
    expected = {k: hv(X4 * (1 + 0.1 * k), np.ones(4)) for k in range(6)}
    bad = []

    def work(k):
        for _ in range(50):
            if not np.array_equal(hv(X4 * (1 + 0.1 * k), np.ones(4)), expected[k]):
                bad.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad


def test_hvp_comments_name_the_line_of_the_branch_they_are_in():
    """Every '# L<n>:' comment quotes line n of the user's source, and inside an
    if/else of the generated code it names a line of the same branch."""
    import inspect

    lines, start = inspect.getsourcelines(ff.loss_loops)
    src = tl.hvp(ff.loss_loops).source
    for n, text in [(int(m[0]), m[1]) for m in re.findall(r"# L(\d+): (.*)", src)]:
        assert lines[n - start].strip() == text.strip()
    else_line = start + next(i for i, s in enumerate(lines) if "np.sin(x[i])" in s)
    body = src.split("else:")
    assert len(body) >= 3  # one else in the primal part, one in the adjoint part
    for part in body[1:]:
        first_comment = re.search(r"# L(\d+):", part)
        assert int(first_comment.group(1)) == else_line, part[:300]


@pytest.mark.parametrize("f,args,wrt", [c[1:] for c in HVP_CASES if c[0] not in HVP_XFAIL][:12])
def test_hvp_without_optimizer(f, args, wrt):
    positions = _positions(wrt)
    rng = np.random.default_rng(8)
    vs = [random_like(args[p], rng) for p in positions]
    hv = tl.hvp(f, wrt=wrt, optimize=False)(*copy.deepcopy(list(args)), *copy.deepcopy(vs))
    expected = grad_fd_along(f, args, positions, vs)
    assert_tree_close(tuple(hv) if isinstance(wrt, tuple) else (hv,), tuple(expected),
                      rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- omitted default arguments

_DEFAULT_X = np.array([0.3, -0.5])


def test_reverse_jacobian_with_an_omitted_default_argument():
    J = tl.jacobian(ff.scalar_with_default, mode="reverse")(_DEFAULT_X)
    np.testing.assert_allclose(J, 2.0 * np.cos(_DEFAULT_X) + 3 * _DEFAULT_X ** 2, rtol=1e-12)


def test_hessian_with_an_omitted_default_argument():
    H = tl.hessian(ff.scalar_with_default)(_DEFAULT_X)
    np.testing.assert_allclose(H, np.diag(-2.0 * np.sin(_DEFAULT_X) + 6 * _DEFAULT_X),
                               rtol=1e-12)


def test_forward_jacobian_with_an_omitted_default_argument():
    J = tl.jacobian(ff.scalar_with_default, mode="forward")(_DEFAULT_X)
    np.testing.assert_allclose(J, 2.0 * np.cos(_DEFAULT_X) + 3 * _DEFAULT_X ** 2, rtol=1e-12)


def test_hessian_with_the_default_passed_explicitly():
    H = tl.hessian(ff.scalar_with_two_defaults)(_DEFAULT_X, 2.0, 0.5)
    expected = np.diag(-2.0 * np.sin(_DEFAULT_X + 0.5) + 6 * _DEFAULT_X)
    np.testing.assert_allclose(H, expected, rtol=1e-12, atol=1e-14)


def test_jacobian_tuple_wrt_reverse():
    a, v = _u((3, 3)), _u(3)
    Ja, Jv = tl.jacobian(ff.matvec, wrt=(0, 1), mode="reverse")(a, v)
    np.testing.assert_allclose(Ja, numerical_jacobian(ff.matvec, (a, v), 0), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(Jv, numerical_jacobian(ff.matvec, (a, v), 1), rtol=1e-5,
                               atol=1e-6)


# ---------------------------------------------------------------- globals, redefinition, methods


def test_jvp_and_hvp_see_rebound_globals_and_redefined_helpers(monkeypatch):
    assert tl.jvp(ff.uses_inner)(2.0, 1.0) == (2.0, 2.0)
    assert tl.hvp(ff.uses_inner)(2.0, 1.0) == pytest.approx(1.0)
    monkeypatch.setattr(ff, "RATE", 2.0)
    assert tl.jvp(ff.uses_inner)(2.0, 1.0) == (8.0, 8.0)
    assert tl.hvp(ff.uses_inner)(2.0, 1.0) == pytest.approx(4.0)
    monkeypatch.setattr(ff, "inner_helper", ff.alt_inner_helper)
    assert tl.jvp(ff.uses_inner)(2.0, 1.0) == (16.0, 24.0)
    assert tl.hvp(ff.uses_inner)(2.0, 1.0) == pytest.approx(24.0)


def test_bound_methods():
    m = ff.Model(np.array([0.5, -1.0]))
    x, u = np.array([0.3, 0.7]), np.array([0.4, -0.9])
    y, t = tl.jvp(m.loss)(x, u)
    assert float(y) == pytest.approx(float(m.loss(x)), rel=1e-12)
    assert float(t) == pytest.approx(float(np.dot(tl.grad(m.loss)(x), u)), rel=1e-12)
    np.testing.assert_allclose(tl.hessian(m.loss)(x), numerical_jacobian(tl.grad(m.loss), (x,)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tl.jacobian(m.predict, mode="forward")(x),
                               numerical_jacobian(m.predict, (x,)), rtol=1e-5, atol=1e-6)
