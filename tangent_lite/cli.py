"""Command line: ``tangent-lite grad|value_and_grad|vjp|jvp|hvp FILE.py:FUNC [options]``.

Exit status: 0 success, 1 the function cannot be differentiated, 2 bad command line.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import sys

from . import pipeline, writer
from .api import _wrt_names
from .errors import ArgumentError, TangentLiteError

MODES = ("grad", "value_and_grad", "vjp", "jvp", "hvp")


def make_parser():
    p = argparse.ArgumentParser(
        prog="tangent-lite",
        description="Generate the derivative of a Python function as readable Python source.")
    p.add_argument("mode", choices=MODES,
                   help="which derivative: grad (scalar output), value_and_grad, vjp (any "
                        "output, reverse mode), jvp (forward mode), hvp (Hessian-vector "
                        "product)")
    p.add_argument("target", metavar="FILE.py:FUNC", help="the file and the function in it")
    p.add_argument("--wrt", default=None,
                   help="argument name(s) to differentiate with respect to, comma separated "
                        "(default: the first argument)")
    p.add_argument("-o", "--output", default=None, help="write the module to this file")
    p.add_argument("--standalone", action="store_true",
                   help="copy the helpers and constants the file needs from your module")
    p.add_argument("--no-optimize", action="store_true", help="skip the optimization passes")
    p.add_argument("--force", action="store_true",
                   help="overwrite an output file that tangent_lite did not write")
    return p


def _report(exc):
    """Print a TangentLiteError with the file named as the user would (relative to cwd)."""
    if exc.filename and os.path.isabs(exc.filename):
        rel = os.path.relpath(exc.filename)
        if not rel.startswith(".."):
            exc.filename = rel
    print(exc._format(), file=sys.stderr)
    return 1


def _fail(message, code):
    print(f"tangent-lite: error: {message}", file=sys.stderr)
    return code


def load_function(target):
    """Import ``FILE.py`` and return its function ``FUNC``; raises ``ArgumentError``."""
    path, sep, func = target.rpartition(":")
    if not sep or not path or not func:
        raise ArgumentError(f"expected FILE.py:FUNC, got {target!r}")
    if not os.path.isfile(path):
        raise ArgumentError(f"no such file: {path}")
    name = os.path.splitext(os.path.basename(path))[0]
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise TangentLiteError(f"cannot parse {path}: {exc.msg}", filename=path,
                               lineno=exc.lineno or 1, col=exc.offset or 1,
                               line=exc.text) from None
    fn = getattr(module, func, None)
    if fn is None or not callable(fn):
        raise ArgumentError(f"{path} has no function {func!r}")
    return getattr(fn, "__wrapped_primal__", fn)


def main(argv=None):
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else 2
    try:
        fn = load_function(args.target)
        wrt = tuple(w.strip() for w in args.wrt.split(",")) if args.wrt else 0
        if isinstance(wrt, tuple) and len(wrt) == 1:
            wrt = wrt[0]
        names, single = _wrt_names(fn, wrt)
    except ArgumentError as exc:
        return _fail(exc.message, 2)
    except TangentLiteError as exc:
        return _report(exc)
    except Exception as exc:  # the user's module failed to import
        return _fail(f"importing {args.target.rpartition(':')[0]} failed: "
                     f"{type(exc).__name__}: {exc}", 1)
    if args.output and os.path.exists(args.output) and not args.force \
            and not writer.is_generated(args.output):
        return _fail(f"{args.output} exists and was not written by tangent_lite; "
                     "use --force to overwrite it", 2)
    command = "tangent-lite " + " ".join(shlex.quote(a) for a in (argv if argv is not None
                                                                  else sys.argv[1:]))
    try:
        if args.mode == "hvp":
            gen = pipeline.build_hvp(fn, list(names), optimize=not args.no_optimize)
        else:
            gen = pipeline.build(fn, args.mode, list(names), optimize=not args.no_optimize,
                                 single=single)
        text = writer.file_source(gen, command, standalone=args.standalone)
    except TangentLiteError as exc:
        return _report(exc)
    if args.output:
        writer.write_atomic(args.output, text)
        print(f"wrote {args.output} ({gen.entry})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
