"""Every reverse-mode rule, differentiated a second time.

For each rule of the user-facing reverse table (``rules/core.py``: functions and
methods) and for the smooth cases of ``tests/test_jvp_rules.py``'s case table, a
small function is written to a module file (the compiler reads source)::

    def f_12(a0, w):                      # the case's arrays and floats are parameters
        s = np.linalg.norm(a0, 2, axis=1)   # the other arguments are literals
        return np.sum(w * np.asarray(s) ** 2)

The square makes the Hessian exercise both the primal's second derivative and the
forward/reverse rules of the helpers its gradient calls (with a linear projection a
linear primal would only give zeros).  Three checks per case:

* (a) ``tl.hvp(f)`` (forward over reverse) against central differences of ``tl.grad(f)``;
* (b) ``tl.grad(tl.grad(g))`` (reverse over reverse) for ``g(t) = f(x + t u)``, against
  central differences of ``tl.grad(g)``: ``u^T H u``;
* (c) ``tl.grad(tl.jvp(f))`` (reverse over forward) against ``tl.hvp(f)``.

Cases marked ``fd=False`` in the table sit on a kink and are left out.  A rule of
the table without a case here fails ``test_every_rule_is_covered``.
"""

import builtins
import copy
import importlib.util
import math
import operator
import os
import tempfile

import numpy as np
import pytest

import tangent_lite as tl
import test_jvp_rules as jr
from tree_fd import assert_tree_close, tree_map

KEYS = jr.ALL_KEYS  # the reverse table without the runtime helpers (those are below)
RNG = np.random.default_rng(20261202)

_OPS = {operator.add: "{0} + {1}", operator.sub: "{0} - {1}", operator.mul: "{0} * {1}",
        operator.truediv: "{0} / {1}", operator.pow: "{0} ** {1}",
        operator.matmul: "{0} @ {1}", operator.mod: "{0} % {1}", operator.neg: "-{0}",
        operator.pos: "+{0}"}


def _callee(key):
    """How source code spells a call of ``key``: a format string over the arguments."""
    if isinstance(key, str):
        return "{0}." + key[1:] + "({rest})"
    if key in _OPS:
        return _OPS[key]
    name = key.__name__
    for prefix, mod in (("", builtins), ("math.", math), ("np.", np),
                        ("np.linalg.", np.linalg)):
        if getattr(mod, name, None) is key:
            return prefix + name + "({all})"
    raise LookupError(f"no source spelling for {key!r}")


def _literal(v):
    """``v`` as a source literal, or None when it must be passed as an argument."""
    if v is None or isinstance(v, (bool, int, str)):
        return repr(v)
    if isinstance(v, float) and not isinstance(v, np.floating):
        return repr(v) if math.isfinite(v) else ("np.inf" if v > 0 else "-np.inf")
    if v is float:
        return "float"
    if v is np.float64:
        return "np.float64"
    if isinstance(v, (list, tuple)):
        parts = [_literal(e) for e in v]
        if any(p is None for p in parts):
            return None
        if isinstance(v, tuple):
            return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
        return "[" + ", ".join(parts) + "]"
    return None


def _random_like(v):
    return tree_map(lambda a: RNG.uniform(-1.0, 1.0, np.shape(a)) if np.ndim(a)
                    else float(RNG.uniform(-1.0, 1.0)), v)


class Built:
    """One case as module source: ``f_<n>`` (the projection of the primal) and
    ``g_<n>`` (the same along a line, ``t`` its only differentiable argument)."""

    def __init__(self, n, key, case):
        self.name, self.key, self.case = n, key, case
        params, self.values, self.wrt, parts, shifted = [], [], [], [], []
        for i, a in enumerate(case.args):
            diff = jr._is_diff(a) and i not in case.nondiff
            lit = None if diff else _literal(a)
            if lit is not None:
                parts.append(lit)
                shifted.append(lit)
                continue
            p = f"a{i}"
            params.append(p)
            self.values.append(copy.deepcopy(a))
            parts.append(p)
            if not diff:
                shifted.append(p)
                continue
            self.wrt.append(len(params) - 1)
            if isinstance(a, list):
                shifted.append(f"[e + t * u for e, u in zip({p}, d{i})]")
            else:
                shifted.append(f"({p} + t * d{i})")
        kws = []
        for k, v in case.kwargs.items():
            lit = _literal(v)
            assert lit is not None, f"keyword {k}={v!r} is not a literal"
            kws.append(f"{k}={lit}")
        primal = jr._primal(key)
        with np.errstate(all="ignore"):
            out = primal(*case.args, **case.kwargs)
        self.w = _random_like(list(out) if isinstance(out, tuple) else out)
        self.many = isinstance(out, (list, tuple))
        self.us = [_random_like(self.values[p]) for p in self.wrt]
        call = self._call(key, parts, kws)
        call_t = self._call(key, shifted, kws)
        if self.many:
            proj = " + ".join(f"np.sum(w[{j}] * np.asarray(s[{j}]) ** 2)"
                              for j in range(len(out)))
        else:
            proj = "np.sum(w * np.asarray(s) ** 2)"
        dirs = [f"d{i}" for i, a in enumerate(case.args) if f"a{i}" in
                [params[p] for p in self.wrt]]
        self.source = (
            f"def f_{n}({', '.join(params + ['w'])}):\n"
            f"    s = {call}\n"
            f"    return {proj}\n\n\n"
            f"def g_{n}({', '.join(['t'] + params + dirs + ['w'])}):\n"
            f"    s = {call_t}\n"
            f"    return {proj}\n")

    @staticmethod
    def _call(key, parts, kws):
        spelling = _callee(key)
        if spelling.endswith("({rest})"):
            return spelling.format(parts[0], rest=", ".join(parts[1:] + kws))
        if spelling.endswith("({all})"):
            return spelling.format(all=", ".join(parts + kws))
        return spelling.format(*parts)

    def functions(self, module):
        return getattr(module, f"f_{self.name}"), getattr(module, f"g_{self.name}")


