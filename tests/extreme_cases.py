"""The extreme-magnitude sweep's cases, references and criterion, shared by the
reverse-mode sweep (tests/test_robustness.py) and the forward-mode one
(tests/test_forward_robustness.py).

See tests/test_robustness.py for the points, the references and the criterion.
Importing this module writes the tiny case functions into a real module file
(``robustness_cases``, exposed as ``M``) so tangent_lite reads them like user code.
"""

import atexit
import importlib.util
import math
import os
import shutil
import sys
import tempfile

import mpmath as mp

mp.mp.dps = 80

RTOL = 4e-15  # about 18 ulps: a rule is a handful of correctly rounded operations
TINY = 2.2250738585072014e-308  # smallest normal float64
HUGE = 1.7976931348623157e308

# ---------------------------------------------------------------- points

SMALL = [5e-324, 1e-310, 1e-300, 1e-170, 1e-30]
LARGE = [1e30, 1e150, 1e300]
POS = SMALL + LARGE
ZEROS = [0.0, -0.0]


def both(xs):
    return list(xs) + [-x for x in xs]


ALL = both(POS) + ZEROS
EXP = [-1e300, -745.0, -700.0, -30.0, -1e-300, 0.0, 5e-324, 1e-300, 30.0, 700.0, 709.7,
       710.0, 1e300]
HYPERBOLIC = both([5e-324, 1e-300, 1e-30, 1.0, 30.0, 700.0, 710.0, 711.0, 1e300]) + ZEROS
BELOW_ONE = 1.0 - 2.0 ** -53  # the largest float below 1
UNIT = both(SMALL + [0.5, 0.999, 1.0 - 1e-10, BELOW_ONE, 1.0]) + ZEROS  # ±1: derivative inf
PAIRS = [(1e-170, 1e-170), (-1e-170, 1e-170), (1e-170, -1e-170), (1e-300, 1e300),
         (1e300, 1e-300), (1e200, 1e200), (1e-200, 1e-200), (5e-324, 1.0), (1.0, 5e-324),
         (1e-310, 3.0), (3.0, 1e-310), (1.0, 1e-170), (1e300, 1e300), (-1e300, 1e-300)]
POW_PAIRS = [(1e-300, 2.0), (1e-300, 0.5), (1e300, 0.5), (1e300, 1.0), (1e-170, 2.0),
             (5e-324, 0.5), (5e-324, 2.0), (1e-170, -1.0), (1e150, -2.0), (2.0, -1074.0),
             (2.0, 1023.5), (10.0, 308.0), (1.0 + 2.0 ** -52, 1e15), (0.5, 1e-300),
             (0.0, 2.0), (0.0, 1.0), (0.0, 0.5), (0.0, 3.5)]
POW_NEG_BASE = [(-1e-170, 2.0), (-1e100, 3.0), (-2.0, -1074.0), (-1e-300, -1.0)]

XF_HYPOT = {(5e-324, 5e-324): "hypot of subnormals has a few significant bits, so "
            "x / hypot(x, y) is off by up to 40%; exact would need rescaling on every call",
            (1e-310, -1e-310): "as for 5e-324: hypot(1e-310, 1e-310) is subnormal (44 bits), "
            "the ratio is off by 8.6e-15, twice RTOL"}

# tanh's rule reuses the primal result, g * (1 - ans**2) (SPEC §3: the backward pass
# needs only tanh's output, which a loop such as an RNN keeps anyway). ans is rounded
# to within half an ulp of 1, so the derivative carries an absolute error up to
# about 2.2e-16: relative accuracy degrades as |x| grows (2e-14 at 3), and it is 0 past
# |x| ~ 19 (true sech**2(20) = 1.7e-17), as in JAX and PyTorch, which use the same form.
TANH_ATOL = 2.3e-16

XF_PYFLOAT = ("raises ZeroDivisionError: at the domain's edge the rule g / x divides two "
              "Python floats (the array path gives inf); kept as `g / x` for readable "
              "generated code, documented in docs/numerical-stability.md")

# ---------------------------------------------------------------- references (mpmath)


def _inv(d):  # 1 / d, inf at the domain's edge (asin, acos, atanh at ±1)
    return mp.inf if d == 0 else 1 / d


