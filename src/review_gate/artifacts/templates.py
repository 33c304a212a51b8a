"""Skeletons printed by ``gate new``: the exact seed formats, with what is known filled in.

Every blank left is a template placeholder (``[N]``, ``[SEVERITY]``, ...), which
makes the artifact invalid until it is replaced: a skeleton posted as is can
never open a gate.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

REVIEW = """\
<!-- REVIEW:START -->
## Code Review Complete

| Property | Value |
|----------|-------|
| Worker | `{worker}` |
| Issue | #{issue} |
| Scope | [MINOR|MAJOR] |
| Security-Sensitive | [YES|NO] |
| Reviewed | {reviewed} |
{commit_row}
### Criteria Results

| # | Criterion | Status | Findings |
|---|-----------|--------|----------|
| 1 | Blindspots | [✅ PASS|✅ FIXED|⚠️ DEFERRED] | [N] |
| 2 | Clarity | [✅ PASS|✅ FIXED|⚠️ DEFERRED] | [N] |
| 3 | Maintainability | [✅ PASS|✅ FIXED|⚠️ DEFERRED] | [N] |
| 4 | Security | [✅ PASS|✅ FIXED|⚠️ DEFERRED|N/A] | [N] |
| 5 | Performance | [✅ PASS|✅ FIXED|⚠️ DEFERRED] | [N] |
| 6 | Documentation | [✅ PASS|✅ FIXED|⚠️ DEFERRED] | [N] |
| 7 | Style | [✅ PASS|✅ FIXED|⚠️ DEFERRED] | [N] |

### Findings Fixed in This PR

| # | Severity | Finding | Resolution |
|---|----------|---------|------------|
| 1 | [SEVERITY] | [DESCRIPTION] | [HOW_FIXED] |

### Findings Deferred (With Tracking Issues)

| # | Severity | Finding | Tracking Issue | Justification |
|---|----------|---------|----------------|---------------|
| 1 | [SEVERITY] | [DESCRIPTION] | #[ISSUE] | [WHY] |

### Summary

| Category | Count |
|----------|-------|
| Fixed in PR | [N] |
| Deferred (with tracking) | [N] |
| Unaddressed | 0 |

**Review Status:** [✅ COMPLETE|⏸️ BLOCKED_ON_DEPENDENCIES]
<!-- REVIEW:END -->
"""

HANDOVER = """\
<!-- HANDOVER:START -->
## Worker Handover

| Property | Value |
|----------|-------|
| Issue | #{issue} |
| Previous Worker | `{worker}` |
| Turns Used | [N]/100 |
| Timestamp | {timestamp} |
| Orchestration | {orchestration} |
| Attempt | [N] |

### Issue Summary

[ONE_PARAGRAPH_SUMMARY]

### Current State

- **Branch:** `{branch}`
- **Commits ahead of main:** [N]
- **Last commit:** `{last_commit}` [MESSAGE]
- **Files changed:** [N]
- **Tests:** [N] passing, [N] failing, coverage [N]%

### Work Completed

#### Done
- [x] [DONE_ITEM]

#### In Progress
- [ ] [IN_PROGRESS_ITEM]

#### Remaining
- [ ] [REMAINING_ITEM]

### Context & Decisions

- [DECISION_AND_WHY]

### Recommended Next Steps

1. [NEXT_STEP]

### Files to Review First

- `[PATH]` — [WHY]
<!-- HANDOVER:END -->
"""

WORKER_NOTE = """
**Worker {title}**
- **Worker ID:** `{worker}`
- **{when_label}:** {when}
"""
WORKTREE_NOTE = "- **Worktree:** `{worktree}`\n"


def now() -> str:
    """The current UTC time as RFC 3339 with a ``Z`` (what the templates expect)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def review(
    *,
    issue: int | None = None,
    worker_id: str | None = None,
    reviewed: str | None = None,
    commit: str | None = None,
) -> str:
    """The REVIEW skeleton; ``commit`` adds the ``| Commit | <sha> |`` row."""
    return REVIEW.format(
        worker=worker_id or "[WORKER_ID]",
        issue=issue if issue is not None else "[ISSUE_NUMBER]",
        reviewed=reviewed or "[ISO_TIMESTAMP]",
        commit_row=f"| Commit | `{commit}` |\n" if commit else "",
    )


def handover(
    *,
    issue: int | None = None,
    worker_id: str | None = None,
    timestamp: str | None = None,
    branch: str | None = None,
    last_commit: str | None = None,
    orchestration: str | None = None,
) -> str:
    """The HANDOVER skeleton."""
    return HANDOVER.format(
        orchestration=orchestration or "[ORCHESTRATION_ID]",
        issue=issue if issue is not None else "[ISSUE_NUMBER]",
        worker=worker_id or "[WORKER_ID]",
        timestamp=timestamp or "[ISO_TIMESTAMP]",
        branch=branch or "[BRANCH]",
        last_commit=(last_commit or "[SHA]")[:12],
    )


def worker(
    *,
    issue: int | None = None,
    worker_id: str | None = None,
    at: str | None = None,
    worktree: str | Path | None = None,
    release: bool = False,
) -> str:
    """A WORKER:ASSIGNED record: an assignment, or with ``release`` the release."""
    record: dict[str, Any]
    if release:
        record = {"assigned": False, "cleared_at": at or "[ISO_TIMESTAMP]"}
        if worker_id:
            record["worker_id"] = worker_id
    else:
        record = {
            "assigned": True,
            "worker_id": worker_id or "[WORKER_ID]",
            "assigned_at": at or "[ISO_TIMESTAMP]",
            "worktree": str(worktree) if worktree else "[WORKTREE_PATH]",
        }
    if issue is not None:
        record["issue"] = issue
    note = WORKER_NOTE.format(
        title="Cleaned Up" if release else "Assigned",
        worker=worker_id or "[WORKER_ID]",
        when_label="Cleared" if release else "Started",
        when=at or "[ISO_TIMESTAMP]",
    )
    if not release:
        note += WORKTREE_NOTE.format(worktree=record["worktree"])
    return (
        "<!-- WORKER:ASSIGNED -->\n```json\n"
        + json.dumps(record, indent=2)
        + "\n```\n<!-- /WORKER:ASSIGNED -->\n"
        + note
    )
