"""Extreme-magnitude sweep for forward mode: the cases of tests/test_robustness.py
through ``tl.jvp``.

The same tiny functions (tests/extreme_cases.py), points, mpmath references and
criterion (``close``: relative error ``RTOL`` for normal derivatives, ``±inf`` where
the true derivative overflows, within 2.2e-308 below the normal range, SPEC §3
conventions at kinks, never NaN or an exception).  For each argument ``k`` of a
case, ``tl.jvp(f, wrt=k)`` is called with the tangent 1.0: the other arguments'
tangents are symbolic zeros, so the check sees the forward rule's term for ``k``
alone, as the reverse sweep sees one cotangent.  The array cases run once more
with all points in one array and a tangent of ones (the elementwise output tangent
is the derivative at each point).

Points the forward rules cannot get right are marked ``xfail`` in ``XFAIL`` below,
each with its reason; most are the reverse sweep's (the primal itself overflows).
"""

import mpmath as mp
import numpy as np
import pytest

import tangent_lite as tl
from extreme_cases import CASES, FORWARD_ONLY, M, close, uncovered
from tangent_lite.rules.registry import all_jvp_rules

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

FWD_CASES = CASES + FORWARD_ONLY

# the reverse sweep's xfails whose reason reads the same in forward mode
SAME_REASON = {("np.exp2", (1024.0,)), ("math.hypot", (5e-324, 5e-324)),
               ("np.hypot", (5e-324, 5e-324)), ("np.hypot", (1e-310, -1e-310))}
XFAIL = {(c.name, p): c.xfail[p] for c in CASES for p in c.xfail if (c.name, p) in SAME_REASON}
# the same causes, in forward-mode words
XF_PYFLOAT = ("raises ZeroDivisionError: at the domain's edge the rule dx / x divides two "
              "Python floats (the array path gives inf), as the reverse rule g / x")
XF_SIGMOID = ("exp(-x) overflows to inf in the primal, so 1 + exp(-x) is inf and the "
              "quotient's tangent -(-inf) * 0 / inf is NaN, as in reverse mode")
XFAIL.update({
    ("np.log", (0.0,)): XF_PYFLOAT,
    ("np.divide", (1.0, 0.0)): XF_PYFLOAT,
    ("sigmoid", (-800.0,)): XF_SIGMOID,
    ("sigmoid", (-745.0,)): XF_SIGMOID,
    ("log_exp", (710.0,)): "exp(710) overflows, so the primal is log(inf) = inf, not 710; "
                           "the tangent is inf / inf = NaN. Write x, or np.logaddexp",
})
assert all(k in XFAIL for k in SAME_REASON)


def _params():
    out = []
    for c in FWD_CASES:
        for p in c.points:
            reason = XFAIL.get((c.name, p))
            marks = (pytest.mark.xfail(strict=True, reason=reason),) if reason else ()
            out.append(pytest.param(c, p, id=f"{c.name}-{','.join(repr(v) for v in p)}",
                                    marks=marks))
    return out


_COMPILED = {}


def _jvp(case, k, suffix=""):
    """``tl.jvp`` of the case's function along argument ``k`` (compiled once)."""
    key = (case.fname + suffix, k)
    if key not in _COMPILED:
        _COMPILED[key] = tl.jvp(getattr(M, case.fname + suffix), wrt=k)
    return _COMPILED[key]


@pytest.mark.parametrize("case,point", _params())
def test_forward_extreme_point(case, point):
    refs = case.deriv(*[mp.mpf(v) for v in point])
    problems = []
    for i, k in enumerate(case.wrt):
        _, t = _jvp(case, k)(*point, 1.0)
        assert isinstance(t, float), f"the tangent of a float is a float, got {type(t)}"
        why = close(t, refs[i], case.rtol, case.atol)
        if why:
            problems.append(f"along {case.params[k]}: {why}")
    assert not problems, f"{case.expr} at {point}: " + "; ".join(problems)


ARRAY_CASES = [c for c in FWD_CASES if c.array]


@pytest.mark.parametrize("case", ARRAY_CASES, ids=[c.name for c in ARRAY_CASES])
def test_forward_extreme_points_as_one_array(case):
    """The same points as one array each, a tangent of ones: the rules' array path."""
    pts = [p for p in case.points if (case.name, p) not in XFAIL]
    cols = [np.array([p[i] for p in pts]) for i in range(len(case.params))]
    problems = []
    for i, k in enumerate(case.wrt):
        _, t = _jvp(case, k)(*cols, np.ones(len(pts)))
        assert isinstance(t, np.ndarray) and t.shape == (len(pts),), t
        for j, p in enumerate(pts):
            why = close(t[j], case.deriv(*[mp.mpf(v) for v in p])[i], case.rtol, case.atol)
            if why:
                problems.append(f"at {p} along {case.params[k]}: {why}")
    assert not problems, f"{case.expr}: " + "; ".join(problems)


def test_forward_sweep_covers_every_elementwise_rule():
    """A new elementwise forward rule joins the sweep: each math function, operator and
    ufunc with a built-in forward rule is called by some case."""
    rules, _ = all_jvp_rules()
    missing = uncovered(rules, FWD_CASES)
    assert not missing, f"forward rules without a case in the sweep: {missing}"