def _sign(x):
    return mp.mpf(0) if x == 0 else mp.sign(x)


def _pow_dx(a, b):
    if a == 0:  # the derivative of x**b at 0: 0 for b > 1, 1 for b == 1, inf below
        return mp.mpf(0) if b > 1 or b == 0 else (mp.mpf(1) if b == 1 else mp.inf)
    return b * mp.power(a, b - 1)


def _pow_dy(a, b):
    return mp.mpf(0) if a == 0 else mp.power(a, b) * mp.log(a)


def _hyp(a, b):
    return mp.sqrt(a * a + b * b)


def _dhyp(a, b):  # 0 at the origin, as abs'(0) and the norm's gradient at 0
    h = _hyp(a, b)
    return (mp.mpf(0), mp.mpf(0)) if h == 0 else (a / h, b / h)


def _tie(a, b, greater):  # max/min: 1 to the winner, ties split evenly (SPEC §3)
    if a == b:
        return mp.mpf(0.5)
    return mp.mpf(1) if (a > b) == greater else mp.mpf(0)


def _sinc(x):  # sinpi/cospi reduce the angle exactly, also for x = 1e300
    return mp.mpf(1) if x == 0 else mp.sinpi(x) / (mp.pi * x)


def _dsinc(x):
    if x == 0:
        return mp.mpf(0)
    # the two terms cancel to ~x**3 relative to x: give them the bits they lose
    with mp.workprec(mp.mp.prec + 4 * abs(int(mp.mag(x)))):
        t = mp.pi * x
        return +((mp.cospi(x) * t - mp.sinpi(x)) / (t * x))


def _sigmoid(x):
    return 1 / (1 + mp.exp(-x))


def _dsigmoid(x):  # s(x) * (1 - s(x)) = s(x) * s(-x): no cancellation at x = 700
    return _sigmoid(x) * _sigmoid(-x)


class Case:
    """One primitive: ``expr`` over ``params``; ``deriv`` gives d/d(param) in mpmath."""

    def __init__(self, name, params, expr, primal, deriv, points, *, wrt=None, rtol=RTOL,
                 atol=0.0, array=True, xfail=None, probe=None):
        self.name, self.params, self.expr = name, params, expr
        self.primal, self.deriv, self.points = primal, deriv, points
        self.wrt = tuple(range(len(params))) if wrt is None else wrt
        self.rtol, self.atol, self.array = rtol, atol, array
        self.xfail = xfail or {}  # point -> reason
        self.probe = probe  # a moderate point for the oracle check
        self.fname = "f_" + "".join(c if c.isalnum() else "_" for c in name)


def unary(name, expr, primal, deriv, points, **kw):
    return Case(name, ("x",), expr, primal, lambda x: (deriv(x),),
                [(p,) for p in points], **kw)


def binary(name, expr, primal, deriv, points, **kw):
    return Case(name, ("a", "b"), expr, primal, deriv, points, **kw)


