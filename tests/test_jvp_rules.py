"""Every reverse-mode rule has a forward-mode twin, and the two agree.

The sweep runs over the whole rule table (functions and methods).  For each rule,
on seeded random inputs in the function's domain (several shapes, broadcasting,
axis/keepdims variants), the forward template is called directly as a Python
function to get ``J u`` and the reverse template to get ``J^T v``; the test checks

* ``J u`` against a central finite difference of the primal in float64 (a
  fourth-order stencil: the independent oracle), and
* the dot-product identity ``<v, J u> == <J^T v, u>``.

A reverse rule without a forward rule, or without cases here, fails the sweep:
adding a rule to ``core.py`` means adding its forward rule and its cases.
Cases marked ``fd=False`` sit on a kink (ties, zeros) where the finite
difference is meaningless; there the forward and reverse conventions must agree.
"""

import builtins
import inspect
import math
import operator
import textwrap

import gast
import numpy as np
import pytest

from jvp_table_cases import add_table_cases
from tangent_lite.rules.registry import all_jvp_rules, all_vjp_rules
from tangent_lite.runtime import unbroadcast

VJP, METHOD_VJP = all_vjp_rules()
JVP, METHOD_JVP = all_jvp_rules()

RNG = np.random.default_rng(20261201)


class Case:
    def __init__(self, args, kwargs, nondiff=(), fd=True):
        self.args, self.kwargs, self.nondiff, self.fd = args, kwargs, set(nondiff), fd

    def __repr__(self):
        shapes = [np.shape(a) if isinstance(a, np.ndarray) else a for a in self.args]
        return f"args={shapes} kwargs={self.kwargs}"


def C(*args, nondiff=(), fd=True, **kwargs):
    return Case(args, kwargs, nondiff, fd)


def r(*shape, lo=-1.0, hi=1.0):
    """Uniform random values: a Python float without a shape, else an array."""
    if not shape:
        return float(RNG.uniform(lo, hi))
    return RNG.uniform(lo, hi, shape)


def pos(*shape):
    return r(*shape, lo=0.5, hi=2.0)


def away(*shape, gap=0.2):
    """Random values at least ``gap`` away from 0 (for abs, sign, sinc...)."""
    v = r(*shape, lo=gap, hi=1.5)
    s = RNG.choice([-1.0, 1.0], size=np.shape(v))
    return float(v * s) if not shape else v * s


def distinct(*shape):
    """Entries at least 0.1 apart, in random order (reductions without ties)."""
    n = int(np.prod(shape))
    v = RNG.permutation(np.arange(n) * 0.1 - 0.05 * n + r(lo=-0.02, hi=0.02))
    return v.reshape(shape)


def apart(x, gap=0.15):
    """Values at least ``gap`` away from those of ``x``, above or below at random."""
    s = RNG.choice([-1.0, 1.0], size=np.shape(x))
    return x + s * RNG.uniform(gap, 1.0, np.shape(x))


def well(n, batch=()):
    """A well-conditioned square matrix (or a batch of them)."""
    return np.eye(n) * 2.0 + 0.3 * RNG.standard_normal(batch + (n, n))


def mod_pair(*shape):
    """``(x, y)`` with ``x / y`` away from integers, so ``x % y`` is smooth there."""
    y = pos(*shape) if shape else pos()
    k = RNG.integers(-3, 3, shape) if shape else int(RNG.integers(-3, 3))
    frac = RNG.uniform(0.2, 0.8, shape) if shape else float(RNG.uniform(0.2, 0.8))
    return (k + frac) * y, y


def binary(fn_x=r, fn_y=r):
    """Same shapes, broadcasting both ways, and scalars."""
    return [C(fn_x(3), fn_y(3)), C(fn_x(2, 3), fn_y(2, 3)), C(fn_x(2, 3), fn_y(3)),
            C(fn_x(4, 1), fn_y(1, 3)), C(fn_x(), fn_y(2, 2)), C(fn_x(2, 1, 3), fn_y())]


def unary(fn=r):
    return [C(fn()), C(fn(4)), C(fn(2, 3))]


def scalar(fn=r):
    return [C(fn()), C(fn())]


