"""Control flow is differentiated piecewise (SPEC §2): the derivative follows the
branch and the iteration count taken at the evaluation point.

Every piecewise function is evaluated on both sides of each branch, away from the
boundary, and compared with central finite differences.
"""

import math

import numpy as np
import pytest

from fd import check_grad

_rng = np.random.default_rng(7)
V5 = _rng.uniform(-1.0, 1.0, 5)
W5 = _rng.uniform(-1.0, 1.0, 5)
A34 = _rng.uniform(-1.0, 1.0, (3, 4))
WRNN = _rng.uniform(-0.8, 0.8, (4, 4))
H4 = _rng.uniform(-1.0, 1.0, 4)


# ---------------------------------------------------------------------------
# Branches
# ---------------------------------------------------------------------------


def if_else(x):
    if x > 0:
        y = x * x
    else:
        y = -3.0 * x
    return y * x


def if_without_else(x):
    y = x
    if x > 1.0:
        y = y * x
    return y + x


def if_elif_else(x):
    if x < -1.0:
        y = x ** 3
    elif x < 1.0:
        y = math.sin(x) * 2.0
    elif x < 2.0:
        y = x * x
    else:
        y = math.exp(x)
    return y


def nested_if(x, y):
    if x > 0:
        if y > 0:
            r = x * y
        else:
            r = x - y * y
    else:
        if y > x:
            r = x * x * y
        else:
            r = -y
    return r


def cond_expr(x):
    y = x * x if x > 0.5 else x * 3.0
    return y * x


def nested_cond_expr(x):
    return x ** 3 if x > 1.0 else (math.sin(x) if x > -1.0 else -x)


def cond_and(x, y):
    if x > 0 and y > 0:
        return x * y
    return x + y


def cond_or(x):
    if x < -1.0 or x > 1.0:
        return x * x
    return math.cos(x)


def cond_not(x):
    if not x > 0.5:
        return -x * x
    return x ** 3


def cond_mixed_bool(x, y):
    if (x > 0 and not y > 0) or x > 2.0:
        z = x * y
    else:
        z = x / (1.0 + y * y)
    return z


def branch_on_array_element(x):
    if x[0] > x[1]:
        s = np.sum(x ** 2)
    else:
        s = np.sum(np.sin(x))
    return s


def branch_assigns_array(x):
    if np.sum(x) > 0:
        y = x * 2.0
    else:
        y = np.exp(x)
    return np.sum(y * x)


def relu_like(x):
    if x > 0:
        return x
    return 0.01 * x


def clamp(x):
    if x < -1.0:
        x = -1.0 + 0.1 * x
    elif x > 1.0:
        x = 1.0 + 0.1 * x
    return x * x


# ---------------------------------------------------------------------------
# For loops
# ---------------------------------------------------------------------------


def for_range_1(x):
    s = 0.0
    for i in range(4):
        s = s + x ** i
    return s


def for_range_2(x):
    s = x
    for i in range(2, 5):
        s = s * x + i
    return s


def for_range_3(x):
    s = 0.0
    for i in range(1, 8, 3):
        s = s + math.sin(x * i)
    return s


def for_range_negative_step(x):
    s = x
    for i in range(5, 0, -2):
        s = s * (x + i)
    return s


def for_range_arg(x, n):
    s = 1.0
    for i in range(n):
        s = s * x + 1.0
    return s


def for_range_zero_iterations(x):
    s = x * x
    for i in range(0):
        s = s * x
    return s


def for_over_array(x):
    s = 0.0
    for v in x:
        s = s + v * v * s + v
    return s


def for_over_rows(a):
    s = 0.0
    for row in a:
        s = s + np.sum(row ** 2) * np.sum(row)
    return s


def for_over_rows_matrix_state(a, h):
    for row in a:
        h = np.tanh(h * row + 0.5)
    return np.sum(h)


def for_over_float_list(x):
    s = 0.0
    for c in [1.0, -2.0, 0.5, 3.0]:
        s = s * x + c
    return s


def for_over_list_of_active(x):
    s = 0.0
    for v in [x, x * x, math.sin(x)]:
        s = s + v * v
    return s


