"""The few helpers generated code calls.

Each helper is a plain function that needs only NumPy, so a written derivative
file can carry a copy of the ones it uses and never import tangent_lite.
Names start with ``_`` in generated code; here they are defined without it.
"""

import numpy as np

from .errors import OutputError  # a ValueError; written files raise ValueError itself


class Cotangents(list):
    """The cotangents of the entries of a list or tuple.

    ``+`` adds entry by entry (a plain list would concatenate), also with 0.0 and
    with arrays, so accumulating two contributions is always ``b = b + c``.
    """

    __array_ufunc__ = None  # NumPy defers to __radd__ instead of converting the list

    def __add__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return self
        if isinstance(other, (list, tuple)):
            return Cotangents(add(a, b) for a, b in zip(self, other))
        return Cotangents(add(a, other) for a in self)

    __radd__ = __add__
    __iadd__ = __add__


def _scalar(e):
    return isinstance(e, (int, float, complex, np.generic)) or (
        isinstance(e, np.ndarray) and e.ndim == 0)


def unbroadcast(g, x):
    """Sum the cotangent ``g`` down to the shape of ``x`` (undoes broadcasting)."""
    if type(g) is float and (type(x) is float or type(x) is int):
        return g
    shape = x.shape if isinstance(x, np.ndarray) else np.shape(x)
    if (g.shape if isinstance(g, np.ndarray) else np.shape(g)) == shape:
        return g
    g = np.asarray(g)
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape != shape:
        g = np.broadcast_to(g, shape)
    return g


def dense(b, x):
    """Return an adjoint for ``x`` that may be updated in place."""
    if isinstance(b, Cotangents):
        return b
    if isinstance(b, (list, tuple)):
        return Cotangents(dense(bi, xi) for bi, xi in zip(b, x))
    if isinstance(b, dict):
        return b
    if isinstance(x, dict):
        return {k: dense(0.0, v) for k, v in x.items()}
    if isinstance(b, np.ndarray) and b.shape == np.shape(x) and b.flags.writeable:
        return b
    if isinstance(x, (list, tuple)) and not all(_scalar(e) for e in x):
        return Cotangents(dense(b, xi) if np.ndim(b) == 0 else dense(b[i], xi)
                          for i, xi in enumerate(x))
    if np.ndim(x) == 0:
        return float(b)
    out = np.zeros(np.shape(x))
    if not (np.ndim(b) == 0 and b == 0):
        out += b
    return out


def add_at(b, idx, g):
    """``b[idx] += g`` that also accumulates repeated fancy indices."""
    basic = (int, np.integer, slice, type(None), type(Ellipsis))
    parts = idx if isinstance(idx, tuple) else (idx,)
    if isinstance(b, np.ndarray) and not all(isinstance(p, basic) for p in parts):
        np.add.at(b, idx, g)
    else:
        b[idx] += g
    return b


def add(a, b):
    """Add two cotangents that may be containers (lists, tuples, dicts) or zeros."""
    if isinstance(a, (int, float)) and a == 0 and not isinstance(a, bool):
        return b
    if isinstance(b, (int, float)) and b == 0 and not isinstance(b, bool):
        return a
    if isinstance(a, (list, tuple)):
        return Cotangents(add(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return {k: add(a[k], b[k]) if k in b else a[k] for k in a}
    return a + b


def copy(v):
    """A copy of a value (arrays and lists are copied, scalars kept)."""
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, list):
        return Cotangents(v)
    return v


def spread(e, shape, fresh=False):
    """``np.broadcast_to(1.0, shape) * e`` without the product: a read-only view of
    ``e`` as floats, of the broadcast shape; ``e`` itself when it is a new array
    (``fresh``) that has that shape already."""
    if not (isinstance(e, np.ndarray) and e.dtype.kind in "fc"):
        e = np.asarray(e, dtype=float)
    target = np.broadcast_shapes(e.shape, tuple(shape))
    if fresh and e.shape == target:
        return e
    return np.broadcast_to(e, target)


def scalar_seed(ans):
    """The seed 1.0 of a gradient; the output must be a scalar."""
    if ans is None:
        raise OutputError("grad needs a scalar output; the function returned None")
    if np.ndim(ans) != 0 or isinstance(ans, (list, tuple, dict)):
        raise OutputError(
            "grad needs a scalar output; got a value of shape %s (use vjp for "
            "non-scalar outputs)" % (np.shape(ans),))
    return 1.0


def seed(ans, s):
    """Check a vjp seed against the output's structure and return an owned copy."""
    if isinstance(ans, (list, tuple)):
        if not isinstance(s, (list, tuple)) or len(s) != len(ans):
            raise OutputError("the seed must have the structure of the output: a %s of %d"
                             % (type(ans).__name__, len(ans)))
        return Cotangents(seed(a, si) for a, si in zip(ans, s))
    if isinstance(ans, dict):
        return {k: seed(ans[k], s[k]) for k in ans}
    if np.shape(s) != np.shape(ans):
        raise OutputError("the seed has shape %s but the output has shape %s"
                         % (np.shape(s), np.shape(ans)))
    return np.array(s, dtype=float) if np.ndim(s) else float(s)


def like(g, x):
    """Give the cotangent ``g`` the type and shape of the argument ``x``."""
    if isinstance(x, bool):
        return 0.0
    if isinstance(x, (float, int)):
        return float(np.sum(g)) if np.ndim(g) else float(g)
    if isinstance(x, np.ndarray):
        dtype = x.dtype if np.issubdtype(x.dtype, np.inexact) else float
        if isinstance(g, np.ndarray) and g.shape == x.shape and g.dtype == dtype \
                and g.base is None and g.flags.writeable:
            return g  # an array this derivative made and owns: no copy
        if np.shape(g) != x.shape:
            g = unbroadcast(g, x) if np.ndim(g) > x.ndim else np.broadcast_to(g, x.shape)
        if isinstance(g, np.ndarray) and g.dtype == dtype:
            return g.copy()  # faster than np.array for a broadcast view
        return np.array(g, dtype=dtype)
    if isinstance(x, np.generic):
        return type(x)(g) if np.issubdtype(type(x), np.inexact) else float(g)
    if isinstance(x, (list, tuple)):
        if isinstance(g, (list, tuple)) or (isinstance(g, np.ndarray) and g.ndim > 0):
            out = [like(gi, xi) for gi, xi in zip(g, x)]
        else:
            out = [like(g, xi) for xi in x]
        return type(x)(out) if isinstance(x, tuple) else out
    if isinstance(x, dict):
        if isinstance(g, dict):
            return {k: like(g.get(k, 0.0), v) for k, v in x.items()}
        return {k: like(0.0, v) for k, v in x.items()}
    return g


def expand_reduced(g, x, axis=None, keepdims=False):
    """Broadcast the cotangent of a reduction over ``axis`` back to ``x``'s shape."""
    shape = np.shape(x)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def extremum_grad(g, ans, x, axis=None, keepdims=False):
    """Cotangent of max/min reductions; ties share the cotangent evenly."""
    if axis is not None and not keepdims:
        ans = np.expand_dims(ans, axis)
        g = np.expand_dims(g, axis)
    mask = x == ans
    return mask * (g / np.sum(mask, axis=axis, keepdims=True))  # one pass over x's size


def extremum_jvp(ans, x, dx, axis=None, keepdims=False):
    """Tangent of max/min reductions; ties share it evenly (as the cotangent)."""
    full = ans if axis is None or keepdims else np.expand_dims(ans, axis)
    mask = np.asarray(x) == full
    share = np.where(mask, dx, 0.0) / np.sum(mask, axis=axis, keepdims=True)
    return np.sum(share, axis=axis, keepdims=keepdims)


def zeros_like(x):
    """A zero tangent with the structure of ``x``: 0.0, a float array, or a container."""
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=x.dtype if np.issubdtype(x.dtype, np.inexact)
                        else float)
    if isinstance(x, (list, tuple)):
        out = [zeros_like(v) for v in x]
        return tuple(out) if isinstance(x, tuple) else out
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if x is None or isinstance(x, (bool, str)):
        return None
    return 0.0


def owned(t, x):
    """A tangent for ``x`` that may be updated in place: a fresh copy of ``t``."""
    if isinstance(x, list):
        return [t_ for t_ in t] if isinstance(t, (list, tuple)) else [t] * len(x)
    if isinstance(x, np.ndarray) or np.ndim(t):
        dtype = x.dtype if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.inexact) \
            else float
        return np.array(np.broadcast_to(t, np.shape(x)), dtype=dtype)
    return t


def broadcast_like(t, x):
    """The tangent ``t`` broadcast to the shape of ``x`` (a symbolic zero made it smaller);
    a tuple or list ``t`` (``+`` concatenated sequences) is kept as it is."""
    if isinstance(t, (list, tuple)):
        return t
    shape = np.shape(x)
    if np.shape(t) == shape:
        return t
    return np.broadcast_to(t, shape)


def matmul_gx(g, x, y):
    """Cotangent of ``x`` in ``x @ y`` (1-D operands included)."""
    xd, yd = np.ndim(x), np.ndim(y)
    if xd == 0 or yd == 0:
        return unbroadcast(g * y, x)
    if yd == 1:
        out = np.multiply.outer(g, y) if xd > 1 else g * y
    elif xd == 1:
        out = y @ g if np.ndim(g) == 1 else (y @ g[..., None])[..., 0]
    else:
        out = g @ np.swapaxes(y, -1, -2)
    return unbroadcast(out, x)


def matmul_gy(g, x, y):
    """Cotangent of ``y`` in ``x @ y`` (1-D operands included)."""
    xd, yd = np.ndim(x), np.ndim(y)
    if xd == 0 or yd == 0:
        return unbroadcast(g * x, y)
    if xd == 1:
        out = np.multiply.outer(x, g) if yd > 1 else g * x
    elif yd == 1:
        out = (np.swapaxes(x, -1, -2) @ g[..., None])[..., 0]
    else:
        out = np.swapaxes(x, -1, -2) @ g
    return unbroadcast(out, y)


def seq_sum_grad(g, xs):
    """Cotangent of the builtin ``sum(xs)`` over a list or the first axis of an array."""
    if isinstance(xs, np.ndarray):
        return np.broadcast_to(g, xs.shape)
    return Cotangents(unbroadcast(g, x) for x in xs)


def seq_extremum_grad(g, ans, xs):
    """Cotangent of the builtin ``max(xs)``/``min(xs)`` over one sequence argument."""
    if isinstance(xs, np.ndarray):
        return extremum_grad(g, ans, xs, 0)
    hits = [1.0 if x == ans else 0.0 for x in xs]
    n = sum(hits)
    return Cotangents(g * h / n for h in hits)


def builtin_extremum_grad(g, ans, x, *rest):
    """Cotangents of the builtin ``max``/``min``; ties share the cotangent evenly."""
    if not rest:
        return seq_extremum_grad(g, ans, x)
    args = (x,) + rest
    ties = sum(1.0 for a in args if a == ans)
    return tuple(g / ties if a == ans else 0.0 for a in args)


def item_grad(g, x, index):
    """Cotangent of ``x.item(*index)``: ``g`` at that position, zeros elsewhere."""
    out = np.zeros(np.shape(x))
    if not index:
        out[...] = g
    elif len(index) == 1:
        out.flat[index[0]] = g
    else:
        out[index] = g
    return out if np.ndim(x) else float(out)


