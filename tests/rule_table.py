"""The rule table: one entry per registered derivative rule, as data.

Each ``Entry`` names a registered rule (a callable, ``".name"`` for a method, or
``"attr:.name"`` for an attribute), says in words what its derivative is, notes
the convention at kinks, and lists ``Case``s: a user-function body (an expression
in the argument names, optionally after some statements) with generators for
its inputs.  tests/test_rule_table.py compiles each case with tangent_lite and
compares the derivative with central finite differences; tools/gen_rules_doc.py
turns the same table into docs/rules.md.

Input specs (``spec`` below):

* ``(shape, lo, hi)``: uniform floats in ``[lo, hi)``; shape ``()`` is a Python float
* ``("mat", n)``: a well-conditioned ``n x n`` matrix (random plus ``2 I``)
* ``("spd", n)``: lower triangle symmetric positive definite, random upper triangle
* ``("rect", m, n)``: a random full-rank ``m x n`` matrix
* ``("int", shape, hi)``: integers in ``[0, hi)`` (never differentiated)
* ``("bool", shape)``: a random mask (never differentiated)
* ``("sorted", n)``: increasing floats, well separated
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Case:
    expr: str
    args: dict
    wrt: tuple = None  # names to differentiate; default every float argument
    body: str = ""  # statements run before ``return expr``


@dataclass
class Entry:
    label: str  # how the rule is written in user code: "np.exp", ".sum", "a + b"
    formula: str  # the derivative in words or a formula (g is the output cotangent)
    cases: list = field(default_factory=list)
    notes: str = ""
    key: str = None  # the registered object, as an expression; default ``label``
    group: str = ""


def F(shape=(), lo=-1.0, hi=1.0):
    return (tuple(shape) if not isinstance(shape, int) else (shape,), lo, hi)


SHAPES = [(), (4,), (2, 3)]
PAIRS = [((4,), (4,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((2, 3), ())]


def unary(label, formula, lo=-1.0, hi=1.0, shapes=SHAPES, notes="", expr=None, key=None):
    expr = expr or f"{label}(x)"
    return Entry(label, formula, [Case(expr, {"x": F(s, lo, hi)}) for s in shapes], notes,
                 key=key)


def binary(label, formula, lo=(-1.0, 1.0), lo2=None, pairs=PAIRS, notes="", expr=None, key=None):
    lo2 = lo2 or lo
    expr = expr or f"{label}(x, y)"
    return Entry(label, formula, [Case(expr, {"x": F(a, *lo), "y": F(b, *lo2)})
                                  for a, b in pairs], notes, key=key)


def reduction(label, formula, shape=(3, 4), axes=(None, 0, 1, -1), keepdims=True, lo=-1.0,
              hi=1.0, extra="", notes="", method=False, tuple_axes=False):
    cases = []
    call = (lambda a: f"x.{label[1:]}({a})") if method else (lambda a: f"{label}(x{a})")
    for ax in axes:
        for kd in ((False, True) if keepdims else (False,)):
            if ax is None and kd and not method:
                continue
            parts = []
            if ax is not None:
                parts.append(f"axis={ax}")
            if kd:
                parts.append("keepdims=True")
            if extra:
                parts.append(extra)
            a = ", ".join(parts)
            cases.append(Case(call(a) if method else call(", " + a if a else ""),
                              {"x": F(shape, lo, hi)}))
    if tuple_axes:
        cases.append(Case(call("axis=(0, 2)") if method else call(", axis=(0, 2)"),
                          {"x": F((2, 3, 4), lo, hi)}))
    return Entry(label, formula, cases, notes)


def more(entry, *cases):
    """``entry`` with more cases."""
    entry.cases += [c if isinstance(c, Case) else Case(*c) for c in cases]
    return entry


def one(label, formula, *cases, notes="", key=None):
    return Entry(label, formula, [c if isinstance(c, Case) else Case(*c) for c in cases],
                 notes, key=key)


X4, X23, X34, X234 = F(4), F((2, 3)), F((3, 4)), F((2, 3, 4))
POS4, POS23 = F(4, 0.5, 2.0), F((2, 3), 0.5, 2.0)

KINK_ABS = "0 at 0 (as PyTorch and JAX)"
KINK_MAX = "a tie splits the cotangent evenly between the arguments"
KINK_RED = "tied extreme entries share the cotangent evenly"

# ---------------------------------------------------------------- operators and builtins

OPERATORS = [
    binary("operator.add", "g, g (summed back over broadcast axes)", expr="x + y"),
    binary("operator.sub", "g, -g", expr="x - y"),
    binary("operator.mul", "g * b, g * a", expr="x * y"),
    binary("operator.truediv", "g / b, -(g * ans) / b (no b**2, stays finite for tiny b)",
           lo=(-1.0, 1.0), lo2=(0.5, 2.0), expr="x / y"),
    binary("operator.pow", "g * b * a**(b-1), g * ans * log(a)", lo=(0.5, 2.0),
           expr="x ** y", notes="the exponent's cotangent uses log(1) where a == 0"),
    unary("operator.neg", "-g", expr="-x"),
    unary("operator.pos", "g", expr="+x"),
    one("operator.matmul", "g @ b.T, a.T @ g (1-D operands as vectors)",
        ("x @ y", {"x": X23, "y": X34}), ("x @ y", {"x": X4, "y": F((4, 2))}),
        ("x @ y", {"x": X23, "y": F(3)}), ("x @ y", {"x": X4, "y": X4}),
        ("x @ y", {"x": F((2, 2, 3)), "y": X34})),
    binary("operator.mod", "g, -g * floor(a / b)", lo=(0.1, 3.0), lo2=(0.7, 1.3), expr="x % y",
           notes="derivative 1 in a away from the jumps"),
]

BUILTINS = [
    unary("builtins.abs", "g * sign(x)", expr="abs(x)", notes=KINK_ABS),
    unary("builtins.float", "g", shapes=[()], expr="float(x)"),
    one("builtins.list", "the list of cotangents (an array again for an array argument)",
        ("np.stack(list(x))", {"x": X23}), ("np.array(list((x, y)))", {"x": X4, "y": X4})),
    one("builtins.tuple", "the tuple of cotangents",
        ("np.stack(tuple(x))", {"x": X23}), ("np.array(tuple([x, y]))", {"x": F(()), "y": F(())})),
    binary("builtins.pow", "as a ** b", lo=(0.5, 2.0), expr="pow(x, y)"),
    one("builtins.sum", "g to every item", ("sum(x)", {"x": X23}), ("sum([x, y, x])",
        {"x": F(()), "y": F(3)}), ("sum(x, 2.0)", {"x": X4})),
    one("builtins.max", "g to the largest argument", ("max(x, y)", {"x": F(()), "y": F(())}),
        ("max(x)", {"x": X4}), ("max(x, y, 0.3)", {"x": F(()), "y": F(())}),
        ("max([x, y])", {"x": F(()), "y": F(())}), notes=KINK_MAX),
    one("builtins.min", "g to the smallest argument", ("min(x, y)", {"x": F(()), "y": F(())}),
        ("min(x)", {"x": X4}), notes=KINK_MAX),
]

# ---------------------------------------------------------------- math


def m(name, formula, lo=-0.9, hi=0.9, notes=""):
    return unary(f"math.{name}", formula, lo, hi, shapes=[()], notes=notes)


MATH = [
    m("exp", "g * ans"), m("expm1", "g * (ans + 1)"),
    one("math.log", "g / x; with a base b: g / (x ln b), -g ans / (b ln b)",
        ("math.log(x)", {"x": F((), 0.5, 2.0)}),
        ("math.log(x, y)", {"x": F((), 0.5, 2.0), "y": F((), 1.5, 3.0)})),
    m("log1p", "g / (1 + x)"), m("log2", "g / (x ln 2)", 0.5, 2.0),
    m("log10", "g / (x ln 10)", 0.5, 2.0),
    m("sqrt", "g / (2 ans)", 0.1, 2.0, notes="inf at 0"),
    m("sin", "g cos x"), m("cos", "-g sin x"), m("tan", "g (1 + ans**2)"),
    m("asin", "g / sqrt(1 - x**2)"), m("acos", "-g / sqrt(1 - x**2)"),
    m("atan", "g / (1 + x**2)"),
    one("math.atan2", "g x / (x**2 + y**2), -g y / (x**2 + y**2) for atan2(y, x)",
        ("math.atan2(x, y)", {"x": F(()), "y": F(())})),
    m("sinh", "g cosh x"), m("cosh", "g sinh x"), m("tanh", "g (1 - ans**2)"),
    one("math.pow", "as a ** b", ("math.pow(x, y)", {"x": F((), 0.5, 2.0), "y": F(())})),
    m("fabs", "g sign(x)", notes=KINK_ABS),
    one("math.hypot", "g x / ans, g y / ans", ("math.hypot(x, y)", {"x": F(()), "y": F(())})),
    m("erf", "g 2/sqrt(pi) exp(-x**2)"), m("erfc", "-g 2/sqrt(pi) exp(-x**2)"),
    m("asinh", "g / sqrt(x**2 + 1)"), m("acosh", "g / sqrt(x**2 - 1)", 1.2, 3.0),
    m("atanh", "g / (1 - x**2)"), m("radians", "g pi / 180"), m("degrees", "g 180 / pi"),
    one("math.fsum", "g to every item", ("math.fsum([x, y, x])", {"x": F(()), "y": F(())}),
        ("math.fsum(x)", {"x": X4})),
    one("math.fmod", "g, -g trunc(x / y)", ("math.fmod(x, y)", {"x": F((), 0.1, 3.0),
                                                              "y": F((), 0.7, 1.3)})),
]


# ---------------------------------------------------------------- numpy elementwise


def u(name, formula, lo=-1.0, hi=1.0, notes="", key=None):
    return unary(f"np.{name}", formula, lo, hi, notes=notes, key=key)


def b(name, formula, lo=(-1.0, 1.0), lo2=None, notes=""):
    return binary(f"np.{name}", formula, lo, lo2, notes=notes)


ELEMENTWISE = [
    u("exp", "g * ans (reuses the result)"), u("expm1", "g * (ans + 1)"),
    u("exp2", "g * ans * ln 2"),
    u("log", "g / x", 0.5, 2.0), u("log1p", "g / (1 + x)"), u("log2", "g / (x ln 2)", 0.5, 2.0),
    u("log10", "g / (x ln 10)", 0.5, 2.0),
    u("sqrt", "g / (2 ans)", 0.1, 2.0, notes="inf at 0, as the mathematics says"),
    u("cbrt", "g / (3 ans**2)", 0.2, 2.0), u("square", "2 g x"),
    u("reciprocal", "-g ans**2", 0.5, 2.0),
    u("sin", "g cos x"), u("cos", "-g sin x"), u("tan", "g (1 + ans**2)"),
    u("arcsin", "g / sqrt(1 - x**2)", -0.9, 0.9), u("arccos", "-g / sqrt(1 - x**2)", -0.9, 0.9),
    u("arctan", "g / (1 + x**2)"),
    u("sinh", "g cosh x"), u("cosh", "g sinh x"), u("tanh", "g (1 - ans**2) (reuses the result)"),
    u("arcsinh", "g / sqrt(x**2 + 1)"), u("arccosh", "g / sqrt(x**2 - 1)", 1.2, 3.0),
    u("arctanh", "g / (1 - x**2)", -0.9, 0.9),
    u("abs", "g sign(x) (np.abs is np.absolute)", notes=KINK_ABS),
    u("fabs", "g sign(x)", notes=KINK_ABS),
    u("negative", "-g"), u("positive", "g"),
    u("deg2rad", "g pi / 180"), u("radians", "g pi / 180"),
    u("rad2deg", "g 180 / pi"), u("degrees", "g 180 / pi"),
    u("sinc", "g (cos(pi x) pi x - sin(pi x)) / (pi x**2)", notes="0 at x = 0"),
    u("nan_to_num", "g where x is finite, 0 where it was replaced"),
    u("conjugate", "conj(g) (np.conj is np.conjugate)"),
    b("add", "g, g"), b("subtract", "g, -g"), b("multiply", "g * b, g * a"),
    b("divide", "g / b, -(g * ans) / b (np.true_divide is np.divide)", (-1.0, 1.0), (0.5, 2.0)),
    b("power", "g b a**(b-1), g ans ln a (np.pow is np.power)", (0.5, 2.0)),
    b("float_power", "as power, in float64", (0.5, 2.0)),
    b("maximum", "g to the larger argument", notes=KINK_MAX),
    b("minimum", "g to the smaller argument", notes=KINK_MAX),
    b("fmax", "as maximum; a NaN argument gets 0 and the other gets g", notes=KINK_MAX),
    b("fmin", "as minimum; a NaN argument gets 0 and the other gets g", notes=KINK_MAX),
    b("arctan2", "g x / (x**2 + y**2), -g y / (x**2 + y**2) for arctan2(y, x)"),
    b("hypot", "g x / ans, g y / ans"),
    b("logaddexp", "g exp(x - ans), g exp(y - ans) (stable: no exp of large numbers)"),
    b("logaddexp2", "g 2**(x - ans), g 2**(y - ans)"),
    b("mod", "g, -g floor(a / b)", (0.1, 3.0), (0.7, 1.3),
      notes="derivative 1 in a away from the jumps"),
    b("remainder", "g, -g floor(a / b)", (0.1, 3.0), (0.7, 1.3)),
    b("fmod", "g, -g floor(a / b) (positive operands)", (0.1, 3.0), (0.7, 1.3)),
    one("np.copysign", "g sign(x) sign(y) for x; y gets no derivative",
        ("np.copysign(x, y)", {"x": F((2, 3)), "y": F(3)}), notes=KINK_ABS),
    one("np.where", "g where the condition holds to a, elsewhere to b",
        ("np.where(x > 0, x * 2.0, y)", {"x": X23, "y": F(3)}),
        ("np.where(c, x, y)", {"c": ("bool", (2, 3)), "x": X23, "y": F(())}),
        notes="the cotangent flows only into the selected branch; no NaN leaks from the "
              "other one"),
    one("np.clip", "g where lo <= x <= hi, else 0; a bound gets g where it is the output",
        ("np.clip(x, -0.5, 0.5)", {"x": X23}), ("np.clip(x, None, 0.2)", {"x": X4}),
        ("np.clip(x, lo, hi)", {"x": X23, "lo": F(3, -1.0, -0.2), "hi": F(3, 0.2, 1.0)}),
        notes="at a bound the cotangent goes to x (the bounds count as inside)"),
]

# ---------------------------------------------------------------- reductions

REDUCTIONS = [
    reduction("np.sum", "g broadcast back over the reduced axes", tuple_axes=True),
    reduction("np.mean", "g / n broadcast back", tuple_axes=True),
    reduction("np.nansum", "g broadcast back, 0 at NaN entries"),
    reduction("np.nanmean", "g / (number of non-NaN entries), 0 at NaN entries"),
    one("np.average", "g / n; with weights w: g w / sum w, and for w: g (a - ans) / sum w",
        ("np.average(x)", {"x": X23}), ("np.average(x, axis=1)", {"x": X23}),
        ("np.average(x, axis=1, weights=w)", {"x": X23, "w": F(3, 0.5, 2.0)}),
        ("np.average(x, weights=w)", {"x": X23, "w": F((2, 3), 0.5, 2.0)})),
    reduction("np.prod", "g ans / x, computed from prefix and suffix products (exact at 0)",
              keepdims=True, lo=0.5, hi=1.5),
    reduction("np.max", "g to the largest entries", notes=KINK_RED, tuple_axes=True),
    reduction("np.amax", "g to the largest entries", notes=KINK_RED),
    reduction("np.min", "g to the smallest entries", notes=KINK_RED),
    reduction("np.amin", "g to the smallest entries", notes=KINK_RED),
    reduction("np.nanmax", "g to the largest entries, ignoring NaN", notes=KINK_RED),
    reduction("np.nanmin", "g to the smallest entries, ignoring NaN", notes=KINK_RED),
    reduction("np.ptp", "g to the largest entries, -g to the smallest", notes=KINK_RED),
    more(reduction("np.var", "2 g (x - mean) / (n - ddof)"),
         ("np.var(x, ddof=1)", {"x": X23}), ("np.var(x, axis=0, ddof=1)", {"x": X34})),
    more(reduction("np.std", "g (x - mean) / ((n - ddof) ans)", axes=(None, 0, 1)),
         ("np.std(x, ddof=1)", {"x": X23}), ("np.std(x, axis=1, ddof=1)", {"x": X34})),
    reduction("np.nanvar", "2 g (x - nanmean) / (count - ddof), 0 at NaN entries"),
    reduction("np.nanstd", "g (x - nanmean) / ((count - ddof) ans)", axes=(None, 1)),
    reduction("np.median", "g to the middle entry (half each to the two middle entries)",
              notes="tied middle entries: the cotangent goes to one of them"),
    one("np.cumsum", "reversed cumulative sum of g", ("np.cumsum(x)", {"x": X23}),
        ("np.cumsum(x, axis=0)", {"x": X23}), ("np.cumsum(x, 1)", {"x": X23})),
    one("np.cumprod", "reversed cumulative sum of g ans, divided by x (exact at zeros)",
        ("np.cumprod(x)", {"x": F((2, 3), 0.5, 1.5)}), ("np.cumprod(x, axis=1)", {"x": X23}),
        ("np.cumprod(x * (x > -0.3), axis=0)", {"x": X34})),
    one("np.linalg.norm", "g x / ans (2-norm and Frobenius); g sign(x) (1-norm); "
        "g sign(x) at the largest |x| (inf-norm); g u1 v1^T (matrix 2-norm)",
        ("np.linalg.norm(x)", {"x": X4}), ("np.linalg.norm(x)", {"x": X23}),
        ("np.linalg.norm(x, axis=1)", {"x": X23}), ("np.linalg.norm(x, 1)", {"x": X4}),
        ("np.linalg.norm(x, np.inf)", {"x": X4}), ("np.linalg.norm(x, 2)", {"x": X34}),
        ("np.linalg.norm(x, axis=0, keepdims=True)", {"x": X23}),
        notes="0 where the norm is 0"),
    one("np.trace", "g on the diagonal", ("np.trace(x)", {"x": X34}),
        ("np.trace(x, 1)", {"x": X34}), ("np.trace(x, offset=-1, axis1=1, axis2=2)",
                                          {"x": X234})),
    one("np.diff", "minus the differences of g padded with zeros, n times",
        ("np.diff(x)", {"x": X4}), ("np.diff(x, 2)", {"x": F(5)}),
        ("np.diff(x, axis=0)", {"x": X34})),
]

# ---------------------------------------------------------------- shapes

SHAPE = [
    one("np.reshape", "g reshaped back", ("np.reshape(x, (3, 2))", {"x": X23}),
        ("np.reshape(x, -1)", {"x": X23})),
    one("np.ravel", "g reshaped back", ("np.ravel(x)", {"x": X23})),
    one("np.transpose", "g transposed back", ("np.transpose(x)", {"x": X23}),
        ("np.transpose(x, (1, 2, 0))", {"x": X234})),
    one("np.swapaxes", "g with the axes swapped back", ("np.swapaxes(x, 0, 2)", {"x": X234})),
    one("np.moveaxis", "g with the axis moved back", ("np.moveaxis(x, 0, -1)", {"x": X234})),
    one("np.expand_dims", "g reshaped back", ("np.expand_dims(x, 1)", {"x": X23})),
    one("np.squeeze", "g reshaped back", ("np.squeeze(x)", {"x": F((2, 1, 3))}),
        ("np.squeeze(x, axis=1)", {"x": F((2, 1, 3))})),
    one("np.atleast_1d", "g reshaped back", ("np.atleast_1d(x)", {"x": F(())})),
    one("np.atleast_2d", "g reshaped back", ("np.atleast_2d(x)", {"x": X4})),
    one("np.atleast_3d", "g reshaped back", ("np.atleast_3d(x)", {"x": X23})),
    one("np.broadcast_to", "g summed over the broadcast axes",
        ("np.broadcast_to(x, (2, 3))", {"x": F(3)}),
        ("np.broadcast_to(x, (2, 3, 4))", {"x": F((3, 1))})),
    one("np.concatenate", "g split into the pieces",
        ("np.concatenate([x, y])", {"x": X4, "y": F(2)}),
        ("np.concatenate((x, y), axis=1)", {"x": X23, "y": F((2, 2))})),
    one("np.stack", "g split along the new axis", ("np.stack([x, y])", {"x": X4, "y": X4}),
        ("np.stack([x, y], axis=1)", {"x": X23, "y": X23})),
    one("np.hstack", "g split into the pieces", ("np.hstack([x, y])", {"x": X4, "y": F(2)}),
        ("np.hstack((x, y))", {"x": X23, "y": F((2, 1))})),
    one("np.vstack", "g split into the pieces (1-D pieces are rows)",
        ("np.vstack([x, y])", {"x": F(3), "y": X23})),
    one("np.column_stack", "g split into the pieces (1-D pieces are columns)",
        ("np.column_stack([x, y])", {"x": F(2), "y": X23})),
    one("np.dstack", "g split into the pieces", ("np.dstack([x, y])", {"x": X23, "y": X23})),
    one("np.split", "the pieces' cotangents concatenated",
        ("np.split(x, 2)[1] * 2.0", {"x": X4}),
        ("", {"x": X34}, None, "a, b = np.split(x, [1], axis=1)\nr = b * a"),
        ),
    one("np.array_split", "the pieces' cotangents concatenated",
        ("np.array_split(x, 3)[0]", {"x": F(5)}),
        ("", {"x": F(5)}, None, "a, b = np.array_split(x, 2)\nr = a[:2] * b")),
    one("np.hsplit", "the pieces' cotangents concatenated",
        ("", {"x": F((2, 4))}, None, "a, b = np.hsplit(x, 2)\nr = a * b")),
    one("np.vsplit", "the pieces' cotangents concatenated",
        ("", {"x": F((4, 2))}, None, "a, b = np.vsplit(x, 2)\nr = a * b")),
    one("np.dsplit", "the pieces' cotangents concatenated",
        ("", {"x": F((2, 2, 4))}, None, "a, b = np.dsplit(x, [1])\nr = a * b[..., :1]")),
    one("np.tile", "the tiles of g summed", ("np.tile(x, 2)", {"x": X4}),
        ("np.tile(x, (2, 1, 2))", {"x": X23})),
    one("np.repeat", "g summed over the repeats", ("np.repeat(x, 2)", {"x": X23}),
        ("np.repeat(x, [1, 2, 3], axis=1)", {"x": X23})),
    one("np.flip", "g flipped back", ("np.flip(x)", {"x": X23}), ("np.flip(x, 1)", {"x": X23})),
    one("np.fliplr", "g flipped back", ("np.fliplr(x)", {"x": X23})),
    one("np.flipud", "g flipped back", ("np.flipud(x)", {"x": X23})),
    one("np.roll", "g rolled back", ("np.roll(x, 2)", {"x": X4}),
        ("np.roll(x, (1, 2), axis=(0, 1))", {"x": X34})),
    one("np.rot90", "g rotated back", ("np.rot90(x)", {"x": X23}),
        ("np.rot90(x, 3, axes=(1, 2))", {"x": X234})),
    one("np.pad", "the middle of g (constant mode)", ("np.pad(x, 2)", {"x": X4}),
        ("np.pad(x, ((1, 0), (2, 1)))", {"x": X23})),
    one("np.diag", "the diagonal of g (vector input); g on the diagonal (matrix input)",
        ("np.diag(x)", {"x": F(3)}), ("np.diag(x, 1)", {"x": F(3)}),
        ("np.diag(x)", {"x": X34}), ("np.diag(x, -1)", {"x": X34})),
    one("np.diagflat", "the diagonal of g, reshaped", ("np.diagflat(x)", {"x": F((2, 2))}),
        ("np.diagflat(x, 1)", {"x": F(3)})),
    one("np.diagonal", "g on that diagonal", ("np.diagonal(x)", {"x": X34}),
        ("np.diagonal(x, 1, 0, 2)", {"x": X234})),
    one("np.tril", "tril(g)", ("np.tril(x)", {"x": X34}), ("np.tril(x, -1)", {"x": X34})),
    one("np.triu", "triu(g)", ("np.triu(x)", {"x": X34}), ("np.triu(x, 1)", {"x": X34})),
    one("np.append", "g cut at the end of the first array",
        ("np.append(x, y)", {"x": X23, "y": F(2)}),
        ("np.append(x, y, axis=0)", {"x": X23, "y": F((1, 3))})),
    one("np.copy", "g", ("np.copy(x)", {"x": X23})),
    one("np.array", "g (the entries of a nested list get their parts)",
        ("np.array(x)", {"x": X23}), ("np.array([x, y * 2.0])", {"x": F(()), "y": F(())}),
        ("np.array([[x, y], [y, x]])", {"x": F(()), "y": F(())}),
        ("np.array([x, y])", {"x": F(3), "y": F(3)})),
    one("np.asarray", "g", ("np.asarray(x)", {"x": X23}),
        ("np.asarray([x, y])", {"x": F(()), "y": F(())})),
    one("np.asanyarray", "g", ("np.asanyarray(x)", {"x": X23})),
    one("np.ascontiguousarray", "g", ("np.ascontiguousarray(x.T)", {"x": X23})),
    one("np.matrix_transpose", "g with the last two axes swapped back",
        ("np.matrix_transpose(x)", {"x": X234})),
    one("np.linalg.matrix_transpose", "g with the last two axes swapped back",
        ("np.linalg.matrix_transpose(x)", {"x": X23})),
    one("np.meshgrid", "each input gets its part of g summed over the other axes",
        ("", {"x": F(3), "y": F(2)}, None, "a, b = np.meshgrid(x, y)\nr = a * b ** 2"),
        ("", {"x": F(3), "y": F(2)}, None,
         "a, b = np.meshgrid(x, y, indexing='ij')\nr = np.sin(a) * b")),
]

# ---------------------------------------------------------------- products

PRODUCTS = [
    one("np.dot", "g @ b.T, a.T @ g", ("np.dot(x, y)", {"x": X23, "y": X34}),
        ("np.dot(x, y)", {"x": X4, "y": X4}), ("np.dot(x, y)", {"x": F(3), "y": X34}),
        ("np.dot(x, y)", {"x": F(()), "y": X23})),
    one("np.matmul", "g @ b.T, a.T @ g (batched)", ("np.matmul(x, y)", {"x": X23, "y": X34}),
        ("np.matmul(x, y)", {"x": X234, "y": F((4, 2))}),
        ("np.matmul(x, y)", {"x": F(3), "y": X34})),
    one("np.vdot", "g b, g a (flattened)", ("np.vdot(x, y)", {"x": X23, "y": X23})),
    one("np.vecdot", "g b, g a along the axis", ("np.vecdot(x, y)", {"x": X23, "y": F(3)}),
        ("np.vecdot(x, y, axis=0)", {"x": X23, "y": X23})),
    one("np.linalg.vecdot", "g b, g a along the axis",
        ("np.linalg.vecdot(x, y)", {"x": X23, "y": X23})),
    one("np.inner", "g contracted with the other operand",
        ("np.inner(x, y)", {"x": X4, "y": X4}), ("np.inner(x, y)", {"x": X23, "y": F((4, 3))})),
    one("np.outer", "g @ b, a @ g", ("np.outer(x, y)", {"x": F(3), "y": X4}),
        ("np.outer(x, y)", {"x": F((2, 2)), "y": F(3)})),
    one("np.tensordot", "g contracted with the other operand over the free axes",
        ("np.tensordot(x, y)", {"x": X234, "y": X34}),
        ("np.tensordot(x, y, axes=1)", {"x": X234, "y": F((4, 2))}),
        ("np.tensordot(x, y, axes=([0], [1]))", {"x": X23, "y": F((4, 2))})),
    one("np.einsum", "an einsum of g with the other operands (repeated indices scatter "
        "onto the diagonal)",
        ("np.einsum('ij,jk->ik', x, y)", {"x": X23, "y": X34}),
        ("np.einsum('ii->', x)", {"x": F((3, 3))}), ("np.einsum('ii->i', x)", {"x": F((3, 3))}),
        ("np.einsum('ij->j', x)", {"x": X23}), ("np.einsum('i,i', x, y)", {"x": X4, "y": X4}),
        ("np.einsum('...ij,...jk', x, y)", {"x": X234, "y": F((2, 4, 2))}),
        ("np.einsum('ij,jk,kl->il', x, y, z)", {"x": X23, "y": X34, "z": F((4, 2))}),
        ("np.einsum('i,j->ij', x, y)", {"x": F(3), "y": F(2)})),
    one("np.kron", "blocks of g contracted with the other operand",
        ("np.kron(x, y)", {"x": F((2, 2)), "y": X23}), ("np.kron(x, y)", {"x": F(3), "y": F(2)})),
    one("np.cross", "cross(b, g), cross(g, a)", ("np.cross(x, y)", {"x": F(3), "y": F(3)}),
        ("np.cross(x, y)", {"x": F((2, 3)), "y": F((2, 3))})),
    one("np.convolve", "g correlated with the other operand",
        ("np.convolve(x, y)", {"x": F(5), "y": F(3)}),
        ("np.convolve(x, y, 'same')", {"x": F(5), "y": F(3)}),
        ("np.convolve(x, y, mode='valid')", {"x": F(5), "y": F(2)})),
    one("np.linalg.multi_dot", "prefix.T @ g @ suffix.T for each matrix",
        ("np.linalg.multi_dot([x, y, z])", {"x": X23, "y": X34, "z": F((4, 2))}),
        ("np.linalg.multi_dot([x, y, z])", {"x": F(3), "y": X34, "z": F(4)})),
]

# ---------------------------------------------------------------- selection

SELECTION = [
    one("np.take", "g added at the taken positions (repeats accumulate)",
        ("np.take(x, [0, 2, 2, 5])", {"x": X23}),
        ("np.take(x, [2, 0, 2], axis=1)", {"x": X34}),
        ("np.take(x, i, axis=0)", {"x": X34, "i": ("int", (4,), 3)})),
    one("np.take_along_axis", "g added at the taken positions",
        ("np.take_along_axis(x, np.argsort(x, axis=1), axis=1)", {"x": X34}),
        ("np.take_along_axis(x, i, axis=0)", {"x": X34, "i": ("int", (2, 4), 3)}),
        ("np.take_along_axis(x, i, None)", {"x": X23, "i": ("int", (5,), 6)})),
    one("np.choose", "g to the chosen array at each position",
        ("np.choose(i, [x, y, 2.0 * x])", {"i": ("int", (2, 3), 3), "x": X23, "y": F(3)})),
    one("np.select", "g to the choice of the first true condition, the rest to the default",
        ("np.select([x > 0.3, x < -0.2], [x ** 2, y], default=x * y)",
         {"x": X23, "y": F(3)}),
        ("np.select([x > 0], [x * 3.0])", {"x": X4})),
    one("np.compress", "g at the kept positions",
        ("np.compress([True, False, True], x, axis=1)", {"x": X23}),
        ("np.compress(c, x)", {"c": ("bool", (6,)), "x": X23})),
    one("np.extract", "g at the kept positions", ("np.extract(x > 0, x * 2.0)", {"x": X23})),
    one("np.sort", "g sent back through the sorting permutation",
        ("np.sort(x)", {"x": X34}), ("np.sort(x, axis=0)", {"x": X34}),
        ("np.sort(x, axis=None)", {"x": X23}),
        notes="tied entries: each gets the cotangent of one of the tied positions"),
    one("np.unique", "each value's cotangent, shared evenly by the entries that hold it",
        ("np.unique(x)", {"x": X23}), ("np.unique(np.concatenate([x, x[::-1]]))", {"x": X4}),
        notes="entries with equal values split the cotangent evenly"),
]

# ---------------------------------------------------------------- linear algebra

LINALG = [
    one("np.linalg.inv", "-A^-T g A^-T", ("np.linalg.inv(x)", {"x": ("mat", 3)})),
    one("np.linalg.det", "g det(A) A^-T", ("np.linalg.det(x)", {"x": ("mat", 3)})),
    one("np.linalg.slogdet", "g[1] A^-T for the log-determinant; the sign has none",
        ("np.linalg.slogdet(x)[1]", {"x": ("mat", 3)})),
    one("np.linalg.solve", "for x = solve(A, b): b gets A^-T g, A gets -(A^-T g) x^T",
        ("np.linalg.solve(x, y)", {"x": ("mat", 3), "y": F(3)}),
        ("np.linalg.solve(x, y)", {"x": ("mat", 3), "y": F((3, 2))})),
    one("np.linalg.pinv", "the full-rank formula of Golub and Pereyra",
        ("np.linalg.pinv(x)", {"x": ("mat", 3)}), ("np.linalg.pinv(x)", {"x": ("rect", 4, 2)})),
    one("np.linalg.cholesky", "Murray's formula L^-T Phi(L^T g) L^-1, on the lower triangle",
        ("np.linalg.cholesky(x)", {"x": ("spd", 3)}),
        ("np.linalg.cholesky(x @ x.T + np.eye(3))", {"x": ("mat", 3)}),
        notes="NumPy reads only the lower triangle of A, so the upper triangle's cotangent is 0"
              " and an off-diagonal entry gets the cotangents of both symmetric positions"),
    one("np.linalg.eigh", "V (diag(gw) + F * (V^T gV)) V^T, F_ij = 1/(w_j - w_i), on the "
        "lower triangle",
        ("", {"x": ("spd", 3)}, None, "w, v = np.linalg.eigh(x)\nr = w"),
        ("", {"x": ("spd", 3)}, None, "w, v = np.linalg.eigh(x)\nr = w[0] * v ** 2"),
        ("np.linalg.eigh(x)[1][:, 2] ** 2", {"x": ("spd", 3)}),
        ("", {"x": ("mat", 3)}, None, "w, v = np.linalg.eigh(x + x.T)\nr = w + v[0] ** 2"),
        notes="eigenvectors need distinct eigenvalues; NumPy reads the UPLO triangle"),
    one("np.linalg.eigvalsh", "V diag(g) V^T, on the lower triangle",
        ("np.linalg.eigvalsh(x)", {"x": ("spd", 3)})),
    one("np.linalg.qr", "for A = QR (reduced, m >= n): (gQ + Q copyltu(M)) R^-T, "
        "M = R gR^T - gQ^T Q",
        ("", {"x": ("mat", 3)}, None, "q, r = np.linalg.qr(x)\nout = q * r"),
        ("", {"x": ("rect", 4, 3)}, None, "q, r = np.linalg.qr(x)\nout = np.sum(q) + r"),
        ("np.linalg.qr(x)[1]", {"x": ("rect", 4, 2)})),
    one("np.linalg.svd", "U (F-terms + diag(gs)) V^T plus projections (reduced); "
        "U diag(g) V^T for the singular values alone",
        ("np.linalg.svd(x, compute_uv=False)", {"x": ("rect", 4, 3)}),
        ("", {"x": ("rect", 4, 3)}, None,
         "u, s, vh = np.linalg.svd(x, full_matrices=False)\nr = np.sum(u ** 2 * s) + vh ** 2"),
        ("", {"x": ("rect", 2, 3)}, None,
         "u, s, vh = np.linalg.svd(x, full_matrices=False)\n"
         "r = np.sum(s[0] * u ** 2) + vh[1] ** 2"),
        ("", {"x": ("mat", 3)}, None, "u, s, vh = np.linalg.svd(x)\nr = u ** 2 + vh ** 2 * s"),
        notes="singular vectors need distinct nonzero singular values; full_matrices=True "
              "only for square matrices"),
    one("np.linalg.matrix_power", "sum over k of (A^T)^k g (A^T)^(n-1-k)",
        ("np.linalg.matrix_power(x, 3)", {"x": ("mat", 3)}),
        ("np.linalg.matrix_power(x, 0)", {"x": ("mat", 2)}),
        ("np.linalg.matrix_power(x, -2)", {"x": ("mat", 3)})),
    one("np.linalg.lstsq", "x = pinv(A) b for A of full column rank; also the residuals and "
        "the singular values",
        ("np.linalg.lstsq(x, y, rcond=None)[0]", {"x": ("rect", 5, 3), "y": F(5)}),
        ("np.linalg.lstsq(x, y, rcond=None)[0]", {"x": ("rect", 5, 3), "y": F((5, 2))}),
        ("", {"x": ("rect", 5, 2), "y": F(5)}, None,
         "sol, res, rank, sv = np.linalg.lstsq(x, y, rcond=None)\nr = sol * res[0] + sv[1]")),
]

# ---------------------------------------------------------------- methods and attributes


def meth(name, formula, *cases, notes=""):
    return one("." + name, formula, *cases, notes=notes)


METHODS = [
    reduction(".sum", "g broadcast back", method=True, tuple_axes=True),
    reduction(".mean", "g / n broadcast back", method=True),
    reduction(".max", "g to the largest entries", method=True, notes=KINK_RED),
    reduction(".min", "g to the smallest entries", method=True, notes=KINK_RED),
    reduction(".prod", "as np.prod", method=True, lo=0.5, hi=1.5),
    more(reduction(".var", "as np.var", method=True, axes=(None, 1)),
         ("x.var(ddof=1)", {"x": X23}), ("x.var(0, ddof=1)", {"x": X34})),
    more(reduction(".std", "as np.std", method=True, axes=(None, 0)),
         ("x.std(ddof=1)", {"x": X23}), ("x.std(axis=1, ddof=1)", {"x": X34})),
    meth("dot", "as np.dot", ("x.dot(y)", {"x": X23, "y": X34}), ("x.dot(y)", {"x": X4, "y": X4})),
    meth("reshape", "g reshaped back", ("x.reshape(3, 2)", {"x": X23}),
         ("x.reshape((-1,))", {"x": X23})),
    meth("ravel", "g reshaped back", ("x.ravel()", {"x": X23})),
    meth("flatten", "g reshaped back", ("x.flatten()", {"x": X23})),
    meth("transpose", "g transposed back", ("x.transpose()", {"x": X23}),
         ("x.transpose(2, 0, 1)", {"x": X234})),
    meth("squeeze", "g reshaped back", ("x.squeeze()", {"x": F((1, 3))})),
    meth("copy", "g", ("x.copy()", {"x": X23})),
    meth("astype", "g", ("x.astype(float)", {"x": X23})),
    meth("clip", "as np.clip", ("x.clip(-0.5, 0.5)", {"x": X23}),
         ("x.clip(0.0)", {"x": X23}), ("x.clip(lo, 0.5)", {"x": X23, "lo": F((), -1.0, 0.0)})),
    meth("item", "g at that entry", ("x.item(2) * 3.0", {"x": X4}),
         ("x.item(1, 2)", {"x": X23}), ("x.item()", {"x": F(1)})),
    meth("tolist", "the list of cotangents as an array", ("np.array(x.tolist())", {"x": X23})),
    meth("cumsum", "reversed cumulative sum of g", ("x.cumsum()", {"x": X23}),
         ("x.cumsum(axis=1)", {"x": X23})),
    meth("cumprod", "as np.cumprod", ("x.cumprod()", {"x": X4}), ("x.cumprod(0)", {"x": X23})),
    meth("swapaxes", "g with the axes swapped back", ("x.swapaxes(0, 1)", {"x": X23})),
    meth("trace", "g on the diagonal", ("x.trace()", {"x": X34}), ("x.trace(1)", {"x": X34})),
    meth("diagonal", "g on the diagonal", ("x.diagonal()", {"x": X34}),
         ("x.diagonal(-1)", {"x": X34})),
    meth("repeat", "g summed over the repeats", ("x.repeat(2)", {"x": X4}),
         ("x.repeat(2, axis=0)", {"x": X23})),
    meth("take", "g added at the taken positions", ("x.take([1, 1, 3])", {"x": X4}),
         ("x.take([0, 2], axis=1)", {"x": X23})),
    meth("conj", "conj(g)", ("x.conj()", {"x": X23})),
    meth("conjugate", "conj(g)", ("x.conjugate()", {"x": X23})),
]

ATTRIBUTES = [
    one("attr:.T", "g.T", ("x.T", {"x": X23}), ("x.T @ x", {"x": X23})),
]

ENTRIES = OPERATORS + BUILTINS + MATH + ELEMENTWISE + REDUCTIONS + SHAPE + PRODUCTS + \
    SELECTION + LINALG + METHODS + ATTRIBUTES

for _group, _entries in [("Operators", OPERATORS), ("Python builtins", BUILTINS),
                         ("math module", MATH), ("NumPy elementwise", ELEMENTWISE),
                         ("NumPy reductions", REDUCTIONS), ("NumPy shapes and constructors", SHAPE),
                         ("NumPy products", PRODUCTS), ("NumPy selection", SELECTION),
                         ("NumPy linear algebra", LINALG), ("Array methods", METHODS),
                         ("Array attributes", ATTRIBUTES)]:
    for _e in _entries:
        _e.group = _group

# ---------------------------------------------------------------- no derivative
# Each case uses the function on a differentiated input; the derivative must match
# finite differences, that is treat the function's output as a constant.

NONDIFF = [
    ("operator.floordiv", "x // 0.3 + x", F((2, 3), 0.01, 2.0)),
    ("operator.lt", "(x < 0.2) * x", X23), ("operator.le", "(x <= 0.2) * x", X23),
    ("operator.gt", "(x > 0.2) * x", X23), ("operator.ge", "(x >= 0.2) * x", X23),
    ("operator.eq", "(x == 0.2) + x", X23), ("operator.ne", "(x != 0.2) * x", X23),
    ("operator.not_", "(not x > 0.2) * x", F(())), ("operator.invert", "~(x > 0.2) * x", X23),
    ("builtins.len", "x * len(x)", X23), ("builtins.range", "x * len(range(3))", X4),
    ("builtins.int", "x * int(x * 3.0)", F((), 0.1, 0.9)),
    ("builtins.bool", "x * bool(x > 0.2)", F(())), ("builtins.round", "x + round(x * 3.0)", F(())),
    ("builtins.isinstance", "x * isinstance(x, float)", F(())),
    ("builtins.print", "x", X4, "print(x.shape)"),
    ("builtins.enumerate", "s", X4, "s = 0.0\nfor i, v in enumerate(x):\n    s = s + v * i"),
    ("builtins.zip", "s", X4, "s = 0.0\nfor v, w in zip(x, x[::-1]):\n    s = s + v * w"),
    ("builtins.str", "x * len(str(x > 0))", X4), ("builtins.repr", "x * len(repr(x > 0))", X4),
    ("builtins.format", "x * len(format(x > 0))", F(())),
    ("builtins.type", "x * (type(x) is float)", F(())),
    ("math.floor", "x + math.floor(x * 3.0)", F(())),
    ("math.ceil", "x + math.ceil(x * 3.0)", F(())),
    ("math.trunc", "x + math.trunc(x * 3.0)", F(())),
    ("math.isnan", "x * math.isnan(x)", F(())), ("math.isinf", "x * math.isinf(x)", F(())),
    ("math.isfinite", "x * math.isfinite(x)", F(())),
    ("math.copysign", "x * math.copysign(1.0, x)", F(())),
    ("tl.stop_gradient", "x * tl.stop_gradient(x > 0.0)", X4),
    ("np.sign", "x * np.sign(x)", X23, "", "derivative 0 (piecewise constant)"),
    ("np.floor", "x + np.floor(x * 3.0)", X23), ("np.ceil", "x + np.ceil(x * 3.0)", X23),
    ("np.round", "x + np.round(x * 3.0)", X23), ("np.around", "x + np.around(x * 3.0)", X23),
    ("np.rint", "x + np.rint(x * 3.0)", X23), ("np.trunc", "x + np.trunc(x * 3.0)", X23),
    ("np.fix", "x + np.fix(x * 3.0)", X23), ("np.heaviside", "x * np.heaviside(x, 0.5)", X23),
    ("np.signbit", "x * np.signbit(x)", X23),
    ("np.argmax", "x * np.argmax(x)", X23), ("np.argmin", "x * np.argmin(x)", X23),
    ("np.argsort", "x * np.argsort(x)", X23), ("np.argpartition", "x * np.argpartition(x, 1)", X4),
    ("np.lexsort", "x * np.lexsort((x, x))", X4),
    ("np.shape", "x * np.shape(x)[1]", X23), ("np.size", "x * np.size(x)", X23),
    ("np.ndim", "x * np.ndim(x)", X23),
    ("np.zeros", "x + np.zeros(np.shape(x))", X23), ("np.ones", "x * np.ones((2, 3))", X23),
    ("np.zeros_like", "x + np.zeros_like(x)", X23), ("np.ones_like", "x * np.ones_like(x)", X23),
    ("np.empty", "x + 0.0 * np.size(np.empty(3))", X23),
    ("np.empty_like", "x * np.size(np.empty_like(x))", X23),
    ("np.eye", "x @ np.eye(3)", X23), ("np.identity", "x @ np.identity(3)", X23),
    ("np.arange", "x * np.arange(3.0)", X23), ("np.linspace", "x * np.linspace(0, 1, 3)", X23),
    ("np.full", "x * np.full(3, 2.0)", X23), ("np.full_like", "x * np.full_like(x, 2.0)", X23),
    ("np.tri", "x * np.tri(2, 3)", X23),
    ("np.isnan", "x * np.isnan(x)", X23), ("np.isfinite", "x * np.isfinite(x)", X23),
    ("np.isinf", "x * np.isinf(x)", X23), ("np.isposinf", "x * np.isposinf(x)", X23),
    ("np.isneginf", "x * np.isneginf(x)", X23),
    ("np.greater", "x * np.greater(x, 0.2)", X23), ("np.less", "x * np.less(x, 0.2)", X23),
    ("np.greater_equal", "x * np.greater_equal(x, 0.2)", X23),
    ("np.less_equal", "x * np.less_equal(x, 0.2)", X23),
    ("np.equal", "x + np.equal(x, 0.2)", X23), ("np.not_equal", "x * np.not_equal(x, 0.2)", X23),
    ("np.logical_and", "x * np.logical_and(x > 0, x < 0.5)", X23),
    ("np.logical_or", "x * np.logical_or(x > 0.5, x < 0)", X23),
    ("np.logical_xor", "x * np.logical_xor(x > 0.5, x < 0)", X23),
    ("np.logical_not", "x * np.logical_not(x > 0)", X23),
    ("np.any", "x * np.any(x > 0.9)", X23), ("np.all", "x * np.all(x > -2)", X23),
    ("np.count_nonzero", "x * np.count_nonzero(x > 0)", X23),
    ("np.floor_divide", "x + np.floor_divide(x, 0.3)", X23),
    ("np.nonzero", "x[np.nonzero(x > 0)] * np.size(np.nonzero(x > 0)[0])", X23),
    ("np.flatnonzero", "x * np.size(np.flatnonzero(x > 0))", X23),
    ("np.argwhere", "x * len(np.argwhere(x > 0))", X23),
    ("np.searchsorted", "x * np.searchsorted(np.sort(x), 0.1)", X4),
    ("np.digitize", "x * np.digitize(x, [-0.5, 0.0, 0.5])", X4),
    ("np.isclose", "x * np.isclose(x, 0.2)", X4), ("np.allclose", "x * np.allclose(x, x)", X4),
    ("np.array_equal", "x * np.array_equal(x, x)", X4),
    ("np.tril_indices", "x[np.tril_indices(3)]", F((3, 3))),
    ("np.triu_indices", "x[np.triu_indices(3, 1)]", F((3, 3))),
    ("np.diag_indices", "x[np.diag_indices(3)]", F((3, 3))),
    ("np.indices", "x * np.indices((2, 3))[0]", X23),
    ("np.shares_memory", "x * np.shares_memory(x, x)", X4),
]

NONDIFF_METHODS = [
    (".argmax", "x * x.argmax()", X23), (".argmin", "x * x.argmin()", X23),
    (".argsort", "x * x.argsort()", X23), (".nonzero", "x[(x > 0).nonzero()]", X23),
    (".any", "x * (x > 0.9).any()", X23), (".all", "x * (x > -2).all()", X23),
    (".round", "x + (x * 3.0).round()", X23),
    (".searchsorted", "x * np.sort(x).searchsorted(0.1)", X4),
    (".argpartition", "x * x.argpartition(1)", X4),
    (".keys", "x * len(list({'a': 1}.keys()))", X4),
    (".__len__", "x * x.__len__()", X4),
]

NONDIFF_ATTRS = [
    ("attr:.shape", "x * x.shape[0]", X23), ("attr:.ndim", "x * x.ndim", X23),
    ("attr:.size", "x * x.size", X23), ("attr:.dtype", "x * (x.dtype == float)", X23),
    ("attr:.itemsize", "x * x.itemsize", X23), ("attr:.nbytes", "x * x.nbytes", X23),
]

# Fancy and boolean indexing reads, end to end (not rules, but part of the surface).
INDEXING = [
    Case("x[[0, 2, 2]]", {"x": X4}), Case("x[i]", {"x": X4, "i": ("int", (5,), 4)}),
    Case("x[x > 0]", {"x": X23}), Case("x[c]", {"x": X23, "c": ("bool", (2, 3))}),
    Case("x[:, [2, 0, 0]]", {"x": X23}), Case("x[[1, 0], [2, 2]]", {"x": X23}),
    Case("x[c, 1:]", {"x": X23, "c": ("bool", (2,))}), Case("x[1, ::-1]", {"x": X23}),
    Case("x[None, :, 1]", {"x": X23}), Case("x[..., 0]", {"x": X234}),
]

# Values at kinks: (label of the entry, expression, inputs, expected derivative per input).
# These are conventions, not limits, so they are checked against the stated value.
KINKS = [
    ("builtins.abs", "abs(x)", {"x": 0.0}, {"x": 0.0}),
    ("np.abs", "np.abs(x)", {"x": np.array([0.0, -2.0, 3.0])}, {"x": np.array([0.0, -1.0, 1.0])}),
    ("np.fabs", "np.fabs(x)", {"x": np.array([0.0, 1.0])}, {"x": np.array([0.0, 1.0])}),
    ("math.fabs", "math.fabs(x)", {"x": 0.0}, {"x": 0.0}),
    ("np.maximum", "np.maximum(x, y)", {"x": np.array([1.0, 2.0]), "y": np.array([1.0, 0.0])},
     {"x": np.array([0.5, 1.0]), "y": np.array([0.5, 0.0])}),
    ("np.minimum", "np.minimum(x, y)", {"x": np.array([1.0, 2.0]), "y": np.array([1.0, 0.0])},
     {"x": np.array([0.5, 0.0]), "y": np.array([0.5, 1.0])}),
    ("np.fmax", "np.fmax(x, y)", {"x": np.array([1.0, np.nan]), "y": np.array([1.0, 3.0])},
     {"x": np.array([0.5, 0.0]), "y": np.array([0.5, 1.0])}),
    ("np.fmin", "np.fmin(x, y)", {"x": np.array([1.0, 2.0]), "y": np.array([1.0, np.nan])},
     {"x": np.array([0.5, 1.0]), "y": np.array([0.5, 0.0])}),
    ("builtins.max", "max(x, y)", {"x": 1.0, "y": 1.0}, {"x": 0.5, "y": 0.5}),
    ("builtins.min", "min(x, y)", {"x": 1.0, "y": 1.0}, {"x": 0.5, "y": 0.5}),
    ("np.max", "np.max(x)", {"x": np.array([3.0, 1.0, 3.0])}, {"x": np.array([0.5, 0.0, 0.5])}),
    ("np.min", "np.min(x, axis=0)", {"x": np.array([[1.0, 2.0], [1.0, 3.0]])},
     {"x": np.array([[0.5, 1.0], [0.5, 0.0]])}),
    ("np.ptp", "np.ptp(x)", {"x": np.array([3.0, 1.0, 3.0])}, {"x": np.array([0.5, -1.0, 0.5])}),
    ("np.nanmax", "np.nanmax(x)", {"x": np.array([3.0, np.nan, 1.0])},
     {"x": np.array([1.0, 0.0, 0.0])}),
    ("np.nansum", "np.nansum(x)", {"x": np.array([3.0, np.nan])}, {"x": np.array([1.0, 0.0])}),
    ("np.nanmean", "np.nanmean(x)", {"x": np.array([3.0, np.nan])}, {"x": np.array([1.0, 0.0])}),
    ("np.sqrt", "np.sqrt(x)", {"x": np.array([0.0, 4.0])}, {"x": np.array([np.inf, 0.25])}),
    ("np.where", "np.where(x > 0, np.sqrt(x), 0.0)", {"x": np.array([-1.0, 0.0, 4.0])},
     {"x": np.array([0.0, 0.0, 0.25])}),
    ("np.clip", "np.clip(x, 0.0, 1.0)", {"x": np.array([0.0, 1.0, 2.0])},
     {"x": np.array([1.0, 1.0, 0.0])}),
    ("np.linalg.norm", "np.linalg.norm(x)", {"x": np.zeros(3)}, {"x": np.zeros(3)}),
    ("np.sinc", "np.sinc(x)", {"x": np.array([0.0])}, {"x": np.array([0.0])}),
    ("np.unique", "np.unique(x)", {"x": np.array([2.0, 1.0, 2.0])},
     {"x": np.array([0.5, 1.0, 0.5])}),
    ("np.median", "np.median(x)", {"x": np.array([3.0, 1.0, 2.0, 5.0])},
     {"x": np.array([0.5, 0.0, 0.5, 0.0])}),
    ("np.prod", "np.prod(x)", {"x": np.array([0.0, 2.0, 3.0])}, {"x": np.array([6.0, 0.0, 0.0])}),
    ("np.cumprod", "np.sum(np.cumprod(x))", {"x": np.array([2.0, 0.0, 3.0])},
     {"x": np.array([1.0, 2.0 + 6.0, 0.0])}),
    ("np.sign", "np.sign(x) * 3.0", {"x": np.array([0.0, 1.0])}, {"x": np.array([0.0, 0.0])}),
    ("np.round", "np.round(x)", {"x": np.array([0.5, 1.0])}, {"x": np.array([0.0, 0.0])}),
]


def make_input(spec, rng):
    """An input value drawn from ``spec`` (see the module docstring)."""
    kind = spec[0]
    if kind == "mat":
        n = spec[1]
        return rng.normal(size=(n, n)) * 0.4 + 2.0 * np.eye(n)
    if kind == "spd":
        n = spec[1]
        a = rng.normal(size=(n, n))
        s = a @ a.T + n * np.eye(n)
        return np.tril(s) + np.triu(rng.normal(size=(n, n)), 1)
    if kind == "rect":
        m, n = spec[1], spec[2]
        a = rng.normal(size=(m, n))
        a[:min(m, n), :min(m, n)] += 2.0 * np.eye(min(m, n))
        return a
    if kind == "int":
        return rng.integers(0, spec[2], size=spec[1])
    if kind == "bool":
        return rng.random(spec[1]) > 0.5
    shape, lo, hi = spec
    if shape == ():
        return float(rng.uniform(lo, hi))
    return rng.uniform(lo, hi, size=shape)


def is_float_spec(spec):
    return spec[0] not in ("int", "bool")
