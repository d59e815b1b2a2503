"""Extreme-magnitude sweep: every built-in elementwise rule at the edges of float64.

Each case is a tiny function calling one primitive (``np.tanh(x)``, ``a / b``, ...).
The functions are generated as source text into a real module file, so tangent_lite
reads them like any user code, and ``tl.grad`` differentiates them end to end.  The
derivative at each point (1e-300, subnormals, ±0, 1e300, exp's -745 and 709.7, ...)
is compared with an independent reference: the analytic derivative evaluated in
mpmath at 80 digits on the exact float64 input.  ``test_oracle_matches_mpmath_diff``
checks each analytic reference against ``mpmath.diff`` of the mpmath primal, so a
wrong formula in the table cannot hide.

Criterion (see docs/numerical-stability.md):

* true derivative representable as a normal float64: finite, within ``RTOL``
  relative error (tanh has an extra absolute tolerance, with the reason at
  ``TANH_ATOL``);
* true derivative overflows float64: ``±inf`` of the right sign, or a finite
  value within ``rtol`` of ``±max float``;
* true derivative below the normal range (< 2.2e-308, subnormal or underflowing
  to 0): finite, within 2.2e-308 absolutely (results may flush to zero);
* SPEC §3 conventions at kinks (abs'(0) = 0, sqrt'(0) = inf, ties split evenly)
  are the reference values at those points.

Never NaN, never an exception.  Every (function, point) pair is its own test id.
"""


import mpmath as mp
import numpy as np
import pytest

import tangent_lite as tl
from extreme_cases import CASES, M, close, uncovered
from tangent_lite.rules.registry import all_vjp_rules

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _params():
    out = []
    for c in CASES:
        for p in c.points:
            marks = ()
            if p in c.xfail:
                marks = (pytest.mark.xfail(strict=True, reason=c.xfail[p]),)
            out.append(pytest.param(c, p, id=f"{c.name}-{','.join(repr(v) for v in p)}",
                                    marks=marks))
    return out


def _grad(fn, case):
    return tl.grad(fn, wrt=case.wrt if len(case.wrt) > 1 else case.wrt[0])


@pytest.mark.parametrize("case,point", _params())
def test_extreme_point(case, point):
    got = _grad(getattr(M, case.fname), case)(*point)
    got = got if len(case.wrt) > 1 else (got,)
    refs = case.deriv(*[mp.mpf(v) for v in point])
    problems = []
    for k, (g, ref) in zip(case.wrt, zip(got, [refs[i] for i in range(len(case.wrt))])):
        assert isinstance(g, float), f"the gradient of a float is a float, got {type(g)}"
        why = close(g, ref, case.rtol, case.atol)
        if why:
            problems.append(f"d/d{case.params[k]}: {why}")
    assert not problems, f"{case.expr} at {point}: " + "; ".join(problems)


ARRAY_CASES = [c for c in CASES if c.array]


@pytest.mark.parametrize("case", ARRAY_CASES, ids=[c.name for c in ARRAY_CASES])
def test_extreme_points_as_one_array(case):
    """The same points as one array each: the rules' array path (np.where, masks...)."""
    pts = [p for p in case.points if p not in case.xfail]
    cols = [np.array([p[i] for p in pts]) for i in range(len(case.params))]
    got = _grad(getattr(M, case.fname + "_sum"), case)(*cols)
    got = got if len(case.wrt) > 1 else (got,)
    problems = []
    for j, p in enumerate(pts):
        refs = case.deriv(*[mp.mpf(v) for v in p])
        for k, g in zip(case.wrt, got):
            assert isinstance(g, np.ndarray) and g.shape == (len(pts),)
            why = close(g[j], refs[case.wrt.index(k)], case.rtol, case.atol)
            if why:
                problems.append(f"at {p} d/d{case.params[k]}: {why}")
    assert not problems, f"{case.expr}: " + "; ".join(problems)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_oracle_matches_mpmath_diff(case):
    """The analytic reference agrees with mpmath's numerical derivative of the primal."""
    probe = case.probe or tuple([0.37, 1.3][: len(case.params)])
    x = [mp.mpf(v) for v in probe]
    refs = case.deriv(*x)
    for k in case.wrt:
        def along(t, k=k):
            y = list(x)
            y[k] = t
            return case.primal(*y)
        num = mp.diff(along, x[k])
        assert abs(num - refs[case.wrt.index(k)]) <= mp.mpf(10) ** -40 * max(1, abs(num)), (
            f"{case.name}: analytic reference d/d{case.params[k]} = {refs[k]} but "
            f"mpmath.diff gives {num}")


def test_sweep_covers_every_elementwise_rule():
    """A new elementwise rule joins the sweep: each math function, operator and ufunc
    with a built-in rule is called by some case above."""
    rules, _ = all_vjp_rules()
    missing = uncovered(rules, CASES)
    assert not missing, f"rules without a case in the sweep: {missing}"