def _label(key):
    return jr._label(key)


def _build_all():
    built, n = {}, 0
    for key in KEYS:
        for case in jr.CASES.get(key, []):
            if not case.fd:
                continue
            built.setdefault(key, []).append(Built(n, key, case))
            n += 1
    src = "import math\n\nimport numpy as np\n\n\n" + "\n\n".join(
        b.source for bs in built.values() for b in bs)
    folder = tempfile.mkdtemp(prefix="tl_second_order_")
    path = os.path.join(folder, "second_order_cases.py")
    with open(path, "w") as fh:
        fh.write(src)
    spec = importlib.util.spec_from_file_location("second_order_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return built, module


BUILT, MODULE = _build_all()


def _fd_grad(df, args, positions, vs, h=1e-5):
    """(df(x + h v) - df(x - h v)) / 2h, ``df`` returning one gradient per position."""
    def at(sign):
        a = copy.deepcopy(list(args))
        for p, v in zip(positions, vs):
            a[p] = tree_map(lambda x, d: np.asarray(x, dtype=float) + sign * h * d
                            if isinstance(x, np.ndarray) else float(x) + sign * h * d, a[p], v)
        return df(*a)

    return tree_map(lambda p, m: (np.asarray(p, dtype=float) - np.asarray(m, dtype=float))
                    / (2 * h), at(1), at(-1))


def _as_tuple(v, wrt):
    return tuple(v) if len(wrt) > 1 else (v,)


def _wrt(b):
    return tuple(b.wrt) if len(b.wrt) > 1 else b.wrt[0]


def _args(b):
    return copy.deepcopy(b.values) + [b.w]


def _hvp(b):
    f, _ = b.functions(MODULE)
    with np.errstate(all="ignore"):
        return _as_tuple(tl.hvp(f, wrt=_wrt(b))(*_args(b), *copy.deepcopy(b.us)), b.wrt)


def _run(key, check):
    errors = []
    for b in BUILT[key]:
        try:
            check(b)
        except Exception as exc:  # report every failing case of the rule at once
            errors.append(f"{b.case}: {type(exc).__name__}: {str(exc)[:600]}")
    assert not errors, f"{_label(key)}:\n" + "\n".join(errors)


def check_hvp(b):
    f, _ = b.functions(MODULE)
    df = tl.grad(f, wrt=tuple(b.wrt))
    with np.errstate(all="ignore"):
        expected = _fd_grad(df, _args(b), b.wrt, b.us)
    assert_tree_close(_hvp(b), tuple(expected), rtol=1e-5, atol=1e-6)


def check_grad_of_grad(b):
    _, g = b.functions(MODULE)
    args = [0.0] + copy.deepcopy(b.values) + copy.deepcopy(b.us) + [b.w]
    dg = tl.grad(g)
    with np.errstate(all="ignore"):
        h = 1e-5
        expected = (dg(h, *args[1:]) - dg(-h, *args[1:])) / (2 * h)
        second = tl.grad(tl.grad(g))(*args)
    assert isinstance(second, float)
    assert_tree_close(second, expected, rtol=1e-5, atol=1e-6)


def check_grad_of_jvp(b):
    f, _ = b.functions(MODULE)
    jf = tl.jvp(f, wrt=_wrt(b))
    with np.errstate(all="ignore"):
        got = tl.grad(jf, wrt=_wrt(b))(*_args(b), *copy.deepcopy(b.us))
    assert_tree_close(_as_tuple(got, b.wrt), _hvp(b), rtol=1e-8, atol=1e-10)


# Cases that cannot work, with the reason: (label, check) -> reason
XFAIL = {}


def _params(check):
    out = []
    for key in KEYS:
        if key not in BUILT:
            continue
        reason = XFAIL.get((_label(key), check))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(key, id=_label(key), marks=marks))
    return out


@pytest.mark.parametrize("key", _params("hvp"))
def test_hvp_matches_fd_of_grad(key):
    _run(key, check_hvp)


@pytest.mark.parametrize("key", _params("grad_grad"))
def test_grad_of_grad_along_a_line(key):
    _run(key, check_grad_of_grad)


@pytest.mark.parametrize("key", _params("grad_jvp"))
def test_grad_of_jvp_is_hvp(key):
    _run(key, check_grad_of_jvp)


def test_every_rule_is_covered():
    missing = [_label(k) for k in KEYS if k not in BUILT]
    assert not missing, ("reverse rules without a smooth case (add one to "
                         f"tests/test_jvp_rules.py): {missing}")
    assert all(b.wrt for bs in BUILT.values() for b in bs)
