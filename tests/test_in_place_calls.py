"""A call whose result is unused but that receives a differentiated value may change an
array in place (np.add.at, out=, a function writing into its argument): both modes
refuse it with the user's line, instead of returning a derivative that misses the
change. Calls without a derivative (print) are fine."""

import numpy as np
import pytest

import inplace_call_functions as F
import tangent_lite as tl

X = np.array([1.0, 2.0, 3.0])


@pytest.mark.parametrize("fn", [F.add_at, F.out_keyword, F.out_keyword_assigned,
                                F.calls_a_setter])
@pytest.mark.parametrize("transform", [tl.grad, tl.jvp])
def test_in_place_calls_are_refused(fn, transform):
    with pytest.raises(tl.TangentLiteError) as info:
        transform(fn)
    assert info.value.filename.endswith("inplace_call_functions.py")
    assert "in place" in str(info.value)


def test_a_print_is_fine(capsys):
    h = 1e-6
    fd = np.array([(F.prints(X + h * e) - F.prints(X - h * e)) / (2 * h) for e in np.eye(3)])
    assert np.allclose(tl.grad(F.prints)(X), fd, rtol=1e-7)
    assert np.isclose(tl.jvp(F.prints)(X, np.ones(3))[1], fd.sum(), rtol=1e-7)
    assert "x =" in capsys.readouterr().out


def _fd(f, x, *rest, h=1e-6):
    x = np.asarray(x, dtype=float)
    out = np.zeros(x.shape)
    for index in np.ndindex(*x.shape):
        e = np.zeros(x.shape)
        e[index] = h
        out[index] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * h)
    return out


def test_negative_index_into_a_growing_list():
    """vals[-1] while vals grows names another entry at each step: the index is made
    absolute when it runs (it was read at the list's final length: a wrong gradient)."""
    x = 0.7
    h = 1e-6
    fd = (F.powers_list(x + h) - F.powers_list(x - h)) / (2 * h)
    assert np.isclose(tl.grad(F.powers_list)(x), fd, rtol=1e-7)
    assert np.isclose(tl.jvp(F.powers_list)(x, 1.0)[1], fd, rtol=1e-7)


def test_computed_and_slice_indices_into_a_growing_list():
    a = np.array([[0.5, 0.2], [0.1, 0.3]])
    fd = _fd(F.powers_list_slices, a, 3)
    assert np.allclose(tl.grad(F.powers_list_slices)(a, 3), fd, rtol=1e-6, atol=1e-8)
    u = np.array([[1.0, -0.5], [0.25, 2.0]])
    assert np.isclose(tl.jvp(F.powers_list_slices)(a, 3, u)[1], np.sum(fd * u), rtol=1e-6)


@pytest.mark.parametrize("flip", [True, False])
def test_a_parameter_reassigned_on_one_branch_starts_with_a_zero_tangent(flip):
    x, y = np.array([0.3, -0.4]), np.array([1.0, 2.0])
    u = np.array([1.0, 0.5])
    h = 1e-6
    fd = (F.reassigned_on_one_branch(x + h * u, y, flip)
          - F.reassigned_on_one_branch(x - h * u, y, flip)) / (2 * h)
    assert np.isclose(tl.jvp(F.reassigned_on_one_branch)(x, y, flip, u)[1], fd, rtol=1e-7)