def for_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + i * v ** 2
    return s


def for_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b * b
    return s


def loop_carried_pair(x):
    a = x
    b = 1.0
    for i in range(5):
        a, b = b, a + b * x
    return a * b


def loop_target_reused(x):
    s = 0.0
    for i in range(3):
        s = s + x * i
    for i in range(2):
        s = s * x + i
    return s


def loop_value_target_reused(x):
    s = 0.0
    for v in x:
        s = s + v
    for v in x:
        s = s * v
    return s


def nested_loops_3(x):
    s = 0.0
    for i in range(2):
        for j in range(3):
            for k in range(2):
                s = s + x ** (i + 1) * (j - k) + math.sin(s * 0.1)
    return s


def nested_loops_array(a):
    s = 0.0
    for i in range(3):
        for j in range(4):
            s = s + a[i, j] * a[(i + 1) % 3, j]
    return s


def if_inside_loop(x):
    s = 0.0
    for v in x:
        if v > 0:
            s = s + v * v
        else:
            s = s - v * s
    return s


def loop_inside_if(x):
    if x > 0:
        s = x
        for i in range(3):
            s = s * x
    else:
        s = -x
    return s


def rnn(w, h):
    for i in range(3):
        h = np.tanh(w @ h)
    return np.sum(h)


def comprehension_in_loop(x):
    s = 0.0
    for k in range(3):
        s = s + sum([x[i] * k for i in range(2)])
    return s


# ---------------------------------------------------------------------------
# While, break, continue
# ---------------------------------------------------------------------------


def while_counter(x):
    i = 0
    s = x
    while i < 4:
        s = s * x + math.sin(s)
        i = i + 1
    return s


def while_value_condition(x):
    y = x
    while y < 10.0:
        y = y * 2.0 + x
    return y


def while_augassign_counter(x):
    n = 0
    s = 0.0
    while n < 3:
        s += x ** n
        n += 1
    return s


def for_break(x):
    s = 0.0
    for i in range(10):
        s = s + x
        if s > 3.0:
            break
    return s * x


def for_continue(x):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            continue
        s = s + x ** i
    return s


def while_break_continue(x):
    i = 0
    s = 0.0
    while True:
        i = i + 1
        if i == 2:
            continue
        s = s + math.cos(x * i)
        if i >= 5:
            break
    return s


def break_in_nested(x):
    s = 0.0
    for i in range(4):
        for j in range(4):
            if j > i:
                break
            s = s + x * (i + j) + s * 0.1
    return s


# ---------------------------------------------------------------------------
# Return inside control flow
# ---------------------------------------------------------------------------


def return_in_if(x):
    if x > 1.0:
        return x * x
    y = math.sin(x)
    return y * x


def return_in_for(x):
    s = x
    for i in range(10):
        s = s * 1.5 + x
        if s > 5.0:
            return s * x
    return -s


def return_in_while(x):
    i = 0
    s = x
    while i < 20:
        s = s + x * s
        if s > 4.0:
            return s
        i = i + 1
    return s * 2.0


def early_return_nested(x):
    s = 0.0
    for i in range(5):
        for j in range(5):
            s = s + x * (i + 1) * (j + 1)
            if s > 6.0:
                return s * x
    return s


def long_loop(x):
    s = x
    for i in range(10000):
        s = s + 1e-4 * math.sin(s)
    return s


