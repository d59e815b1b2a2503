"""Differentiate through a physics simulation with a while loop.

    python examples/projectile.py

A projectile with quadratic air drag is integrated with explicit Euler steps
until it falls below the ground. tangent_lite differentiates the loop as it ran
(the derivative follows the number of steps taken at the evaluation point), so
d(distance)/d(angle) comes out of ordinary Python code. Gradient ascent on the
launch angle then finds the angle that throws furthest; with drag it is below
the textbook 45 degrees.
"""

import math

import tangent_lite as tl

GRAVITY = 9.81


def landing_distance(angle, speed, drag):
    """Horizontal distance travelled before the projectile returns to y = 0."""
    dt = 0.01
    x = 0.0
    y = 0.0
    vx = speed * math.cos(angle)
    vy = speed * math.sin(angle)
    x_prev = x
    y_prev = y
    while y >= 0.0:
        x_prev = x
        y_prev = y
        v = math.sqrt(vx * vx + vy * vy)
        ax = -drag * v * vx
        ay = -GRAVITY - drag * v * vy
        x = x + dt * vx
        y = y + dt * vy
        vx = vx + dt * ax
        vy = vy + dt * ay
    # The last step overshoots the ground: interpolate linearly to y = 0, so the
    # distance varies smoothly with the angle instead of in dt-sized jumps.
    frac = y_prev / (y_prev - y)
    return x_prev + frac * (x - x_prev)


def central_difference(f, x, *args, h=1e-6):
    return (f(x + h, *args) - f(x - h, *args)) / (2 * h)


def main():
    speed = 30.0   # m/s
    drag = 0.02    # 1/m, quadratic drag coefficient per unit mass

    d_distance = tl.grad(landing_distance, wrt="angle")

    angle = math.radians(20.0)
    errors = []
    print(" step   angle (deg)   distance (m)   d distance / d angle (m/rad)")
    for step in range(60):
        slope = d_distance(angle, speed, drag)
        if step % 10 == 0:
            dist = landing_distance(angle, speed, drag)
            print(f"{step:5d}   {math.degrees(angle):11.3f}   {dist:12.4f}   {slope:14.5f}")
            fd = central_difference(landing_distance, angle, speed, drag)
            errors.append(abs(slope - fd) / max(abs(fd), 1.0))
        angle = angle + 0.002 * slope

    best = landing_distance(angle, speed, drag)
    vacuum = speed ** 2 / GRAVITY
    print(f"best angle: {math.degrees(angle):.2f} deg, distance {best:.2f} m "
          f"(without drag: 45 deg, {vacuum:.2f} m)")
    print(f"max relative |tl.grad - finite differences|: {max(errors):.2e}")
    assert max(errors) < 1e-5, "gradient disagrees with finite differences"
    assert 30.0 < math.degrees(angle) < 45.0
    assert abs(d_distance(angle, speed, drag)) < 0.5


if __name__ == "__main__":
    main()
