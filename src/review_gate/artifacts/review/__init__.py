"""REVIEW blocks: the comprehensive-review format -> plain data -> cross-field checks.

``tables`` reads the markdown, ``values`` the enumerated values (one meaning each),
``checks`` the rules JSON Schema cannot state, ``messages`` the error texts.
"""

from __future__ import annotations

from review_gate.artifacts.review.checks import cross_check
from review_gate.artifacts.review.messages import MESSAGES
from review_gate.artifacts.review.tables import parse

__all__ = ["MESSAGES", "cross_check", "parse"]
