"""A plain NumPy model: the logistic-regression loss.

Nothing here knows about tangent_lite. Generate its gradient with

    tangent-lite grad examples/model.py:loss

which prints a Python module defining ``grad_loss(w, x, y)``; add
``-o grad_model.py`` to write it to a file that runs without tangent_lite.
"""

import numpy as np


def loss(w, x, y):
    """Mean binary cross-entropy of a logistic model with weights w."""
    z = x @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