def reductions(make, extra=None):
    """Reduction cases: axis None / int / negative / tuple, keepdims both ways."""
    extra = extra or {}
    out = [C(make(5), **extra), C(make(2, 3), **extra)]
    for axis in (0, 1, -1):
        for keepdims in (False, True):
            out.append(C(make(2, 3, 4), axis=axis, keepdims=keepdims, **extra))
    out.append(C(make(3, 4), keepdims=True, **extra))
    return out


def tie_pair():
    x = r(5)
    y = apart(x)
    y[[1, 3]] = x[[1, 3]]
    return x, y


def tied(*shape):
    x = distinct(*shape)
    x.flat[0] = x.flat[-1] = np.max(x)  # a tie of the maximum
    x.flat[1] = x.flat[2] = np.min(x)  # and of the minimum
    return x


CASES = {}


def cases(*keys):
    def add(fn):
        for k in keys:
            assert k not in CASES, f"cases for {k} given twice"
            CASES[k] = fn()
        return fn
    return add

# ---------------------------------------------------------------- elementwise


@cases(operator.add, operator.sub, operator.mul, np.add, np.subtract, np.multiply)
def _():
    return binary()


@cases(operator.truediv, np.divide)
def _():
    return binary(r, away)


@cases(operator.pow, builtins.pow, np.power)
def _():
    # (a negative base with a real-zero exponent tangent gives 0 * log(x) = NaN, as in
    # JAX; compiled code folds the symbolic zero of a constant exponent away)
    return binary(pos, r) + [C(pos(3), 2), C(pos(2, 3), 3), C(0.0, 2.0, nondiff=[1]),
                             C(pos(2, 2), 0.5)]


@cases(operator.mod, np.remainder, np.fmod)
def _():
    x, y = mod_pair(4)
    return [C(*mod_pair(4)), C(*mod_pair(2, 3)), C(*mod_pair()), C(-x, y), C(x, -y)]


@cases(operator.neg, operator.pos, np.negative, np.exp, np.expm1, np.sin, np.cos, np.tan,
       np.arctan, np.sinh, np.cosh, np.tanh, np.square, np.arcsinh, np.exp2, np.deg2rad,
       np.radians, np.rad2deg, np.degrees)
def _():
    return unary()


@cases(builtins.float)
def _():
    return [C(r()), C(np.float64(r())), C(np.array(r()))]


@cases(np.cbrt, np.reciprocal)
def _():
    return unary(away)


@cases(np.sinc)
def _():
    return unary() + [C(np.array([0.0, 0.5, -1.2]))]


@cases(builtins.abs, np.abs, np.fabs)
def _():
    return unary(away) + [C(np.array([0.0, 1.0, -2.0]), fd=False)]


@cases(math.fabs)
def _():
    return scalar(away) + [C(0.0, fd=False)]


@cases(np.log, np.log2, np.log10, np.sqrt)
def _():
    return unary(pos)


@cases(np.log1p)
def _():
    return unary(lambda *s: r(*s, lo=-0.5, hi=2.0))


@cases(np.arcsin, np.arccos, np.arctanh)
def _():
    return unary(lambda *s: r(*s, lo=-0.8, hi=0.8))


@cases(np.arccosh)
def _():
    return unary(lambda *s: r(*s, lo=1.5, hi=3.0))


@cases(np.arctan2, np.hypot, np.logaddexp)
def _():
    return binary(away, away)


@cases(np.maximum, np.minimum)
def _():
    x = r(2, 3)
    return [C(x, apart(x)), C(x[0], apart(np.broadcast_to(x[0], (2, 3)))),
            C(r(4, 1), r(1, 3) + 3.0), C(*tie_pair(), fd=False), C(x, x, fd=False)]


@cases(np.where)
def _():
    c = RNG.random((2, 3)) > 0.5
    return [C(c, r(2, 3), r(2, 3)), C(c, r(3), r(2, 1)), C(c[0], r(3), r())]


@cases(np.clip)
def _():
    x = r(3, 4) * 2.0
    x[np.abs(np.abs(x) - 1.0) < 0.1] = 0.0
    x2 = np.where(np.abs(np.abs(x) - 1.85) < 0.15, 2.1 * np.sign(x), x)
    return [C(x, -1.0, 1.0), C(x, -1.0, 1.0, nondiff=[1, 2]), C(x, None, 0.5, nondiff=[1]),
            C(x, -0.5, None, nondiff=[2]), C(x2, r(3, 1, lo=-1.9, hi=-1.8), r(4, lo=1.8, hi=1.9)),
            C(np.array([-1.0, 0.5, 1.0]), -1.0, 1.0, fd=False)]

