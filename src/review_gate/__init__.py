"""review-gate: prove agent work was reviewed before it leaves the worker."""

from __future__ import annotations

__version__ = "0.2.0"
