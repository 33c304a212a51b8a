"""review-gate: prove agent work was reviewed before it leaves the worker."""

# No `from __future__ import annotations` in this file: it imports `__future__` at run time,
# on every agent tool call (hooks/fast_path.py).
__version__ = "0.2.0"
