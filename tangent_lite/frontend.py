"""Frontend: read a function's source, parse it with gast, keep a source map.

The source map is a :class:`SourceInfo`: every node keeps the ``lineno`` and
``col_offset`` of the parsed (dedented) text, and ``SourceInfo`` turns those
back into the user's file, line and column.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass

import gast

from .errors import SourceError, TangentLiteError


@dataclass(frozen=True)
class SourceInfo:
    filename: str
    first_line: int  # file line of parsed line 1
    indent: int  # columns removed by dedent
    lines: tuple  # the dedented source lines
    # for generated code: per line, the (line, text) of the user's statement it comes from
    origins: tuple = ()
    user_file: str = None  # and the user's file those lines are in

    def _user_place(self, lineno):
        """For generated code: the user's (file, line, text) that ``lineno`` comes from."""
        if not (self.origins and self.user_file) or not 0 < lineno <= len(self.origins):
            return None
        origin = self.origins[lineno - 1]
        return None if origin is None else (self.user_file, origin[0], origin[1])

    def location(self, node):
        lineno = getattr(node, "lineno", None) or 1
        col = getattr(node, "col_offset", None) or 0
        file_line = lineno + self.first_line - 1
        text = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        return file_line, col + self.indent + 1, " " * self.indent + text

    def error(self, cls, message, node, hint=None):
        lineno, col, line = self.location(node)
        place = self._user_place(getattr(node, "lineno", None) or 1)
        if place is not None:  # a derivative of a derivative: point at the user's line
            gen = f"{self.filename}:{lineno}"
            filename, lineno, line = place
            return cls(f"{message} (in the derivative's code: {gen})",
                       filename=filename, lineno=lineno, col=1, line=line, hint=hint)
        return cls(message, filename=self.filename, lineno=lineno, col=col, line=line, hint=hint)

    def line_text(self, node):
        lineno = getattr(node, "lineno", None)
        if not lineno or lineno > len(self.lines):
            return None
        if self.origins:
            return self.origins[lineno - 1]
        return lineno + self.first_line - 1, self.lines[lineno - 1].strip()


def parse_function(fn):
    """Return ``(FunctionDef, SourceInfo)`` for a Python function."""
    try:
        filename = inspect.getsourcefile(fn) or inspect.getfile(fn)
        src_lines, first_line = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        name = getattr(fn, "__qualname__", repr(fn))
        raise SourceError(
            f"cannot read the source of {name!r} ({exc})",
            hint="tangent_lite differentiates functions defined in a .py file; "
            "for functions without source, register a rule with tl.register_vjp",
        ) from None
    raw = "".join(src_lines)
    text = textwrap.dedent(raw)
    first = raw.splitlines()[0] if raw else ""
    indent = len(first) - len(first.lstrip())
    if fn.__name__ == "<lambda>":
        return _parse_lambda(fn, text, filename, first_line, indent)
    try:
        module = gast.parse(text)
    except SyntaxError as exc:
        raise SourceError(
            f"cannot parse the source of {fn.__qualname__!r}: {exc.msg}",
            filename=filename, lineno=first_line + (exc.lineno or 1) - 1, col=exc.offset or 1,
        ) from None
    lines = tuple(text.splitlines())
    origins, user_file = (), None
    if filename.startswith("<tangent_lite "):
        origins = _generated_origins(lines)
        user_file = getattr(getattr(fn, "__globals__", None), "tl_user_file", None)
    info = SourceInfo(filename, first_line, indent, lines, origins, user_file)
    fdef = module.body[0]
    if not isinstance(fdef, gast.FunctionDef):
        raise info.error(SourceError, f"expected a function definition for {fn.__qualname__!r}",
                         fdef)
    fdef.decorator_list = []
    return fdef, info


_ORIGIN = re.compile(r"^\s*# L(\d+): (.*)$")


def _generated_origins(lines):
    """Generated code says where each block comes from (``# L12: z = x * y``): a second
    transformation comments its lines with the user's lines, not the generated ones."""
    out, current = [], None
    for line in lines:
        m = _ORIGIN.match(line)
        if m:
            current = (int(m.group(1)), m.group(2))
        out.append(current)
        if line.rstrip().endswith(":") and not m:
            current = None  # a new block: its first lines have a comment of their own
    return tuple(out)


def _parse_lambda(fn, text, filename, first_line, indent):
    try:
        module = gast.parse(text)
    except SyntaxError:
        try:
            module = gast.parse("(" + text.strip().rstrip(",") + ")")
        except SyntaxError:
            raise SourceError("cannot parse the source line of this lambda",
                              filename=filename, lineno=first_line, col=1,
                              hint="define the function with def") from None
    info = SourceInfo(filename, first_line, indent, tuple(text.splitlines()))
    params = list(fn.__code__.co_varnames[: fn.__code__.co_argcount])
    found = [n for n in gast.walk(module) if isinstance(n, gast.Lambda)
             and [a.id for a in n.args.args] == params]
    if len(found) != 1:
        raise SourceError("cannot tell which lambda on this line to differentiate",
                          filename=filename, lineno=first_line, col=1,
                          hint="define the function with def")
    lam = found[0]
    ret = gast.Return(value=lam.body)
    gast.copy_location(ret, lam.body)
    fdef = gast.FunctionDef(name="lambda_", args=lam.args, body=[ret], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    gast.copy_location(fdef, lam)
    return fdef, info


def check_is_function(fn):
    if not (inspect.isfunction(fn) or inspect.ismethod(fn)):
        raise TangentLiteError(
            f"tangent_lite differentiates Python functions; got {type(fn).__name__}")
