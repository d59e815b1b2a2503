"""Shared pytest configuration for the tangent_lite test suite.

The suite is black-box: it only uses the public API of ``tangent_lite``.
Numerical oracles live in ``tests/fd.py``.
"""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))

# Make ``import tangent_lite`` work when the package is not installed, and make the
# helper modules in tests/ importable by name.
for _p in (REPO_ROOT, TESTS_DIR):
    if _p not in sys.path:
        sys.path.insert(0, _p)