# ---------------------------------------------------------------- math


@cases(math.exp, math.expm1, math.sin, math.cos, math.tan, math.atan, math.sinh, math.cosh,
       math.tanh, math.erf)
def _():
    return scalar()


@cases(math.log1p, math.log2, math.log10, math.sqrt)
def _():
    return scalar(pos)


@cases(math.log)
def _():
    return [C(pos()), C(pos(), 3.0), C(pos(), pos() + 1.0), C(2.5, 10, nondiff=[1])]


@cases(math.asin, math.acos)
def _():
    return scalar(lambda: r(lo=-0.8, hi=0.8))


@cases(math.atan2, math.hypot)
def _():
    return [C(away(), away()), C(away(), away())]


@cases(math.pow)
def _():
    return [C(pos(), r()), C(pos(), 3.0), C(-1.5, 3.0, nondiff=[1]), C(-2.0, 2.0, fd=False)]

# ---------------------------------------------------------------- builtins


@cases(builtins.list, builtins.tuple)
def _():
    return [C(r(3, 2)), C([r(), r(), r()]), C([r(2), r(2)]), C(r(4))]


@cases(builtins.sum)
def _():
    return [C([r(), r(), r()]), C([r(3), r(3)]), C(r(4, 2)), C([r(2), r(2)], r(2)),
            C([r(), r()], 1.5)]


@cases(builtins.max, builtins.min)
def _():
    a = r()
    return [C(a, apart(a)), C(a, a + 0.3, a - 0.4), C(a - 0.2, a, a + 0.5),
            C([float(e) for e in distinct(3)]),
            C(distinct(4)), C(a, a, fd=False), C(a, a, apart(a), fd=False),
            C([a, a, 2.0], fd=False)]

# ---------------------------------------------------------------- reductions


@cases(np.sum, np.mean, np.average)
def _():
    return reductions(r) + [C(r(2, 3, 4), axis=(0, 2))]


@cases(np.max, np.amax, np.min, np.amin)
def _():
    return (reductions(distinct) + [C(tied(3, 4), fd=False), C(tied(3, 4), axis=1, fd=False),
                                    C(tied(3, 4), axis=0, keepdims=True, fd=False)])


@cases(np.prod)
def _():
    z = r(3, 4)
    z[1, 2] = 0.0
    zz = r(3, 4)
    zz[0, 1] = zz[0, 3] = zz[2, 2] = 0.0
    return ([C(r(5)), C(r(2, 3))]
            + [C(r(2, 3, 4), axis=a, keepdims=k) for a in (0, 1, -1) for k in (False, True)]
            + [C(z), C(z, axis=0), C(z, axis=1, keepdims=True), C(zz), C(zz, axis=1),
               C(zz, axis=0)])


@cases(np.var, np.std)
def _():
    return reductions(r) + [C(r(6), ddof=1), C(r(3, 4), axis=1, ddof=1),
                            C(r(3, 4), axis=0, ddof=1, keepdims=True)]


@cases(np.trace)
def _():
    return [C(r(3, 3)), C(r(2, 4)), C(r(4, 2)), C(r(3, 4), 1), C(r(2, 3, 4), 0, 0, 2),
            C(r(2, 3, 3), axis1=-2, axis2=-1), C(r(3, 3), offset=-1)]


@cases(np.linalg.norm)
def _():
    v = distinct(5) + RNG.choice([-3.0, 3.0], 5)  # distinct magnitudes, away from 0
    m = r(3, 4)
    return [C(r(5)), C(m), C(v, 1), C(v, 2), C(v, np.inf, nondiff=[1]),
            C(v, -np.inf, nondiff=[1]), C(m, "fro"), C(m, 2), C(m, -2), C(m, axis=0),
            C(m, axis=1, keepdims=True), C(m, None, (0, 1)),
            C(away(3, 4), ord=1, axis=1), C(distinct(3, 4) - 3.0, ord=np.inf, axis=0),
            C(r(3, 4), ord=2, axis=-1), C(r(2, 3, 4), axis=2), C(m, 2, (0, 1)),
            C(m, -2, (1, 0)), C(m, "fro", (0, 1)), C(r(2, 3, 4), None, (1, 2)),
            C(r(2, 3, 4), "fro", (0, 2), keepdims=True), C(m, 2, None, True),
            C(np.zeros(3), fd=False),
            C(np.array([1.0, -1.0, 0.5]), np.inf, nondiff=[1], fd=False)]