mpf = mp.mpf
CASES = [
    # ---- operators, builtins
    unary("neg", "-x", lambda x: -x, lambda x: mpf(-1), ALL),
    unary("pos", "+x", lambda x: x, lambda x: mpf(1), ALL),
    unary("abs", "abs(x)", abs, _sign, ALL, array=False),
    unary("float", "float(x)", lambda x: x, lambda x: mpf(1), ALL, array=False),
    unary("square_op", "x * x", lambda x: x * x, lambda x: 2 * x, ALL),
    # 1e300 ** 2 raises OverflowError in the primal itself (Python floats)
    unary("pow2_op", "x ** 2", lambda x: x ** 2, lambda x: 2 * x,
          [p for p in ALL if abs(p) < 1e200]),
    unary("pow_half_op", "x ** 0.5", mp.sqrt, lambda x: mp.inf if x == 0 else
          1 / (2 * mp.sqrt(x)), POS + [0.0]),
    unary("pow_minus2_op", "x ** -2.0", lambda x: x ** -2, lambda x: -2 / x ** 3,
          both([1e-100, 1e-30, 1e30, 1e150, 1e300])),
    binary("add", "a + b", lambda a, b: a + b, lambda a, b: (mpf(1), mpf(1)), PAIRS),
    binary("sub", "a - b", lambda a, b: a - b, lambda a, b: (mpf(1), mpf(-1)), PAIRS),
    binary("mul", "a * b", lambda a, b: a * b, lambda a, b: (b, a), PAIRS),
    binary("truediv", "a / b", lambda a, b: a / b, lambda a, b: (1 / b, -a / b ** 2), PAIRS),
    binary("neg_truediv", "-a / b", lambda a, b: -a / b, lambda a, b: (-1 / b, a / b ** 2),
           PAIRS),
    binary("pow_op", "a ** b", mp.power, lambda a, b: (_pow_dx(a, b), _pow_dy(a, b)),
           POW_PAIRS, array=False),
    binary("pow_op_neg_base", "a ** b", mp.power, lambda a, b: (_pow_dx(a, b),),
           POW_NEG_BASE, wrt=(0,), array=False, probe=(-1.5, 3.0)),
    binary("builtin_pow", "pow(a, b)", mp.power, lambda a, b: (_pow_dx(a, b), _pow_dy(a, b)),
           POW_PAIRS, array=False),
    binary("mod", "a % b", lambda a, b: a - b * mp.floor(a / b),
           lambda a, b: (mpf(1), -mp.floor(a / b)),
           [(1e-300, 1.0), (5.5, 2.0), (1e300, 3.0), (-1e-170, 1e-200), (7.25, 1e-300)],
           probe=(5.5, 2.0)),
    binary("builtin_max", "max(a, b)", max, lambda a, b: (_tie(a, b, True), _tie(b, a, True)),
           PAIRS + [(0.0, -0.0), (1e-300, 1e-300)], array=False, probe=(0.5, 0.2)),
    binary("builtin_min", "min(a, b)", min, lambda a, b: (_tie(a, b, False), _tie(b, a, False)),
           PAIRS + [(0.0, -0.0), (1e-300, 1e-300)], array=False, probe=(0.5, 0.2)),
    # ---- math
    unary("math.exp", "math.exp(x)", mp.exp, mp.exp, EXP[:-2] + [709.78], array=False),
    unary("math.expm1", "math.expm1(x)", mp.expm1, mp.exp, EXP[:-2], array=False),
    unary("math.log", "math.log(x)", mp.log, lambda x: 1 / x, POS, array=False),
    binary("math.log_base", "math.log(a, b)", lambda a, b: mp.log(a) / mp.log(b),
           lambda a, b: (1 / (a * mp.log(b)), -mp.log(a) / (b * mp.log(b) ** 2)),
           [(x, 10.0) for x in POS] + [(1e-300, 2.0), (1e300, 1e300), (5e-324, 1e-300),
                                       (1e-30, 1.0 + 2.0 ** -52)], array=False),
    unary("math.log1p", "math.log1p(x)", mp.log1p, lambda x: 1 / (1 + x),
          POS + ZEROS + [-1e-300, -5e-324, -1e-30, -0.5, -BELOW_ONE], array=False),
    unary("math.log2", "math.log2(x)", lambda x: mp.log(x, 2), lambda x: 1 / (x * mp.log(2)),
          POS, array=False),
    unary("math.log10", "math.log10(x)", mp.log10, lambda x: 1 / (x * mp.log(10)), POS,
          array=False),
    unary("math.sqrt", "math.sqrt(x)", mp.sqrt,
          lambda x: mp.inf if x == 0 else 1 / (2 * mp.sqrt(x)), POS + [0.0], array=False),
    unary("math.sin", "math.sin(x)", mp.sin, mp.cos, ALL, array=False),
    unary("math.cos", "math.cos(x)", mp.cos, lambda x: -mp.sin(x), ALL, array=False),
    unary("math.tan", "math.tan(x)", mp.tan, lambda x: mp.sec(x) ** 2,
          ALL + [1.5707963267948966, -1.5707963267948966], array=False),
    unary("math.asin", "math.asin(x)", mp.asin, lambda x: _inv(mp.sqrt(1 - x * x)), UNIT,
          array=False),
    unary("math.acos", "math.acos(x)", mp.acos, lambda x: -_inv(mp.sqrt(1 - x * x)), UNIT,
          array=False),
    unary("math.atan", "math.atan(x)", mp.atan, lambda x: 1 / (1 + x * x), ALL, array=False),
    binary("math.atan2", "math.atan2(a, b)", mp.atan2,
           lambda a, b: (b / (a * a + b * b), -a / (a * a + b * b)), PAIRS, array=False),
    unary("math.sinh", "math.sinh(x)", mp.sinh, mp.cosh,
          [p for p in HYPERBOLIC if abs(p) < 710.5], array=False),
    unary("math.cosh", "math.cosh(x)", mp.cosh, mp.sinh,
          [p for p in HYPERBOLIC if abs(p) < 710.5], array=False),
    unary("math.tanh", "math.tanh(x)", mp.tanh, lambda x: mp.sech(x) ** 2,
          HYPERBOLIC + both([0.5, 3.0, 20.0, 40.0, 100.0, 354.0, 400.0]), array=False,
          atol=TANH_ATOL),
    binary("math.pow", "math.pow(a, b)", mp.power,
           lambda a, b: (_pow_dx(a, b), _pow_dy(a, b)), POW_PAIRS, array=False),
    unary("math.fabs", "math.fabs(x)", abs, _sign, ALL, array=False),
    binary("math.hypot", "math.hypot(a, b)", _hyp, _dhyp,
           PAIRS + [(5e-324, 5e-324), (0.0, 0.0), (-0.0, 0.0)],
           array=False, xfail=XF_HYPOT),
    unary("math.erf", "math.erf(x)", mp.erf, lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x),
          ALL + both([5.0, 26.0, 27.0]), array=False),
    # ---- numpy elementwise
    unary("np.exp", "np.exp(x)", mp.exp, mp.exp, EXP),
    unary("np.expm1", "np.expm1(x)", mp.expm1, mp.exp, EXP),
    unary("np.log", "np.log(x)", mp.log, lambda x: _inv(x), POS + [0.0],
          xfail={(0.0,): XF_PYFLOAT}),
    unary("np.log1p", "np.log1p(x)", mp.log1p, lambda x: _inv(1 + x),
          POS + ZEROS + [-1e-300, -5e-324, -1e-30, -0.5, -BELOW_ONE, -1.0]),
    unary("np.log2", "np.log2(x)", lambda x: mp.log(x, 2), lambda x: 1 / (x * mp.log(2)), POS),
    unary("np.log10", "np.log10(x)", mp.log10, lambda x: 1 / (x * mp.log(10)), POS),
    unary("np.sqrt", "np.sqrt(x)", mp.sqrt,
          lambda x: mp.inf if x == 0 else 1 / (2 * mp.sqrt(x)), POS + [0.0]),
    unary("np.cbrt", "np.cbrt(x)", mp.cbrt,
          lambda x: mp.inf if x == 0 else 1 / (3 * mp.cbrt(abs(x)) ** 2), ALL,
          probe=(0.7,)),
    unary("np.square", "np.square(x)", lambda x: x * x, lambda x: 2 * x, ALL),
    unary("np.reciprocal", "np.reciprocal(x)", lambda x: 1 / x, lambda x: -1 / (x * x),
          both(POS)),
    unary("np.sin", "np.sin(x)", mp.sin, mp.cos, ALL),
    unary("np.cos", "np.cos(x)", mp.cos, lambda x: -mp.sin(x), ALL),
    unary("np.tan", "np.tan(x)", mp.tan, lambda x: mp.sec(x) ** 2,
          ALL + [1.5707963267948966, -1.5707963267948966]),
    unary("np.arcsin", "np.arcsin(x)", mp.asin, lambda x: _inv(mp.sqrt(1 - x * x)), UNIT),
    unary("np.arccos", "np.arccos(x)", mp.acos, lambda x: -_inv(mp.sqrt(1 - x * x)), UNIT),
    unary("np.arctan", "np.arctan(x)", mp.atan, lambda x: 1 / (1 + x * x), ALL),
    unary("np.sinh", "np.sinh(x)", mp.sinh, mp.cosh, HYPERBOLIC),
    unary("np.cosh", "np.cosh(x)", mp.cosh, mp.sinh, HYPERBOLIC),
    unary("np.tanh", "np.tanh(x)", mp.tanh, lambda x: mp.sech(x) ** 2,
          HYPERBOLIC + both([0.5, 3.0, 20.0, 40.0, 100.0, 354.0, 400.0]), atol=TANH_ATOL),
    unary("np.arcsinh", "np.arcsinh(x)", mp.asinh, lambda x: 1 / mp.sqrt(x * x + 1), ALL),
    unary("np.arccosh", "np.arccosh(x)", mp.acosh, lambda x: _inv(mp.sqrt(x * x - 1)),
          [1.0, 1.0 + 2.0 ** -52, 1.0 + 1e-10, 2.0, 1e30, 1e150, 1e300], probe=(1.7,)),
    unary("np.arctanh", "np.arctanh(x)", mp.atanh, lambda x: _inv(1 - x * x), UNIT),
    unary("np.exp2", "np.exp2(x)", lambda x: mp.power(2, x),
          lambda x: mp.power(2, x) * mp.log(2),
          [-1e300, -1074.0, -1000.0, 0.0, 5e-324, 1000.0, 1023.9, 1024.0, 1e300],
          xfail={(1024.0,): "the primal 2**1024 overflows to inf and the rule reuses it "
                 "(ans * ln 2); the derivative 1.25e308 is finite only on [1024, 1024.53), "
                 "where the function's own value is already inf"}),
    unary("np.abs", "np.abs(x)", abs, _sign, ALL),
    unary("np.fabs", "np.fabs(x)", abs, _sign, ALL),
    unary("np.negative", "np.negative(x)", lambda x: -x, lambda x: mpf(-1), ALL),
    unary("np.deg2rad", "np.deg2rad(x)", lambda x: x * mp.pi / 180, lambda x: mp.pi / 180, ALL),
    unary("np.radians", "np.radians(x)", lambda x: x * mp.pi / 180, lambda x: mp.pi / 180, ALL),
    unary("np.rad2deg", "np.rad2deg(x)", lambda x: x * 180 / mp.pi, lambda x: 180 / mp.pi, ALL),
    unary("np.degrees", "np.degrees(x)", lambda x: x * 180 / mp.pi, lambda x: 180 / mp.pi, ALL),
    unary("np.sinc", "np.sinc(x)", _sinc, _dsinc,
          both(SMALL + [1e-5, 0.25, 0.5, 1.5, 1e8, 1e300]) + ZEROS),
    unary("np.clip", "np.clip(x, -1e300, 1e-300)", lambda x: x,
          lambda x: mpf(1) if -1e300 <= x <= 1e-300 else mpf(0),
          [5e-324, 1e-310, -1e300, 1e-30, 1e300, -1e30, 0.0], probe=(-0.3,)),
    binary("np.add", "np.add(a, b)", lambda a, b: a + b, lambda a, b: (mpf(1), mpf(1)), PAIRS),
    binary("np.subtract", "np.subtract(a, b)", lambda a, b: a - b,
           lambda a, b: (mpf(1), mpf(-1)), PAIRS),
    binary("np.multiply", "np.multiply(a, b)", lambda a, b: a * b, lambda a, b: (b, a), PAIRS),
    binary("np.divide", "np.divide(a, b)", lambda a, b: a / b,
           lambda a, b: (_inv(b), -a * _inv(b ** 2)), PAIRS + [(1.0, 0.0)],
           xfail={(1.0, 0.0): XF_PYFLOAT}),
    binary("np.power", "np.power(a, b)", mp.power,
           lambda a, b: (_pow_dx(a, b), _pow_dy(a, b)), POW_PAIRS),
    binary("np.maximum", "np.maximum(a, b)", max,
           lambda a, b: (_tie(a, b, True), _tie(b, a, True)),
           PAIRS + [(0.0, -0.0), (1e-300, 1e-300)], probe=(0.5, 0.2)),
    binary("np.minimum", "np.minimum(a, b)", min,
           lambda a, b: (_tie(a, b, False), _tie(b, a, False)),
           PAIRS + [(0.0, -0.0), (1e-300, 1e-300)], probe=(0.5, 0.2)),
    binary("np.arctan2", "np.arctan2(a, b)", mp.atan2,
           lambda a, b: (b / (a * a + b * b), -a / (a * a + b * b)),
           PAIRS + [(5e-324, 5e-324), (1e-310, -1e-310)]),
    binary("np.hypot", "np.hypot(a, b)", _hyp, _dhyp,
           PAIRS + [(5e-324, 5e-324), (1e-310, -1e-310), (5e-324, 0.0), (0.0, -1e300),
                    (0.0, 0.0), (-0.0, 0.0)],
           xfail=XF_HYPOT),
    binary("np.logaddexp", "np.logaddexp(a, b)", lambda a, b: mp.log(mp.exp(a) + mp.exp(b)),
           lambda a, b: (1 / (1 + mp.exp(b - a)), 1 / (1 + mp.exp(a - b))),
           PAIRS + [(0.0, 0.0), (800.0, -800.0), (-800.0, 800.0), (1e300, -1e300),
                    (-745.0, -745.0), (30.0, 0.0), (-1e300, -1e300)]),
    binary("np.mod", "np.mod(a, b)", lambda a, b: a - b * mp.floor(a / b),
           lambda a, b: (mpf(1), -mp.floor(a / b)),
           [(1e-300, 1.0), (5.5, 2.0), (1e300, 3.0), (-1e-170, 1e-200), (7.25, 1e-300)],
           probe=(5.5, 2.0)),
    # ---- compositions the brief names
    unary("sigmoid", "1.0 / (1.0 + np.exp(-x))", _sigmoid,
          _dsigmoid,
          [-800.0, -745.0, -700.0, -30.0, 0.0, 30.0, 700.0, 800.0],
          xfail={(-800.0,): "exp(800) overflows to inf in the primal; the cotangent "
                 "that meets it, -1/inf**2, is 0; 0 * inf is NaN. No rule can know that "
                 "the product is e**-800; write the stable form (see "
                 "docs/numerical-stability.md)",
                 (-745.0,): "as at -800: exp(745) overflows in the primal",
                 (-700.0,): "the cotangent of the denominator, -1/(1 + e**700)**2 = -1e-608, "
                 "underflows to 0 before it is multiplied by e**700: each rule is exact, "
                 "the composition is not; the stable forms below pass"}),
    unary("sigmoid_logaddexp", "np.exp(-np.logaddexp(0.0, -x))", _sigmoid,
          _dsigmoid,
          [-800.0, -745.0, -700.0, -30.0, 0.0, 30.0, 700.0, 800.0]),
    unary("softplus", "np.logaddexp(0.0, x)", lambda x: mp.log1p(mp.exp(x)), _sigmoid,
          [-800.0, -745.0, -30.0, 0.0, 30.0, 800.0, 1e300, -1e300]),
    unary("log_exp", "np.log(np.exp(x))", lambda x: x, lambda x: mpf(1),
          [-700.0, -30.0, 0.0, 1e-300, 30.0, 700.0, 709.7, 710.0], probe=(0.3,),
          xfail={(710.0,): "exp(710) overflows, so the primal is log(inf) = inf, not 710; "
                 "the backward pass meets 1/inf * inf = NaN. Write x, or np.logaddexp"}),
    binary("prod2", "np.prod(np.array([a, b]))", lambda a, b: a * b, lambda a, b: (b, a),
           PAIRS + [(0.0, 0.0), (0.0, 1e300)], array=False),
    binary("mean2", "np.mean(np.array([a, b]))", lambda a, b: (a + b) / 2,
           lambda a, b: (mpf(0.5), mpf(0.5)), PAIRS, array=False),
    binary("var2", "np.var(np.array([a, b]))", lambda a, b: (a - b) ** 2 / 4,
           lambda a, b: ((a - b) / 2, (b - a) / 2),
           [p for p in PAIRS if abs(p[0] - p[1]) < 1e300] + [(1.0, 1.0), (0.0, 0.0)],
           array=False),
    binary("std2", "np.std(np.array([a, b]))", lambda a, b: abs(a - b) / 2,
           lambda a, b: (_sign(a - b) / 2, _sign(b - a) / 2),
           PAIRS + [(1.0, 1.0), (0.0, 0.0), (1e-300, 1e-300)], array=False,
           probe=(0.3, 0.4)),
    binary("norm2", "np.linalg.norm(np.array([a, b]))", _hyp, _dhyp,
           [(1e-200, 1e-200), (1e200, 1e200), (3.0, 4.0), (1e-300, 1.0), (1e300, -1e300),
            (5e-324, 5e-324), (0.0, 0.0)],
           array=False, probe=(0.3, 0.4)),
]