def _einsum_parts(subscripts, n, operands=None):
    spec = subscripts.replace(" ", "")
    if "..." in spec:
        # spell the ellipsis out with letters the subscripts do not use
        free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                if c not in spec]
        ins_part, arrow, out_part = spec.partition("->")
        ins = ins_part.split(",")
        dims = [np.ndim(o) - (len(s) - 3) if "..." in s else 0 for s, o in zip(ins, operands)]
        most = max(dims) if dims else 0
        ell = "".join(free[:most])
        ins = [s.replace("...", ell[most - d:]) for s, d in zip(ins, dims)]
        if arrow:
            out_part = out_part.replace("...", ell)
        else:
            letters = "".join(ins).replace(ell, "")
            out_part = ell + "".join(sorted(c for c in set(letters)
                                            if "".join(ins).count(c) == 1))
        spec = ",".join(ins) + "->" + out_part
    if "->" in spec:
        ins, out = spec.split("->")
    else:
        ins = spec
        letters = ins.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = ins.split(",")
    if len(ins) != n:
        raise ValueError("einsum subscripts do not match the number of operands")
    return ins, out


def einsum_grad(g, subscripts, operands, k):
    """Cotangent of operand ``k`` of ``np.einsum(subscripts, *operands)``."""
    ins, out = _einsum_parts(subscripts, len(operands), operands)
    target = ins[k]
    others = [ins[j] for j in range(len(ins)) if j != k]
    ops = [operands[j] for j in range(len(ins)) if j != k]
    available = set(out) | set("".join(others))
    unique = "".join(dict.fromkeys(target))
    kept = "".join(c for c in unique if c in available)
    res = np.einsum(",".join([out] + others) + "->" + kept, g, *ops)
    shape = np.shape(operands[k])
    sizes = dict(zip(target, shape))
    # indices summed inside operand k alone: the cotangent is constant along them
    full = np.broadcast_to(
        np.expand_dims(res, tuple(i for i, c in enumerate(unique) if c not in available)),
        [sizes[c] for c in unique])
    if unique == target:
        return np.array(full)
    # repeated indices (a diagonal): scatter onto the diagonal positions
    out_arr = np.zeros(shape)
    np.einsum(target + "->" + unique, out_arr)[...] = full
    return out_arr


def einsum_grad_jvp(g, dg, subscripts, operands, doperands, k):
    """Tangent of ``einsum_grad(g, subscripts, operands, k)``: one term per argument (a
    zero tangent may also be ``None``)."""
    out = 0.0 if _nil(dg) else einsum_grad(dg, subscripts, operands, k)
    for j, d in enumerate(doperands):
        if j != k and not _nil(d):
            ops = list(operands)
            ops[j] = d
            out = out + einsum_grad(g, subscripts, ops, k)
    return out


def concatenate_grad(g, arrays, axis=0):
    """Cotangents of the pieces of ``np.concatenate(arrays, axis)``."""
    sizes = [np.shape(a)[axis] if np.ndim(a) else 1 for a in arrays]
    return Cotangents(np.split(g, np.cumsum(sizes)[:-1], axis=axis))


def stack_grad(g, arrays, axis=0):
    """Cotangents of the pieces of ``np.stack(arrays, axis)``."""
    return Cotangents(np.take(g, k, axis=axis) for k in range(len(arrays)))


def prod_grad(g, ans, x, axis=None, keepdims=False):
    """Cotangent of ``np.prod``; exact when some factors are zero."""
    x = np.asarray(x, dtype=float)
    if axis is None:
        flat = x.ravel()
        left = np.concatenate(([1.0], np.cumprod(flat[:-1])))
        right = np.concatenate((np.cumprod(flat[::-1][:-1])[::-1], [1.0]))
        return (g * left * right).reshape(x.shape)
    moved = np.moveaxis(x, axis, -1)
    ones = np.ones(moved.shape[:-1] + (1,))
    left = np.concatenate((ones, np.cumprod(moved[..., :-1], axis=-1)), axis=-1)
    right = np.concatenate((np.cumprod(moved[..., ::-1][..., :-1], axis=-1)[..., ::-1], ones),
                           axis=-1)
    gg = g if keepdims else np.expand_dims(g, axis)
    return np.moveaxis(left * right, -1, axis) * gg


def var_grad(g, x, axis=None, ddof=0, keepdims=False):
    """Cotangent of ``np.var(x, axis, ddof=ddof)``."""
    n = np.size(x) if axis is None else np.shape(x)[axis]
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return g * 2.0 * (x - np.mean(x, axis=axis, keepdims=True)) / (n - ddof)


def std_grad(g, x, axis=None, ddof=0, keepdims=False):
    """Cotangent of ``np.std(x, axis, ddof=ddof)``: (x - mean) / ((n - ddof) * std).

    Computed from the deviations rescaled by their largest magnitude, so it stays
    right where the variance underflows (deviations of 1e-170) or overflows (1e300);
    0 where all deviations are 0: the std is a norm of them, and a norm's gradient
    is 0 at 0 (instead of 0 / 0).
    """
    n = np.size(x) if axis is None else np.shape(x)[axis]
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    d = x - np.mean(x, axis=axis, keepdims=True)
    big = np.max(np.abs(d), axis=axis, keepdims=True) if np.size(x) else 1.0
    ds = d / np.where(big == 0, 1.0, big)
    s = np.sqrt(np.sum(ds * ds, axis=axis, keepdims=True) / (n - ddof))
    return np.where(s == 0, 0.0, g * ds / ((n - ddof) * np.where(s == 0, 1.0, s)))


def norm_grad(g, ans, x, ord=None, axis=None, keepdims=False):
    """Cotangent of ``np.linalg.norm`` for the 2-norm (Frobenius for matrices) and the
    1-norm of vectors; 0 where the norm is 0."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
        ans = np.expand_dims(ans, axis)
    if ord in (None, 2, "fro") and (ord != 2 or np.ndim(x) == 1 or axis is not None):
        # x / |x| from x rescaled by its largest entry: |x| itself squares the entries,
        # so it overflows past ~1e154 and underflows below ~1e-154 where x / |x| is fine
        big = np.max(np.abs(x), axis=axis, keepdims=True) if np.size(x) else 1.0
        xs = x / np.where(big == 0, 1.0, big)
        n = np.sqrt(np.sum(xs * xs, axis=axis, keepdims=True))
        return np.where(n == 0, 0.0, g * xs / np.where(n == 0, 1.0, n))
    if ord == 1 and (np.ndim(x) == 1 or axis is not None):
        return g * np.sign(x)
    if ord in (np.inf, -np.inf) and (np.ndim(x) == 1 or axis is not None):
        hits = np.abs(x) == ans  # ties share the cotangent
        return g * np.sign(x) * hits / np.sum(hits, axis=axis, keepdims=True)
    if ord in (2, -2) and np.ndim(x) == 2 and axis is None:
        u, s, vt = np.linalg.svd(x)
        k = 0 if ord == 2 else len(s) - 1
        return g * np.outer(u[:, k], vt[k])
    raise ValueError("the norm rule covers ord=None, 2 (vectors), 'fro' and 1 (vectors)")


def inner_grad(g, x, y, wrt_y=False):
    """Cotangent of ``x`` (or of ``y``) in ``np.inner(x, y)``: sums over the last axes."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * (x if wrt_y else y), y if wrt_y else x)
    xd, yd = np.ndim(x), np.ndim(y)
    if not wrt_y:
        # g has shape x.shape[:-1] + y.shape[:-1]
        return np.tensordot(g, y, axes=(list(range(xd - 1, xd + yd - 2)), list(range(yd - 1))))
    out = np.tensordot(g, x, axes=(list(range(xd - 1)), list(range(xd - 1))))
    return out


def inside(x, lo, hi):
    """1 where ``np.clip`` passes ``x`` through (bounds included), else 0."""
    if lo is None and hi is None:
        return np.ones(np.shape(x))
    if lo is None:
        mask = np.less_equal(x, hi)
    elif hi is None:
        mask = np.greater_equal(x, lo)
    else:
        mask = np.greater_equal(x, lo)
        mask = mask & np.less_equal(x, hi)
    return np.asarray(mask, dtype=float)


def vstack_grad(g, arrays):
    """Cotangents of the pieces of ``np.vstack(arrays)`` (1-D pieces are rows)."""
    sizes = [np.shape(a)[0] if np.ndim(a) > 1 else 1 for a in arrays]
    parts = np.split(g, np.cumsum(sizes)[:-1], axis=0)
    return Cotangents(np.reshape(p, np.shape(a)) for p, a in zip(parts, arrays))


def hstack_grad(g, arrays):
    """Cotangents of the pieces of ``np.hstack(arrays)``."""
    axis = 0 if np.ndim(g) == 1 else 1
    sizes = [np.shape(a)[axis] if np.ndim(a) else 1 for a in arrays]
    parts = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    return Cotangents(np.reshape(p, np.shape(a)) for p, a in zip(parts, arrays))


def from_items(g, x):
    """Cotangent of ``list(x)``: an array again when ``x`` was an array."""
    if isinstance(x, np.ndarray):
        if isinstance(g, (list, tuple)):
            return np.reshape(np.array([np.broadcast_to(gi, x.shape[1:]) for gi in g]),
                              x.shape) if len(g) else np.zeros(x.shape)
        return np.broadcast_to(g, x.shape)
    if isinstance(g, (list, tuple)):
        return Cotangents(g)
    return g


def diag_grad(g, x, k=0):
    """Cotangent of ``np.diag(x, k)`` for a matrix ``x``: ``g`` on that diagonal."""
    out = np.zeros(np.shape(x))
    n = len(g)
    rows = np.arange(n) + max(-k, 0)
    cols = np.arange(n) + max(k, 0)
    out[rows, cols] = g
    return out


def tensordot_grad(g, a, b, axes=2, wrt_b=False):
    """Cotangent of ``a`` (or ``b``) in ``np.tensordot(a, b, axes)``."""
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, int):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    ax_a = [i % na for i in ax_a]
    ax_b = [i % nb for i in ax_b]
    free_a = [i for i in range(na) if i not in ax_a]
    free_b = [i for i in range(nb) if i not in ax_b]
    ng = np.ndim(g)
    if not wrt_b:
        # g: free_a + free_b; contract g's free_b part with b's free axes
        res = np.tensordot(g, b, axes=(list(range(len(free_a), ng)), free_b))
        # res axes: free_a then ax_b (in b order) -> put back into a's order
        order = free_a + [ax_a[ax_b.index(j)] for j in sorted(ax_b)]
        return np.transpose(res, np.argsort(order))
    res = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    # res axes: ax_a (in a order) then free_b
    order = [ax_b[ax_a.index(i)] for i in sorted(ax_a)] + free_b
    return np.transpose(res, np.argsort(order))


def sinc_grad(x):
    """Derivative of ``np.sinc`` (sin(pi x) / (pi x)); 0 at x = 0.

    cos(pi x) / x - sin(pi x) / (pi x**2), with the angle reduced exactly first
    (pi * fmod(x, 2)): pi * x itself is rounded, which ruins cos and sin for large x.
    Near 0 the two terms cancel, so |pi x| < 1 uses the Taylor series instead.
    """
    x = np.asarray(x, dtype=float)
    safe = np.where(x == 0, 1.0, x)
    r = np.pi * np.fmod(safe, 2.0)
    far = (np.cos(r) - np.sin(r) / (np.pi * safe)) / safe
    t = np.pi * np.where(np.abs(safe) < 0.5, safe, 0.0)
    term = -t / 3.0  # d/dt sin(t)/t = sum_k (-1)^k 2k t^(2k-1) / (2k+1)!, here |t| < pi/2
    near = term
    for k in range(1, 12):
        term = term * (-t * t) / (2 * k * (2 * k + 3))
        near = near + term
    return np.where(x == 0, 0.0, np.where(np.abs(safe) < 0.5, np.pi * near, far))


