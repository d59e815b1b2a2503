"""Derivative rules. ``registry`` holds the tables; ``core`` fills them with the built-ins."""

from . import core  # noqa: F401  (fills the registry)
from . import more  # noqa: F401  (the rest of the NumPy surface)
from .registry import (  # noqa: F401
    Rule,
    is_non_differentiable,
    is_non_differentiable_attr,
    is_non_differentiable_method,
    lookup_method_vjp,
    lookup_vjp,
    non_differentiable,
    register_method_vjp,
    register_vjp,
)
