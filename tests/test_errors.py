"""Fuzz-style checks of the subset fence (SPEC §2, §5).

Each function below is valid Python that uses a construct outside (or at the edge of)
the differentiable subset. For each one, tangent_lite must either

* differentiate it correctly (the gradient matches central finite differences), or
* raise ``tl.TangentLiteError`` whose message names this file and the line (and
  column) of the offending construct, and shows that line.

Any other exception type, or a wrong gradient, fails. Offending lines carry the
marker comment ``# BAD``; expected line numbers are computed from the source.
"""

import contextlib
import functools
import inspect
import math
import operator
import os
import re
import types

import numpy as np
import pytest

import tangent_lite as tl
from fd import assert_close, check_grad, numerical_grad

_COUNTER = 0
_SYM = np.array([[2.0, 0.3, -0.1], [0.3, 1.0, 0.2], [-0.1, 0.2, -0.5]])
_V3 = np.array([0.4, -0.7, 1.1])


def _two(a, b):
    return a * b


def _kwfunc(a, b=2.0):
    return a * a * b


# ---------------------------------------------------------------------------
# Constructs outside the subset
# ---------------------------------------------------------------------------


def uses_try(x):
    try:  # BAD
        y = x * x
    except ZeroDivisionError:
        y = 0.0
    return y


def uses_try_finally(x):
    y = x
    try:  # BAD
        y = y * x
    finally:
        y = y + 1.0
    return y


def uses_with(x):
    with contextlib.nullcontext():  # BAD
        y = x * x
    return y


def generator(x):  # BAD
    yield x * x  # BAD


def generator_from(x):  # BAD
    yield from [x, x * x]  # BAD


async def coroutine(x):  # BAD
    return x * x


def uses_global_stmt(x):
    global _COUNTER  # BAD
    _COUNTER = _COUNTER + 1  # BAD
    return x * x


def uses_nonlocal(x):
    y = x
    def inner():  # BAD
        nonlocal y  # BAD
        y = y * x  # BAD
    inner()  # BAD
    return y


def defines_class(x):
    class Box:  # BAD
        scale = 2.0
    return Box.scale * x * x


def uses_del(x):
    y = x * x
    z = y * x
    del y  # BAD
    return z


def star_args_call(x):
    args = (x, 2.0)
    return _two(*args)  # BAD


def double_star_call(x):
    kw = {"a": x}
    return _kwfunc(**kw)  # BAD


def star_args_numpy(x):
    return np.sum(np.maximum(*[x, 0.5]) * x)  # BAD


def uses_walrus(x):
    if (y := x * 2.0) > 0:  # BAD
        return y * x  # BAD
    return x


def set_comprehension(x):
    return sum({x * k for k in range(1, 4)})  # BAD


def dict_comprehension(x):
    d = {k: x * k for k in range(3)}  # BAD
    return d[1] * d[2]  # BAD


def fstring_output(x):
    s = f"{x:.17g}"  # BAD
    return float(s) * x  # BAD


def str_roundtrip(x):
    return float(str(x)) * x  # BAD


def math_gamma(x):
    return math.gamma(x) * x  # BAD


def linalg_eigvals(a):
    return np.sum(np.linalg.eigvals(a))  # BAD


def linalg_det(a):
    return np.linalg.det(a) * a[0, 0]  # BAD


def uses_match(x, n):
    match n:  # BAD
        case 1:
            return x * x  # BAD
        case _:
            return x  # BAD


def uses_raise(x):
    if x > 100.0:  # BAD
        raise ValueError("too big")  # BAD
    return x * x


def lambda_called(x):
    sq = lambda t: t * t * x  # BAD
    return sq(x) + x  # BAD


def real_attribute(x):
    return x.real * x  # BAD


def import_inside(x):
    import math as m2  # BAD

    return m2.sin(x) * x  # BAD


def list_append(x):
    acc = []
    acc.append(x * x)  # BAD
    acc.append(x)  # BAD
    return acc[0] * acc[1]  # BAD


def dict_setitem(x):
    d = {}
    d["k"] = x * x  # BAD
    return d["k"] * x  # BAD


def recursive(x, n):
    if n == 0:
        return x
    return x * recursive(x, n - 1)  # BAD


def getattr_call(x):
    return getattr(math, "sin")(x) * x  # BAD