def tile_grad(g, x, reps):
    """Cotangent of ``np.tile(x, reps)``: the tiles summed."""
    shape = np.shape(x)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    nd = max(len(shape), len(reps))
    shape = (1,) * (nd - len(shape)) + shape
    reps = (1,) * (nd - len(reps)) + reps
    split = []
    for r, n in zip(reps, shape):
        split += [r, n]
    out = np.reshape(g, split).sum(axis=tuple(range(0, 2 * nd, 2)))
    return np.reshape(out, np.shape(x))


def repeat_grad(g, x, repeats, axis=None):
    """Cotangent of ``np.repeat(x, repeats, axis)``."""
    if axis is None:
        flat = np.ravel(x)
        idx = np.repeat(np.arange(flat.size), repeats)
        out = np.zeros(flat.size)
        np.add.at(out, idx, np.ravel(g))
        return np.reshape(out, np.shape(x))
    n = np.shape(x)[axis]
    idx = np.repeat(np.arange(n), repeats)
    out = np.zeros(np.shape(x))
    moved = np.moveaxis(out, axis, 0)
    np.add.at(moved, idx, np.moveaxis(g, axis, 0))
    return out


def pad_grad(g, x, pad_width, mode="constant"):
    """Cotangent of ``np.pad(x, pad_width)`` in constant mode: the middle of ``g``."""
    if mode != "constant":
        raise ValueError("the pad rule covers mode='constant'")
    widths = np.broadcast_to(np.asarray(pad_width), (np.ndim(x), 2))
    index = tuple(slice(int(lo), g.shape[i] - int(hi)) for i, (lo, hi) in enumerate(widths))
    return g[index]


def take_grad(g, x, indices, axis=None):
    """Cotangent of ``np.take(x, indices, axis)``; repeated indices accumulate."""
    out = np.zeros(np.shape(x))
    if axis is None:
        flat = out.reshape(-1)
        np.add.at(flat, np.ravel(indices), np.ravel(g))
        return out
    moved = np.moveaxis(out, axis, 0)
    np.add.at(moved, indices, np.moveaxis(g, axis, 0) if np.ndim(indices) else g)
    return out


def kron_grad(g, a, b, wrt_b=False):
    """Cotangent of ``a`` (or ``b``) in ``np.kron(a, b)`` for 1-D or 2-D operands."""
    a2, b2 = np.atleast_2d(a), np.atleast_2d(b)
    (ma, na), (mb, nb) = a2.shape, b2.shape
    g4 = np.reshape(g, (ma, mb, na, nb))
    if not wrt_b:
        return np.reshape(np.einsum("ikjl,kl->ij", g4, b2), np.shape(a))
    return np.reshape(np.einsum("ikjl,ij->kl", g4, a2), np.shape(b))


def pinv_grad(g, ans, a):
    """Cotangent of ``np.linalg.pinv(a)`` (full-rank case)."""
    p, pt, gt = ans, np.swapaxes(ans, -1, -2), g
    eye_m = np.eye(np.shape(a)[-2])
    eye_n = np.eye(np.shape(a)[-1])
    return (-pt @ gt @ pt
            + (eye_m - a @ p).T @ np.swapaxes(gt, -1, -2) @ p @ pt
            + pt @ p @ np.swapaxes(gt, -1, -2) @ (eye_n - p @ a).T)


# ---------------------------------------------------------------- helpers of rules/more.py


def _lanes(x, axis):
    """``x`` with ``axis`` moved last (flattened when ``axis`` is None)."""
    x = np.asarray(x, dtype=float)
    if axis is None:
        return x.reshape(1, -1)
    return np.moveaxis(x, axis, -1)


def _unlanes(out, x, axis):
    if axis is None:
        return out.reshape(np.shape(x))
    return np.moveaxis(out, -1, axis)


def _lane_g(g, x, axis, keepdims):
    """The cotangent of a reduction over ``axis`` shaped like ``_lanes(x)[..., 0]``."""
    if axis is None:
        return np.reshape(g, (1,))
    if keepdims:
        g = np.squeeze(g, axis)
    return np.asarray(g, dtype=float)


def cumprod_grad(g, ans, x, axis=None):
    """Cotangent of ``np.cumprod(x, axis)``; exact also when ``x`` has zeros."""
    xs = _lanes(x, axis)
    gs = np.reshape(g, xs.shape) if axis is None else np.moveaxis(np.asarray(g, float), axis, -1)
    ps = np.reshape(ans, xs.shape) if axis is None else np.moveaxis(np.asarray(ans), axis, -1)
    zero = np.any(xs == 0, axis=-1, keepdims=True)
    safe = np.where(xs == 0, 1.0, xs)
    # lanes without zeros: dx_i = sum_{j >= i} g_j ans_j / x_i
    out = np.flip(np.cumsum(np.flip(gs * ps, -1), -1), -1) / safe
    if np.any(zero):
        n = xs.shape[-1]
        for lane in zip(*np.nonzero(zero[..., 0])):
            xl, gl = xs[lane], gs[lane]
            res = np.zeros(n)
            for i in range(n):
                others = xl.copy()
                others[i] = 1.0
                res[i] = np.sum(gl[i:] * np.cumprod(others)[i:])
            out[lane] = res
    return _unlanes(out, x, axis)


def sort_grad(g, x, axis=-1):
    """Cotangent of ``np.sort(x, axis)``: ``g`` sent back through the permutation."""
    if axis is None:
        order = np.argsort(np.ravel(x), kind="stable")
        out = np.zeros(np.size(x))
        out[order] = np.ravel(g)
        return out.reshape(np.shape(x))
    order = np.argsort(x, axis=axis, kind="stable")
    out = np.zeros(np.shape(x))
    np.put_along_axis(out, order, np.asarray(g, dtype=float), axis=axis)
    return out