@cases(np.cumsum)
def _():
    return [C(r(5)), C(r(2, 3)), C(r(2, 3), 0), C(r(2, 3), axis=1), C(r(2, 3, 2), axis=-1)]

# ---------------------------------------------------------------- products


@cases(np.matmul, operator.matmul)
def _():
    return [C(r(3), r(3)), C(r(2, 3), r(3)), C(r(3), r(3, 4)), C(r(2, 3), r(3, 4)),
            C(r(2, 2, 3), r(3, 4)), C(r(2, 3), r(5, 3, 2)), C(r(5, 2, 3), r(3))]


@cases(np.dot)
def _():
    return [C(r(3), r(3)), C(r(2, 3), r(3)), C(r(3), r(3, 4)), C(r(2, 3), r(3, 4)),
            C(r(), r(3)), C(r(2, 2), r()), C(r(2, 2, 3), r(3, 2)),
            C(r(2, 2, 3), r(2, 3, 2)), C(r(2, 3), r(4, 3, 2)), C(r(2, 1, 3), r(3)),
            C(r(3), r(2, 3, 4))]


@cases(np.outer)
def _():
    return [C(r(3), r(4)), C(r(2), r(2, 2)), C(r(2, 3), r(4))]


@cases(np.inner)
def _():
    return [C(r(3), r(3)), C(r(2, 3), r(4, 3)), C(r(3), r(2, 3)), C(r(2, 2, 3), r(3)),
            C(r(), r(3))]


@cases(np.tensordot)
def _():
    return [C(r(2, 3, 4), r(3, 4, 5)), C(r(2, 3), r(3, 4), 1), C(r(2, 3), r(3, 4), axes=1),
            C(r(2, 3, 4), r(4, 2, 5), axes=([0, 2], [1, 0])), C(r(3, 2), r(2, 4), ([1], [0]))]


@cases(np.kron)
def _():
    return [C(r(2), r(3)), C(r(2, 2), r(3, 2)), C(r(3), r(2, 2)), C(r(2, 3), r(2))]


@cases(np.cross)
def _():
    return [C(r(3), r(3)), C(r(4, 3), r(4, 3)), C(r(3), r(4, 3)), C(r(2, 1, 3), r(4, 3))]


@cases(np.einsum)
def _():
    return [C("ij,jk->ik", r(2, 3), r(3, 4)), C("ii->", r(3, 3)), C("ij->", r(2, 3)),
            C("i,i", r(4), r(4)), C("ij,j->i", r(2, 3), r(3)),
            C("...ij,...jk->...ik", r(2, 2, 3), r(2, 3, 2)),
            C("ij,jk,kl->il", r(2, 3), r(3, 2), r(2, 2)), C("ii->i", r(3, 3)),
            C("ij,ij->ij", r(2, 3), r(2, 3))]

# ---------------------------------------------------------------- shapes


@cases(np.transpose)
def _():
    return [C(r(2, 3)), C(r(2, 3, 4), (1, 0, 2)), C(r(2, 3, 4), axes=(2, 0, 1)),
            C(r(2, 3, 4), (-1, 0, 1)), C(r(2, 3, 4), axes=(1, -1, 0))]


@cases(np.reshape)
def _():
    return [C(r(2, 6), (3, 4)), C(r(2, 3), -1), C(r(4), (2, 2))]


@cases(np.ravel, np.copy, np.atleast_1d, np.atleast_2d)
def _():
    return [C(r(2, 3)), C(r(4)), C(np.array(r()))]


@cases(np.array, np.asarray)
def _():
    return [C(r(2, 3)), C(r(4)), C(np.array(r())), C(r(3), float), C([r(), r()])]


@cases(np.swapaxes)
def _():
    return [C(r(2, 3), 0, 1), C(r(2, 3, 4), 0, 2), C(r(2, 3, 4), -1, 1)]


@cases(np.diag)
def _():
    return [C(r(3)), C(r(3), 1), C(r(3), k=-2), C(r(3, 3)), C(r(3, 4), 1), C(r(4, 3), k=-1)]


@cases(np.flip)
def _():
    return [C(r(4)), C(r(2, 3)), C(r(2, 3), 1), C(r(2, 3, 2), axis=(0, 2))]