def reduce_call(x):
    return functools.reduce(lambda a, b: a * b, [x, x, 2.0])  # BAD


def map_call(x):
    return sum(map(math.sin, [x, 2.0 * x]))  # BAD


def sorted_call(x):
    return sorted([x, 2.0 * x, 0.5])[1] * x  # BAD


def prints(x):
    print("value is", x)  # BAD
    return x * x


def star_assign(x):
    a, *rest = [x, 2.0 * x, x * x]  # BAD
    return a * sum(rest)  # BAD


def item_call(x):
    return np.sum(x ** 2) + x[0].item() * x[1]  # BAD


def array_from_list(x):
    v = np.array([x, 2.0 * x, x * x])  # BAD
    return np.sum(v ** 2)  # BAD


def for_else(x):
    s = 0.0
    for i in range(3):  # BAD
        s = s + x * i
    else:
        s = s * x  # BAD
    return s


def while_else(x):
    i = 0
    s = x
    while i < 2:  # BAD
        s = s * x
        i = i + 1
    else:
        s = s + 1.0  # BAD
    return s


def eval_call(x):
    return eval("x * x") + x  # BAD


def operator_call(x):
    return operator.mul(x, x) + x  # BAD


def attribute_store(x):
    o = types.SimpleNamespace()  # BAD
    o.v = x * x  # BAD
    return o.v * x  # BAD


def dunder_call(x):
    return x.__mul__(x) + x  # BAD


def vectorize_call(x):
    return np.sum(np.vectorize(math.sin)(x))  # BAD


def int_cast(x):
    return int(x * 10.0) * x  # BAD


def chained_comparison(x):
    if 0.0 < x < 1.0:  # BAD
        return x * x
    return x


def complex_roundtrip(x):
    return (x + 0j).real * x  # BAD


def starred_list(x):
    v = [*[x, 2.0], x * x]  # BAD
    return v[0] * v[2] + v[1]  # BAD


def np_sort_call(x):
    return np.sort(x)[0] * x[1]  # BAD


def lambda_default(x):
    f = lambda t, k=3.0: t * k  # BAD
    return f(x) * x  # BAD


def nested_def_closure(x):
    def g(t):  # BAD
        return t * x  # BAD
    return g(x) + x  # BAD


def conditional_import_name(x):
    from math import sinh  # BAD

    return sinh(x) * x  # BAD


def isinstance_branch(x):
    if isinstance(x, float):  # BAD
        return x * x
    return x


def round_call(x):
    return round(x, 3) + x * x  # BAD


def assert_statement(x):
    assert x > 0, "positive"  # BAD
    return math.sqrt(x)  # BAD


def matmul_augassign(a):
    b = a.copy()
    b @= a  # BAD
    return np.sum(b)  # BAD


# (function, args, must_error): must_error for things that are not functions of
# numbers at all (generators, coroutines), whose "gradient" cannot be checked.
CASES = [
    (uses_try, (0.7,), False),
    (uses_try_finally, (0.7,), False),
    (uses_with, (0.7,), False),
    (generator, (0.7,), True),
    (generator_from, (0.7,), True),
    (coroutine, (0.7,), True),
    (uses_global_stmt, (0.7,), False),
    (uses_nonlocal, (0.7,), False),
    (defines_class, (0.7,), False),
    (uses_del, (0.7,), False),
    (star_args_call, (0.7,), False),
    (double_star_call, (0.7,), False),
    (star_args_numpy, (_V3,), False),
    (uses_walrus, (0.7,), False),
    (set_comprehension, (0.7,), False),
    (dict_comprehension, (0.7,), False),
    (fstring_output, (0.7,), False),
    (str_roundtrip, (0.7,), False),
    (math_gamma, (1.7,), False),
    (linalg_eigvals, (_SYM,), False),
    (linalg_det, (_SYM,), False),
    (uses_match, (0.7, 1), False),
    (uses_raise, (0.7,), False),
    (lambda_called, (0.7,), False),
    (real_attribute, (0.7,), False),
    (import_inside, (0.7,), False),
    (list_append, (0.7,), False),
    (dict_setitem, (0.7,), False),
    (recursive, (0.7, 3), False),
    (getattr_call, (0.7,), False),
    (reduce_call, (0.7,), False),
    (map_call, (0.7,), False),
    (sorted_call, (0.7,), False),
    (prints, (0.7,), False),
    (star_assign, (0.7,), False),
    (item_call, (_V3,), False),
    (array_from_list, (0.7,), False),
    (for_else, (0.7,), False),
    (while_else, (0.7,), False),
    (eval_call, (0.7,), False),
    (operator_call, (0.7,), False),
    (attribute_store, (0.7,), False),
    (dunder_call, (0.7,), False),
    (vectorize_call, (_V3,), False),
    (int_cast, (0.73,), False),
    (chained_comparison, (0.7,), False),
    (complex_roundtrip, (0.7,), False),
    (starred_list, (0.7,), False),
    (np_sort_call, (_V3,), False),
    (lambda_default, (0.7,), False),
    (nested_def_closure, (0.7,), False),
    (conditional_import_name, (0.7,), False),
    (isinstance_branch, (0.7,), False),
    (round_call, (0.7,), False),
    (assert_statement, (0.7,), False),
    (matmul_augassign, (_SYM,), False),
]