CASES = [
    (if_else, (0.7,), 0),
    (if_else, (-0.7,), 0),
    (if_without_else, (1.5,), 0),
    (if_without_else, (0.5,), 0),
    (if_elif_else, (-1.5,), 0),
    (if_elif_else, (0.3,), 0),
    (if_elif_else, (1.4,), 0),
    (if_elif_else, (2.3,), 0),
    (nested_if, (0.8, 0.5), 0),
    (nested_if, (0.8, 0.5), 1),
    (nested_if, (0.8, -0.5), 1),
    (nested_if, (-0.8, 0.5), 0),
    (nested_if, (-0.8, -1.5), 1),
    (cond_expr, (0.9,), 0),
    (cond_expr, (0.2,), 0),
    (nested_cond_expr, (1.5,), 0),
    (nested_cond_expr, (0.4,), 0),
    (nested_cond_expr, (-1.5,), 0),
    (cond_and, (0.6, 0.9), 0),
    (cond_and, (0.6, -0.9), 1),
    (cond_and, (-0.6, 0.9), 0),
    (cond_or, (-1.5,), 0),
    (cond_or, (1.5,), 0),
    (cond_or, (0.3,), 0),
    (cond_not, (0.2,), 0),
    (cond_not, (0.9,), 0),
    (cond_mixed_bool, (0.5, -0.5), 0),
    (cond_mixed_bool, (0.5, 0.5), 1),
    (cond_mixed_bool, (2.5, 0.5), 1),
    (branch_on_array_element, (np.array([0.9, 0.1, -0.4]),), 0),
    (branch_on_array_element, (np.array([0.1, 0.9, -0.4]),), 0),
    (branch_assigns_array, (np.array([0.9, 0.1, -0.4]),), 0),
    (branch_assigns_array, (np.array([-0.9, 0.1, -0.4]),), 0),
    (relu_like, (0.8,), 0),
    (relu_like, (-0.8,), 0),
    (clamp, (-1.5,), 0),
    (clamp, (0.5,), 0),
    (clamp, (1.7,), 0),
    (for_range_1, (0.7,), 0),
    (for_range_2, (0.7,), 0),
    (for_range_3, (0.7,), 0),
    (for_range_negative_step, (0.3,), 0),
    (for_range_arg, (0.9, 5), 0),
    (for_range_arg, (0.9, 0), 0),
    (for_range_zero_iterations, (1.3,), 0),
    (for_over_array, (V5,), 0),
    (for_over_rows, (A34,), 0),
    (for_over_rows_matrix_state, (A34, H4), 0),
    (for_over_rows_matrix_state, (A34, H4), 1),
    (for_over_float_list, (0.8,), 0),
    (for_over_list_of_active, (0.8,), 0),
    (for_enumerate, (V5,), 0),
    (for_zip, (V5, W5), 0),
    (for_zip, (V5, W5), 1),
    (loop_carried_pair, (0.6,), 0),
    (loop_target_reused, (0.6,), 0),
    (loop_value_target_reused, (V5,), 0),
    (nested_loops_3, (0.6,), 0),
    (nested_loops_array, (A34,), 0),
    (if_inside_loop, (V5,), 0),
    (loop_inside_if, (0.7,), 0),
    (loop_inside_if, (-0.7,), 0),
    (rnn, (WRNN, H4), 0),
    (rnn, (WRNN, H4), 1),
    (comprehension_in_loop, (V5,), 0),
    (while_counter, (0.5,), 0),
    (while_value_condition, (0.7,), 0),
    (while_value_condition, (3.0,), 0),
    (while_augassign_counter, (1.3,), 0),
    (for_break, (0.7,), 0),
    (for_break, (0.2,), 0),
    (for_continue, (0.9,), 0),
    (while_break_continue, (0.4,), 0),
    (break_in_nested, (0.7,), 0),
    (return_in_if, (1.5,), 0),
    (return_in_if, (0.5,), 0),
    (return_in_for, (0.6,), 0),
    (return_in_for, (-0.6,), 0),
    (return_in_while, (0.5,), 0),
    (return_in_while, (0.01,), 0),
    (early_return_nested, (0.3,), 0),
    (early_return_nested, (0.01,), 0),
]


def _ids(cases):
    ids = []
    seen = {}
    for f, args, wrt in cases:
        base = "%s-wrt%s" % (f.__name__, wrt)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else "%s-%d" % (base, seen[base]))
    return ids


@pytest.mark.parametrize("f,args,wrt", CASES, ids=_ids(CASES))
def test_control_flow_grad(f, args, wrt):
    check_grad(f, args, wrt)


def test_long_scalar_loop():
    # 10000 iterations: correctness only (no timing assertions).
    check_grad(long_loop, (0.8,), 0)