@cases(np.roll)
def _():
    return [C(r(5), 2), C(r(2, 3), 1), C(r(2, 3), -1, axis=1), C(r(2, 3), (1, 2), axis=(0, 1))]


@cases(np.tril, np.triu)
def _():
    return [C(r(3, 3)), C(r(3, 4), 1), C(r(4, 3), k=-1)]


@cases(np.broadcast_to)
def _():
    return [C(r(3), (2, 3)), C(r(2, 1), (2, 3)), C(np.array(r()), (2, 2))]


@cases(np.moveaxis)
def _():
    return [C(r(2, 3, 4), 0, -1), C(r(2, 3, 4), [0, 1], [2, 0])]


@cases(np.tile)
def _():
    return [C(r(3), 2), C(r(2, 3), (2, 1)), C(r(3), (2, 2))]


@cases(np.repeat)
def _():
    return [C(r(3), 2), C(r(2, 3), 2, axis=1), C(r(3, 2), [1, 0, 2], axis=0), C(r(2, 2), 3)]


@cases(np.pad)
def _():
    return [C(r(3), 1), C(r(2, 3), ((1, 0), (0, 2))), C(r(2, 2), 2, constant_values=0)]


@cases(np.take)
def _():
    return [C(r(5), [0, 2, 2]), C(r(3, 4), [1, 1, 3], axis=1), C(r(3, 4), 2, axis=0),
            C(r(3, 4), [[0, 1], [2, 2]]),
            C(r(3, 4), 1, axis=1), C(r(3, 4), [2, 0], axis=0)]


@cases(np.split)
def _():
    return [C(r(4, 3), 2), C(r(2, 5), [1, 3], axis=1), C(r(6), 3)]


@cases(np.concatenate)
def _():
    return [C([r(2, 3), r(1, 3)]), C([r(2, 3), r(2, 1)], axis=1), C([r(3), r(2), r(1)])]


@cases(np.stack)
def _():
    return [C([r(3), r(3)]), C([r(2, 3), r(2, 3)], axis=1), C([r(2), r(2), r(2)], axis=-1)]


@cases(np.vstack)
def _():
    return [C([r(3), r(3)]), C([r(2, 3), r(1, 3)]), C([r(3), r(2, 3)])]


@cases(np.hstack)
def _():
    return [C([r(3), r(2)]), C([r(2, 3), r(2, 1)])]


@cases(np.expand_dims)
def _():
    return [C(r(3), 0), C(r(2, 3), -1), C(r(2, 3), axis=1)]


@cases(np.squeeze)
def _():
    return [C(r(1, 3, 1)), C(r(1, 3, 1), 0), C(r(2, 1), axis=1)]

# ---------------------------------------------------------------- linear algebra


@cases(np.linalg.inv, np.linalg.det, np.linalg.slogdet)
def _():
    return [C(well(3)), C(well(2, (2,))), C(-well(3))]


@cases(np.linalg.solve)
def _():
    return [C(well(3), r(3)), C(well(3), r(3, 2)), C(well(2, (2,)), r(2, 2, 3))]


@cases(np.linalg.pinv)
def _():
    return [C(r(3, 2) + np.eye(3, 2)), C(r(2, 3) + np.eye(2, 3)), C(well(3))]

# ---------------------------------------------------------------- methods


@cases(".sum", ".mean")
def _():
    return reductions(r)


@cases(".max", ".min")
def _():
    return reductions(distinct) + [C(tied(3, 4), axis=1, fd=False), C(tied(2, 3), fd=False)]


@cases(".prod")
def _():
    z = r(3, 4)
    z[1, 1] = 0.0
    return [C(r(5)), C(r(2, 3), axis=1), C(r(2, 3), axis=0, keepdims=True), C(z), C(z, axis=0)]


@cases(".var", ".std")
def _():
    return reductions(r) + [C(r(3, 4), axis=1, ddof=1)]


@cases(".dot")
def _():
    return [C(r(3), r(3)), C(r(2, 3), r(3, 4)), C(r(2, 3), r(3)), C(r(2, 2, 3), r(2, 3, 2))]


@cases(".reshape")
def _():
    return [C(r(2, 6), 3, 4), C(r(2, 6), (4, 3)), C(r(2, 3), -1)]


