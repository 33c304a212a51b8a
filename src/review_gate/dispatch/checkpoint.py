"""The completion checkpoint of ``gate dispatch run``: does a finished issue's gate pass?

The same evaluation ``gate check --issue N`` makes (:func:`review_gate.check.check`),
run on the head of the issue's worker — its worktree when it is still there, else its
branch in the main checkout; a worker that ran in GitHub Actions pushed its branch to
``origin``, so that branch is fetched and its tip gated. ``run`` asks it before a
phase's dependants start, and in the review loop after each review.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from review_gate.dispatch.backends.remote_claim import is_remote
from review_gate.dispatch.context import Context
from review_gate.dispatch.registry import Claim
from review_gate.errors import GateError, TrackerUnavailable

__all__ = ["GateResult", "evaluate_gate", "remediation_context"]


class GateResult(NamedTuple):
    passed: bool
    reasons: tuple[str, ...]  # why it failed: one line each, with the fix

    def describe(self) -> str:
        if self.passed:
            return "the review gate passes"
        return "the review gate fails: " + "; ".join(self.reasons[:3])


def evaluate_gate(ctx: Context, issue: int, worker: Claim | None) -> GateResult:
    """Gate ``issue`` as ``gate check --issue N`` does, on ``worker``'s head."""
    from review_gate.check import check

    cwd, head = ctx.main, None
    if worker is not None and is_remote(worker.data) and worker.branch:
        head = _pushed_head(ctx.main, worker.branch)
        if head is None:
            return GateResult(False, (
                f"the worker's branch {worker.branch} is not on origin: nothing to gate "
                "(fix: the worker pushes its branch; `gate dispatch logs` shows its run)",
            ))  # fmt: skip
    elif worker is not None and worker.worktree and Path(worker.worktree).is_dir():
        cwd = Path(worker.worktree)
    elif worker is not None and worker.branch:
        head = worker.branch
    try:
        result = check(issue, cwd=cwd, config=ctx.config, tracker=ctx.tracker, head=head)
    except TrackerUnavailable:
        raise
    except GateError as exc:
        return GateResult(False, (f"the gate could not be evaluated: {exc.message}",))
    reasons = tuple(
        f"{v.gate}: {r.message} (fix: {r.fix})" for v in result.failed() for r in v.reasons
    )
    return GateResult(result.passed, reasons or (() if result.passed else ("no verdict",)))


def _pushed_head(main: Path, branch: str) -> str | None:
    """The tip of ``branch`` on ``origin``, fetched (None when origin has no such branch)."""
    from review_gate.git import run_git

    rc, _, _ = run_git(main, "fetch", "-q", "--no-tags", "origin", f"refs/heads/{branch}",
                       check=False)  # fmt: skip
    if rc != 0:
        return None
    rc, out, _ = run_git(main, "rev-parse", "--verify", "-q", "FETCH_HEAD^{commit}", check=False)
    sha = out.strip()
    return sha if rc == 0 and sha else None


def remediation_context(issue: int, result: GateResult, review: str | None) -> str:
    """The failure context of an attempt that remedies a failed gate: the gate's
    reasons, and the REVIEW whose findings it must address (when there is one)."""
    parts = [
        f"The previous attempt on #{issue} finished, but its review gate does not pass "
        "(`gate check --issue " + str(issue) + "`). Fix what it names, then review again:",
        "\n".join(f"- {r}" for r in result.reasons),
    ]
    if review:
        parts.append(
            "The latest REVIEW of the issue (address every finding it lists):\n\n" + review.strip()
        )
    return "\n\n".join(parts)