# rules of tangent_lite/rules/more.py
CASES += [
    binary("np.logaddexp2", "np.logaddexp2(a, b)",
           lambda a, b: mp.log(mp.power(2, a) + mp.power(2, b), 2),
           lambda a, b: (1 / (1 + mp.power(2, b - a)), 1 / (1 + mp.power(2, a - b))),
           PAIRS + [(0.0, 0.0), (1100.0, -1100.0), (-1100.0, 1100.0), (1e300, -1e300),
                    (-1074.0, -1074.0), (30.0, 0.0)]),
    binary("np.float_power", "np.float_power(a, b)", mp.power,
           lambda a, b: (_pow_dx(a, b), _pow_dy(a, b)), POW_PAIRS),
    unary("np.positive", "np.positive(x)", lambda x: x, lambda x: mpf(1), ALL),
    unary("np.conjugate", "np.conjugate(x)", lambda x: x, lambda x: mpf(1), ALL),
    binary("np.fmax", "np.fmax(a, b)", max, lambda a, b: (_tie(a, b, True), _tie(b, a, True)),
           PAIRS + [(0.0, -0.0), (1e-300, 1e-300)], probe=(0.5, 0.2)),
    binary("np.fmin", "np.fmin(a, b)", min, lambda a, b: (_tie(a, b, False), _tie(b, a, False)),
           PAIRS + [(0.0, -0.0), (1e-300, 1e-300)], probe=(0.5, 0.2)),
    binary("np.copysign", "np.copysign(a, b)", lambda a, b: abs(a) * (1 if b > 0 else -1),
           lambda a, b: (_sign(a) * (1 if b > 0 else -1),), PAIRS, wrt=(0,)),
    binary("np.vecdot", "np.vecdot(np.array([a]), np.array([b]))", lambda a, b: a * b,
           lambda a, b: (b, a), PAIRS, array=False),
    unary("math.asinh", "math.asinh(x)", mp.asinh, lambda x: 1 / mp.sqrt(x * x + 1), ALL,
          array=False),
    unary("math.acosh", "math.acosh(x)", mp.acosh, lambda x: _inv(mp.sqrt(x * x - 1)),
          [1.0, 1.0 + 2.0 ** -52, 1.0 + 1e-10, 2.0, 1e30, 1e150, 1e300], probe=(1.7,),
          array=False),
    unary("math.atanh", "math.atanh(x)", mp.atanh, lambda x: _inv(1 - x * x),
          [p for p in UNIT if abs(p) < 1.0], array=False),  # math.atanh(±1) raises
    unary("math.erfc", "math.erfc(x)", mp.erfc, lambda x: -2 / mp.sqrt(mp.pi) * mp.exp(-x * x),
          ALL + both([5.0, 26.0, 27.0]), array=False),
    unary("math.radians", "math.radians(x)", lambda x: x * mp.pi / 180, lambda x: mp.pi / 180,
          ALL, array=False),
    unary("math.degrees", "math.degrees(x)", lambda x: x * 180 / mp.pi, lambda x: 180 / mp.pi,
          [p for p in ALL if abs(p) < 1e300], array=False),
    binary("math.fsum", "math.fsum([a, b])", lambda a, b: a + b,
           lambda a, b: (mpf(1), mpf(1)), PAIRS, array=False),
    binary("math.fmod", "math.fmod(a, b)", lambda a, b: mp.fmod(a, b),
           lambda a, b: (mpf(1), -mp.floor(a / b) if a / b >= 0 else -mp.ceil(a / b)),
           [(1e-300, 1.0), (5.5, 2.0), (1e300, 3.0), (-1e-170, 1e-200), (7.25, 1e-300),
            (-5.5, 2.0)], array=False, probe=(5.5, 2.0)),
]

