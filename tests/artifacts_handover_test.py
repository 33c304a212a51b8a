"""HANDOVER blocks: metadata table, sections and checklists."""

from __future__ import annotations

import pytest

from review_gate.artifacts.extract import extract
from tests.artifact_samples import handover

BASE = handover(7, next_steps=("Finish the parser tests", "Write the docs"))


def test_sample_data() -> None:
    (art,) = extract(BASE)
    assert art.valid, art.errors
    assert art.data == {
        "issue": 7,
        "previous_worker": "worker-1701523200-7",
        "turns_used": 88,
        "turn_budget": 100,
        "timestamp": "2026-11-21T11:00:00Z",
        "orchestration": "orch-2026-11-21-001",
        "attempt": 1,
        "issue_summary": "Add the parser for the settings file.",
        "current_state": {
            "branch": "feature/7-settings-parser",
            "commits_ahead": 3,
            "last_commit": "abc1234",
            "files_changed": 4,
            "tests": {"passing": 12, "failing": 1, "coverage": 81.0},
        },
        "work_completed": {
            "done": ["Tokeniser", "Section parsing"],
            "in_progress": ["Error messages"],
            "remaining": ["Documentation"],
        },
        "context_decisions": ["Chose a hand-written tokeniser: the format has no grammar file."],
        "next_steps": ["Finish the parser tests", "Write the docs"],
        "files_to_review": ["`src/settings/parser.py` — the section parser"],
    }


@pytest.mark.parametrize(
    ("old", "new", "check"),
    [
        pytest.param("### Issue Summary", "## issue summary", ("issue", 7), id="heading case"),
        pytest.param(
            "| Orchestration | orch-2026-11-21-001 |\n", "", ("attempt", 1), id="no orchestration"
        ),
        pytest.param(
            "#### Done\n- [x] Tokeniser\n- [x] Section parsing\n\n"
            "#### In Progress\n- [ ] Error messages\n\n#### Remaining\n",
            "",
            ("work_completed", {"done": [], "in_progress": [], "remaining": ["Documentation"]}),
            id="flat checklist",
        ),
        pytest.param(
            "1. Finish the parser tests\n2. Write the docs",
            "- Finish the parser tests\n- Write the docs",
            ("next_steps", ["Finish the parser tests", "Write the docs"]),
            id="bulleted steps",
        ),
        pytest.param(
            "| Turns Used | 88/100 |",
            "| Turns Used | 88 / 150 |",
            ("turn_budget", 150),
            id="budget",
        ),
    ],
)
def test_tolerated_variations(old: str, new: str, check: tuple[str, object]) -> None:
    assert old in BASE
    (art,) = extract(BASE.replace(old, new))
    assert art.valid, art.errors
    assert art.data[check[0]] == check[1]


@pytest.mark.parametrize(
    ("old", "new", "pointer"),
    [
        pytest.param(
            "1. Finish the parser tests\n2. Write the docs\n", "", "/next_steps", id="no next steps"
        ),
        pytest.param(
            "### Recommended Next Steps", "### Other", "/next_steps", id="no next steps section"
        ),
        pytest.param(
            "- **Branch:** `feature/7-settings-parser`\n",
            "",
            "/current_state/branch",
            id="no branch",
        ),
        pytest.param("| Issue | #7 |", "| Issue | x |", "/issue", id="bad issue"),
        pytest.param(
            "| Turns Used | 88/100 |", "| Turns Used | lots |", "/turns_used", id="bad turns"
        ),
        pytest.param(
            "| Turns Used | 88/100 |", "| Turns Used | 120/100 |", "/turns_used", id="over budget"
        ),
        pytest.param("| Attempt | 1 |", "| Attempt | 0 |", "/attempt", id="attempt 0"),
        pytest.param(
            "2026-11-21T11:00:00Z", "2026-02-30T11:00:00Z", "/timestamp", id="no such day"
        ),
        pytest.param(
            "Add the parser for the settings file.", "[ONE_PARAGRAPH_SUMMARY]", "", id="placeholder"
        ),
    ],
)
def test_invalid(old: str, new: str, pointer: str) -> None:
    assert old in BASE
    body = BASE.replace(old, new)
    (art,) = extract(body)
    assert not art.valid
    assert pointer in {e.pointer for e in art.errors}, [str(e) for e in art.errors]
    assert all(e.kind == "handover" and e.hint and 1 <= e.line <= 50 for e in art.errors)
