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


SHA = "0123456789abcdef0123456789abcdef01234567"
# (id, old, new, pointer, value): the value is read as a reader of the rendered comment
# sees it -- invisible text dropped, entities and compatibility forms folded.
READ_AS_RENDERED = [
    ("status in a heading", "**Review Status:**", "## Review Status:", "/status", "COMPLETE"),
    (
        "setext status",
        "**Review Status:** ✅ COMPLETE",
        "Review Status: COMPLETE\n---",
        "/status",
        "COMPLETE",
    ),
    (
        "status hidden in comment",
        "✅ COMPLETE",
        "<!-- COMPLETE --> BLOCKED_ON_DEPENDENCIES",
        "/status",
        "BLOCKED_ON_DEPENDENCIES",
    ),
    ("comment before status", "✅ COMPLETE", "<!-- x --> ✅ COMPLETE", "/status", "COMPLETE"),
    ("shortcode", "✅ COMPLETE", ":white_check_mark: COMPLETE", "/status", "COMPLETE"),
    ("zero-width space", "✅ COMPLETE", "COM\u200bPLETE", "/status", "COMPLETE"),
    ("word joiner and BOM", "✅ COMPLETE", "\ufeffCOMP\u2060LETE", "/status", "COMPLETE"),
    ("tag characters", "✅ COMPLETE", "COMPLETE\U000e0041\U000e0042", "/status", "COMPLETE"),
    (
        "nbsp",
        "✅ COMPLETE",
        "BLOCKED\u00a0ON\u00a0DEPENDENCIES",
        "/status",
        "BLOCKED_ON_DEPENDENCIES",
    ),
    ("entity nbsp", "✅ COMPLETE", "COMPLETE&nbsp;", "/status", "COMPLETE"),
    ("full-width", "✅ COMPLETE", "ＣＯＭＰＬＥＴＥ", "/status", "COMPLETE"),
    ("escaped markup", "✅ COMPLETE", "\\*COMPLETE\\*", "/status", "COMPLETE"),
    (
        "unaddressed entity",
        "| Unaddressed | 0 |",
        "| Unaddressed | &#48; |",
        "/summary/unaddressed",
        0,
    ),
    (
        "unaddressed behind comment",
        "| Unaddressed | 0 |",
        "| Unaddressed | 3 <!-- 0 --> |",
        "/summary/unaddressed",
        3,
    ),
    (
        "zero-width in label",
        "| Unaddressed | 0 |",
        "| Un\u200baddressed | 0 |",
        "/summary/unaddressed",
        0,
    ),
    ("issue zero-width", "| Issue | #7 |", "| Issue | #\u200b7 |", "/issue", 7),
    ("issue escaped #", "| Issue | #7 |", "| Issue | \\#7 |", "/issue", 7),
    ("issue behind comment", "| Issue | #7 |", "| Issue | <!-- #8 --> #7 |", "/issue", 7),
    ("issue of a repository", "| Issue | #7 |", "| Issue | o/r#7 |", "/issue_repo", "o/r"),
    (
        "issue url keeps repository",
        "| Issue | #7 |",
        "| Issue | https://github.com/o/r/issues/7#top |",
        "/issue_repo",
        "o/r",
    ),
    ("tracking of a repository", "| #45 |", "| up/lib#45 |", "/deferred/0/tracking_repo", "up/lib"),
    (
        "tracking link of a repository",
        "| #45 |",
        "| [#45](https://github.com/up/lib/issues/45) |",
        "/deferred/0/tracking_repo",
        "up/lib",
    ),
    (
        "commit link",
        "| Scope |",
        f"| Commit | [`{SHA[:7]}`](https://github.com/o/r/commit/{SHA}) |\n| Scope |",
        "/commit",
        SHA,
    ),
    (
        "commit url",
        "| Scope |",
        f"| Commit | https://github.com/o/r/pull/3/commits/{SHA} |\n| Scope |",
        "/commit",
        SHA,
    ),
    (
        "commit sha-256",
        "| Scope |",
        f"| Commit | {SHA}{'A' * 24} |\n| Scope |",
        "/commit",
        SHA + "a" * 24,
    ),
    (
        "commit zero-width",
        "| Scope |",
        "| Commit | 0123\u200b456 |\n| Scope |",
        "/commit",
        "0123456",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "pointer", "value"),
    [v[1:] for v in READ_AS_RENDERED],
    ids=[v[0] for v in READ_AS_RENDERED],
)
def test_values_are_read_as_rendered(old: str, new: str, pointer: str, value: Any) -> None:
    assert old in BASE
    art = _one(BASE.replace(old, new))
    assert art.valid, art.errors
    data: Any = art.data
    for part in pointer.strip("/").split("/"):
        data = data[int(part)] if isinstance(data, list) else data[part]
    assert data == value


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
    # Values that look right but are not: the error says why.
    ("Cyrillic homoglyph", "✅ COMPLETE", "\u0421OMPLETE", "/status", "CYRILLIC CAPITAL LETTER ES"),
    ("bidi override", "✅ COMPLETE", "\u202eETELPMOC", "/status", "RIGHT-TO-LEFT OVERRIDE"),
    # Numbers are ASCII digits as written: NFKC would turn these into 0 and 45.
    (
        "full-width count",
        "| Unaddressed | 0 |",
        "| Unaddressed | ０ |",
        "/summary/unaddressed",
        "FULLWIDTH DIGIT ZERO",
    ),
    (
        "full-width tracking issue",
        "| #45 |",
        "| ＃４５ |",
        "/deferred/0/tracking_issue",
        "FULLWIDTH DIGIT FOUR",
    ),
    (
        "count with leading zero",
        "| Unaddressed | 0 |",
        "| Unaddressed | 00 |",
        "/summary/unaddressed",
        "'00'",
    ),
    (
        "Arabic-Indic digit",
        "| Unaddressed | 0 |",
        "| Unaddressed | ٠ |",
        "/summary/unaddressed",
        "ARABIC-INDIC DIGIT ZERO",
    ),
    ("status in a tag", "✅ COMPLETE", "<b>COMPLETE</b>", "/status", "<b>"),
    ("struck-out status", "✅ COMPLETE", "~~BLOCKED_ON_DEPENDENCIES~~ COMPLETE", "/status", "~~"),
    ("not complete", "✅ COMPLETE", "INCOMPLETE", "/status", "INCOMPLETE"),
    (
        "issue link text and target differ",
        "| Issue | #7 |",
        "| Issue | [#7](https://github.com/o/r/issues/8) |",
        "/issue",
        "issues/8",
    ),
    (
        "tracking link text and target differ",
        "| #45 |",
        "| [#45](https://github.com/o/r/issues/46) |",
        "/deferred/0/tracking_issue",
        "issues/46",
    ),
    ("tracking None", "| #45 |", "| None |", "/deferred/0/tracking_issue", "'None'"),
    (
        "commit link to another commit",
        "| Scope |",
        f"| Commit | [`{SHA[:7]}`](https://github.com/o/r/commit/{'f' * 40}) |\n| Scope |",
        "/commit",
        "ffff",
    ),
    ("commit HEAD", "| Scope |", "| Commit | HEAD |\n| Scope |", "/commit", "HEAD"),
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