@cases(".ravel", ".flatten", ".copy", ".tolist")
def _():
    return [C(r(2, 3)), C(r(4))]


@cases(".transpose")
def _():
    return [C(r(2, 3)), C(r(2, 3, 4), 1, 0, 2), C(r(2, 3, 4), (2, 0, 1)),
            C(r(2, 3, 4), -1, 0, 1), C(r(2, 3, 4), (0, -1, 1))]


@cases(".squeeze")
def _():
    return [C(r(1, 3, 1)), C(r(1, 3, 1), 0), C(r(2, 1), axis=1)]


@cases(".astype")
def _():
    return [C(r(2, 3), float), C(r(3), np.float64)]


@cases(".clip")
def _():
    x = r(3, 4) * 2.0
    x[np.abs(np.abs(x) - 1.0) < 0.1] = 0.0
    return [C(x, -1.0, 1.0), C(x, -0.5), C(x, None, 0.5, nondiff=[1]),
            C(np.array([-1.0, 0.5, 1.0]), -1.0, 1.0, fd=False)]


@cases(".item")
def _():
    return [C(r(2, 3), 4), C(r(2, 3), 1, 2), C(np.array(r())), C(r(1))]

# ---------------------------------------------------------------- the machinery


def _primal(key):
    if isinstance(key, str):
        return lambda x, *args, **kw: getattr(x, key[1:])(*args, **kw)
    return key


def _rules(key):
    if isinstance(key, str):
        return METHOD_VJP.get(key[1:]), METHOD_JVP.get(key[1:])
    return VJP.get(key), JVP.get(key)


def _is_diff(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, (float, np.floating)):
        return True
    if isinstance(v, np.ndarray):
        return v.dtype.kind == "f"
    if isinstance(v, (list, tuple)) and v:
        return all(_is_diff(e) for e in v)
    return False


def _random_like(v, rng):
    if isinstance(v, (list, tuple)):
        out = [_random_like(e, rng) for e in v]
        return out if isinstance(v, list) else tuple(out)
    if isinstance(v, np.ndarray) or np.ndim(v):
        return np.asarray(rng.standard_normal(np.shape(v)))
    return float(rng.standard_normal())


def _shifted(v, t, h):
    if t is None:
        return v
    if isinstance(v, (list, tuple)):
        out = [_shifted(e, te, h) for e, te in zip(v, t)]
        return out if isinstance(v, list) else tuple(out)
    if isinstance(v, np.ndarray):
        return v + h * t
    return float(v) + h * t


def _flat(t, like):
    """``t`` (structured like the value ``like``) as one float vector; a scalar zero
    stands for zeros of any structure, any other shape mismatch fails."""
    if isinstance(like, (list, tuple)):
        if isinstance(t, np.ndarray) and t.ndim and len(t) == len(like):
            t = list(t)  # an array cotangent for a list argument, as like() converts it
        if not isinstance(t, (list, tuple)):
            assert np.ndim(t) == 0 and t == 0, f"{type(t).__name__} where a sequence expected"
            t = [0.0] * len(like)
        assert len(t) == len(like), f"{len(t)} entries where {len(like)} expected"
        parts = [_flat(ti, li) for ti, li in zip(t, like)]
        return np.concatenate(parts) if parts else np.zeros(0)
    t = np.asarray(t, dtype=float)
    shape = np.shape(like)
    if t.shape != shape:
        assert t.ndim == 0 and t == 0, f"shape {t.shape} where {shape} expected"
        t = np.broadcast_to(t, shape)
    return t.ravel()


def _returns_tuple(template):
    src = gast.parse(textwrap.dedent(inspect.getsource(template)))
    return any(isinstance(n, gast.Return) and isinstance(n.value, gast.Tuple)
               for n in gast.walk(src))


def _cotangents(vrule, res, args):
    """The reverse rule's result as one cotangent per positional argument, read the
    way the compiler reads it (a bare value belongs to the first argument)."""
    per_argument = getattr(vrule.template, "tl_per_argument", False)
    if _returns_tuple(vrule.template) or (per_argument and len(args) > 1):
        out = list(res)
    else:
        out = [res]
    out += [None] * (len(args) - len(out))
    if vrule.broadcasting:
        out = [c if c is None else unbroadcast(c, a) for c, a in zip(out, args)]
    return out