def median_grad(g, x, axis=None, keepdims=False):
    """Cotangent of ``np.median``: the middle entry, or half to each of the two middle ones."""
    xs = _lanes(x, axis)
    gs = _lane_g(g, x, axis, keepdims)
    n = xs.shape[-1]
    w = np.zeros(n)
    if n % 2:
        w[n // 2] = 1.0
    else:
        w[n // 2 - 1] = w[n // 2] = 0.5
    order = np.argsort(xs, axis=-1, kind="stable")
    out = np.zeros(xs.shape)
    np.put_along_axis(out, order, gs[..., None] * w, axis=-1)
    return _unlanes(out, x, axis)


def nanvar_grad(g, x, axis=None, ddof=0, keepdims=False):
    """Cotangent of ``np.nanvar``: NaN entries get 0."""
    x = np.asarray(x, dtype=float)
    ok = ~np.isnan(x)
    n = np.sum(ok, axis=axis, keepdims=True)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    dev = np.where(ok, x - np.nanmean(x, axis=axis, keepdims=True), 0.0)
    return g * 2.0 * dev / (n - ddof)


def average_grad(g, a, axis=None, weights=None, keepdims=False, wrt_weights=False,
                 returned=False):
    """Cotangent of ``a`` (or of ``weights``) in ``np.average(a, axis, weights)``."""
    if returned:
        raise ValueError("the average rule does not cover returned=True; compute the sum "
                         "of the weights with np.sum")
    a = np.asarray(a, dtype=float)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    if weights is None:
        axes = range(a.ndim) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
        n = int(np.prod([a.shape[i] for i in axes]))
        return None if wrt_weights else np.broadcast_to(g / n, a.shape)
    w = np.asarray(weights, dtype=float)
    if w.shape != a.shape:  # 1-D weights along axis
        shape = [1] * a.ndim
        shape[axis] = w.size
        wb = w.reshape(shape)
    else:
        wb = w
    sw = np.sum(np.broadcast_to(wb, a.shape), axis=axis, keepdims=True)
    if not wrt_weights:
        return np.broadcast_to(g * wb / sw, a.shape)
    avg = np.sum(a * wb, axis=axis, keepdims=True) / sw
    full = g * (a - avg) / sw
    if w.shape == a.shape:
        return full
    return np.sum(full, axis=tuple(i for i in range(a.ndim) if i != axis)).reshape(w.shape)


def diagonal_grad(g, a, offset=0, axis1=0, axis2=1):
    """Cotangent of ``np.diagonal(a, offset, axis1, axis2)``: ``g`` on that diagonal."""
    out = np.zeros(np.shape(a))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n = np.shape(g)[-1]
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)
    view[..., rows, cols] = g
    return out


def trace_grad(g, a, offset=0, axis1=0, axis2=1):
    """Cotangent of ``np.trace(a, offset, axis1, axis2)`` (no in-place update, so that
    generated code calling it can be differentiated again)."""
    shape = np.shape(a)
    n, m = shape[axis1], shape[axis2]
    eye = np.eye(n, m, offset)
    out = np.expand_dims(np.asarray(g, dtype=float), (-2, -1)) * eye
    return np.moveaxis(out, (-2, -1), (axis1 % len(shape), axis2 % len(shape)))


def split_pieces_grad(g, pieces, axis=0):
    """Cotangent of the array cut by ``np.split``/``array_split``/``hsplit``… into ``pieces``."""
    return np.concatenate([np.zeros(np.shape(p)) + gi for p, gi in zip(pieces, g)], axis)


def column_stack_grad(g, arrays):
    """Cotangents of the pieces of ``np.column_stack(arrays)`` (1-D pieces are columns)."""
    sizes = [np.shape(a)[1] if np.ndim(a) > 1 else 1 for a in arrays]
    parts = np.split(g, np.cumsum(sizes)[:-1], axis=1)
    return Cotangents(np.reshape(p, np.shape(a)) for p, a in zip(parts, arrays))


def dstack_grad(g, arrays):
    """Cotangents of the pieces of ``np.dstack(arrays)``."""
    sizes = [np.shape(a)[2] if np.ndim(a) > 2 else 1 for a in arrays]
    parts = np.split(g, np.cumsum(sizes)[:-1], axis=2)
    return Cotangents(np.reshape(p, np.shape(a)) for p, a in zip(parts, arrays))


def append_grad(g, arr, values, axis=None, wrt_values=False):
    """Cotangent of ``arr`` (or ``values``) in ``np.append(arr, values, axis)``."""
    if axis is None:
        n = np.size(arr)
        part = np.ravel(g)[n:] if wrt_values else np.ravel(g)[:n]
        return np.reshape(part, np.shape(values) if wrt_values else np.shape(arr))
    n = np.shape(arr)[axis]
    index = [slice(None)] * np.ndim(g)
    index[axis] = slice(n, None) if wrt_values else slice(0, n)
    return g[tuple(index)]


def take_along_axis_grad(g, x, indices, axis=-1):
    """Cotangent of ``np.take_along_axis(x, indices, axis)``; repeated indices accumulate."""
    out = np.zeros(np.shape(x))
    if axis is None:
        np.add.at(out.reshape(-1), np.ravel(indices), np.ravel(g))
        return out
    nd = out.ndim
    axis = axis % nd
    shape = np.broadcast_shapes(np.shape(indices), tuple(
        1 if i == axis else n for i, n in enumerate(out.shape)))
    index = []
    for i in range(nd):
        if i == axis:
            index.append(np.broadcast_to(indices, shape))
        else:
            r = np.arange(shape[i]).reshape([-1 if j == i else 1 for j in range(nd)])
            index.append(np.broadcast_to(r, shape))
    np.add.at(out, tuple(index), np.broadcast_to(g, shape))
    return out


def choose_grad(g, a, choices):
    """Cotangents of the ``choices`` of ``np.choose(a, choices)``."""
    return Cotangents(unbroadcast(np.where(a == k, g, 0.0), c) for k, c in enumerate(choices))


def select_grad(g, condlist, choicelist, default=0):
    """Cotangents ``(None, choices, default)`` of ``np.select``: the first true condition wins."""
    taken = np.zeros(np.shape(g), dtype=bool)
    parts = []
    for c, x in zip(condlist, choicelist):
        pick = np.logical_and(c, ~taken)
        parts.append(unbroadcast(np.where(pick, g, 0.0), x))
        taken = taken | pick
    return None, Cotangents(parts), unbroadcast(np.where(taken, 0.0, g), default)


def compress_grad(g, condition, a, axis=None):
    """Cotangent of ``np.compress(condition, a, axis)`` (and of ``np.extract``)."""
    out = np.zeros(np.shape(a))
    keep = np.nonzero(np.ravel(condition))[0]
    if axis is None:
        out.reshape(-1)[keep] = g
        return out
    index = [slice(None)] * out.ndim
    index[axis] = keep
    out[tuple(index)] = g
    return out


def unique_grad(g, x):
    """Cotangent of ``np.unique(x)``: a value repeated in ``x`` shares its cotangent evenly."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    inverse = np.ravel(inverse)
    return np.reshape(np.asarray(g, float)[inverse] / counts[inverse], np.shape(x))


def meshgrid_grad(g, xs, indexing="xy"):
    """Cotangents of the inputs of ``np.meshgrid(*xs, indexing=...)``."""
    n = len(xs)
    out = []
    for k, (gk, x) in enumerate(zip(g, xs)):
        if np.ndim(gk) == 0:
            out.append(np.zeros(np.shape(x)) + gk * (np.size(g[0]) // max(np.size(x), 1)))
            continue
        axis = k
        if indexing == "xy" and n > 1 and k < 2:
            axis = 1 - k
        others = tuple(i for i in range(np.ndim(gk)) if i != axis)
        out.append(np.reshape(np.sum(gk, axis=others), np.shape(x)))
    return tuple(out)


def vecdot_grad(g, x, y, axis=-1):
    """Cotangent of ``x`` in ``np.vecdot(x, y, axis)`` (before undoing broadcasting)."""
    return np.expand_dims(g, axis) * np.conj(y)


def multi_dot_grad(g, arrays):
    """Cotangents of the matrices of ``np.linalg.multi_dot(arrays)``."""
    mats = [np.asarray(a, dtype=float) for a in arrays]
    first_1d, last_1d = mats[0].ndim == 1, mats[-1].ndim == 1
    if first_1d:
        mats[0] = mats[0][None, :]
    if last_1d:
        mats[-1] = mats[-1][:, None]
    gm = np.asarray(g, dtype=float)
    gm = gm.reshape(mats[0].shape[0], mats[-1].shape[1])
    n = len(mats)
    left = [np.eye(mats[0].shape[0])]
    for m in mats[:-1]:
        left.append(left[-1] @ m)
    right = [np.eye(mats[-1].shape[1])]
    for m in mats[:0:-1]:
        right.append(m @ right[-1])
    right = right[::-1]
    return Cotangents(np.reshape(left[k].T @ gm @ right[k].T, np.shape(arrays[k]))
                      for k in range(n))


def matrix_power_grad(g, a, n):
    """Cotangent of ``np.linalg.matrix_power(a, n)``."""
    a = np.asarray(a, dtype=float)
    if n < 0:
        b = np.linalg.inv(a)
        gb = matrix_power_grad(g, b, -n)
        bt = np.swapaxes(b, -1, -2)
        return -bt @ gb @ bt
    if n == 0:
        return np.zeros(a.shape)
    at = np.swapaxes(a, -1, -2)
    powers = [np.broadcast_to(np.eye(a.shape[-1]), a.shape)]
    for _ in range(n - 1):
        powers.append(powers[-1] @ at)
    out = np.zeros(a.shape)
    for k in range(n):
        out = out + powers[k] @ g @ powers[n - 1 - k]
    return out


def _lower_part(s, uplo="L"):
    """The cotangent of a symmetric-matrix input that NumPy reads from one triangle only."""
    st = np.swapaxes(s, -1, -2)
    n = s.shape[-1]
    tri = np.tril(np.ones((n, n)), -1) if uplo == "L" else np.triu(np.ones((n, n)), 1)
    return s * np.eye(n) + (s + st) * tri


def cholesky_grad(g, L):
    """Cotangent of ``np.linalg.cholesky(a)`` (NumPy reads the lower triangle of ``a``)."""
    n = L.shape[-1]
    linv = np.linalg.inv(L)
    p = np.swapaxes(L, -1, -2) @ g
    phi = np.tril(p) * (1.0 - 0.5 * np.eye(n))
    s = np.swapaxes(linv, -1, -2) @ phi @ linv
    return _lower_part(0.5 * (s + np.swapaxes(s, -1, -2)))


def eigh_grad(g, ans, uplo="L"):
    """Cotangent of ``np.linalg.eigh(a)``; eigenvalues must be distinct for ``v``'s part."""
    w, v = ans
    gw, gv = g
    n = w.shape[-1]
    vt = np.swapaxes(v, -1, -2)
    s = (v * np.asarray(gw, dtype=float)[..., None, :]) @ vt
    if np.any(gv):
        gv = np.broadcast_to(gv, v.shape)
        diff = w[..., None, :] - w[..., :, None]
        f = (1.0 - np.eye(n)) / (diff + np.eye(n))
        s = s + v @ (f * (vt @ gv)) @ vt
    return _lower_part(0.5 * (s + np.swapaxes(s, -1, -2)), uplo)


def eigvalsh_grad(g, a, uplo="L"):
    """Cotangent of ``np.linalg.eigvalsh(a)``."""
    w, v = np.linalg.eigh(a, uplo)
    s = (v * np.asarray(g, dtype=float)[..., None, :]) @ np.swapaxes(v, -1, -2)
    return _lower_part(s, uplo)


def qr_grad(g, ans, a, mode="reduced"):
    """Cotangent of ``np.linalg.qr(a)`` (reduced, ``a`` with at least as many rows as columns)."""
    if mode != "reduced":
        raise ValueError("the qr rule covers mode='reduced'")
    q, r = ans
    gq, gr = g
    m, n = np.shape(a)[-2:]
    if m < n:
        raise ValueError("the qr rule covers matrices with at least as many rows as columns")
    gq = np.broadcast_to(gq, np.shape(q))
    gr = np.broadcast_to(gr, np.shape(r))
    mm = r @ np.swapaxes(gr, -1, -2) - np.swapaxes(gq, -1, -2) @ q
    low = np.tril(mm, -1)
    sym = low + np.swapaxes(low, -1, -2) + mm * np.eye(n)
    b = gq + q @ sym
    # b @ r^-T
    out = np.swapaxes(np.linalg.solve(r, np.swapaxes(b, -1, -2)), -1, -2)
    return out


def svd_grad(g, ans, a, full_matrices=True, compute_uv=True):
    """Cotangent of ``np.linalg.svd(a)`` (distinct nonzero singular values for u and vh)."""
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    if not compute_uv:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return (u * np.asarray(g, dtype=float)[..., None, :]) @ vh
    if full_matrices and m != n:
        raise ValueError("the svd rule covers full_matrices=False (or square matrices)")
    u, s, vh = ans
    gu, gs, gvh = g
    gu = np.broadcast_to(gu, np.shape(u))
    gs = np.broadcast_to(gs, np.shape(s))
    gvh = np.broadcast_to(gvh, np.shape(vh))
    v = np.swapaxes(vh, -1, -2)
    gv = np.swapaxes(gvh, -1, -2)
    eye = np.eye(k)
    s2 = s * s
    f = (1.0 - eye) / (s2[..., None, :] - s2[..., :, None] + eye)
    utgu = np.swapaxes(u, -1, -2) @ gu
    vtgv = np.swapaxes(v, -1, -2) @ gv
    t = (f * (utgu - np.swapaxes(utgu, -1, -2))) * s[..., None, :]
    t = t + eye * gs[..., :, None]
    t = t + s[..., :, None] * (f * (vtgv - np.swapaxes(vtgv, -1, -2)))
    out = u @ t @ vh
    if m < n:
        proj = np.eye(n) - v @ vh
        out = out + (u / s[..., None, :]) @ np.swapaxes(gv, -1, -2) @ proj
    elif m > n:
        proj = np.eye(m) - u @ np.swapaxes(u, -1, -2)
        out = out + proj @ gu @ (vh / s[..., :, None])
    return out


def lstsq_grad(g, ans, a, b):
    """Cotangents ``(a, b, None)`` of ``np.linalg.lstsq(a, b)`` for ``a`` of full column rank."""
    x, res, rank, sv = ans
    gx, gres, _, gsv = g
    a = np.asarray(a, dtype=float)
    m, n = a.shape
    if rank < n:
        raise ValueError("the lstsq rule needs a matrix of full column rank")
    vec = np.ndim(b) == 1
    x2 = x[:, None] if vec else x
    b2 = np.asarray(b, dtype=float)[:, None] if vec else np.asarray(b, dtype=float)
    gx2 = np.reshape(np.broadcast_to(gx, np.shape(x)), x2.shape)
    r = b2 - a @ x2
    z = np.linalg.solve(a.T @ a, gx2)
    ga = r @ z.T - (a @ z) @ x2.T
    gb = a @ z
    if np.size(res) and np.any(gres):
        gr = np.broadcast_to(gres, np.shape(res)).reshape(1, -1)
        ga = ga - 2.0 * (r * gr) @ x2.T
        gb = gb + 2.0 * r * gr
    if np.any(gsv):
        u, _, vh = np.linalg.svd(a, full_matrices=False)
        ga = ga + (u * np.broadcast_to(gsv, np.shape(sv))) @ vh
    return ga, (gb[:, 0] if vec else gb), None


def diff_grad(g, x, n=1, axis=-1):
    """Cotangent of ``np.diff(x, n, axis)``: the adjoint of differencing, ``n`` times."""
    g = np.asarray(g, dtype=float)
    for _ in range(n):
        pad = [(0, 0)] * g.ndim
        pad[axis] = (1, 0)
        left = np.pad(g, pad)
        pad[axis] = (0, 1)
        g = left - np.pad(g, pad)
    return np.reshape(g, np.shape(x))


def convolve_grad(g, a, v, mode="full", wrt_v=False):
    """Cotangent of ``a`` (or ``v``) in ``np.convolve(a, v, mode)``."""
    a, v = np.ravel(a), np.ravel(v)
    n, m = a.size, v.size
    full = np.zeros(n + m - 1)
    if mode == "full":
        start = 0
    elif mode == "same":
        start = (min(n, m) - 1) // 2
    elif mode == "valid":
        start = min(n, m) - 1
    else:
        raise ValueError("unknown convolve mode %r" % (mode,))
    full[start:start + np.size(g)] = np.ravel(g)
    other = a if wrt_v else v
    return np.correlate(full, other, mode="valid")


def seq_sum_jvp(dxs, xs):
    """Tangent of the builtin ``sum(xs)``: the sum of the entries' tangents."""
    if isinstance(xs, np.ndarray):
        return np.sum(dxs, axis=0)
    total = 0.0
    for d in dxs:
        if d is not None:
            total = total + d
    return total


# ---------------------------------------------------------------- forward-mode helpers


def builtin_extremum_jvp(ans, x, rest, dx, drest):
    """Tangent of the builtin ``max``/``min``; ties share it evenly (as the cotangent)."""
    if not rest:
        if isinstance(x, np.ndarray):
            return extremum_jvp(ans, x, dx, 0)
        hits = [1.0 if xi == ans else 0.0 for xi in x]
        return sum(h * t for h, t in zip(hits, dx)) / sum(hits)
    args = (x,) + tuple(rest)
    tangents = (dx,) + tuple(drest)
    hits = [1.0 if a == ans else 0.0 for a in args]
    return sum(h * t for h, t in zip(hits, tangents)) / sum(hits)


def einsum_jvp(subscripts, operands, doperands):
    """Tangent of ``np.einsum(subscripts, *operands)``: each operand replaced by its
    tangent in turn, the terms summed (zero tangents skipped)."""
    out = 0.0
    for k, d in enumerate(doperands):
        if np.ndim(d) == 0 and d == 0:
            continue
        ops = list(operands)
        ops[k] = d
        out = out + np.einsum(subscripts, *ops)
    return out


def prod_jvp(ans, x, dx, axis=None, keepdims=False):
    """Tangent of ``np.prod``: exact when some factors are zero (products of the others)."""
    others = prod_grad(np.ones(np.shape(ans)), ans, x, axis, keepdims)
    return np.sum(others * dx, axis=axis, keepdims=keepdims)


def norm_jvp(ans, x, dx, ord=None, axis=None, keepdims=False):
    """Tangent of ``np.linalg.norm`` for the cases ``norm_grad`` covers; 0 where the
    2-norm is 0, ties of the inf-norm share the tangent."""
    axis = norm_axes(x, ord, axis)
    full = ans if axis is None or keepdims else np.expand_dims(ans, axis)
    if ord in (None, 2, "fro") and (ord != 2 or np.ndim(x) == 1 or axis is not None):
        safe = np.where(full == 0, 1.0, full)
        out = np.where(full == 0, 0.0, x * dx / safe)
        return np.sum(out, axis=axis, keepdims=keepdims)
    if ord == 1 and (np.ndim(x) == 1 or axis is not None):
        return np.sum(np.sign(x) * dx, axis=axis, keepdims=keepdims)
    if ord in (np.inf, -np.inf) and (np.ndim(x) == 1 or axis is not None):
        hits = np.abs(x) == full
        share = np.sign(x) * hits * dx / np.sum(hits, axis=axis, keepdims=True)
        return np.sum(share, axis=axis, keepdims=keepdims)
    if ord in (2, -2) and np.ndim(x) == 2 and axis is None:
        u, s, vt = np.linalg.svd(x)
        k = 0 if ord == 2 else len(s) - 1
        out = u[:, k] @ dx @ vt[k]
        return np.reshape(out, (1, 1)) if keepdims else out
    raise ValueError("the norm rule covers ord=None, 2 (vectors), 'fro' and 1 (vectors)")


def norm_axes(x, ord, axis):
    """The ``axis`` the norm rules see.  A matrix norm over both axes of a 2-D array is
    the norm with ``axis=None`` (a transpose changes none of the covered ones); over two
    axes of a bigger array only the Frobenius norm is covered (it is the 2-norm of the
    entries), the others raise instead of giving a wrong derivative."""
    if axis is None or np.ndim(axis) == 0 or len(axis) == 1 or ord in (None, "fro"):
        return axis
    if np.ndim(x) == 2:
        return None
    raise ValueError("the norm rule covers matrix norms over two axes of a bigger array "
                     "only for ord=None and 'fro'")


def clipped_to(x, bound, lower):
    """1 where ``np.clip`` replaces ``x`` by ``bound`` (``x`` strictly below the lower
    bound, or above the upper one), else 0; a missing bound (``None``) replaces nothing."""
    if bound is None:
        return 0.0
    return np.asarray(x < bound if lower else x > bound, dtype=float)


def _dot_axes(x, y):
    """``np.dot``'s contraction beyond 2-D: the last axis of ``x`` with the second-to-last
    of ``y`` (its last when ``y`` is 1-D); ``None`` where it is matmul's."""
    xd, yd = np.ndim(x), np.ndim(y)
    if xd == 0 or yd == 0 or (xd <= 2 and yd <= 2):
        return None
    return [xd - 1], [max(yd - 2, 0)]


def dot_gx(g, x, y):
    """Cotangent of ``x`` in ``np.dot(x, y)`` (as ``matmul_gx`` up to 2-D operands)."""
    axes = _dot_axes(x, y)
    return matmul_gx(g, x, y) if axes is None else tensordot_grad(g, x, y, axes)


def dot_gy(g, x, y):
    """Cotangent of ``y`` in ``np.dot(x, y)`` (as ``matmul_gy`` up to 2-D operands)."""
    axes = _dot_axes(x, y)
    return matmul_gy(g, x, y) if axes is None else tensordot_grad(g, x, y, axes, True)


def fit(G, like_this):
    """The cotangent ``G`` given the shape of ``like_this``: summed over dimensions that
    were broadcast, or broadcast where ``like_this`` is larger.  For a list or tuple
    ``like_this`` (the cotangent of a list) entry by entry."""
    if isinstance(like_this, (list, tuple)):
        if isinstance(G, (list, tuple)) or np.ndim(G):
            return Cotangents(fit(Gi, li) for Gi, li in zip(G, like_this))
        return Cotangents(fit(G, li) for li in like_this)
    shape = np.shape(like_this)
    if np.shape(G) == shape:
        return G
    if np.ndim(G) > len(shape) or any(a != b and b == 1 for a, b in zip(np.shape(G)[::-1],
                                                                        shape[::-1])):
        G = unbroadcast(G, like_this)
    if np.shape(G) != shape:
        G = np.broadcast_to(G, shape)
    return float(G) if isinstance(like_this, float) else G


def extremum_grad_vjp(G, g, ans, x, axis=None, keepdims=False):
    """Cotangent of ``g`` in ``extremum_grad(g, ans, x, axis, keepdims)``."""
    weights = extremum_grad(np.ones(np.shape(g)), ans, x, axis, keepdims)
    return expand_reduced_vjp(G * weights, g, axis, keepdims)


def expand_reduced_vjp(G, g, axis=None, keepdims=False):
    """Cotangent of ``g`` in ``expand_reduced(g, x, axis, keepdims)``: a sum over ``axis``."""
    if axis is not None and not keepdims:
        return np.sum(G, axis=axis)
    return fit(G, g)


def matmul_gx_vjp(G, g, x, y):
    """Cotangents of ``g`` and ``y`` in ``matmul_gx(g, x, y)``."""
    gy = G @ y if np.ndim(G) and np.ndim(y) else G * y
    return fit(gy, g), matmul_gy(g, G, y)


def matmul_gy_vjp(G, g, x, y):
    """Cotangents of ``g`` and ``x`` in ``matmul_gy(g, x, y)``."""
    xg = x @ G if np.ndim(G) and np.ndim(x) else x * G
    return fit(xg, g), matmul_gx(g, x, G)


def seq_sum_grad_vjp(G, g, xs):
    """Cotangent of ``g`` in ``seq_sum_grad(g, xs)``."""
    if isinstance(xs, np.ndarray):
        return fit(np.sum(G, axis=0), g)
    total = 0.0
    for Gi in G:
        total = total + fit(Gi, g)
    return total


def stack_adjoint(lst):
    """The adjoint of a list used as a stack: one zero per entry still on it."""
    return [0.0] * len(lst)


# ---------------------------------------------------------------- forward helpers (more_jvps.py)


def _tangent_array(dx, x):
    """A tangent as a float array of ``x``'s shape (a zero tangent may come as 0.0)."""
    return np.broadcast_to(np.asarray(dx, dtype=float), np.shape(x))


def cumprod_jvp(ans, x, dx, axis=None):
    """Tangent of ``np.cumprod(x, axis)``; exact also when ``x`` has zeros."""
    xs = _lanes(x, axis)
    ds = _lanes(_tangent_array(dx, x), axis)
    ps = _lanes(ans, axis) if axis is not None else np.reshape(ans, xs.shape)
    safe = np.where(xs == 0, 1.0, xs)
    out = ps * np.cumsum(ds / safe, axis=-1)
    zero = np.any(xs == 0, axis=-1)
    if np.any(zero):
        n = xs.shape[-1]
        for lane in zip(*np.nonzero(zero)):
            xl, dl = xs[lane], ds[lane]
            res = np.zeros(n)
            for i in range(n):
                others = xl.copy()
                others[i] = 1.0
                res[i:] += dl[i] * np.cumprod(others)[i:]
            out[lane] = res
    return _unlanes(out, x, axis) if axis is not None else out.reshape(-1)


def median_jvp(x, dx, axis=None, keepdims=False):
    """Tangent of ``np.median``: the middle entry's (the mean of the two middle ones')."""
    xs = _lanes(x, axis)
    ds = _lanes(_tangent_array(dx, x), axis)
    n = xs.shape[-1]
    order = np.argsort(xs, axis=-1, kind="stable")
    picked = np.take_along_axis(ds, order, axis=-1)
    mid = picked[..., n // 2] if n % 2 else 0.5 * (picked[..., n // 2 - 1] + picked[..., n // 2])
    if axis is None:
        return mid.reshape(np.shape(x)[:0] if not keepdims else (1,) * np.ndim(x))
    return np.expand_dims(mid, axis) if keepdims else mid


def nanvar_jvp(x, dx, axis=None, ddof=0, keepdims=False):
    """Tangent of ``np.nanvar``: NaN entries carry none."""
    x = np.asarray(x, dtype=float)
    ok = ~np.isnan(x)
    dev = np.where(ok, x - np.nanmean(x, axis=axis, keepdims=True), 0.0)
    n = np.sum(ok, axis=axis, keepdims=keepdims)
    return 2.0 * np.sum(dev * np.where(ok, dx, 0.0), axis=axis, keepdims=keepdims) / (n - ddof)


def average_jvp(a, da, axis=None, weights=None, dweights=0.0, keepdims=False, returned=False):
    """Tangent of ``np.average(a, axis, weights)``."""
    if returned:
        raise ValueError("the average rule does not cover returned=True; compute the sum "
                         "of the weights with np.sum")
    a = np.asarray(a, dtype=float)
    da = _tangent_array(da, a)
    if weights is None:
        return np.mean(da, axis=axis, keepdims=keepdims)
    w = np.asarray(weights, dtype=float)
    dw = np.broadcast_to(np.asarray(dweights, dtype=float), w.shape)
    if w.shape != a.shape:
        shape = [1] * a.ndim
        shape[axis] = w.size
        w, dw = w.reshape(shape), dw.reshape(shape)
    wb = np.broadcast_to(w, a.shape)
    sw = np.sum(wb, axis=axis, keepdims=True)
    avg = np.sum(a * wb, axis=axis, keepdims=True) / sw
    out = np.sum(da * wb + (a - avg) * dw, axis=axis, keepdims=True) / sw
    if keepdims:
        return out
    return np.squeeze(out, axis) if axis is not None else out.reshape(())


def sort_jvp(x, dx, axis=-1):
    """Tangent of ``np.sort(x, axis)``: ``dx`` through the sorting permutation."""
    d = _tangent_array(dx, x)
    if axis is None:
        return np.ravel(d)[np.argsort(np.ravel(x), kind="stable")]
    return np.take_along_axis(d, np.argsort(x, axis=axis, kind="stable"), axis=axis)


def unique_jvp(x, dx):
    """Tangent of ``np.unique(x)``: the mean tangent of the entries holding each value."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    out = np.zeros(counts.shape)
    np.add.at(out, np.ravel(inverse), np.ravel(_tangent_array(dx, x)))
    return out / counts


def multi_dot_jvp(arrays, darrays):
    """Tangent of ``np.linalg.multi_dot(arrays)``: one product per tangent."""
    out = 0.0
    for k, d in enumerate(darrays):
        if np.ndim(d) == 0 and d == 0:
            continue
        parts = list(arrays)
        parts[k] = _tangent_array(d, arrays[k])
        out = out + np.linalg.multi_dot(parts)
    return out if np.ndim(out) else out + np.zeros(np.shape(np.linalg.multi_dot(arrays)))


def meshgrid_jvp(xs, dxs, sparse=False, indexing="xy"):
    """Tangents of ``np.meshgrid(*xs)``: the grids of the tangents."""
    return tuple(np.meshgrid(*[_tangent_array(d, x) for x, d in zip(xs, dxs)], sparse=sparse,
                             indexing=indexing))


def _sym_from_lower(d, uplo="L"):
    """The symmetric matrix NumPy sees when it reads one triangle of ``d``."""
    n = np.shape(d)[-1]
    tri = np.tril(np.ones((n, n)), -1) if uplo == "L" else np.triu(np.ones((n, n)), 1)
    off = d * tri
    return d * np.eye(n) + off + np.swapaxes(off, -1, -2)


def cholesky_jvp(L, da):
    """Tangent of ``np.linalg.cholesky(a)`` (which reads the lower triangle of ``a``)."""
    n = L.shape[-1]
    linv = np.linalg.inv(L)
    s = linv @ _sym_from_lower(_tangent_array(da, L)) @ np.swapaxes(linv, -1, -2)
    return L @ (np.tril(s) * (1.0 - 0.5 * np.eye(n)))


def eigh_jvp(ans, da, uplo="L"):
    """Tangents ``(dw, dv)`` of ``np.linalg.eigh(a)`` (distinct eigenvalues for ``dv``)."""
    w, v = ans
    n = w.shape[-1]
    vt = np.swapaxes(v, -1, -2)
    p = vt @ _sym_from_lower(_tangent_array(da, v), uplo) @ v
    dw = np.diagonal(p, axis1=-2, axis2=-1).copy()
    diff = w[..., None, :] - w[..., :, None]
    f = (1.0 - np.eye(n)) / (diff + np.eye(n))
    return dw, v @ (f * p)


def eigvalsh_jvp(a, da, uplo="L"):
    """Tangent of ``np.linalg.eigvalsh(a)``."""
    _, v = np.linalg.eigh(a, uplo)
    p = np.swapaxes(v, -1, -2) @ _sym_from_lower(_tangent_array(da, a), uplo) @ v
    return np.diagonal(p, axis1=-2, axis2=-1).copy()


def qr_jvp(ans, a, da, mode="reduced"):
    """Tangents ``(dq, dr)`` of ``np.linalg.qr(a)`` (reduced, at least as many rows)."""
    if mode != "reduced":
        raise ValueError("the qr rule covers mode='reduced'")
    q, r = ans
    m, n = np.shape(a)[-2:]
    if m < n:
        raise ValueError("the qr rule covers matrices with at least as many rows as columns")
    da = _tangent_array(da, a)
    rinv = np.linalg.inv(r)
    c = np.swapaxes(q, -1, -2) @ da @ rinv
    low = np.tril(c, -1)
    omega = low - np.swapaxes(low, -1, -2)
    dr = (c - omega) @ r
    dq = da @ rinv - q @ (c - omega)
    return dq, dr


def svd_jvp(ans, a, da, full_matrices=True, compute_uv=True):
    """Tangent of ``np.linalg.svd(a)`` (distinct nonzero singular values for u and vh)."""
    m, n = np.shape(a)[-2:]
    da = _tangent_array(da, a)
    if not compute_uv:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return np.diagonal(np.swapaxes(u, -1, -2) @ da @ np.swapaxes(vh, -1, -2),
                           axis1=-2, axis2=-1).copy()
    if full_matrices and m != n:
        raise ValueError("the svd rule covers full_matrices=False (or square matrices)")
    u, s, vh = ans
    v = np.swapaxes(vh, -1, -2)
    k = min(m, n)
    eye = np.eye(k)
    p = np.swapaxes(u, -1, -2) @ da @ v
    ds = np.diagonal(p, axis1=-2, axis2=-1).copy()
    s2 = s * s
    f = (1.0 - eye) / (s2[..., None, :] - s2[..., :, None] + eye)
    sm = s[..., None, :]  # multiplies columns
    du = u @ (f * (p * sm + s[..., :, None] * np.swapaxes(p, -1, -2)))
    dv = v @ (f * (s[..., :, None] * p + np.swapaxes(p, -1, -2) * sm))
    if m > n:
        du = du + (np.eye(m) - u @ np.swapaxes(u, -1, -2)) @ da @ v / sm
    elif m < n:
        dv = dv + (np.eye(n) - v @ vh) @ np.swapaxes(da, -1, -2) @ u / sm
    return du, ds, np.swapaxes(dv, -1, -2)


def matrix_power_jvp(a, da, n):
    """Tangent of ``np.linalg.matrix_power(a, n)``."""
    a = np.asarray(a, dtype=float)
    da = _tangent_array(da, a)
    if n < 0:
        b = np.linalg.inv(a)
        return matrix_power_jvp(b, -b @ da @ b, -n)
    if n == 0:
        return np.zeros(a.shape)
    powers = [np.broadcast_to(np.eye(a.shape[-1]), a.shape)]
    for _ in range(n - 1):
        powers.append(powers[-1] @ a)
    out = np.zeros(a.shape)
    for k in range(n):
        out = out + powers[k] @ da @ powers[n - 1 - k]
    return out


def lstsq_jvp(ans, a, b, da, db):
    """Tangents of ``np.linalg.lstsq(a, b)`` for ``a`` of full column rank:
    the solution, the residuals and the singular values (the rank has none)."""
    x, res, rank, sv = ans
    a = np.asarray(a, dtype=float)
    m, n = a.shape
    if rank < n:
        raise ValueError("the lstsq rule needs a matrix of full column rank")
    da = _tangent_array(da, a)
    db = _tangent_array(db, b)
    vec = np.ndim(b) == 1
    x2 = x[:, None] if vec else x
    b2 = np.asarray(b, dtype=float)[:, None] if vec else np.asarray(b, dtype=float)
    db2 = db[:, None] if vec else db
    r = b2 - a @ x2
    dx = np.linalg.solve(a.T @ a, da.T @ r + a.T @ (db2 - da @ x2))
    dr = db2 - da @ x2 - a @ dx
    dres = 2.0 * np.sum(r * dr, axis=0) if np.size(res) else np.zeros(np.shape(res))
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    dsv = np.diagonal(u.T @ da @ vh.T).copy()
    return (dx[:, 0] if vec else dx), dres, 0.0, dsv


def choose_jvp(a, dchoices, choices):
    """Tangent of ``np.choose(a, choices)``."""
    return np.choose(a, [_tangent_array(d, c) for d, c in zip(dchoices, choices)])


def select_jvp(condlist, dchoicelist, choicelist, ddefault=0.0):
    """Tangent of ``np.select(condlist, choicelist, default)``."""
    return np.select(condlist, [np.asarray(d, dtype=float) for d in dchoicelist],
                     np.asarray(ddefault, dtype=float))


def std_jvp(ans, x, dx, axis=None, ddof=0, keepdims=False):
    """Tangent of ``np.std(x, axis, ddof=ddof)``: the gradient ``std_grad`` (from the
    rescaled deviations) against ``dx``, so it is right where the variance under- or
    overflows, and 0 on constant data (a norm's derivative at 0) instead of 0 / 0."""
    return np.sum(std_grad(np.ones(np.shape(ans)), x, axis, ddof, keepdims) * dx, axis=axis,
                  keepdims=keepdims)


def stable_norm_jvp(ans, x, dx, ord=None, axis=None, keepdims=False):
    """Tangent of ``np.linalg.norm``: for the 2-norm (Frobenius) ``x / |x|`` from ``x``
    rescaled by its largest entry, as ``norm_grad`` (``|x|`` itself overflows past ~1e154
    and underflows below ~1e-154, where ``x / |x|`` is fine); 0 where the norm is 0.
    The other norms as ``norm_jvp``."""
    axes = norm_axes(x, ord, axis)
    if ord in (None, 2, "fro") and (ord != 2 or np.ndim(x) == 1 or axes is not None):
        unit = norm_grad(np.ones(np.shape(ans)), ans, x, ord, axes, keepdims)
        return np.sum(unit * dx, axis=axes, keepdims=keepdims)
    return norm_jvp(ans, x, dx, ord, axis, keepdims)


# ---------------------------------------------------------------- second-order helpers
# (used by the forward and reverse rules of the helpers above, rules/jvps_runtime.py and
# rules/vjps_runtime.py, when generated code is differentiated again)


def _nil(t):
    """Whether the tangent or cotangent ``t`` is a zero that carries nothing: ``None``
    or a scalar 0."""
    return t is None or (not isinstance(t, (list, tuple)) and np.ndim(t) == 0 and t == 0)


def prod_hess(x, v, axis=None):
    """The Hessian of ``np.prod(x, axis)`` applied to ``v``, slice by slice: entry ``i`` is
    sum over j != i of v_j times the product of the x_k with k not in {i, j}.

    Exact with zero factors: each row ``i`` is the gradient of a product with x_i replaced
    by 1 (``prod_grad``, no division), so it costs n^2 per slice of n entries."""
    x = np.asarray(x, dtype=float)
    v = np.broadcast_to(np.asarray(0.0 if v is None else v, dtype=float), x.shape)
    if axis is None:
        return prod_hess(x.ravel(), v.ravel(), 0).reshape(x.shape)
    xm, vm = np.moveaxis(x, axis, -1), np.moveaxis(v, axis, -1)
    eye = np.eye(xm.shape[-1], dtype=bool)
    rows = np.where(eye, 1.0, xm[..., None, :])
    drows = np.where(eye, 0.0, vm[..., None, :])
    out = np.sum(prod_grad(1.0, None, rows, -1, True) * drows, axis=-1)
    return np.moveaxis(out, -1, axis)


def prod_grad_jvp(g, dg, ans, x, dx, axis=None, keepdims=False):
    """Tangent of ``prod_grad(g, ans, x, axis, keepdims)``: the products of the other
    factors times ``dg``, plus ``g`` times the Hessian of the product applied to ``dx``."""
    out = expand_reduced(g, x, axis, keepdims) * prod_hess(x, dx, axis)
    if not _nil(dg):
        out = out + prod_grad(dg, ans, x, axis, keepdims)
    return out


def prod_jvp_jvp(ans, x, t, dx, dt, axis=None, keepdims=False):
    """Tangent of ``prod_jvp(ans, x, t, axis, keepdims)`` (bilinear in ``t`` and ``dx``
    through the Hessian of the product, linear in ``dt``)."""
    out = np.sum(prod_hess(x, dx, axis) * t, axis=axis, keepdims=keepdims)
    if not _nil(dt):
        out = out + prod_jvp(ans, x, dt, axis, keepdims)
    return out


def _sv_hess(a, e, k):
    """Derivative of ``u_k v_k^T`` (the k-th singular vectors of the matrix ``a``, whose
    singular value is simple) along ``e``: the Hessian of that singular value applied to
    ``e``.  The standard perturbation of the singular vectors; the null-space directions
    of a non-square matrix count as singular value 0."""
    m, n = np.shape(a)
    u, s, vt = np.linalg.svd(a)
    r = len(s)
    k = k % r
    sig = s[k]
    p = u.T @ e @ vt.T  # m x n
    sm = np.concatenate((s, np.zeros(m - r)))
    sn = np.concatenate((s, np.zeros(n - r)))
    col = p[:, k]  # u_j^T e v_k, j < m
    row = p[k, :]  # u_k^T e v_j, j < n
    row_m = np.concatenate((row, np.zeros(max(m - n, 0))))[:m]
    col_n = np.concatenate((col, np.zeros(max(n - m, 0))))[:n]
    den_m = sig * sig - sm * sm
    den_n = sig * sig - sn * sn
    den_m[k] = den_n[k] = 1.0
    c = (sig * col + sm * row_m) / den_m
    f = (sn * col_n + sig * row) / den_n
    c[k] = f[k] = 0.0
    return np.outer(u @ c, vt[k]) + np.outer(u[:, k], vt.T @ f)


def norm_hess(ans, x, v, ord=None, axis=None, keepdims=False):
    """The Hessian of ``np.linalg.norm(x, ord, axis)`` applied to ``v`` (``axis`` as
    ``norm_axes`` gives it), for the cases ``norm_grad`` covers: ``(v - u (u . v)) / |x|``
    for the 2-norm with ``u = x / |x|`` from the rescaled ``x`` (0 where the norm is 0),
    0 for the 1- and inf-norms (piecewise linear), the derivative of the singular vectors
    for the matrix 2-norm.  The operator is symmetric: it is also its own transpose."""
    x = np.asarray(x, dtype=float)
    v = np.broadcast_to(np.asarray(0.0 if v is None else v, dtype=float), x.shape)
    if ord in (None, 2, "fro") and (ord != 2 or x.ndim == 1 or axis is not None):
        full = ans if axis is None or keepdims else np.expand_dims(ans, axis)
        unit = norm_grad(np.ones(np.shape(ans)), ans, x, ord, axis, keepdims)
        along = np.sum(unit * v, axis=axis, keepdims=True)
        safe = np.where(full == 0, 1.0, full)
        return np.where(full == 0, 0.0, (v - unit * along) / safe)
    if ord in (1, np.inf, -np.inf) and (x.ndim == 1 or axis is not None):
        return np.zeros(x.shape)
    if ord in (2, -2) and x.ndim == 2 and axis is None:
        return _sv_hess(x, v, 0 if ord == 2 else -1)
    raise ValueError("the norm rule covers ord=None, 2 (vectors), 'fro' and 1 (vectors)")


def norm_grad_jvp(g, dg, ans, x, dx, ord=None, axis=None, keepdims=False):
    """Tangent of ``norm_grad(g, ans, x, ord, axis, keepdims)``."""
    out = expand_reduced(g, x, axis, keepdims) * norm_hess(ans, x, dx, ord, axis, keepdims)
    if not _nil(dg):
        out = out + norm_grad(dg, ans, x, ord, axis, keepdims)
    return out


def norm_jvp_jvp(ans, x, t, dx, dt, ord=None, axis=None, keepdims=False):
    """Tangent of ``stable_norm_jvp(ans, x, t, ord, axis, keepdims)`` (and ``norm_jvp``)."""
    axes = norm_axes(x, ord, axis)
    out = np.sum(norm_hess(ans, x, dx, ord, axes, keepdims) * t, axis=axes, keepdims=keepdims)
    if not _nil(dt):
        out = out + stable_norm_jvp(ans, x, dt, ord, axis, keepdims)
    return out


def std_hess(x, v, axis=None, ddof=0):
    """The Hessian of ``np.std(x, axis, ddof=ddof)`` applied to ``v``: with ``d`` the
    deviations, ``s`` the std, ``N = n - ddof`` and ``u = d / |d|`` (from the rescaled
    deviations), ``(c(v) - u (u . v)) / (N s)`` where ``c`` removes the mean; 0 on
    constant data (as ``std_grad``)."""
    x = np.asarray(x, dtype=float)
    v = np.broadcast_to(np.asarray(0.0 if v is None else v, dtype=float), x.shape)
    n = np.size(x) if axis is None else np.shape(x)[axis]
    d = x - np.mean(x, axis=axis, keepdims=True)
    big = np.max(np.abs(d), axis=axis, keepdims=True) if np.size(x) else 1.0
    ds = d / np.where(big == 0, 1.0, big)
    length = np.sqrt(np.sum(ds * ds, axis=axis, keepdims=True))
    u = ds / np.where(length == 0, 1.0, length)
    s = big * length / np.sqrt(n - ddof)
    cv = v - np.mean(v, axis=axis, keepdims=True)
    along = np.sum(u * cv, axis=axis, keepdims=True)
    return np.where(s == 0, 0.0, (cv - u * along) / ((n - ddof) * np.where(s == 0, 1.0, s)))


def std_grad_jvp(g, dg, x, dx, axis=None, ddof=0, keepdims=False):
    """Tangent of ``std_grad(g, x, axis, ddof, keepdims)``."""
    out = expand_reduced(g, x, axis, keepdims) * std_hess(x, dx, axis, ddof)
    if not _nil(dg):
        out = out + std_grad(dg, x, axis, ddof, keepdims)
    return out


def std_jvp_jvp(ans, x, t, dx, dt, axis=None, ddof=0, keepdims=False):
    """Tangent of ``std_jvp(ans, x, t, axis, ddof, keepdims)``."""
    out = np.sum(std_hess(x, dx, axis, ddof) * t, axis=axis, keepdims=keepdims)
    if not _nil(dt):
        out = out + std_jvp(ans, x, dt, axis, ddof, keepdims)
    return out


def var_grad_vjp(G, g, x, axis=None, ddof=0, keepdims=False):
    """Cotangents of ``g`` and ``x`` in ``var_grad(g, x, axis, ddof, keepdims)`` (bilinear;
    removing the mean is symmetric)."""
    gx = np.sum(var_grad(np.ones(np.shape(g)), x, axis, ddof, keepdims) * G, axis=axis,
                keepdims=keepdims)
    w = expand_reduced(g, x, axis, keepdims) * G
    return fit(gx, g), var_grad(1.0, w, axis, ddof, True)


def sinc_grad2(x):
    """Second derivative of ``np.sinc``: pi^2 f''(t) with f(t) = sin(t) / t, t = pi x,
    f''(t) = -sin t / t - 2 cos t / t^2 + 2 sin t / t^3 (angle reduced exactly, as in
    ``sinc_grad``); the Taylor series for |pi x| < pi / 2, where the terms cancel."""
    x = np.asarray(x, dtype=float)
    safe = np.where(x == 0, 1.0, x)
    r = np.pi * np.fmod(safe, 2.0)
    t = np.pi * safe
    far = (-np.sin(r) / t - 2.0 * np.cos(r) / (t * t) + 2.0 * np.sin(r) / (t * t * t))
    tn = np.pi * np.where(np.abs(x) < 0.5, x, 0.0)
    term = np.full(np.shape(x), -1.0 / 3.0)  # f''(t) = sum_k (-1)^k 2k (2k - 1) t^(2k-2) / (2k+1)!
    near = term
    for k in range(2, 14):
        term = term * (-tn * tn) * (2 * k) * (2 * k - 1) / (
            (2 * k - 2) * (2 * k - 3) * (2 * k) * (2 * k + 1))
        near = near + term
    return np.pi * np.pi * np.where(np.abs(x) < 0.5, near, far)


def dot_gx_vjp(G, g, x, y):
    """Cotangents of ``g`` and ``y`` in ``dot_gx(g, x, y)`` (bilinear in them)."""
    return fit(np.dot(G, y), g), dot_gy(g, G, y)


def dot_gy_vjp(G, g, x, y):
    """Cotangents of ``g`` and ``x`` in ``dot_gy(g, x, y)`` (bilinear in them)."""
    return fit(np.dot(x, G), g), dot_gx(g, x, G)


def inner_grad_vjp(G, g, x, y, wrt_y=False):
    """Cotangents of ``g``, ``x`` and ``y`` in ``inner_grad(g, x, y, wrt_y)``: bilinear in
    ``g`` and the other operand; the operand whose cotangent it is gets 0."""
    if wrt_y:
        return fit(np.inner(x, G), g), inner_grad(g, x, G), 0.0
    return fit(np.inner(G, y), g), 0.0, inner_grad(g, G, y, True)


def kron_grad_vjp(G, g, a, b, wrt_b=False):
    """Cotangents of ``g``, ``a`` and ``b`` in ``kron_grad(g, a, b, wrt_b)``."""
    if wrt_b:
        return np.reshape(np.kron(a, G), np.shape(g)), kron_grad(g, a, G), 0.0
    return np.reshape(np.kron(G, b), np.shape(g)), 0.0, kron_grad(g, G, b, True)


def tensordot_grad_vjp(G, g, a, b, axes=2, wrt_b=False):
    """Cotangents of ``g``, ``a`` and ``b`` in ``tensordot_grad(g, a, b, axes, wrt_b)``."""
    if wrt_b:
        return fit(np.tensordot(a, G, axes), g), tensordot_grad(g, a, G, axes), 0.0
    return fit(np.tensordot(G, b, axes), g), 0.0, tensordot_grad(g, G, b, axes, True)


def einsum_grad_vjp(G, g, subscripts, operands, k):
    """Cotangents of ``g`` and of the operands in ``einsum_grad(g, subscripts, operands,
    k)``: multilinear in ``g`` and the operands other than ``k`` (which gets 0)."""
    ops = list(operands)
    ops[k] = G
    gg = np.einsum(subscripts, *ops)
    rest = Cotangents(0.0 if j == k else einsum_grad(g, subscripts, ops, j)
                      for j in range(len(ops)))
    return fit(gg, g), rest


def einsum_jvp_jvp(subscripts, operands, doperands, toperands, tdoperands):
    """Tangent of ``einsum_jvp(subscripts, operands, doperands)`` along ``toperands`` (the
    operands') and ``tdoperands`` (their tangents')."""
    out = 0.0
    for k, d in enumerate(doperands):
        if not _nil(tdoperands[k]):
            ops = list(operands)
            ops[k] = tdoperands[k]
            out = out + np.einsum(subscripts, *ops)
        if _nil(d):
            continue
        for j, t in enumerate(toperands):
            if j != k and not _nil(t):
                ops = list(operands)
                ops[k], ops[j] = d, t
                out = out + np.einsum(subscripts, *ops)
    return out


def einsum_jvp_vjp(G, subscripts, operands, doperands):
    """Cotangents of the operands and of their tangents in ``einsum_jvp(subscripts,
    operands, doperands)``."""
    n = len(operands)
    cot_ops, cot_d = [], []
    for j in range(n):
        total = 0.0
        for k, d in enumerate(doperands):
            if k != j and not _nil(d):
                ops = list(operands)
                ops[k] = d
                total = total + einsum_grad(G, subscripts, ops, j)
        cot_ops.append(total)
        cot_d.append(0.0 if _nil(doperands[j]) else einsum_grad(G, subscripts, operands, j))
    return Cotangents(cot_ops), Cotangents(cot_d)


def item_grad_vjp(G, index):
    """Cotangent of ``g`` in ``item_grad(g, x, index)``: ``G`` at that position."""
    return np.asarray(G).item(*index)


def pieces_vjp(G, arrays, join, axis=None):
    """Cotangent of ``g`` in ``concatenate_grad``/``stack_grad``/``vstack_grad``/
    ``hstack_grad`` (``join`` is the matching NumPy function): the pieces' cotangents
    joined again, zeros where a piece got none."""
    parts = [np.broadcast_to(0.0 if Gi is None else Gi, np.shape(a)) for Gi, a in
             zip(G if isinstance(G, (list, tuple)) else [G] * len(arrays), arrays)]
    return join(parts) if axis is None else join(parts, axis)


def from_items_vjp(G, g, x):
    """Cotangent of ``g`` in ``from_items(g, x)``."""
    if isinstance(g, (list, tuple)):
        if isinstance(G, (list, tuple)):
            return Cotangents(fit(Gi, gi) for Gi, gi in zip(G, g))
        G = np.broadcast_to(G, np.shape(x))
        return Cotangents(fit(G[i], gi) for i, gi in enumerate(g))
    return fit(G, g)


def seq_extremum_grad_vjp(G, g, ans, xs):
    """Cotangent of ``g`` in ``seq_extremum_grad(g, ans, xs)``."""
    if isinstance(xs, np.ndarray):
        return extremum_grad_vjp(G, g, ans, xs, 0)
    hits = [1.0 if x == ans else 0.0 for x in xs]
    n = sum(hits)
    return fit(sum(np.sum(Gi) * h / n for Gi, h in zip(G, hits) if Gi is not None), g)


def builtin_extremum_grad_vjp(G, g, ans, x, rest):
    """Cotangent of ``g`` in ``builtin_extremum_grad(g, ans, x, *rest)``."""
    if not rest:
        return seq_extremum_grad_vjp(G, g, ans, x)
    args = (x,) + tuple(rest)
    ties = sum(1.0 for a in args if a == ans)
    return fit(sum(Gi / ties for Gi, a in zip(G, args) if a == ans and Gi is not None), g)


def builtin_extremum_jvp_vjp(G, ans, x, rest):
    """Cotangents of the tangents ``dx`` and ``drest`` in ``builtin_extremum_jvp(ans, x,
    rest, dx, drest)``: the cotangent of the builtin ``max``/``min`` itself."""
    if not rest:
        if isinstance(x, np.ndarray):
            return extremum_grad(G, ans, x, 0), ()
        return seq_extremum_grad(G, ans, x), ()
    cots = builtin_extremum_grad(G, ans, x, *rest)
    return cots[0], tuple(cots[1:])


def seq_sum_grad_vjp_vjp(G, g, xs):
    """Cotangent of ``G`` in ``seq_sum_grad_vjp(G, g, xs)``: ``seq_sum_grad`` again."""
    return seq_sum_grad(fit(G, g), xs)


def matmul_gx_vjp_jvp(G, g, x, y, dG, dg, dy):
    """Tangent of ``matmul_gx_vjp(G, g, x, y)`` (a pair; bilinear in ``G``, ``g``, ``y``)."""
    first, second = 0.0, 0.0
    if not _nil(dG):
        a, b = matmul_gx_vjp(dG, g, x, y)
        first, second = first + a, second + b
    if not _nil(dy):  # the second entry reads y for its shape only
        first = first + matmul_gx_vjp(G, g, x, dy)[0]
    if not _nil(dg):
        second = second + matmul_gy(dg, G, y)
    return first, second


def matmul_gy_vjp_jvp(G, g, x, y, dG, dg, dx):
    """Tangent of ``matmul_gy_vjp(G, g, x, y)`` (a pair; bilinear in ``G``, ``g``, ``x``)."""
    first, second = 0.0, 0.0
    if not _nil(dG):
        a, b = matmul_gy_vjp(dG, g, x, y)
        first, second = first + a, second + b
    if not _nil(dx):  # the second entry reads x for its shape only
        first = first + matmul_gy_vjp(G, g, dx, y)[0]
    if not _nil(dg):
        second = second + matmul_gx(dg, x, G)
    return first, second


def einsum_grads(g, subscripts, operands):
    """Cotangents of the arguments of ``np.einsum(subscripts, *operands)``: ``None`` for
    the subscripts, then one per operand."""
    return (None,) + tuple(einsum_grad(g, subscripts, operands, k)
                           for k in range(len(operands)))


def einsum_grads_jvp(g, dg, subscripts, operands, doperands):
    """Tangent of ``einsum_grads(g, subscripts, operands)``."""
    return (None,) + tuple(einsum_grad_jvp(g, dg, subscripts, operands, doperands, k)
                           for k in range(len(operands)))


def einsum_grads_vjp(G, g, subscripts, operands):
    """Cotangents of ``g`` and of the operands in ``einsum_grads(g, subscripts, operands)``."""
    gg, ops = 0.0, Cotangents(0.0 for _ in operands)
    for k in range(len(operands)):
        if not _nil(G[k + 1]):
            a, b = einsum_grad_vjp(G[k + 1], g, subscripts, operands, k)
            gg, ops = gg + a, ops + b
    return fit(gg, g), ops



def _pair(P):
    """The two cotangents of a pair-valued helper's output (a zero gives two zeros)."""
    if isinstance(P, (list, tuple)):
        return P[0], P[1]
    return P, P


def matmul_gx_vjp_vjp(P, G, g, x, y):
    """Cotangents of ``G``, ``g`` and ``y`` in the pair ``matmul_gx_vjp(G, g, x, y)`` =
    ``(fit(G @ y, g), matmul_gy(g, G, y))``, whose cotangent is the pair ``P``."""
    first, second = _pair(P)
    cG, cg, cy = 0.0, 0.0, 0.0
    if not _nil(first):
        cG, cy = matmul_gx(first, G, y), matmul_gy(first, G, y)
    if not _nil(second):
        a, b = matmul_gy_vjp(second, g, G, y)
        cg, cG = a, cG + b
    return cG, cg, cy


def matmul_gy_vjp_vjp(P, G, g, x, y):
    """Cotangents of ``G``, ``g`` and ``x`` in the pair ``matmul_gy_vjp(G, g, x, y)`` =
    ``(fit(x @ G, g), matmul_gx(g, x, G))``, whose cotangent is the pair ``P``."""
    first, second = _pair(P)
    cG, cg, cx = 0.0, 0.0, 0.0
    if not _nil(first):
        cG, cx = matmul_gy(first, x, G), matmul_gx(first, x, G)
    if not _nil(second):
        a, b = matmul_gx_vjp(second, g, x, G)
        cg, cG = a, cG + b
    return cG, cg, cx


def _zero_as(t, like_this):
    return np.zeros(np.shape(like_this)) if _nil(t) else t


def pinv_grad_jvp(g, dg, ans, dans, a, da):
    """Tangent of ``pinv_grad(g, ans, a)`` (a polynomial in ``g``, ``ans`` and ``a``): the
    product rule, term by term."""
    p, pt = ans, ans.T
    dg, dp, da = _zero_as(dg, g), _zero_as(dans, ans), _zero_as(da, a)
    dpt = dp.T
    m, n = np.shape(a)
    A, D = np.eye(m) - pt @ a.T, np.eye(n) - a.T @ pt
    dA, dD = -(dpt @ a.T + pt @ da.T), -(da.T @ pt + a.T @ dpt)
    t1 = -(dpt @ g @ pt + pt @ dg @ pt + pt @ g @ dpt)
    t2 = dA @ g.T @ p @ pt + A @ dg.T @ p @ pt + A @ g.T @ dp @ pt + A @ g.T @ p @ dpt
    t3 = dpt @ p @ g.T @ D + pt @ dp @ g.T @ D + pt @ p @ dg.T @ D + pt @ p @ g.T @ dD
    return t1 + t2 + t3


def pinv_grad_vjp(W, g, ans, a):
    """Cotangents of ``g``, ``ans`` and ``a`` in ``pinv_grad(g, ans, a)`` for the output
    cotangent ``W``: the transpose of each factor of each product."""
    p, pt = ans, ans.T
    m, n = np.shape(a)
    A, D = np.eye(m) - pt @ a.T, np.eye(n) - a.T @ pt
    cg = -p @ W @ p + p @ pt @ W.T @ A + D @ W.T @ pt @ p
    cA = W @ p @ pt @ g
    cD = g @ pt @ p @ W
    cp = (-g @ pt @ W.T - W.T @ pt @ g + g @ A.T @ W @ p + W.T @ A @ g.T @ p
          + p @ g.T @ D @ W.T + p @ W @ D.T @ g - a.T @ cA.T - cD.T @ a.T)
    ca = -cA.T @ pt - pt @ cD.T
    return cg, cp, ca


def pow_exponent_jvp(dy, ans, x):
    """The exponent's term of the tangent of ``x ** y``: ``dy * ans * log(x)``, and 0
    where ``dy`` is 0 (a zero tangent passed at run time, at a base where the log is
    not real)."""
    term = dy * ans * np.log(np.where(x == 0, 1.0, x))
    return np.where(dy == 0, 0.0, term)[()]  # [()]: a scalar stays a scalar


def distinct(*grads):
    """The gradients of several arguments as separate arrays: one that shares memory with
    an earlier one (both came from one cotangent, as in ``x + y``) is copied."""
    out = []
    for g in grads:
        if isinstance(g, np.ndarray) and any(
                isinstance(h, np.ndarray) and np.may_share_memory(g, h) for h in out):
            g = g.copy()
        out.append(g)
    return tuple(out)


def sort_grad_vjp(G, g, x, axis=-1):
    """Cotangent of ``g`` in ``sort_grad(g, x, axis)``: ``G`` read through the sorting
    permutation (the transpose of sending ``g`` back through it)."""
    if axis is None:
        order = np.argsort(np.ravel(x), kind="stable")
        return fit(np.ravel(np.broadcast_to(G, np.shape(x)))[order], g)
    order = np.argsort(x, axis=axis, kind="stable")
    return fit(np.take_along_axis(np.broadcast_to(G, np.shape(x)), order, axis=axis), g)


def median_grad_vjp(G, g, x, axis=None, keepdims=False):
    """Cotangent of ``g`` in ``median_grad(g, x, axis, keepdims)``: the middle entry (or the
    mean of the two middle ones) of ``G`` in the order that sorts ``x``."""
    xs = _lanes(x, axis)
    Gs = _lanes(np.broadcast_to(G, np.shape(x)), axis)
    n = xs.shape[-1]
    w = np.zeros(n)
    if n % 2:
        w[n // 2] = 1.0
    else:
        w[n // 2 - 1] = w[n // 2] = 0.5
    order = np.argsort(xs, axis=-1, kind="stable")
    lane = np.sum(np.take_along_axis(Gs, order, axis=-1) * w, axis=-1)
    if axis is None:
        return fit(lane[0], g)
    return fit(np.expand_dims(lane, axis) if keepdims else lane, g)


def take_along_axis_grad_vjp(G, g, x, indices, axis=-1):
    """Cotangent of ``g`` in ``take_along_axis_grad(g, x, indices, axis)``: ``G`` gathered
    at the indices again."""
    G = np.broadcast_to(G, np.shape(x))
    if axis is None:
        return fit(np.take_along_axis(np.ravel(G), np.ravel(indices), None), g)
    return fit(np.take_along_axis(G, np.asarray(indices), axis), g)


def reduced_shape_of(x, axis=None, keepdims=False):
    """A stand-in with the shape of a reduction of ``x`` over ``axis`` (no data: a
    broadcast zero), for a gradient that needs the reduction's shape, not its value."""
    shape = np.shape(x)
    if axis is None:
        kept = tuple(1 for _ in shape) if keepdims else ()
    else:
        axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
        kept = tuple(1 if i in axes else n for i, n in enumerate(shape)
                     if keepdims or i not in axes)
    return np.broadcast_to(np.float64(0.0), kept)


def abs_index(n, index):
    """``index`` into a sequence of length ``n`` as it is now: a negative integer or a
    slice with negative or missing bounds becomes absolute (the sequence may grow)."""
    if isinstance(index, slice):
        return slice(*index.indices(n))
    return index + n if index < 0 else index
