"""Skeletons of the worker reports printed by ``gate new started|progress|complete|
blocked|failed``: the worker protocol's comments, in a REPORT block, with what is known
filled in.

Every blank left is a template placeholder (``[N]``, ``[REASON]``, ...), so a report
posted unfilled is invalid. The seed's footer line (``*Worker: ... | Attempt: N*``) is
the property table here, which every report carries.
"""

from __future__ import annotations

from typing import NamedTuple

from review_gate.artifacts.model import REPORT_KINDS


class ReportFacts(NamedTuple):
    """What the report's property table says (None: a placeholder is printed)."""

    worker_id: str | None = None
    issue: int | None = None
    attempt: int | None = None
    branch: str | None = None
    turns_used: int | None = None
    turn_budget: int = 100
    orchestration: str | None = None  # None: no row (a hand-started worker has none)
    reported_at: str | None = None


_HEADINGS = {
    "started": "🤖 **Worker Started**",
    "progress": "🤖 **Worker Update**",
    "complete": "🤖 **Worker Complete** ✅",
    "blocked": "🤖 **Worker Blocked** 🚫",
    "failed": "🤖 **Worker Failed - Research Needed** 🔬",
}

_BODIES = {
    "started": """\
**Understanding:** [ONE_OR_TWO_SENTENCES_ON_WHAT_THE_ISSUE_REQUIRES]

**Approach:** [BRIEF_PLANNED_APPROACH]
""",
    "progress": """\
**Status:** [Implementing|Testing|Blocked|Complete]

**Progress:**
- [x] [COMPLETED_ITEM]
- [ ] [REMAINING_ITEM]

**Current:** [WHAT_YOU_ARE_WORKING_ON_NOW]

**Next:** [WHAT_YOU_WILL_DO_NEXT]
""",
    "complete": """\
**PR Created:** #[PR_NUMBER]

**Summary:** [ONE_OR_TWO_SENTENCES_ON_WHAT_WAS_IMPLEMENTED]

**Tests:**
- [N] tests passing
- Coverage: [X]%

**Ready for:** CI verification
""",
    "blocked": """\
**Reason:** [CLEAR_DESCRIPTION_OF_THE_BLOCKER]

**What I tried:**
1. [APPROACH_1] - [WHY_IT_DID_NOT_WORK]
2. [APPROACH_2] - [WHY_IT_DID_NOT_WORK]

**Required to unblock:**
- [ ] [SPECIFIC_ACTION_NEEDED_FROM_A_HUMAN_OR_EXTERNAL]

**Cannot proceed because:** [WHY_THIS_IS_A_TRUE_BLOCKER_NOT_JUST_A_HARD_PROBLEM]
""",
    "failed": """\
**Failure:** [WHAT_FAILED]

**What I tried:**
1. [APPROACH_1] - [RESULT]
2. [APPROACH_2] - [RESULT]

**Error/Issue:**
```
[ERROR_OUTPUT_OR_DESCRIPTION]
```

**Hypothesis:** [WHAT_YOU_THINK_MIGHT_BE_WRONG]

**Research needed:**
- [ ] [SPECIFIC_QUESTION_TO_RESEARCH]
- [ ] [AREA_TO_INVESTIGATE]
""",
}


def report(kind: str, facts: ReportFacts) -> str:
    """The REPORT skeleton of ``kind`` (one of :data:`REPORT_KINDS`)."""
    if kind not in REPORT_KINDS:
        raise ValueError(f"unknown report kind {kind!r}")
    used = "[N]" if facts.turns_used is None else str(facts.turns_used)
    rows = [
        ("Worker ID", f"`{facts.worker_id}`" if facts.worker_id else "[WORKER_ID]"),
        ("Issue", f"#{facts.issue}" if facts.issue is not None else "#[ISSUE_NUMBER]"),
        ("Attempt", str(facts.attempt) if facts.attempt is not None else "[N]"),
        ("Branch", f"`{facts.branch}`" if facts.branch else "[BRANCH_NAME]"),
        ("Turns Used", f"{used}/{facts.turn_budget}"),
    ]
    if facts.orchestration:
        rows.append(("Orchestration", facts.orchestration))
    when = "Started" if kind == "started" else "Reported"
    rows.append((when, facts.reported_at or "[ISO_TIMESTAMP]"))
    table = "| Property | Value |\n|----------|-------|\n"
    table += "".join(f"| {name} | {value} |\n" for name, value in rows)
    return (
        f"<!-- REPORT:START -->\n{_HEADINGS[kind]}\n\n{table}\n{_BODIES[kind]}<!-- REPORT:END -->\n"
    )
