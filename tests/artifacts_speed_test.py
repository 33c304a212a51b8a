"""What the fast paths of extract() must not change: results that do not depend on
what was parsed before, data that is never shared."""

from __future__ import annotations

import pytest

from review_gate.artifacts.extract import extract
from tests.artifact_samples import handover, review, worker_assignment

BODIES = [
    review(7),
    review(7, commit="abcdef1", deferred=(("Low", "x", "#8", "later"),)),
    review(7, status="BLOCKED"),
    review(7).replace("| 4 | Security | ✅ PASS | 0 |", "| 4 | Security | N/A | 2 |"),
    handover(7),
    worker_assignment(),
    "<!-- REVIEW:START -->\n| # | Criterion | Status | Findings |\n|-|-|-|-|\n"
    "| 1 | Blindspots | ✅ PASS | 0 |\n<!-- REVIEW:END -->\n",
]


@pytest.mark.parametrize("body", BODIES)
def test_same_result_in_a_fresh_process_order(body: str) -> None:
    """Remembered criteria rows and schema errors: the second extraction of a body,
    after everything else, equals the first."""
    first = extract(body)
    for other in BODIES:
        extract(other)
    assert extract(body) == first


def test_remembered_rows_are_never_shared() -> None:
    one, two = extract(review(7))[0], extract(review(7))[0]
    assert one.data == two.data
    for a, b in zip(one.data["criteria"], two.data["criteria"], strict=True):
        assert a == b and a is not b
    one.data["criteria"][0]["status"] = "CHANGED"
    assert extract(review(7))[0].data["criteria"][0]["status"] == "PASS"
