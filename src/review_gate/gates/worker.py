"""The worker gate: the issue's latest WORKER record is an active assignment held by us."""

from __future__ import annotations

from collections.abc import Sequence

from review_gate.gates.common import (
    TrustPolicy,
    find_artifacts,
    ignored_notes,
    invalid_reasons,
    issue_mismatch,
    split_trusted,
    used_note,
)
from review_gate.gates.verdict import Reason, Verdict
from review_gate.records import Comment

_CLAIM = (
    "claim it with `gate dispatch` (which posts the WORKER assignment), or post one made "
    "with `gate new worker --issue {issue} --worker-id {worker}`"
)


def worker_gate(
    comments: Sequence[Comment],
    issue: int,
    worker_id: str | None,
    *,
    trusted: TrustPolicy | None = None,
    repo: str | None = None,
) -> Verdict:
    """Pass when the latest trusted WORKER record of ``issue`` assigns it to ``worker_id``.

    Pure (no I/O). A release, an assignment to another worker, an assignment naming
    another issue (or another repository's, see
    :func:`~review_gate.gates.common.issue_mismatch`; ``repo`` is ``owner/name`` of the
    repository being checked), an invalid record or no record at all fails: one worker
    per issue. ``trusted`` is who may author WORKER records (``Trust.worker``).
    """
    kept, ignored = split_trusted(find_artifacts(comments, "worker"), trusted)
    notes: list[Reason] = list(ignored_notes(ignored, "worker"))
    me = worker_id.strip() if worker_id else ""
    claim = _CLAIM.format(issue=issue, worker=me or "WORKER_ID")
    if not me:
        reason = Reason(
            "no-worker-id",
            "no worker id to check the assignment against",
            "pass --worker-id ID or set REVIEW_GATE_WORKER_ID",
        )
        return Verdict("worker", issue, False, (reason,), tuple(notes))
    if not kept:
        reason = Reason("no-assignment", f"issue #{issue} has no WORKER assignment", claim)
        return Verdict("worker", issue, False, (reason,), tuple(notes))
    found = kept[-1]
    notes.append(used_note(found))
    url = found.comment.url or None
    if not found.artifact.valid:
        reasons = invalid_reasons(found, "worker-invalid", claim)
        return Verdict("worker", issue, False, reasons, tuple(notes), url)
    data = found.artifact.data
    holder = data.get("worker_id")
    problem: tuple[str, str] | None = None
    if data.get("assigned") is not True:
        why = f" ({data['reason']})" if data.get("reason") else ""
        problem = ("released", f"the latest WORKER record of issue #{issue} is a release{why}")
    elif holder != me:
        problem = ("held-by-other", f"issue #{issue} is assigned to {holder}, not to {me}")
    elif (mismatch := issue_mismatch(found, issue, repo, required=False)) is not None:
        problem = ("wrong-issue", f"the assignment is for {mismatch}, not #{issue}")
    if problem is None:
        return Verdict("worker", issue, True, (), tuple(notes), url)
    fix = (
        f"stop: another worker owns issue #{issue}; pick another issue"
        if problem[0] == "held-by-other"
        else claim
    )
    reason = Reason(problem[0], problem[1], fix, url, found.artifact.line)
    return Verdict("worker", issue, False, (reason,), tuple(notes), url)
