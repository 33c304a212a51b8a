from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pytest

from review_gate.gates.common import trust_policy
from review_gate.gates.worker import worker_gate
from review_gate.records import Comment
from tests import artifact_samples as samples
from tests.gates_review_test import comment

ME = "worker-1701523200-7"
OTHER = "worker-1701529999-7"


def assign(worker: str = ME, **extra: object) -> str:
    return samples.worker_assignment(worker, extra=dict(extra) if extra else None)


RELEASE = samples.worker_assignment(assigned=False, extra={"reason": "completed"})


class Case(NamedTuple):
    name: str
    comments: Sequence[Comment]
    worker_id: str | None
    passed: bool
    code: str | None = None


CASES = [
    Case("held by me", [comment(assign())], ME, True),
    Case("no record", [comment("hello")], ME, False, "no-assignment"),
    Case("no worker id", [comment(assign())], None, False, "no-worker-id"),
    Case("blank worker id", [comment(assign())], "  ", False, "no-worker-id"),
    Case("held by another worker", [comment(assign(OTHER))], ME, False, "held-by-other"),
    Case(
        "released after my assignment",
        [comment(assign(), id=1), comment(RELEASE, id=2)],
        ME,
        False,
        "released",
    ),
    Case(
        "re-assigned to me after another's release",
        [comment(assign(OTHER), id=1), comment(RELEASE, id=2), comment(assign(), id=3)],
        ME,
        True,
    ),
    Case(
        "taken over by another worker later",
        [comment(assign(), id=1), comment(assign(OTHER), id=2)],
        ME,
        False,
        "held-by-other",
    ),
    Case(
        "untrusted claim does not count",
        [comment(assign(), id=1), comment(assign(OTHER), id=2, association="NONE")],
        ME,
        True,
    ),
    Case(
        "untrusted claim alone does not count",
        [comment(assign(), association="CONTRIBUTOR")],
        ME,
        False,
        "no-assignment",
    ),
    Case(
        "assignment for another issue",
        [comment(assign(issue=8))],
        ME,
        False,
        "wrong-issue",
    ),
    Case("assignment naming this issue", [comment(assign(issue=7, attempt=2))], ME, True),
    Case(
        "broken WORKER json",
        [comment("<!-- WORKER:ASSIGNED -->\n```json\n{nope\n```\n<!-- /WORKER:ASSIGNED -->\n")],
        ME,
        False,
        "worker-invalid",
    ),
    Case(
        "WORKER record quoted in a fence",
        [comment("````markdown\n" + assign() + "````\n")],
        ME,
        False,
        "no-assignment",
    ),
    Case("CRLF body", [comment(assign().replace("\n", "\r\n"))], ME, True),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_worker_gate(case: Case) -> None:
    verdict = worker_gate(case.comments, 7, case.worker_id, trusted=trust_policy())
    assert verdict.passed is case.passed, verdict
    assert verdict.gate == "worker"
    if case.code:
        assert case.code in {r.code for r in verdict.reasons}, verdict.reasons
        assert all(r.fix for r in verdict.reasons)
    else:
        assert not verdict.reasons


def test_untrusted_claim_is_noted() -> None:
    verdict = worker_gate(
        [comment(assign(OTHER), association="NONE", author="mallory")],
        7,
        ME,
        trusted=trust_policy(),
    )
    assert any(n.code == "ignored-untrusted" and "@mallory" in n.message for n in verdict.notes)


def test_without_trust_policy_everyone_counts() -> None:
    verdict = worker_gate([comment(assign(), association="NONE")], 7, ME)
    assert verdict.passed
