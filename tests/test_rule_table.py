"""Every registered rule, checked against central finite differences.

The cases live in tests/rule_table.py as data.  For each one this module writes
a small user function into a real module file (tangent_lite differentiates from
source), draws seeded random inputs, and compares ``tl.vjp`` with a random seed
against the finite-difference vector-Jacobian product in float64.

The coverage tests fail when a rule (or a non-differentiable declaration) is
registered without a table entry, so a new rule cannot go untested or
undocumented; test_docs_rules_current fails when docs/rules.md is stale.
"""

import builtins
import importlib.util
import math
import operator
import os
import sys
import zlib

import numpy as np
import pytest

import tangent_lite as tl
from fd import assert_close, assert_grad_type, numerical_grad, vjp_oracle
from tangent_lite.rules import registry as R

import rule_table as T

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {"np": np, "math": math, "operator": operator, "builtins": builtins, "tl": tl}


def resolve(key):
    """The registered object an entry names (a string for methods and attributes)."""
    if key.startswith(".") or key.startswith("attr:"):
        return key
    return eval(key, dict(ENV))


def _all_cases():
    out = []
    for e in T.ENTRIES:
        for k, c in enumerate(e.cases):
            out.append((f"{e.label}-{k}", c))
    for item in T.NONDIFF + T.NONDIFF_METHODS + T.NONDIFF_ATTRS:
        key, expr, spec = item[:3]
        body = item[3] if len(item) > 3 else ""
        if key == ".keys":
            body = "d = {'a': 1.0}"
            expr = "x * len(list(d.keys()))"
        out.append((f"nondiff {key}", T.Case(expr, {"x": spec}, None, body)))
    for k, c in enumerate(T.INDEXING):
        out.append((f"indexing-{k}", c))
    return out


CASES = _all_cases()


