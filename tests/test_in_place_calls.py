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
