"""Worker reports (REPORT blocks): the templates `gate new started|progress|complete|
blocked|failed` prints, their schema, line-numbered errors, and odd bodies."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate import schemas
from review_gate.artifacts.extract import extract
from review_gate.artifacts.model import REPORT_KINDS
from review_gate.artifacts.report_templates import ReportFacts, report
from tests.helpers import commit_file, git, init_repo, run_gate

FACTS = ReportFacts(
    worker_id="worker-1764000000-7-3fa9c1",
    issue=7,
    attempt=2,
    branch="feature/7-settings-parser",
    turns_used=12,
    orchestration="orch-2026-12-03-1",
    reported_at="2026-12-03T06:00:00Z",
)
# Every blank of the templates, and a value that fills it.
FILL = {
    "[Implementing|Testing|Blocked|Complete]": "Testing",
    "#[PR_NUMBER]": "#12",
    "[N] tests passing": "41 tests passing",
    "Coverage: [X]%": "Coverage: 93%",
}
_BLANK = re.compile(r"\[[A-Z][A-Z0-9_]*\]")


def filled(kind: str, facts: ReportFacts = FACTS) -> str:
    text = report(kind, facts)
    for blank, value in FILL.items():
        text = text.replace(blank, value)
    return _BLANK.sub(lambda m: m.group(0)[1:-1].lower().replace("_", " "), text)


def only(text: str) -> dict[str, object]:
    [art] = extract(text)
    assert art.kind == "report"
    return {"valid": art.valid, "data": art.data, "errors": art.errors}


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


# -- templates -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_an_unfilled_template_is_invalid_at_each_blank(kind: str) -> None:
    text = report(kind, FACTS)
    [art] = extract(text)
    assert art.kind == "report" and not art.valid
    blank = re.compile(r"\[[A-Z][A-Z0-9_]*\]|\[[^\[\]\n|]*\|[^\[\]\n]*\]")
    blanks = {n for n, line in enumerate(text.split("\n"), 1) if blank.search(line)}
    # Every blank is named at its line (the one in the Error/Issue fence too), nothing else.
    assert {e.line for e in art.errors} == blanks
    assert all("placeholder" in e.message for e in art.errors)


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_a_filled_template_validates(kind: str) -> None:
    got = only(filled(kind))
    assert got["valid"], got["errors"]
    data = got["data"]
    assert isinstance(data, dict)
    assert data["kind"] == kind
    assert data["worker_id"] == FACTS.worker_id and data["issue"] == 7 and data["attempt"] == 2
    assert data["branch"] == FACTS.branch and data["orchestration"] == FACTS.orchestration
    assert (data["turns_used"], data["turn_budget"]) == (12, 100)
    assert data["reported_at"] == FACTS.reported_at
    assert not list(schemas.validator("report").iter_errors(data))


def test_the_fields_of_each_kind() -> None:
    blocked = only(filled("blocked"))["data"]
    assert isinstance(blocked, dict)
    assert blocked["reason"] == "clear description of the blocker"
    assert blocked["tried"] == [
        "approach 1 - why it did not work",
        "approach 2 - why it did not work",
    ]
    assert blocked["unblock"] == ["specific action needed from a human or external"]
    assert blocked["cannot_proceed"] == "why this is a true blocker not just a hard problem"
    failed = only(filled("failed"))["data"]
    assert isinstance(failed, dict)
    assert failed["failure"] == "what failed" and failed["error"] == "error output or description"
    assert failed["research"] == ["specific question to research", "area to investigate"]
    progress = only(filled("progress"))["data"]
    assert isinstance(progress, dict)
    assert progress["status"] == "Testing"
    assert progress["progress"] == {"done": ["completed item"], "remaining": ["remaining item"]}
    complete = only(filled("complete"))["data"]
    assert isinstance(complete, dict)
    assert complete["pr"] == 12 and complete["tests"] == ["41 tests passing", "Coverage: 93%"]


def test_without_orchestration_the_row_is_left_out() -> None:
    text = filled("started", FACTS._replace(orchestration=None))
    assert "Orchestration" not in text
    got = only(text)
    assert got["valid"] and "orchestration" not in got["data"]  # type: ignore[operator]


def test_unknown_facts_stay_placeholders() -> None:
    text = report("progress", ReportFacts())
    for blank in ("[WORKER_ID]", "#[ISSUE_NUMBER]", "| Attempt | [N] |", "[BRANCH_NAME]"):
        assert blank in text
    assert "| Turns Used | [N]/100 |" in text


# -- errors, each at its line ----------------------------------------------------------

BAD = [
    # (kind, line to change, replacement, pointer)
    ("blocked", "| Attempt | 2 |", "| Attempt | 0 |", "/attempt"),
    ("blocked", "| Attempt | 2 |", "| Attempt | two |", "/attempt"),
    ("started", "| Attempt | 2 |", "| Attempt | #02 |", "/attempt"),
    ("failed", "| Worker ID |", "| Worker ID | bad id! |", "/worker_id"),
    ("progress", "| Issue | #7 |", "| Issue | seven |", "/issue"),
    ("complete", "| Issue | #7 |", "| Issue | ７ |", "/issue"),
    ("blocked", "| Reported |", "| Reported | yesterday |", "/reported_at"),
    ("blocked", "| Reported |", "| Reported | 2026-02-30T00:00:00Z |", "/reported_at"),
    ("started", "| Started |", "| Started | 2026-13-01T00:00:00Z |", "/reported_at"),
    ("progress", "| Turns Used |", "| Turns Used | 120/100 |", "/turns_used"),
    ("progress", "| Turns Used |", "| Turns Used | many |", "/turns_used"),
    ("progress", "**Status:**", "**Status:** Done", "/status"),
    ("progress", "**Status:**", "**Status:** Testing / Complete", "/status"),
    ("complete", "**PR Created:**", "**PR Created:** twelve", "/pr"),
    ("blocked", "| Branch |", "| Branch | - |", "/branch"),
    ("blocked", "**Reason:**", "**Reason:** none", "/reason"),
    ("started", "**Approach:**", "**Approach:** TBD", "/approach"),
    ("blocked", "| Attempt | 2 |", "| Attempt | 2 |\n| Attempt | 3 |", "/attempt"),
    ("blocked", "🤖 **Worker Blocked** 🚫", "🤖 **Worker Finished**", "/kind"),
]


@pytest.mark.parametrize(("kind", "needle", "replacement", "pointer"), BAD)
def test_a_bad_field_is_an_error_at_its_line(
    kind: str, needle: str, replacement: str, pointer: str
) -> None:
    good = filled(kind)
    line = line_of(good, needle)
    lines = good.split("\n")
    lines[line - 1] = replacement
    bad = "\n".join(lines)
    [art] = extract(bad)
    assert not art.valid
    hits = [e for e in art.errors if e.pointer == pointer]
    assert hits, art.errors
    # A duplicated row is reported at the second one.
    expected = line + 1 if replacement.count("\n") else line
    assert hits[0].line == expected, hits


@pytest.mark.parametrize(
    ("kind", "label", "pointer"),
    [
        ("blocked", "**Reason:**", "/reason"),
        ("blocked", "**Cannot proceed because:**", "/cannot_proceed"),
        ("failed", "**Hypothesis:**", "/hypothesis"),
        ("started", "**Understanding:**", "/understanding"),
        ("progress", "**Next:**", "/next"),
        ("complete", "**Summary:**", "/summary"),
    ],
)
def test_a_missing_field_is_an_error_at_the_block(kind: str, label: str, pointer: str) -> None:
    text = "\n".join(line for line in filled(kind).split("\n") if not line.startswith(label))
    [art] = extract(text)
    [error] = [e for e in art.errors if e.pointer == pointer]
    assert error.line == 1 and "nothing" in error.message


@pytest.mark.parametrize(
    ("kind", "label", "pointer"),
    [
        ("blocked", "**What I tried:**", "/tried"),
        ("blocked", "**Required to unblock:**", "/unblock"),
        ("failed", "**Research needed:**", "/research"),
    ],
)
def test_a_list_without_items_is_an_error_at_its_label(kind: str, label: str, pointer: str) -> None:
    text = filled(kind)
    start = line_of(text, label)
    lines = text.split("\n")
    kept = lines[:start]
    rest = lines[start:]
    while rest and re.match(r"^(\d+\.|-) ", rest[0]):
        rest.pop(0)
    text = "\n".join([*kept, *rest])
    [art] = extract(text)
    [error] = [e for e in art.errors if e.pointer == pointer]
    assert error.line == start and "at least one" in error.message


def test_an_unfilled_error_fence_is_an_error() -> None:
    text = filled("failed").replace("error output or description", "[ERROR_OUTPUT]")
    [art] = extract(text)
    [error] = art.errors
    assert error.pointer == "/error" and "[ERROR_OUTPUT]" in error.message


def test_labels_of_another_kind_and_prose_are_ignored() -> None:
    text = filled("progress").replace(
        "**Current:**",
        "Some prose: not a label.\n\n**Reason:** not a blocked report\n\n**Current:**",
    )
    got = only(text)
    assert got["valid"], got["errors"]
    assert "reason" not in got["data"]  # type: ignore[operator]


def test_a_report_in_a_quote_or_a_code_block_is_no_report() -> None:
    text = filled("blocked")
    quoted = "\n".join("> " + line for line in text.split("\n"))
    fenced = "```\n" + text + "```\n"
    assert extract(quoted) == [] and extract(fenced) == []


def test_a_malformed_report_marker_is_an_error() -> None:
    text = filled("blocked").replace("<!-- REPORT:END -->", "<!-- report:end -->")
    arts = extract(text)
    assert arts and all(a.kind == "report" for a in arts) and not any(a.valid for a in arts)


# -- odd bodies and values (hypothesis) --------------------------------------------------

FRAGMENTS = [
    "<!-- REPORT:START -->",
    "<!-- REPORT:END -->",
    "<!-- REVIEW:START -->",
    "🤖 **Worker Blocked** 🚫",
    "🤖 **Worker Update**",
    "**Worker Failed**",
    "| Property | Value |",
    "|---|---|",
    "| Attempt | 1 |",
    "| Worker ID | `w-1` |",
    "| Turns Used | 5/100 |",
    "**Reason:**",
    "**What I tried:**",
    "**Status:** Testing",
    "**Progress:**",
    "- [x] ",
    "- [ ] ",
    "1. ",
    "```",
    "> ",
    "[N]",
    "\n",
    "\n\n",
    "\r\n",
    "\u200b",
    "＜！－－ ＲＥＰＯＲＴ：ＳＴＡＲＴ －－＞",
]
bodies = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=15)), max_size=50).map(
    "".join
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies)
def test_extract_is_total_on_odd_report_bodies(body: str) -> None:
    arts = extract(body)
    lines = body.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for art in arts:
        assert art.kind in ("review", "handover", "worker", "report")
        assert 1 <= art.line <= art.end_line <= lines
        assert art.valid == (not art.errors)
        assert all(art.line <= e.line <= art.end_line for e in art.errors)
        if art.kind == "report" and art.valid:
            assert not list(schemas.validator("report").iter_errors(art.data))
        json.dumps(art.to_json())


identifiers = st.text(
    alphabet=string.ascii_letters + string.digits + "-._", min_size=1, max_size=40
).filter(lambda s: s[0].isalnum())


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(REPORT_KINDS),
    worker_id=identifiers,
    issue=st.integers(min_value=1, max_value=2**31 - 1),
    attempt=st.integers(min_value=1, max_value=2**31 - 1),
    budget=st.integers(min_value=1, max_value=10**6),
    data=st.data(),
)
def test_any_filled_template_validates(
    kind: str, worker_id: str, issue: int, attempt: int, budget: int, data: st.DataObject
) -> None:
    turns = data.draw(st.integers(min_value=0, max_value=budget))
    facts = FACTS._replace(
        worker_id=worker_id, issue=issue, attempt=attempt, turns_used=turns, turn_budget=budget
    )
    got = only(filled(kind, facts))
    assert got["valid"], got["errors"]
    assert got["data"]["worker_id"] == worker_id  # type: ignore[index]
    assert got["data"]["issue"] == issue and got["data"]["attempt"] == attempt  # type: ignore[index]


# -- the command line ----------------------------------------------------------------------


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    commit_file(repo, "a.txt")
    git(repo, "checkout", "-q", "-b", "feature/7-settings-parser")
    return repo


def test_gate_new_fills_a_report_from_the_checkout_and_flags(checkout: Path) -> None:
    proc = run_gate(
        "new", "blocked", "--worker-id", "w-1", "--turns", "40", "--attempt", "3",
        "--orchestration", "orch-1", cwd=checkout,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    for row in (
        "| Worker ID | `w-1` |",
        "| Issue | #7 |",  # from the feature/7-... branch
        "| Attempt | 3 |",
        "| Branch | `feature/7-settings-parser` |",
        "| Turns Used | 40/100 |",
        "| Orchestration | orch-1 |",
    ):
        assert row in text
    unfilled = run_gate("validate", "--kind", "report", "-", cwd=checkout, stdin=text)
    assert unfilled.returncode == 1 and "placeholder" in unfilled.stdout
    done = _BLANK.sub("something real", text)
    ok = run_gate("validate", "--kind", "report", "-", cwd=checkout, stdin=done)
    assert ok.returncode == 0, ok.stdout


def test_gate_new_reads_the_workers_pid_record(checkout: Path) -> None:
    workers = checkout / ".git" / "review-gate" / "workers"
    workers.mkdir(parents=True)
    record = {
        "worker_id": "worker-9-7-abc",
        "issue": 7,
        "attempt": 4,
        "branch": "feature/7-settings-parser",
        "orchestration": "orch-2026-12-03-2",
        "worktree": str(checkout),
        "started_at": "2026-12-03T05:00:00Z",
    }
    (workers / "worker-9-7-abc.json").write_text(json.dumps(record))
    # Found by the worktree it runs in (no worker id given) ...
    by_place = run_gate("new", "failed", cwd=checkout, env={"REVIEW_GATE_WORKER_ID": ""})
    assert by_place.returncode == 0, by_place.stderr
    for row in ("`worker-9-7-abc`", "| Attempt | 4 |", "| Orchestration | orch-2026-12-03-2 |"):
        assert row in by_place.stdout
    # ... or by the worker id of its environment; flags still win.
    by_id = run_gate(
        "new", "progress", "--attempt", "5", cwd=checkout,
        env={"REVIEW_GATE_WORKER_ID": "worker-9-7-abc"},
    )  # fmt: skip
    assert "| Attempt | 5 |" in by_id.stdout and "orch-2026-12-03-2" in by_id.stdout


def test_validate_names_file_and_line(checkout: Path) -> None:
    text = filled("blocked").replace("| Attempt | 2 |", "| Attempt | zero |")
    path = checkout / "blocked.md"
    path.write_text(text)
    proc = run_gate("validate", "--kind", "report", str(path), cwd=checkout)
    assert proc.returncode == 1
    assert f"{path}:{line_of(text, '| Attempt |')}: /attempt Attempt must be" in proc.stdout
    as_json = run_gate("validate", "--format", "json", str(path), cwd=checkout)
    [art] = json.loads(as_json.stdout)["files"][0]["artifacts"]
    assert art["kind"] == "report" and art["errors"][0]["pointer"] == "/attempt"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("new", "review", "--turns", "3"), "--turns only applies to the worker reports"),
        (("new", "blocked", "--turns", "101"), "exceeds the turn budget 100"),
        (("new", "report"), "Invalid value for 'KIND'"),
    ],
)
def test_gate_new_usage_errors(checkout: Path, args: tuple[str, ...], message: str) -> None:
    proc = run_gate(*args, cwd=checkout)
    assert proc.returncode == 2 and message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_gate_schema_report(checkout: Path) -> None:
    proc = run_gate("schema", "report", cwd=checkout)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["$id"].endswith("/report/1.0.0/report.schema.json")
