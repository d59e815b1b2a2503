"""Errors raised by tangent_lite, and the one formatter for ``file:line:col`` messages."""

from __future__ import annotations


class TangentLiteError(Exception):
    """Base class of every error tangent_lite raises on purpose.

    ``filename``, ``lineno`` and ``col`` locate the offending construct in the
    user's source (``None`` when the error is about an API argument).
    """

    def __init__(self, message, *, filename=None, lineno=None, col=None, line=None, hint=None):
        self.message = message
        self.filename = filename
        self.lineno = lineno
        self.col = col
        self.line = line
        self.hint = hint
        super().__init__(self._format())

    def _format(self):
        if self.filename is None:
            text = self.message
        else:
            text = f"{self.filename}:{self.lineno}:{self.col}: error: {self.message}"
            if self.line is not None:
                caret = " " * max(self.col - 1, 0) + "^"
                text += f"\n    {self.line.rstrip()}\n    {caret}"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class UnsupportedSyntaxError(TangentLiteError):
    """The function uses a construct outside the differentiable subset."""


class NoRuleError(TangentLiteError):
    """A call reaches the derivative but has no rule and no Python source."""


class ArgumentError(TangentLiteError):
    """A bad argument to the public API (unknown ``wrt``, non-scalar output, ...)."""


class SourceError(TangentLiteError):
    """The source of a function cannot be read or parsed."""


class OutputError(ArgumentError, ValueError):
    """The function's output does not fit the derivative asked for (e.g. grad of a vector)."""
