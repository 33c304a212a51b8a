"""Start an independent review worker on an issue's implementation (``gate dispatch review``).

The branch under review is the one the issue's latest implementing WORKER claim names
(or the caller's ``branch``), at its newest commit: the local branch when this
repository has it (the implementer's worktree shares its refs), else ``origin/<branch>``
after a fetch. The reviewer gets its own worktree, ``../<repo>-review-<N>``, detached at
that commit (:mod:`.review_worktree`), and the role ``review`` (:mod:`.roles`): it reads,
runs the tests and linters, and posts one REVIEW whose Commit is that head and whose
Worker is its own worker id. It cannot edit, commit or push.

Like any spawn it claims the issue first, so the implementer's claim must be over (its
worker stopped and cleaned up, or its lease expired): the earliest active claim wins.
"""

from __future__ import annotations

from pathlib import Path

from review_gate.dispatch import worktree as wt
from review_gate.dispatch.context import Context
from review_gate.dispatch.registry import read_claims
from review_gate.dispatch.spawn import Spawned, SpawnRequest, spawn
from review_gate.errors import Refused
from review_gate.proc import run


def implementer_branch(ctx: Context, issue: int) -> str:
    """The branch of the issue's latest implementing WORKER claim (trusted authors only)."""
    claims = read_claims(ctx.tracker.list_comments(issue), ctx.trusted)
    for claim in reversed(claims.claims):
        if claim.role == "implement" and claim.branch:
            return claim.branch
    raise Refused(
        f"issue #{issue} has no implementing worker claim that names a branch",
        hint=f"pass the branch to review: gate dispatch review --issue {issue} --branch BRANCH",
    )


def _commit(ctx: Context, ref: str) -> str | None:
    return wt.commits(ctx.main, ref)[ref]


def branch_head(ctx: Context, branch: str) -> str:
    """The newest commit of ``branch``: the local branch, else ``origin/<branch>``."""
    local = _commit(ctx, f"refs/heads/{branch}")
    if local is not None:
        return local
    if wt.has_remote(ctx.main):
        remote_ref = f"refs/remotes/origin/{branch}"
        run("git", "fetch", "-q", "origin", f"+refs/heads/{branch}:{remote_ref}",
            cwd=ctx.main, check=False, timeout=300)  # fmt: skip
        remote = _commit(ctx, remote_ref)
        if remote is not None:
            return remote
    raise Refused(
        f"branch {branch} exists neither here nor on origin; nothing to review",
        hint="check the branch name (gate dispatch status --issue N shows the implementer's)",
    )


def review_target(ctx: Context, issue: int, branch: str | None = None) -> tuple[str, str]:
    """``(branch, head commit)`` a review of ``issue`` would look at."""
    name = branch or implementer_branch(ctx, issue)
    return name, branch_head(ctx, name)


def start_review(
    ctx: Context,
    issue: int,
    agent: str = "claude",
    agent_cmd: str | None = None,
    orchestration: str | None = None,
    *,
    branch: str | None = None,
    head: str | None = None,
    base: str | None = None,
    prompt_template: Path | None = None,
) -> Spawned:
    """Claim ``issue`` for a review worker and start it at the implementer's head.

    ``branch`` defaults to the latest implementing claim's, ``head`` to that branch's
    newest commit (:func:`review_target`); ``orchestration`` is the ``run`` loop starting
    it (None: a standalone review, an orchestration of its own). Raises like
    :func:`.spawn.spawn` (Refused while another claim holds the issue)."""
    if head is None:
        branch, head = review_target(ctx, issue, branch)
    else:
        branch = branch or implementer_branch(ctx, issue)
        full = _commit(ctx, head)
        if full is None:
            raise Refused(f"{head} is not a commit of this repository; nothing to review")
        head = full
    request = SpawnRequest(
        issue,
        agent,
        agent_cmd,
        base,
        prompt_template=prompt_template,
        orchestration=orchestration,
        role="review",
        head=head,
        branch=branch,
    )
    return spawn(ctx, request)
