"""Calls to the user's other functions are differentiated recursively (SPEC §2),
also across modules, with keyword and default arguments, inside loops, with tuple
results; each callee reads its own module's globals.
"""

import inspect
import math
import re

import numpy as np
import pytest

import subroutine_helpers
import subroutine_helpers as sh
import tangent_lite as tl
from fd import check_grad
from subroutine_helpers import poly, scaled, stats, weighted_sum

# Same name as subroutine_helpers.SCALE, different value: each function must read
# the global of its own module.
SCALE = 10.0

_rng = np.random.default_rng(3)
V4 = _rng.uniform(-1.0, 1.0, 4)
W44 = _rng.uniform(-0.7, 0.7, (4, 4))


# ---------------------------------------------------------------------------
# Local helpers
# ---------------------------------------------------------------------------


def local_cube(x):
    return x * x * x


def local_uses_scale(x):
    return SCALE * x


def local_two_args(a, b):
    return a * math.exp(b)


def local_tuple(x):
    return x * 2.0, x * x


def local_calls_local(x):
    return local_cube(x) + local_uses_scale(x)


# ---------------------------------------------------------------------------
# Functions under test
# ---------------------------------------------------------------------------


def calls_local(x):
    return local_cube(x) * 2.0 + x


def calls_local_chain(x):
    return local_calls_local(math.sin(x))


def calls_local_twice(x):
    return local_cube(x) + local_cube(2.0 * x)


def calls_second_arg_active(x):
    return local_two_args(3.0, x) + local_two_args(x, 0.5)


def calls_local_global(x):
    # local_uses_scale reads this module's SCALE (10.0)
    return local_uses_scale(x) * x


def calls_module_attr(x):
    # sh.poly -> sh.square, and reads subroutine_helpers.SCALE (2.5)
    return sh.poly(x) * x


def calls_full_module_name(x):
    return subroutine_helpers.square(x) + SCALE * x


def calls_imported_name(x):
    return poly(x) + scaled(x)


def calls_with_keyword(x):
    return scaled(x, b=3.0) + scaled(x, a=0.5, b=-1.0)


def calls_with_keyword_active(x):
    return scaled(a=x, x=1.5) + scaled(b=x * x, x=0.5)


def calls_with_defaults_positional(x):
    return scaled(x, x) + scaled(2.0, 1.0, x)


def calls_kwonly(x):
    return sh.scaled_kwonly(x) + sh.scaled_kwonly(x, gain=x)


def calls_module_constant_array(v):
    return weighted_sum(v * v) + sh.weighted_norm(v)


def calls_tuple_unpack(v):
    m, var = stats(v)
    return m * var + var


def calls_local_tuple_unpack(x):
    a, b = local_tuple(x)
    return a * b + b


def calls_in_loop(x):
    s = 0.0
    for i in range(4):
        s = s + sh.square(x + i) * 0.1 + local_cube(s * 0.5)
    return s


def calls_in_loop_array(h, w):
    for i in range(3):
        h = sh.step(h, w)
    return np.sum(h)


def calls_with_branch(x):
    return sh.piecewise(x) + sh.piecewise(-x) * x


def calls_deep(x):
    return sh.deep1(x)


def calls_in_branch(x):
    if x > 0:
        y = sh.square(x)
    else:
        y = local_cube(x)
    return y * 2.0


def calls_nested_in_expression(x):
    return sh.square(local_cube(sh.square(x)) + 1.0)


def calls_unsupported_helper(x):
    return sh.helper_with_unsupported(x) + x


CASES = [
    (calls_local, (0.7,), 0),
    (calls_local_chain, (0.7,), 0),
    (calls_local_twice, (0.7,), 0),
    (calls_second_arg_active, (0.7,), 0),
    (calls_local_global, (0.7,), 0),
    (calls_module_attr, (0.7,), 0),
    (calls_full_module_name, (0.7,), 0),
    (calls_imported_name, (0.7,), 0),
    (calls_with_keyword, (0.7,), 0),
    (calls_with_keyword_active, (0.7,), 0),
    (calls_with_defaults_positional, (0.7,), 0),
    (calls_kwonly, (0.7,), 0),
    (calls_module_constant_array, (V4,), 0),
    (calls_tuple_unpack, (V4,), 0),
    (calls_local_tuple_unpack, (0.7,), 0),
    (calls_in_loop, (0.3,), 0),
    (calls_in_loop_array, (V4, W44), 0),
    (calls_in_loop_array, (V4, W44), 1),
    (calls_with_branch, (0.6,), 0),
    (calls_with_branch, (-0.6,), 0),
    (calls_deep, (0.9,), 0),
    (calls_in_branch, (0.9,), 0),
    (calls_in_branch, (-0.9,), 0),
    (calls_nested_in_expression, (0.6,), 0),
]


@pytest.mark.parametrize(
    "f,args,wrt", CASES, ids=["%s-%d" % (c[0].__name__, k) for k, c in enumerate(CASES)]
)
def test_subroutine_grad(f, args, wrt):
    check_grad(f, args, wrt)


def test_globals_resolved_per_module():
    # d/dx [SCALE_here * x * x] uses 10.0, d/dx sh.poly uses 2.5: a compiler that
    # resolved names in the wrong module would produce a visibly different gradient.
    x = 0.7
    g_local = tl.grad(calls_local_global)(x)
    g_mod = tl.grad(calls_module_attr)(x)
    assert g_local == pytest.approx(2.0 * SCALE * x, rel=1e-10)
    assert g_mod == pytest.approx(
        sh.poly(x) + x * (2.0 * sh.SCALE * x + 1.0), rel=1e-10
    )


def test_helper_itself_differentiable():
    check_grad(sh.poly, (0.4,), 0)
    check_grad(sh.scaled, (0.4,), 0, kwargs={"b": 2.0})
    check_grad(sh.weighted_norm, (V4,), 0)


def test_callee_error_points_into_other_module():
    # SPEC §5: the message names the file and line of the offending construct, in the
    # function where it is -- also when that is a callee in another module.
    lines, start = inspect.getsourcelines(sh.helper_with_unsupported)
    offset = next(k for k, text in enumerate(lines) if "# UNSUPPORTED" in text)
    lineno = start + offset
    with pytest.raises(tl.TangentLiteError) as info:
        tl.grad(calls_unsupported_helper)(0.5)
    msg = str(info.value)
    assert re.search(r"subroutine_helpers\.py:%d:\d+" % lineno, msg), msg
