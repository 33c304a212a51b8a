"""REVIEW parsing: tolerant about layout, strict about what the gate relies on."""

from __future__ import annotations

from typing import Any

import pytest

from review_gate.artifacts.extract import extract
from tests.artifact_samples import CRITERIA, review

DEFERRED = (("Medium", "N+1 query", "#45", "Needs a schema change"),)
BASE = review(7, deferred=DEFERRED)


def _one(body: str) -> Any:
    arts = extract(body)
    assert len(arts) == 1, arts
    return arts[0]


def test_sample_data_is_normalised() -> None:
    art = _one(review(7, commit="ABCDEF1234", security_sensitive=True, deferred=DEFERRED))
    assert art.valid, art.errors
    assert art.data == {
        "worker": "worker-1701523200-7",
        "issue": 7,
        "scope": "MINOR",
        "security_sensitive": True,
        "reviewed": "2026-11-21T10:00:00Z",
        "commit": "abcdef1234",
        "criteria": [
            {"number": 1, "criterion": "Blindspots", "status": "PASS", "findings": 0},
            {"number": 2, "criterion": "Clarity", "status": "FIXED", "findings": 1},
            {"number": 3, "criterion": "Maintainability", "status": "DEFERRED", "findings": 1},
            {"number": 4, "criterion": "Security", "status": "PASS", "findings": 0},
            {"number": 5, "criterion": "Performance", "status": "PASS", "findings": 0},
            {"number": 6, "criterion": "Documentation", "status": "PASS", "findings": 0},
            {"number": 7, "criterion": "Style", "status": "PASS", "findings": 0},
        ],
        "fixed": [
            {"number": 1, "severity": "Minor", "finding": "Unclear name", "resolution": "Renamed"}
        ],
        "deferred": [
            {
                "number": 1,
                "severity": "Medium",
                "finding": "N+1 query",
                "tracking_issue": 45,
                "justification": "Needs a schema change",
            }
        ],
        "summary": {"fixed": 1, "deferred": 1, "unaddressed": 0},
        "status": "COMPLETE",
    }


# (id, old, new, check on data) -- each variation must stay valid and parse the same.
VARIATIONS = [
    ("no emoji", "✅ PASS", "PASS", None),
    ("lower-case status", "| ✅ PASS |", "| pass |", None),
    ("bold status", "⚠️ DEFERRED", "**DEFERRED**", None),
    ("status word Passed", "| ✅ PASS |", "| ✅ Passed |", None),
    ("no backticks on worker", "`worker-1701523200-7`", "worker-1701523200-7", None),
    ("issue without #", "| Issue | #7 |", "| Issue | 7 |", ("issue", 7)),
    ("issue as link", "| Issue | #7 |", "| Issue | [#7](https://github.com/o/r/issues/7) |", None),
    ("issue as url", "| Issue | #7 |", "| Issue | https://github.com/o/r/issues/7 |", None),
    ("short separators", "|----------|-------|", "|-|-|", None),
    ("aligned separators", "|---|-----------|--------|----------|", "|:-:|:--|:--:|--:|", None),
    ("no outer pipes", "| Fixed in PR | 1 |", "Fixed in PR | 1", None),
    ("heading case", "### Findings Deferred (With Tracking Issues)", "### findings deferred", None),
    ("heading level", "### Summary", "## SUMMARY", None),
    ("extra prose", "### Summary", "Some words.\n\n> a quote\n\n### Summary", None),
    (
        "extra section",
        "### Summary",
        "### Notes\n\n| A | B |\n|---|---|\n| x | y |\n\n### Summary",
        None,
    ),
    ("extra property row", "| Scope | MINOR |", "| Scope | MINOR |\n| Reviewer | claude |", None),
    ("review status plain", "**Review Status:** ✅ COMPLETE", "Review Status: COMPLETE", None),
    ("review status bold value", "✅ COMPLETE", "**COMPLETE**", None),
    (
        "status with remark",
        "✅ COMPLETE",
        "✅ COMPLETE (all findings handled)",
        ("status", "COMPLETE"),
    ),
    ("tracking plain number", "| #45 |", "| 45 |", None),
    ("tracking as link", "| #45 |", "| [#45](https://github.com/o/r/issues/45) |", None),
    ("summary label case", "| Deferred (with tracking) |", "| DEFERRED |", None),
    ("security yes", "| Security-Sensitive | NO |", "| Security-Sensitive | ✅ YES |", None),
    ("scope lower", "| Scope | MINOR |", "| Scope | major |", ("scope", "MAJOR")),
    ("timestamp offset", "2026-11-21T10:00:00Z", "2026-11-21T12:00:00.123+02:00", None),
    ("NA criterion", "| 4 | Security | ✅ PASS | 0 |", "| 4 | Security | N/A | 0 |", None),
]