def _call_jvp(jrule, ans, case, u):
    """``J u`` from the forward template called as a function, tangents by name."""
    params = jrule.params
    sig = inspect.Signature(params)
    where = sig.bind(*range(len(case.args)), **{k: None for k in case.kwargs}).arguments
    tangents = {}
    for name, tname in jrule.tangent_of.items():
        p = sig.parameters[name]
        if name not in where or name in case.kwargs:
            if jrule.signature.parameters[tname].default is inspect.Parameter.empty:
                tangents[tname] = 0.0
            continue
        idx = where[name]
        if p.kind == p.VAR_POSITIONAL:
            tangents[tname] = tuple(0.0 if u[i] is None else u[i] for i in idx)
        else:
            tangents[tname] = 0.0 if u[idx] is None else u[idx]
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return jrule.template(ans, *case.args, **case.kwargs, **tangents)
    bound = sig.bind(*case.args, **case.kwargs).arguments
    return jrule.template(ans, **bound, **tangents)


def _fd(f, case, u, h=1e-3):
    """Fourth-order central difference of ``f`` along ``u`` (float64)."""
    def at(s):
        args = [_shifted(a, t, s) for a, t in zip(case.args, u)]
        out = f(*args, **case.kwargs)
        return _flat(out, out)
    return (8.0 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12.0 * h)


def _check(key, case, seed):
    rng = np.random.default_rng(seed)
    vrule, jrule = _rules(key)
    f = _primal(key)
    args = case.args
    with np.errstate(all="ignore"):
        ans = f(*args, **case.kwargs)
    u = [_random_like(a, rng) if _is_diff(a) and i not in case.nondiff else None
         for i, a in enumerate(args)]
    assert any(t is not None for t in u), f"case {case} has no differentiable argument"
    with np.errstate(divide="ignore", invalid="ignore"):
        ju = _call_jvp(jrule, ans, case, u)
    ju_flat = _flat(ju, ans)
    assert np.all(np.isfinite(ju_flat)), f"J u = {ju}"

    v = _random_like(ans, rng)
    v_in = v if not isinstance(ans, tuple) else tuple(v)
    cots = _cotangents(vrule, vrule.template(v_in, ans, *args, **case.kwargs), args)
    lhs = float(_flat(v, ans) @ ju_flat)
    rhs = 0.0
    scale = float(np.abs(_flat(v, ans)) @ np.abs(ju_flat))
    for a, t, c in zip(args, u, cots):
        if t is None:
            continue
        assert c is not None, f"the reverse rule gives no cotangent to a differentiable {a!r}"
        cf, tf = _flat(c, a), _flat(t, a)
        rhs += float(cf @ tf)
        scale += float(np.abs(cf) @ np.abs(tf))
    assert abs(lhs - rhs) <= 1e-9 * max(scale, 1e-300) + 1e-12, (
        f"<v, J u> = {lhs} but <J^T v, u> = {rhs}")

    if case.fd:
        fd = _fd(f, case, u)
        np.testing.assert_allclose(ju_flat, fd, rtol=1e-6,
                                   atol=1e-7 * max(1.0, float(np.max(np.abs(fd), initial=0))),
                                   err_msg="J u against finite differences")


def _label(key):
    if isinstance(key, str):
        return "method" + key
    return f"{getattr(key, '__module__', None) or '?'}.{key.__name__}".lstrip("_")


# the helpers generated code calls are checked end to end by differentiating generated
# code again (tests/test_reverse_over_reverse.py, tests/test_higher_order.py)
ALL_KEYS = [k for k in VJP if getattr(k, "__module__", None) != "tangent_lite.runtime"] + [
    "." + name for name in METHOD_VJP]

# rules without cases above (those of tangent_lite/rules/more.py): from tests/rule_table.py
add_table_cases(CASES, C, ALL_KEYS)


@pytest.mark.parametrize("key", ALL_KEYS, ids=_label)
def test_rule_pair(key):
    vrule, jrule = _rules(key)
    assert jrule is not None, f"{vrule.name} has a reverse-mode rule but no forward-mode rule"
    vparams = [(p.name, p.kind, p.default) for p in vrule.params]
    jparams = [(p.name, p.kind, p.default) for p in jrule.params]
    assert vparams == jparams, (
        f"the forward rule {jrule.template.__name__} for {vrule.name} takes {jparams}, "
        f"the reverse rule {vparams}")
    assert key in CASES, f"add cases for {_label(key)} to tests/test_jvp_rules.py"
    for n, case in enumerate(CASES[key]):
        try:
            _check(key, case, seed=n)
        except AssertionError as exc:
            raise AssertionError(f"{_label(key)} with {case}: {exc}") from None


