"""Derivative rules. ``registry`` holds the tables; ``core`` fills them with the built-ins."""

from . import core  # noqa: F401  (fills the registry)
from . import more  # noqa: F401  (the rest of the NumPy surface)
from . import jvps  # noqa: F401  (the forward-mode rules)
from . import more_jvps  # noqa: F401  (forward twins of more)
from . import jvps_runtime  # noqa: F401  (forward rules of generated code's helpers)
from . import vjps_runtime  # noqa: F401  (reverse rules of generated code's helpers)
from . import more_runtime  # noqa: F401  (rules of the helpers of more)
from .registry import (  # noqa: F401
    JvpRule,
    Rule,
    is_non_differentiable,
    is_non_differentiable_attr,
    is_non_differentiable_method,
    linear,
    linearity,
    lookup_jvp,
    lookup_method_jvp,
    lookup_method_vjp,
    lookup_vjp,
    non_differentiable,
    register_jvp,
    register_method_jvp,
    register_method_vjp,
    register_vjp,
)
