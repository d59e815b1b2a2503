"""Print the derivative code tangent_lite generates for a small function.

    python examples/show_gradient.py

The gradient is ordinary Python source: read it, step through it in pdb, or
write it to a file with the command line tool
(``tangent-lite grad examples/show_gradient.py:f -o grad_f.py``).
"""

import math

import tangent_lite as tl


def f(x, y):
    z = x * y + math.sin(x)
    if z > 0:
        z = z * z
    return z / y


def main():
    df = tl.grad(f, wrt=("x", "y"))
    print(df.source)

    x, y = 1.3, 0.7
    gx, gy = df(x, y)
    h = 1e-6
    fd_x = (f(x + h, y) - f(x - h, y)) / (2 * h)
    fd_y = (f(x, y + h) - f(x, y - h)) / (2 * h)
    err = max(abs(gx - fd_x), abs(gy - fd_y))
    print(f"f({x}, {y}) = {f(x, y):.6f}")
    print(f"gradient from the code above: ({gx:.6f}, {gy:.6f})")
    print(f"central finite differences:   ({fd_x:.6f}, {fd_y:.6f})")
    print(f"max |error|: {err:.2e}")
    assert err < 1e-7, "gradient disagrees with finite differences"


if __name__ == "__main__":
    main()
