"""Cases for tests/test_jvp_rules.py taken from the rule table (tests/rule_table.py).

A rule without hand-written cases there gets one case per table entry that calls it
directly on the table's inputs (``np.cumprod(x, axis=1)``, ``x.trace(1)``), drawn from
the table's input generators with a fixed seed; rules whose table cases need
statements (tuple results) get cases written out below.
"""

import ast
import builtins
import math
import operator

import numpy as np

import rule_table as T

ENV = {"np": np, "math": math, "operator": operator, "builtins": builtins}


def _depends_on_floats(node, names, values):
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & set(names)
    return any(np.asarray(values[n]).dtype.kind == "f" for n in used)


def _derive(entry, case, rng, make_case):
    if case.body:
        return None
    tree = ast.parse(case.expr, mode="eval").body
    if not isinstance(tree, ast.Call):
        return None
    values = {k: T.make_input(spec, rng) for k, spec in case.args.items()}
    label = entry.key or entry.label
    if label in SEPARATED:
        # the stencil steps 2e-3: entries of a max, a sort or a median must not be as close
        values = {k: _distinct(v, rng) for k, v in values.items()}
    env = dict(ENV, **values)
    args = []
    if label.startswith("."):
        f = tree.func
        if not (isinstance(f, ast.Attribute) and f.attr == label[1:]
                and isinstance(f.value, ast.Name) and f.value.id in values):
            return None
        args.append(values[f.value.id])
    else:
        try:
            if eval(ast.unparse(tree.func), dict(ENV)) is not eval(label, dict(ENV)):
                return None
        except Exception:
            return None
    for a in tree.args:
        if isinstance(a, ast.Name) and a.id in values:
            args.append(values[a.id])
        elif isinstance(a, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Name) and e.id in values for e in a.elts):
            items = [values[e.id] for e in a.elts]
            args.append(items if isinstance(a, ast.List) else tuple(items))
        elif isinstance(a, ast.Starred) or _depends_on_floats(a, values, values):
            return None
        else:
            args.append(eval(ast.unparse(a), env))
    kwargs = {}
    for k in tree.keywords:
        if k.arg is None or _depends_on_floats(k.value, values, values):
            return None
        kwargs[k.arg] = eval(ast.unparse(k.value), env)
    nondiff = [i for i, v in enumerate(args) if isinstance(v, np.ndarray) and v.dtype.kind != "f"]
    return make_case(*args, nondiff=nondiff, **kwargs)


SEPARATED = {"np.ptp", "np.median", "np.sort", "np.nanmax", "np.nanmin", "np.unique"}


def _distinct(v, rng):
    if not (isinstance(v, np.ndarray) and v.dtype.kind == "f"):
        return v
    return rng.permutation(np.arange(v.size) * 0.1 - 0.05 * v.size).reshape(v.shape)


def _apart_pairs(C, rng):
    """Pairs whose entries are at least 0.2 apart (the stencil must not cross a tie)."""
    x = rng.uniform(-1, 1, (2, 3))
    return [C(x, x + rng.choice([-1.0, 1.0], (2, 3)) * rng.uniform(0.2, 1.0, (2, 3))),
            C(x, np.array([2.0, -2.0, 1.5])), C(rng.uniform(-1, 1, 4), 3.0)]


def _spd(rng, n):
    return T.make_input(("spd", n), rng)


def _rect(rng, m, n):
    return T.make_input(("rect", m, n), rng)


def extra_cases(make_case, rng):
    """Rules whose table cases unpack a tuple result or call inside an expression."""
    C = make_case
    x5 = rng.uniform(-1, 1, 5)
    return {
        np.linalg.eigh: [C(_spd(rng, 3)), C(_spd(rng, 4), UPLO="U")],
        np.linalg.qr: [C(_rect(rng, 3, 3)), C(_rect(rng, 4, 3)), C(_rect(rng, 5, 2))],
        np.linalg.svd: [C(_rect(rng, 4, 3), full_matrices=False), C(_rect(rng, 2, 3),
                                                                     full_matrices=False),
                        C(T.make_input(("mat", 3), rng)), C(_rect(rng, 4, 3), compute_uv=False)],
        np.linalg.lstsq: [C(_rect(rng, 5, 3), rng.uniform(-1, 1, 5), rcond=None),
                          C(_rect(rng, 5, 2), rng.uniform(-1, 1, (5, 2)), rcond=None)],
        np.meshgrid: [C(rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 2)),
                      C(rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 2), indexing="ij")],
        np.array_split: [C(x5, 3), C(rng.uniform(-1, 1, (4, 3)), 2, axis=1)],
        np.hsplit: [C(rng.uniform(-1, 1, (2, 4)), 2)],
        np.vsplit: [C(rng.uniform(-1, 1, (4, 2)), [1])],
        np.dsplit: [C(rng.uniform(-1, 1, (2, 2, 4)), 2)],
        np.unique: [C(_distinct(rng.uniform(-1, 1, (2, 3)), rng))],
        np.copysign: [C(rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, 3), nondiff=[1])],
        np.ascontiguousarray: [C(rng.uniform(-1, 1, (2, 3)).T)],
        np.choose: [C(rng.integers(0, 3, (2, 3)), [rng.uniform(-1, 1, (2, 3)),
                                                    rng.uniform(-1, 1, 3), rng.uniform(-1, 1)])],
        np.select: [C([x5 > 0.3, x5 < -0.2], [rng.uniform(-1, 1, 5), rng.uniform(-1, 1)],
                      default=rng.uniform(-1, 1, 5)),
                    C([x5 > 0.0], [rng.uniform(-1, 1, 5)])],
        np.extract: [C(x5 > 0.0, rng.uniform(-1, 1, 5))],
        np.fmax: _apart_pairs(C, rng), np.fmin: _apart_pairs(C, rng),
    }


def add_table_cases(cases, make_case, keys):
    """Fill ``cases`` for the ``keys`` it lacks, from the rule table."""
    rng = np.random.default_rng(20261202)
    extra = extra_cases(make_case, rng)
    for key in keys:
        if key in cases:
            continue
        if key in extra:
            cases[key] = extra[key]
            continue
        derived = []
        for e in T.ENTRIES:
            label = e.key or e.label
            if label.startswith("attr:"):
                continue
            obj = label if label.startswith(".") else eval(label, dict(ENV))
            if obj is not key and obj != key:
                continue
            for c in e.cases:
                d = _derive(e, c, rng, make_case)
                if d is not None:
                    derived.append(d)
        if derived:
            cases[key] = derived
