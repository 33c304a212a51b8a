"""What a finished issue needs next in ``gate dispatch run``: a review, a remediation, or
nothing (docs/dispatch.md, "The review loop" and "Phases").

With ``--review-with AGENT`` (or ``--review-cmd``) an implementer that completes is
followed by a review worker on its head; when the reviewer has posted its REVIEW, the
issue's gate decides: it passes, and the issue is done; it fails (the REVIEW has
findings, or anything else the gate names), and a new implementer attempt starts with
the REVIEW and the gate's reasons as its failure context — then it is reviewed again.
The loop ends when the gate passes or ``--max-attempts`` implementer attempts have
finished without it passing.

In a phased queue (:mod:`.phases`) without reviewers, an implementer that completes is
checked the same way, and a failed gate gets a remediation attempt before any issue
that waits for it starts.

Everything is read from the tracker each poll (the role of each claim, its releases,
the REVIEWs), so a loop that is restarted continues where the review loop stands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from review_gate.dispatch.checkpoint import GateResult, evaluate_gate, remediation_context
from review_gate.dispatch.claim import release
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot
from review_gate.dispatch.registry import Claim, IssueClaims
from review_gate.dispatch.review_worker import start_review
from review_gate.dispatch.run_records import IssueState, RunOptions, View, Want
from review_gate.dispatch.spawn import Spawned
from review_gate.dispatch.status import WorkerStatus
from review_gate.gates.common import comment_order, find_artifacts, split_trusted
from review_gate.records import Comment

__all__ = [
    "Completion",
    "posted_review",
    "ready_for_review",
    "reviewed",
    "role_of",
    "start_reviewer",
]


def role_of(claim: Claim | None) -> str:
    """A claim's role (:attr:`Claim.role`); no claim: implement."""
    return claim.role if claim is not None else "implement"


def _reviews(ctx: Context, comments: Sequence[Comment]) -> list[Comment]:
    """Trusted, well-formed REVIEW comments, oldest first."""
    kept, _ = split_trusted(find_artifacts(comments, "review"), ctx.config.trust.of("review"))
    found = [f.comment for f in kept if f.artifact.valid]
    return sorted(found, key=comment_order)


def posted_review(ctx: Context, claim: Claim, comments: Sequence[Comment]) -> Comment | None:
    """The latest REVIEW a trusted author posted after ``claim``'s assignment."""
    after = comment_order(claim.comment)
    later = [c for c in _reviews(ctx, comments) if comment_order(c) > after]
    return later[-1] if later else None


def ready_for_review(options: RunOptions, holder: Claim, worker: WorkerStatus) -> bool:
    """In the review loop an implementer that exited 0 is done: the reviewer's REVIEW
    decides (its own may be untrusted where REVIEWs need the review identity)."""
    implementer = options.review_loop and role_of(holder) == "implement"
    return implementer and worker.exit_code == 0


def reviewed(
    ctx: Context, options: RunOptions, view: View, holder: Claim, snapshot: Snapshot
) -> bool:
    """A finished reviewer that posted its REVIEW: released as completed (the gate then
    decides what its REVIEW means, :meth:`Completion.settle`)."""
    if not options.review_loop or role_of(holder) != "review":
        return False
    if posted_review(ctx, holder, view.comments) is None:
        return False
    release(ctx, view.issue, holder, "completed", snapshot)
    return True


def start_reviewer(ctx: Context, issue: int, options: RunOptions, orchestration: str) -> Spawned:
    """Start a review worker on ``issue``'s implementer head (:mod:`.review_worker`)."""
    agent = options.review_with or options.agent
    return start_review(ctx, issue, agent, options.review_cmd, orchestration, base=options.base)


class Completion:
    """Decides what an issue whose last worker completed needs next."""

    def __init__(
        self,
        ctx: Context,
        options: RunOptions,
        event: Callable[..., None],
    ) -> None:
        self.ctx = ctx
        self.options = options
        self.event = event
        self._verdicts: dict[tuple[int, frozenset[tuple[int, str]]], GateResult] = {}
        self._told: set[tuple[int, int, str]] = set()
        self.failing: set[int] = set()  # issues whose gate failed at the last look

    def _once(self, issue: int, mark: int, kind: str, message: str, worker: str | None) -> None:
        if (issue, mark, kind) not in self._told:
            self._told.add((issue, mark, kind))
            self.event(issue, kind, message, worker_id=worker)

    def gate(self, issue: int, claims: IssueClaims, comments: Sequence[Comment]) -> GateResult:
        """The issue's gate on its last implementer's head, cached until a comment is
        added or edited (the verdict depends on the comments and that head, and a
        finished implementer's head does not move by itself)."""
        implementers = [c for c in claims.claims if role_of(c) == "implement"]
        last = implementers[-1] if implementers else claims.latest
        key = (issue, frozenset((c.id, c.updated_at) for c in comments))
        if key not in self._verdicts:
            self._verdicts[key] = evaluate_gate(self.ctx, issue, last)
        return self._verdicts[key]

    def settle(self, view: View) -> IssueState | Want:
        """The next step of an issue whose latest release is ``completed``."""
        issue, claims, o = view.issue, view.claims, self.options
        last = claims.releases[-1]
        released = claims.claim_of(last.worker_id) if last.worker_id else claims.latest
        mark = last.comment.id
        if o.review_loop and role_of(released) != "review":
            who = released.worker_id if released else None
            self._once(issue, mark, "review-needed", f"{who} completed; a reviewer is next", who)
            return Want(issue, {"role": "review"}, None, "review waits for a slot")
        result = self.gate(issue, claims, view.comments)
        who = released.worker_id if released else None
        if result.passed:
            self.failing.discard(issue)
            self._once(issue, mark, "gate-passed", result.describe(), who)
            return IssueState(issue, "completed", None, "review gate passed")
        self.failing.add(issue)
        self._once(issue, mark, "gate-failed", result.describe(), who)
        rounds = len(
            {
                r.comment.id
                for r in claims.releases
                if r.reason == "completed"
                and role_of(claims.claim_of(r.worker_id or "")) == "implement"
            }
        )
        if rounds >= o.max_attempts:
            note = f"the review gate still fails after {rounds} attempt(s): " + "; ".join(
                result.reasons[:2]
            )
            self._once(issue, mark, "gave-up", note, who)
            return IssueState(issue, "gave-up", None, note)
        reviews = _reviews(self.ctx, view.comments)
        review = reviews[-1].body if reviews else None
        context = remediation_context(issue, result, review)
        self._once(
            issue,
            mark,
            "remediation",
            f"implementer attempt {rounds + 1} of {o.max_attempts} gets the findings",
            who,
        )
        return Want(
            issue, {"failure": context, "role": "implement"}, None,
            "gate not passed: remediation waits for a slot",
        )  # fmt: skip