# primitives with a forward rule only (no reverse rule to sweep in tests/test_robustness.py)
FORWARD_ONLY = []

# ---------------------------------------------------------------- the generated module

_SOURCE = ["import math", "import numpy as np", ""]
for _c in CASES + FORWARD_ONLY:
    args = ", ".join(_c.params)
    _SOURCE += ["", f"def {_c.fname}({args}):", f"    return {_c.expr}", ""]
    if _c.array:
        _SOURCE += ["", f"def {_c.fname}_sum({args}):", f"    return np.sum({_c.expr})", ""]

_DIR = tempfile.mkdtemp(prefix="tl_robustness_")
atexit.register(shutil.rmtree, _DIR, True)
_PATH = os.path.join(_DIR, "robustness_cases.py")
with open(_PATH, "w", encoding="utf-8") as _fh:
    _fh.write("\n".join(_SOURCE) + "\n")
_spec = importlib.util.spec_from_file_location("robustness_cases", _PATH)
M = importlib.util.module_from_spec(_spec)
sys.modules["robustness_cases"] = M
_spec.loader.exec_module(M)

# ---------------------------------------------------------------- checking


def expected(ref):
    """What a float64 answer must be for the mpmath value ``ref``: (kind, value)."""
    if mp.isinf(ref):
        return "inf", math.copysign(math.inf, float(mp.sign(ref)))
    if abs(ref) > HUGE:
        return "inf", math.copysign(math.inf, float(mp.sign(ref)))
    if abs(ref) < TINY:
        return "tiny", float(ref)
    return "normal", float(ref)


