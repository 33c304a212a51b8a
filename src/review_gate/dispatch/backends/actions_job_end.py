"""The last steps of a worker's Actions job that did not end well.

- :func:`report` (``if: cancelled()`` / ``if: failure()``): posts a ``🤖 **Worker
  Failed**`` report naming the run and the artifact holding the saved work, unless the
  worker already posted an outcome (a REVIEW, a HANDOVER, a report) after its claim;
- :func:`save` (same condition): the commits no remote has as a ``git bundle``, the
  uncommitted changes as a patch and the ignored files that are work as a tarball —
  :func:`review_gate.dispatch.rescue.save`, as ``gate dispatch cleanup --force`` does
  for a local worker — into the folder the workflow uploads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from review_gate.dispatch import rescue
from review_gate.dispatch import worktree as wt
from review_gate.dispatch.backends.remote_claim import run_location
from review_gate.dispatch.context import open_context
from review_gate.dispatch.registry import read_claims
from review_gate.dispatch.status import outcome
from review_gate.errors import Refused


class Reported(NamedTuple):
    issue: int
    worker_id: str
    posted: bool
    url: str | None
    detail: str

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


def report(
    cwd: Path, issue: int, worker_id: str, how: str, environ: Mapping[str, str] | None = None
) -> Reported:
    """Post that ``worker_id``'s run was ``how`` (cancelled | failed), once."""
    env = os.environ if environ is None else environ
    ctx = open_context(cwd)
    comments = ctx.tracker.list_comments(issue)
    claims = read_claims(comments, ctx.trusted)
    claim = claims.claim_of(worker_id)
    if claim is None:
        raise Refused(f"issue #{issue} has no WORKER claim for {worker_id}; nothing to report")
    found = outcome(ctx, issue, claim, comments)
    if found is not None:
        return Reported(issue, worker_id, False, found.comment.url, f"already {found.state}")
    run = run_location(env)
    lines = [
        f"🤖 **Worker Failed** — workflow run {how}",
        "",
        f"- **Worker ID:** `{worker_id}`",
        f"- **Attempt:** {claim.attempt}",
    ]
    if run:
        lines.append(f"- **Run:** {run}")
    lines += [
        f"- **Saved work:** workflow artifact `review-gate-{worker_id}` (log, git bundle "
        "and patch of unpushed work); `gate dispatch cleanup` collects it",
        "",
    ]
    posted = ctx.tracker.post_comment(issue, "\n".join(lines))
    return Reported(issue, worker_id, True, posted.url, f"reported {how}")


def save(cwd: Path, out: Path) -> rescue.Rescue | None:
    """Save the checkout's unpushed work under ``out/rescue`` (None: nothing to save)."""
    ctx = open_context(cwd)
    entry = wt.list_worktrees(ctx.main)[0]
    base = wt.default_base(ctx.main, ctx.config.base_branch)
    risk = rescue.at_risk(ctx.main, entry, base, ctx.config.disposable_paths)
    if risk.empty:
        return None
    return rescue.save(ctx.main, risk, out / "rescue")