@pytest.mark.parametrize(
    ("old", "new", "check"), [v[1:] for v in VARIATIONS], ids=[v[0] for v in VARIATIONS]
)
def test_tolerated_variations(old: str, new: str, check: tuple[str, Any] | None) -> None:
    assert old in BASE
    art = _one(BASE.replace(old, new))
    assert art.valid, art.errors
    if check:
        assert art.data[check[0]] == check[1]
    assert art.data["deferred"][0]["tracking_issue"] == 45


def test_none_sections_and_deferred_without_number_column() -> None:
    body = review(7, fixed=())
    art = _one(body)
    assert art.valid and art.data["fixed"] == [] and art.data["deferred"] == []
    no_hash = BASE.replace(
        "| # | Severity | Finding | Tracking Issue | Justification |\n"
        "|---|----------|---------|----------------|---------------|\n"
        "| 1 | Medium |",
        "| Severity | Finding | Tracking Issue | Justification |\n|---|---|---|---|\n| Medium |",
    )
    assert no_hash != BASE
    art = _one(no_hash)
    assert art.valid, art.errors
    assert art.data["deferred"][0] == {
        "number": 1,
        "severity": "Medium",
        "finding": "N+1 query",
        "tracking_issue": 45,
        "justification": "Needs a schema change",
    }


def test_columns_by_name_not_position() -> None:
    body = BASE.replace(
        "| # | Criterion | Status | Findings |\n|---|-----------|--------|----------|",
        "| Criterion | # | Findings | Status |\n|---|---|---|---|",
    )
    lines = []
    for line in body.splitlines(keepends=True):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].isdigit() and cells[1] in CRITERIA:
            num, name, status, count = cells
            line = f"| {name} | {num} | {count} | {status} |\n"
        lines.append(line)
    body = "".join(lines)
    art = _one(body)
    assert art.valid, art.errors
    assert art.data["criteria"][1] == {
        "number": 2,
        "criterion": "Clarity",
        "status": "FIXED",
        "findings": 1,
    }