def close(got, ref, rtol, atol=0.0):
    """``None`` when the float ``got`` meets the criterion for ``ref``; else why not."""
    got = float(got)
    if math.isnan(got):
        return "NaN"
    kind, want = expected(ref)
    if kind == "inf":
        if got == want or (math.isfinite(got) and got * want > 0
                           and abs(got) >= HUGE * (1 - rtol)):
            return None
        return f"true derivative overflows to {want}, got {got!r}"
    if not math.isfinite(got):
        return f"true derivative {mp.nstr(ref, 17)} is finite, got {got!r}"
    if kind == "tiny":
        return None if abs(got - want) <= TINY else (
            f"true derivative {mp.nstr(ref, 17)} (below the normal range), got {got!r}")
    if abs(mp.mpf(got) - ref) <= atol:
        return None
    err = abs(mp.mpf(got) - ref) / abs(ref)
    return None if err <= rtol else (
        f"relative error {mp.nstr(err, 3)} > {rtol:g}: got {got!r}, "
        f"true {mp.nstr(ref, 17)}")


# ---------------------------------------------------------------- coverage


def uncovered(rules, cases):
    """The elementwise primitives among the keys of ``rules`` (a rule table) that no case
    in ``cases`` calls: each math function, operator, builtin and NumPy ufunc."""
    import builtins
    import operator

    import numpy as np

    text = " ".join(c.expr for c in cases)
    ops = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
           operator.pow: "**", operator.neg: "-x", operator.pos: "+x", operator.mod: "%",
           builtins.abs: "abs(", builtins.float: "float(", builtins.pow: "pow(",
           builtins.max: "max(", builtins.min: "min("}
    # where: tests/test_conventions.py; remainder/fmod share np.mod's rule body;
    # matmul is a ufunc but not elementwise (tests/test_grad_e2e.py)
    exempt = {np.where, np.remainder, np.fmod, np.matmul}
    missing = []
    for fn in rules:
        if fn in exempt or not callable(fn):
            continue
        if fn in ops:
            if ops[fn] not in text:
                missing.append(ops[fn])
            continue
        mod = getattr(fn, "__module__", None) or ""
        if isinstance(fn, np.ufunc) or mod == "math":
            home = np if isinstance(fn, np.ufunc) else math
            prefix = "np." if isinstance(fn, np.ufunc) else "math."
            aliases = [n for n in dir(home) if getattr(home, n, None) is fn]
            if not any(f"{prefix}{alias}(" in text for alias in aliases):
                missing.append(prefix + fn.__name__)
    return missing
