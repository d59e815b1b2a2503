"""Derivative surgery: ``with tl.insert_grad_of(x) as dx:``.

In a differentiated function the block is taken out of the primal code and put
into the backward sweep, at the point that mirrors the ``with`` statement, with
``dx`` standing for the adjoint of ``x`` there (``bx`` in the generated code)::

    for t in range(n):                      for t in reversed(range(n)):
        h = np.tanh(W @ h)                      # L3: with tl.insert_grad_of(h) as dh:
        with tl.insert_grad_of(h) as dh:        bh = np.clip(bh, -1.0, 1.0)
            dh = np.clip(dh, -1.0, 1.0)         # L2: h = np.tanh(W @ h)
                                                ...

When the original function is called normally, the block does not run: this
module's :class:`insert_grad_of` is a context manager that skips its own body.
"""

from __future__ import annotations

import dis
import sys

import gast


class _SkipBlock(BaseException):
    """Raised on the first line of a skipped block; its ``__exit__`` swallows it.

    A ``BaseException``, so that ``except Exception`` in the block does not catch it."""


_NOP = dis.opmap["NOP"]


class insert_grad_of:
    """``with tl.insert_grad_of(x) as dx: ...`` runs the block in the backward pass.

    In a function differentiated by tangent_lite the block runs in the backward
    sweep, at the point that mirrors its place in the function, with ``dx`` bound
    to the adjoint of ``x`` there; assigning ``dx`` replaces the adjoint.

    Called normally, the function skips the block: ``__enter__`` installs a trace
    function that raises at the block's first line, and ``__exit__`` swallows
    that exception and puts back the trace functions that were there before (a
    debugger's or a coverage tool's keep working).
    """

    def __init__(self, x):
        del x  # nothing to do with the value outside a derivative
        self._frame = None

    def __enter__(self):
        frame = sys._getframe(1)
        line = frame.f_lineno
        self._frame = frame
        self._local = frame.f_trace
        self._global = sys.gettrace()
        previous = [self._local]

        def local(fr, event, arg):
            # a line that is only a NOP (pass, try:, a constant) lies outside the with's
            # exception handler on Python 3.11+: raising there would escape; wait
            if event == "line" and fr.f_lineno > line and fr.f_code.co_code[fr.f_lasti] != _NOP:
                raise _SkipBlock
            if previous[0] is not None:
                previous[0] = previous[0](fr, event, arg)
            return local

        def other_frames(fr, event, arg):
            return self._global(fr, event, arg) if self._global is not None else None

        # a frame's own trace function only receives events while a global one is set
        sys.settrace(other_frames)
        self._lines = frame.f_trace_lines
        frame.f_trace_lines = True
        frame.f_trace = local
        return None

    def __exit__(self, exc_type, exc, tb):
        frame, self._frame = self._frame, None
        if frame is not None:
            frame.f_trace = self._local
            frame.f_trace_lines = self._lines
        sys.settrace(self._global)
        return exc_type is not None and issubclass(exc_type, _SkipBlock)


class GradOf(gast.stmt):
    """The block of a ``with tl.insert_grad_of(var) as adjoint:`` statement, in the tree.

    Its one field, ``stmts``, holds the block's statements, so passes that read
    names (``gast.walk``) see what the block reads and writes, while passes that
    walk statement bodies (``body``/``orelse``) leave it alone: the block is not
    differentiated.  ``var`` and ``adjoint`` are the two names; ``func`` is the
    expression that named ``insert_grad_of``.  emit writes the statements out in
    place of the node.
    """

    _fields = ("stmts",)

    def __init__(self, stmts=(), var=None, adjoint=None, func=None):
        super().__init__()
        self.stmts = list(stmts)
        self.var, self.adjoint, self.func = var, adjoint, func


def is_grad_of(node):
    """Whether ``node`` is a ``with`` statement written as ``with ...insert_grad_of(...)``."""
    if not isinstance(node, gast.With):
        return False
    for item in node.items:
        call = item.context_expr
        if isinstance(call, gast.Call):
            f = call.func
            if (isinstance(f, gast.Name) and f.id == "insert_grad_of") or (
                    isinstance(f, gast.Attribute) and f.attr == "insert_grad_of"):
                return True
    return False


def walk_outside(node):
    """``gast.walk`` that does not enter the blocks of ``insert_grad_of`` statements."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if is_grad_of(n):
            todo.extend(item.context_expr for item in n.items)
            continue
        if isinstance(n, GradOf):
            continue
        todo.extend(gast.iter_child_nodes(n))