@pytest.mark.parametrize("key", list(JVP) + ["." + n for n in METHOD_JVP], ids=_label)
def test_forward_rule_is_inlined(key):
    """A straight line of ``name = expr`` ending in ``return``: the compiler inlines it."""
    rule = METHOD_JVP[key[1:]] if isinstance(key, str) else JVP[key]
    body = rule.fdef().body
    if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant):
        body = body[1:]
    assert body and isinstance(body[-1], gast.Return), rule.name
    assert all(isinstance(s, gast.Assign) and all(isinstance(t, gast.Name) for t in s.targets)
               for s in body[:-1]), f"the forward rule for {rule.name} is not a straight line"


def test_every_reverse_rule_has_a_forward_rule():
    missing = [VJP[k].name for k in VJP if k not in JVP]
    missing += ["." + n for n in METHOD_VJP if n not in METHOD_JVP]
    assert not missing, f"reverse-mode rules without a forward-mode rule: {missing}"


@pytest.mark.parametrize("ord_, axis, shape", [(1, (0, 1), (3, 4)), (np.inf, (1, 0), (3, 4)),
                                               (2, (1, 2), (2, 3, 4)), ("nuc", None, (3, 4))])
def test_norm_outside_the_covered_cases_raises(ord_, axis, shape):
    """Matrix norms the rules do not cover raise, never give a wrong derivative."""
    x = r(*shape)
    ans = np.linalg.norm(x, ord_, axis)
    with pytest.raises(ValueError):
        VJP[np.linalg.norm].template(np.ones(np.shape(ans)), ans, x, ord_, axis)
    with pytest.raises(ValueError):
        JVP[np.linalg.norm].template(ans, x, np.ones(x.shape), ord_, axis)


# ---------------------------------------------------------------- conventions (SPEC §3)


def test_forward_conventions_at_kinks():
    jm, jmin, jabs = JVP[np.maximum], JVP[np.minimum], JVP[np.abs]
    x = np.array([1.0, 2.0, 3.0])
    dx, dy = np.array([1.0, 10.0, 100.0]), np.array([3.0, 30.0, 300.0])
    assert np.allclose(jm.template(np.maximum(x, x), x, x, dx, dy), 0.5 * (dx + dy))
    assert np.allclose(jmin.template(np.minimum(x, x), x, x, dx, dy), 0.5 * (dx + dy))
    assert np.all(jabs.template(np.abs(0.0), 0.0, 5.0) == 0.0)
    with np.errstate(divide="ignore"):
        assert JVP[np.sqrt].template(np.sqrt(0.0), np.float64(0.0), 1.0) == np.inf
    assert JVP[math.sqrt].template(0.0, 0.0, 1.0) == math.inf
    # np.where: the tangent comes from the selected branch only, NaN stays out
    c = np.array([True, False])
    t = JVP[np.where].template(None, c, x[:2], x[:2], 0.0, np.array([1.0, np.nan]),
                               np.array([np.nan, 2.0]))
    assert np.array_equal(t, [1.0, 2.0])
    # builtin max/min: ties share the tangent evenly
    bmax = JVP[builtins.max].template
    assert bmax(2.0, 2.0, 2.0, 1.0, dx=3.0, drest=(5.0, 7.0)) == 4.0
    assert bmax(2.0, [2.0, 1.0, 2.0], dx=[3.0, 9.0, 5.0]) == 4.0
    # reductions: ties split evenly
    m = np.array([[1.0, 3.0, 3.0], [0.0, 2.0, 1.0]])
    dm = np.array([[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]])
    assert np.allclose(JVP[np.max].template(np.max(m, axis=1), m, dm, axis=1), [3.0, 16.0])
    assert JVP[np.max].template(np.max(m), m, dm) == 3.0
    # the norm has tangent 0 at 0; prod is exact with zeros
    assert JVP[np.linalg.norm].template(0.0, np.zeros(3), np.ones(3)) == 0.0
    z = np.array([2.0, 0.0, 3.0])
    assert JVP[np.prod].template(0.0, z, np.array([1.0, 1.0, 1.0])) == 6.0