# (id, old, new, pointer, message fragment)
INVALID = [
    ("no issue row", "| Issue | #7 |\n", "", "/issue", "Issue"),
    ("issue text", "| Issue | #7 |", "| Issue | seven |", "/issue", "'seven'"),
    ("cross-repo issue", "| Issue | #7 |", "| Issue | other/repo#7 |", "/issue", "Issue"),
    ("no status line", "**Review Status:** ✅ COMPLETE\n", "", "/status", "Review Status"),
    ("status not complete", "✅ COMPLETE", "NOT COMPLETE", "/status", "NOT COMPLETE"),
    ("status unknown", "✅ COMPLETE", "✅ DONE", "/status", "DONE"),
    (
        "two status lines",
        "**Review Status:** ✅ COMPLETE",
        "**Review Status:** ✅ COMPLETE\n\n**Review Status:** ⏸️ BLOCKED_ON_DEPENDENCIES",
        "/status",
        "second",
    ),
    ("no summary", "| Category | Count |", "| Thing | Value |", "/summary", "summary"),
    ("no unaddressed row", "| Unaddressed | 0 |\n", "", "/summary/unaddressed", "Unaddressed"),
    (
        "unaddressed text",
        "| Unaddressed | 0 |",
        "| Unaddressed | none? |",
        "/summary/unaddressed",
        "count",
    ),
    (
        "negative unaddressed",
        "| Unaddressed | 0 |",
        "| Unaddressed | -1 |",
        "/summary/unaddressed",
        "count",
    ),
    (
        "deferred count mismatch",
        "| Deferred (with tracking) | 1 |",
        "| Deferred (with tracking) | 2 |",
        "/summary/deferred",
        "2 deferred",
    ),
    (
        "fixed count mismatch",
        "| Fixed in PR | 1 |",
        "| Fixed in PR | 3 |",
        "/summary/fixed",
        "3 fixed",
    ),
    ("no tracking issue", "| #45 |", "| |", "/deferred/0/tracking_issue", "tracking issue"),
    ("tracking TBD", "| #45 |", "| TBD |", "/deferred/0/tracking_issue", "tracking issue"),
    ("tracking is itself", "| #45 |", "| #7 |", "/deferred/0/tracking_issue", "itself"),
    (
        "deferred table without tracking column",
        "| # | Severity | Finding | Tracking Issue | Justification |\n"
        "|---|----------|---------|----------------|---------------|\n"
        "| 1 | Medium | N+1 query | #45 | Needs a schema change |",
        "| # | Severity | Finding | Justification |\n|---|---|---|---|\n"
        "| 1 | Medium | N+1 query | Needs a schema change |",
        "/deferred/0/tracking_issue",
        "tracking issue",
    ),
    ("criterion missing", "| 7 | Style | ✅ PASS | 0 |\n", "", "/criteria", "7 rows"),
    ("criterion duplicated", "| 7 | Style |", "| 6 | Style |", "/criteria/6/number", "twice"),
    ("criterion number 8", "| 7 | Style |", "| 8 | Style |", "/criteria/6/number", "1-7"),
    (
        "criterion status",
        "| 1 | Blindspots | ✅ PASS |",
        "| 1 | Blindspots | MAYBE |",
        "/criteria/0/status",
        "MAYBE",
    ),
    (
        "findings not a count",
        "| 1 | Blindspots | ✅ PASS | 0 |",
        "| 1 | Blindspots | ✅ PASS | some |",
        "/criteria/0/findings",
        "count",
    ),
    (
        "N/A with findings",
        "| 4 | Security | ✅ PASS | 0 |",
        "| 4 | Security | N/A | 2 |",
        "/criteria/3/findings",
        "N/A",
    ),
    (
        "deferred criterion without rows",
        "| Deferred (with tracking) | 1 |",
        "| Deferred (with tracking) | 0 |",
        "/summary/deferred",
        "0 deferred",
    ),
    ("bad scope", "| Scope | MINOR |", "| Scope | HUGE |", "/scope", "HUGE"),
    (
        "bad security",
        "| Security-Sensitive | NO |",
        "| Security-Sensitive | maybe |",
        "/security_sensitive",
        "maybe",
    ),
    ("bad timestamp", "2026-11-21T10:00:00Z", "yesterday", "/reviewed", "yesterday"),
    ("impossible date", "2026-11-21T10:00:00Z", "2026-13-45T10:00:00Z", "/reviewed", "real date"),
    ("bad commit", "| Scope |", "| Commit | not-a-sha |\n| Scope |", "/commit", "not-a-sha"),
    ("duplicate issue row", "| Issue | #7 |", "| Issue | #7 |\n| Issue | #8 |", "/issue", "twice"),
    (
        "no criteria table",
        "| # | Criterion | Status | Findings |",
        "| # | Name | Result | Findings |",
        "/criteria",
        "criteria",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "pointer", "fragment"), [v[1:] for v in INVALID], ids=[v[0] for v in INVALID]
)
def test_invalid_reviews(old: str, new: str, pointer: str, fragment: str) -> None:
    assert old in BASE
    body = BASE.replace(old, new)
    art = _one(body)
    assert not art.valid
    matching = [e for e in art.errors if e.pointer == pointer]
    assert matching, [str(e) for e in art.errors]
    assert any(fragment in e.message for e in matching), [str(e) for e in matching]
    for err in art.errors:
        assert err.kind == "review" and err.hint and 1 <= err.line <= len(body.splitlines())


def test_error_line_points_at_the_row() -> None:
    body = BASE.replace("| 5 | Performance | ✅ PASS | 0 |", "| 5 | Performance | ✅ PASS | x |")
    (err,) = _one(body).errors
    assert body.splitlines()[err.line - 1].startswith("| 5 | Performance")


def test_blocked_and_unaddressed_are_valid_data() -> None:
    # Policy (COMPLETE, Unaddressed 0) is the gate's job; the artifact itself is fine.
    art = _one(review(7, status="⏸️ BLOCKED_ON_DEPENDENCIES", unaddressed=2))
    assert art.valid
    assert (art.data["status"], art.data["summary"]["unaddressed"]) == (
        "BLOCKED_ON_DEPENDENCIES",
        2,
    )
    art = _one(review(7, status="IN PROGRESS"))
    assert art.valid and art.data["status"] == "IN_PROGRESS"


def test_one_line_seed_form_is_invalid_not_ignored() -> None:
    body = (
        "<!-- REVIEW:START --> ## Code Review Complete | Property | Value | "
        "**Review Status:** ✅ COMPLETE <!-- REVIEW:END -->"
    )
    (art,) = extract(body)
    assert not art.valid
    assert {e.pointer for e in art.errors} >= {"/issue", "/criteria", "/summary"}