_BASENAME = os.path.basename(__file__)
_LOC = re.compile(re.escape(_BASENAME) + r":(\d+):(\d+)")


def _marked_lines(f):
    """{line number: code text} of the lines of f that carry the # BAD marker."""
    lines, start = inspect.getsourcelines(f)
    out = {}
    for k, text in enumerate(lines):
        if "# BAD" in text:
            out[start + k] = text.split("#")[0].strip()
    assert out, "test data error: %s has no # BAD marker" % f.__name__
    return out


def _check_error(exc, f):
    assert isinstance(exc, tl.TangentLiteError), (
        "expected TangentLiteError, got %s: %s" % (type(exc).__name__, exc)
    )
    msg = str(exc)
    marked = _marked_lines(f)
    found = [int(m.group(1)) for m in _LOC.finditer(msg)]
    assert found, "message does not contain '%s:LINE:COL':\n%s" % (_BASENAME, msg)
    hits = [n for n in found if n in marked]
    assert hits, "message points at line(s) %s, offending construct is on %s:\n%s" % (
        found, sorted(marked), msg)
    # SPEC §5: the message shows the offending line
    assert marked[hits[0]] in msg, "message does not show the line %r:\n%s" % (
        marked[hits[0]], msg)


@pytest.mark.parametrize("f,args,must_error", CASES, ids=[c[0].__name__ for c in CASES])
def test_unsupported_construct(f, args, must_error):
    try:
        df = tl.grad(f)
    except Exception as exc:  # noqa: BLE001 - any other type is a failure, checked below
        _check_error(exc, f)
        return
    try:
        g = df(*args)
    except Exception as exc:  # noqa: BLE001
        _check_error(exc, f)
        return
    assert not must_error, "%s is not a numeric function, yet grad returned %r" % (
        f.__name__, g)
    # It was accepted: then it must be right.
    check_grad(f, args, 0, df=df)


def test_error_message_for_gamma_is_actionable():
    # SPEC §5: the message says what to do (rewrite hint or how to register a rule)
    try:
        g = tl.grad(math_gamma)(1.7)
    except tl.TangentLiteError as exc:
        msg = str(exc)
        assert "register" in msg.lower() or "rewrite" in msg.lower() or "hint" in msg.lower(), msg
    else:
        assert_close(g, numerical_grad(math_gamma, (1.7,)))


def test_errors_are_reported_every_time():
    # A failed compilation must not be cached as a success (or crash differently later).
    for _ in range(2):
        with pytest.raises(tl.TangentLiteError):
            tl.grad(generator)(0.7)


def _exec_defined():
    ns = {}
    exec("def g(x):\n    return x * x\n", ns)
    return ns["g"]


@pytest.mark.parametrize("target", [
    math.sin, np.sin, len, functools.partial(_two, 2.0), 42, "not a function",
    types.SimpleNamespace(), _exec_defined(),
], ids=["math.sin", "np.sin", "len", "partial", "int", "str", "object", "exec_defined"])
def test_grad_of_unusual_targets(target):
    # SPEC §5: no input makes tangent_lite crash with another exception type. A callable it
    # can handle must give the right derivative; anything else is a TangentLiteError.
    try:
        g = tl.grad(target)(0.7)
    except tl.TangentLiteError:
        return
    assert callable(target)
    assert_close(g, numerical_grad(target, (0.7,)))
