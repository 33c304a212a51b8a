from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pytest

from review_gate.gates.common import trust_policy
from review_gate.gates.handover import handover_gate
from review_gate.records import Comment
from tests import artifact_samples as samples
from tests.gates_review_test import comment

GOOD = samples.handover(7)


class Case(NamedTuple):
    name: str
    comments: Sequence[Comment]
    passed: bool
    codes: frozenset[str] = frozenset()


CASES = [
    Case("complete handover", [comment(GOOD)], True),
    Case("no handover", [comment("hi")], False, frozenset({"no-handover"})),
    Case(
        "handover of another issue",
        [comment(samples.handover(8))],
        False,
        frozenset({"wrong-issue"}),
    ),
    Case(
        "no next steps",
        [comment(samples.handover(7, next_steps=()))],
        False,
        # The schema requires a non-empty list; the gate checks again.
        frozenset({"handover-invalid", "no-next-steps"}),
    ),
    Case(
        "placeholder left",
        [comment(GOOD.replace("88/100", "[N]/100"))],
        False,
        frozenset({"handover-invalid"}),
    ),
    Case(
        "latest wins: a newer broken handover fails",
        [comment(GOOD, id=1), comment(GOOD.replace("<!-- HANDOVER:END -->", ""), id=2)],
        False,
        frozenset({"handover-invalid"}),
    ),
    Case(
        "latest wins: a newer good handover passes",
        [comment(samples.handover(7, next_steps=()), id=1), comment(GOOD, id=2)],
        True,
    ),
    Case(
        "untrusted handover ignored",
        [comment(GOOD, association="NONE")],
        False,
        frozenset({"no-handover"}),
    ),
    Case("CRLF", [comment(GOOD.replace("\n", "\r\n"))], True),
    Case("fenced", [comment("```markdown\n" + GOOD + "```\n")], False, frozenset({"no-handover"})),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_handover_gate(case: Case) -> None:
    verdict = handover_gate(case.comments, 7, trusted=trust_policy())
    assert verdict.passed is case.passed, verdict
    assert verdict.gate == "handover"
    codes = {r.code for r in verdict.reasons}
    if case.passed:
        assert not codes
    else:
        assert codes and codes <= case.codes, verdict.reasons
        assert all(r.fix for r in verdict.reasons)
