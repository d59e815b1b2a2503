"""tangent_lite: source-to-source automatic differentiation for Python and NumPy.

``tl.grad(f)`` reads ``f``'s source and returns a new Python function, with
readable source (``.source``), that computes the gradient.
"""

from .api import differentiable, grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp
from .checks import check_grad, stop_gradient
from .errors import TangentLiteError
from .rules.registry import non_differentiable, register_jvp, register_vjp
from .surgery import insert_grad_of

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "hvp", "hessian", "jacobian",
           "differentiable", "TangentLiteError", "register_vjp", "register_jvp",
           "non_differentiable", "check_grad", "stop_gradient", "insert_grad_of"]
__version__ = "0.1.0"