def _source(cases):
    lines = ["import builtins  # noqa: F401", "import math  # noqa: F401",
             "import operator  # noqa: F401", "", "import numpy as np  # noqa: F401",
             "import tangent_lite as tl  # noqa: F401", ""]
    for n, (_, c) in enumerate(cases):
        lines += ["", f"def case_{n}({', '.join(c.args)}):"]
        body = [ln for ln in c.body.splitlines() if ln.strip()]
        lines += ["    " + ln for ln in body]
        expr = c.expr or body[-1].split("=")[0].strip()
        lines.append(f"    return {expr}")
        # the same, projected on a random weight: a scalar for tl.grad
        lines += ["", f"def proj_{n}({', '.join(list(c.args) + ['weight_'])}):"]
        lines += ["    " + ln for ln in body]
        lines.append(f"    return np.sum(weight_ * ({expr}))")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    path = tmp_path_factory.mktemp("rule_table") / "tl_rule_table_cases.py"
    path.write_text(_source(CASES) + KINK_SOURCE)
    spec = importlib.util.spec_from_file_location("tl_rule_table_cases", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop(spec.name, None)


def _seed_like(out, rng):
    if isinstance(out, (float, int, np.generic)) or np.ndim(out) == 0:
        return float(rng.normal())
    return rng.normal(size=np.shape(out))


@pytest.mark.parametrize("n", range(len(CASES)), ids=[c[0] for c in CASES])
def test_rule_matches_finite_differences(module, n):
    name, case = CASES[n]
    f = getattr(module, f"case_{n}")
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    args = [T.make_input(spec, rng) for spec in case.args.values()]
    names = list(case.args)
    wrt = case.wrt or tuple(k for k, s in case.args.items() if T.is_float_spec(s))
    out = f(*args)
    seed = _seed_like(out, rng)
    got = tl.vjp(f, wrt=tuple(wrt))(*[a.copy() if isinstance(a, np.ndarray) else a
                                      for a in args], seed)
    assert isinstance(got, tuple) and len(got) == len(wrt)
    for w, g in zip(wrt, got):
        expected = vjp_oracle(f, args, seed, wrt=names.index(w))
        assert_grad_type(g, args[names.index(w)])
        assert_close(g, expected, rtol=1e-5, atol=1e-6)


KINK_SOURCE = "".join(
    f"\n\ndef kink_{n}({', '.join(args)}):\n    return {expr}\n"
    for n, (_, expr, args, _) in enumerate(T.KINKS))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("n", range(len(T.KINKS)), ids=[k[0] for k in T.KINKS])
def test_value_at_kink_is_the_documented_convention(module, n):
    label, expr, args, expected = T.KINKS[n]
    f = getattr(module, f"kink_{n}")
    out = f(*args.values())
    seed = 1.0 if np.ndim(out) == 0 else np.ones(np.shape(out))
    got = tl.vjp(f, wrt=tuple(args))(*args.values(), seed)
    for w, g in zip(args, got):
        np.testing.assert_array_equal(g, expected[w], err_msg=f"{label}: {expr} wrt {w}")


def _builtin(rule):
    """A rule tangent_lite ships for user code (other tests register rules of their own;
    the rules of the helpers generated code calls are tested by differentiating
    generated code again)."""
    return getattr(rule.template, "__module__", "").startswith("tangent_lite.rules") and \
        getattr(rule.primal, "__module__", None) != "tangent_lite.runtime"


@pytest.mark.parametrize("n", range(len(CASES)), ids=[c[0] for c in CASES])
def test_grad_of_projection_matches_finite_differences(module, n):
    """tl.grad of np.sum(w * f(...)): the scalar-output path (uniform cotangents)."""
    name, case = CASES[n]
    f = getattr(module, f"proj_{n}")
    rng = np.random.default_rng(zlib.crc32(b"proj " + name.encode()))
    args = [T.make_input(spec, rng) for spec in case.args.values()]
    names = list(case.args)
    wrt = case.wrt or tuple(k for k, s in case.args.items() if T.is_float_spec(s))
    out = getattr(module, f"case_{n}")(*args)
    weight = _seed_like(out, rng)
    args.append(weight)
    got = tl.grad(f, wrt=tuple(wrt))(*[a.copy() if isinstance(a, np.ndarray) else a
                                      for a in args])
    for w, g in zip(wrt, got):
        k = names.index(w)
        expected = numerical_grad(f, args, wrt=k)
        assert_grad_type(g, args[k])
        assert_close(g, expected, rtol=1e-5, atol=1e-6)


def test_every_registered_rule_has_a_table_entry():
    functions, methods = R.all_vjp_rules()
    covered = {R._key(resolve(e.key or e.label)) for e in T.ENTRIES}
    missing = [rule.name for k, rule in functions.items() if k not in covered and _builtin(rule)]
    missing += ["." + m for m, rule in methods.items()
                if "." + m not in covered and _builtin(rule)]
    assert not missing, f"rules without an entry in tests/rule_table.py: {missing}"


def test_every_non_differentiable_declaration_has_a_table_entry():
    covered = {R._key(resolve(item[0])) for item in T.NONDIFF}
    library = ("numpy", "math", "builtins", "operator", "_operator", "tangent_lite")
    missing = [getattr(fn, "__name__", repr(fn)) for k, fn in R._NONDIFF.items()
               if k not in covered and (getattr(fn, "__module__", None) or "numpy").split(".")[0]
               in library and getattr(fn, "__module__", None) != "tangent_lite.runtime"]
    covered_m = {item[0][1:] for item in T.NONDIFF_METHODS}
    missing += ["." + m for m in R._NONDIFF_METHODS if m not in covered_m]
    covered_a = {item[0][len("attr:."):] for item in T.NONDIFF_ATTRS}
    missing += ["attr ." + a for a in R._NONDIFF_ATTRS if a not in covered_a]
    assert not missing, f"non-differentiable declarations without a table entry: {missing}"


def test_table_entries_name_registered_rules():
    functions, methods = R.all_vjp_rules()
    for e in T.ENTRIES:
        key = resolve(e.key or e.label)
        if isinstance(key, str):
            if key.startswith("attr:"):
                continue
            assert key[1:] in methods, f"{e.label}: no method rule registered"
        else:
            assert R._key(key) in functions, f"{e.label}: no rule registered"
        assert e.cases, f"{e.label}: no test cases"


def test_docs_rules_current():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import gen_rules_doc
    finally:
        sys.path.pop(0)
    with open(os.path.join(ROOT, "docs", "rules.md"), encoding="utf-8") as fh:
        text = fh.read()
    assert text == gen_rules_doc.render(), (
        "docs/rules.md is out of date: run python tools/gen_rules_doc.py > docs/rules.md")
