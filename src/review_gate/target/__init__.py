"""The front door: one :class:`GateRequest` per gate decision, one constructor per surface.

    request = target.from_cli(issue="7", cwd=Path("."), environ=os.environ)
    result = check.evaluate(request)          # pure but for the tracker it holds
    print(report.text(result))                # one renderer per surface

The rules each constructor applies live in one place each: issues and bases in
:mod:`review_gate.target.rules`, the trusted configuration in
:mod:`review_gate.target.trusted`, the tracker in :mod:`review_gate.target.tracker`,
the git facts in :mod:`review_gate.git`. A surface never asks git or reads the
configuration again once its request is built.
"""

from __future__ import annotations

from review_gate.target.build import (
    Repository,
    checkout_policy,
    for_worker,
    from_checkout,
    from_pull_request,
    from_push,
)
from review_gate.target.command import from_cli
from review_gate.target.rules import (
    GATES,
    GateRequest,
    base_candidates,
    check_gates,
    closing_issues,
    find_base,
    gated_issues,
    parse_issue,
)

__all__ = [
    "GATES",
    "GateRequest",
    "Repository",
    "base_candidates",
    "check_gates",
    "checkout_policy",
    "closing_issues",
    "find_base",
    "for_worker",
    "from_checkout",
    "from_cli",
    "from_pull_request",
    "from_push",
    "gated_issues",
    "parse_issue",
]
