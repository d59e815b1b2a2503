"""What tangent_lite says about code outside its subset.

A function with try/except cannot be differentiated; the error names the file,
line and column, shows the line with a caret, and says what to do.
"""

import numpy as np

import tangent_lite as tl


def guarded_log(x):
    try:
        y = np.log(x)
    except FloatingPointError:
        y = 0.0
    return y * x


def main():
    try:
        tl.grad(guarded_log)(2.0)
    except tl.TangentLiteError as exc:
        print(exc)
        return 0
    print("expected a TangentLiteError")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
