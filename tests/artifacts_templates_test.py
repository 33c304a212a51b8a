"""`gate new` skeletons: the exact seed formats; invalid until filled, valid once filled."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review_gate.artifacts import templates
from review_gate.artifacts.extract import extract

SHA = "0123456789abcdef0123456789abcdef01234567"


def fill_review(text: str) -> str:
    """Replace every blank of a REVIEW skeleton the way a reviewer would."""
    for old, new in (
        ("[MINOR|MAJOR]", "MINOR"),
        ("[YES|NO]", "NO"),
        ("[✅ PASS|✅ FIXED|⚠️ DEFERRED|N/A]", "N/A"),
        ("[✅ PASS|✅ FIXED|⚠️ DEFERRED]", "✅ PASS"),
        ("| Fixed in PR | [N] |", "| Fixed in PR | 1 |"),
        ("| Deferred (with tracking) | [N] |", "| Deferred (with tracking) | 1 |"),
        ("[N]", "0"),
        ("[SEVERITY]", "Low"),
        ("[DESCRIPTION]", "A finding"),
        ("[HOW_FIXED]", "Fixed it"),
        ("#[ISSUE]", "#999999"),
        ("[WHY]", "Out of scope"),
        ("[✅ COMPLETE|⏸️ BLOCKED_ON_DEPENDENCIES]", "✅ COMPLETE"),
    ):
        text = text.replace(old, new)
    return text


def fill_generic(text: str) -> str:
    text = text.replace("[N]/100", "40/100").replace("[N]", "1")
    return re.sub(r"\[[A-Z][A-Z_]*\]", "filled", text)


def test_review_skeleton_is_the_seed_template() -> None:
    text = templates.review()
    assert text.startswith("<!-- REVIEW:START -->\n## Code Review Complete\n\n| Property | Value |")
    assert "| Worker | `[WORKER_ID]` |\n| Issue | #[ISSUE_NUMBER] |\n" in text
    assert "| 4 | Security | [✅ PASS|✅ FIXED|⚠️ DEFERRED|N/A] | [N] |" in text
    assert "| 1 | [SEVERITY] | [DESCRIPTION] | #[ISSUE] | [WHY] |" in text
    assert text.endswith(
        "**Review Status:** [✅ COMPLETE|⏸️ BLOCKED_ON_DEPENDENCIES]\n<!-- REVIEW:END -->\n"
    )
    assert "Commit" not in text


@pytest.mark.parametrize(
    "text",
    [
        templates.review(),
        templates.review(issue=7, worker_id="worker-1-7", reviewed="2026-11-21T10:00:00Z"),
        templates.handover(issue=7, worker_id="w-1", timestamp="2026-11-21T10:00:00Z"),
        templates.worker(),
        templates.worker(release=True),
    ],
    ids=["review", "review filled", "handover", "worker", "release"],
)
def test_unfilled_skeleton_is_invalid_because_of_placeholders(text: str) -> None:
    (art,) = extract(text)
    assert not art.valid
    assert any("placeholder" in e.message for e in art.errors), art.errors


@settings(max_examples=80, deadline=None)
@given(
    issue=st.integers(1, 2**31 - 1),
    worker=st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,40}\Z"),
    commit=st.one_of(st.none(), st.from_regex(r"\A[0-9a-f]{7,40}\Z")),
)
def test_filled_review_round_trips(issue: int, worker: str, commit: str | None) -> None:
    text = fill_review(
        templates.review(issue=issue, worker_id=worker, reviewed=templates.now(), commit=commit)
    )
    (art,) = extract(text)
    assert art.valid, art.errors
    assert art.data["issue"] == issue and art.data["worker"] == worker
    assert art.data.get("commit") == commit
    assert art.data["status"] == "COMPLETE" and art.data["summary"]["unaddressed"] == 0


@settings(max_examples=40, deadline=None)
@given(issue=st.integers(1, 10**6), worker=st.from_regex(r"\Aworker-[0-9]{1,10}-[0-9]{1,6}\Z"))
def test_filled_handover_and_worker_round_trip(issue: int, worker: str) -> None:
    handover = fill_generic(
        templates.handover(
            issue=issue, worker_id=worker, timestamp=templates.now(), last_commit=SHA
        )
    )
    (art,) = extract(handover)
    assert art.valid, art.errors
    assert (art.data["issue"], art.data["previous_worker"]) == (issue, worker)
    for release in (False, True):
        record = templates.worker(
            issue=issue, worker_id=worker, at=templates.now(), worktree="/w", release=release
        )
        (art,) = extract(record)
        assert art.valid, art.errors
        assert art.data["assigned"] is not release and art.data["issue"] == issue


def test_now_is_rfc3339_utc() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", templates.now())
