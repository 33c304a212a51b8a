"""Comment bodies in the exact seed formats, for tests of every layer.

REVIEW follows the review-gate/comprehensive-review template; HANDOVER the
worker-handover sections DESIGN.md lists; WORKER the dispatcher's JSON block.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

CRITERIA = (
    "Blindspots",
    "Clarity",
    "Maintainability",
    "Security",
    "Performance",
    "Documentation",
    "Style",
)


def review(
    issue: int,
    *,
    worker: str = "worker-1701523200-7",
    commit: str | None = None,
    status: str = "✅ COMPLETE",
    unaddressed: int = 0,
    security_sensitive: bool = False,
    fixed: Sequence[tuple[str, str, str]] = (("Minor", "Unclear name", "Renamed"),),
    deferred: Sequence[tuple[str, str, str, str]] = (),
    reviewed: str = "2026-11-21T10:00:00Z",
    scope: str = "MINOR",
    newline: str = "\n",
) -> str:
    """A complete REVIEW comment body; ``deferred`` rows are (severity, finding, tracking, why)."""
    lines = [
        "<!-- REVIEW:START -->",
        "## Code Review Complete",
        "",
        "| Property | Value |",
        "|----------|-------|",
        f"| Worker | `{worker}` |",
        f"| Issue | #{issue} |",
        f"| Scope | {scope} |",
        f"| Security-Sensitive | {'YES' if security_sensitive else 'NO'} |",
        f"| Reviewed | {reviewed} |",
    ]
    if commit:
        lines.append(f"| Commit | `{commit}` |")
    lines += [
        "",
        "### Criteria Results",
        "",
        "| # | Criterion | Status | Findings |",
        "|---|-----------|--------|----------|",
    ]
    for i, name in enumerate(CRITERIA, 1):
        if i == 2 and fixed:
            lines.append(f"| {i} | {name} | ✅ FIXED | {len(fixed)} |")
        elif i == 3 and deferred:
            lines.append(f"| {i} | {name} | ⚠️ DEFERRED | {len(deferred)} |")
        else:
            lines.append(f"| {i} | {name} | ✅ PASS | 0 |")
    lines += ["", "### Findings Fixed in This PR", ""]
    if fixed:
        lines += [
            "| # | Severity | Finding | Resolution |",
            "|---|----------|---------|------------|",
        ]
        lines += [f"| {i} | {s} | {f} | {r} |" for i, (s, f, r) in enumerate(fixed, 1)]
    else:
        lines.append("None.")
    lines += ["", "### Findings Deferred (With Tracking Issues)", ""]
    if deferred:
        lines += [
            "| # | Severity | Finding | Tracking Issue | Justification |",
            "|---|----------|---------|----------------|---------------|",
        ]
        lines += [f"| {i} | {s} | {f} | {t} | {w} |" for i, (s, f, t, w) in enumerate(deferred, 1)]
    else:
        lines.append("None.")
    lines += [
        "",
        "### Summary",
        "",
        "| Category | Count |",
        "|----------|-------|",
        f"| Fixed in PR | {len(fixed)} |",
        f"| Deferred (with tracking) | {len(deferred)} |",
        f"| Unaddressed | {unaddressed} |",
        "",
        f"**Review Status:** {status}",
        "<!-- REVIEW:END -->",
    ]
    return newline.join(lines) + newline


def handover(
    issue: int,
    *,
    worker: str = "worker-1701523200-7",
    attempt: int = 1,
    timestamp: str = "2026-11-21T11:00:00Z",
    next_steps: Sequence[str] = ("Finish the parser tests",),
) -> str:
    """A complete HANDOVER comment body."""
    steps = "\n".join(f"{i}. {s}" for i, s in enumerate(next_steps, 1))
    return f"""<!-- HANDOVER:START -->
## Worker Handover

| Property | Value |
|----------|-------|
| Issue | #{issue} |
| Previous Worker | `{worker}` |
| Turns Used | 88/100 |
| Timestamp | {timestamp} |
| Orchestration | orch-2026-11-21-001 |
| Attempt | {attempt} |

### Issue Summary

Add the parser for the settings file.

### Current State

- **Branch:** `feature/{issue}-settings-parser`
- **Commits ahead of main:** 3
- **Last commit:** `abc1234` feat: parse sections (#{issue})
- **Files changed:** 4
- **Tests:** 12 passing, 1 failing, coverage 81%

### Work Completed

#### Done
- [x] Tokeniser
- [x] Section parsing

#### In Progress
- [ ] Error messages

#### Remaining
- [ ] Documentation

### Context & Decisions

- Chose a hand-written tokeniser: the format has no grammar file.

### Recommended Next Steps

{steps}

### Files to Review First

- `src/settings/parser.py` — the section parser
<!-- HANDOVER:END -->
"""


def worker_assignment(
    worker_id: str = "worker-1701523200-7",
    *,
    assigned: bool = True,
    assigned_at: str = "2026-11-21T09:00:00Z",
    worktree: str = "../project-worker-7",
    extra: dict[str, Any] | None = None,
) -> str:
    """A WORKER:ASSIGNED comment body (assignment, or release with ``assigned=False``)."""
    if assigned:
        data: dict[str, Any] = {
            "assigned": True,
            "worker_id": worker_id,
            "assigned_at": assigned_at,
            "worktree": worktree,
        }
    else:
        data = {"assigned": False, "cleared_at": assigned_at}
    data.update(extra or {})
    return (
        "<!-- WORKER:ASSIGNED -->\n```json\n"
        + json.dumps(data, indent=2)
        + "\n```\n<!-- /WORKER:ASSIGNED -->\n\n**Worker Assigned**\n"
    )
