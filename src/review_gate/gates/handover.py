"""The handover gate: the latest HANDOVER is valid and complete enough to resume from."""

from __future__ import annotations

from collections.abc import Sequence

from review_gate.gates.common import (
    TrustPolicy,
    find_artifacts,
    ignored_notes,
    invalid_reasons,
    issue_mismatch,
    post_fix,
    split_trusted,
    used_note,
)
from review_gate.gates.verdict import Reason, Verdict
from review_gate.records import Comment


def handover_gate(
    comments: Sequence[Comment],
    issue: int,
    *,
    trusted: TrustPolicy | None = None,
    repo: str | None = None,
) -> Verdict:
    """Pass when the latest trusted HANDOVER of ``issue`` is valid, names ``issue`` (of
    ``repo``, ``owner/name``; see :func:`~review_gate.gates.common.issue_mismatch`) and
    lists at least one next step. Pure (no I/O). ``trusted`` is who may author HANDOVERs
    (``Trust.handover``)."""
    kept, ignored = split_trusted(find_artifacts(comments, "handover"), trusted)
    notes: list[Reason] = list(ignored_notes(ignored, "handover"))
    repost = post_fix("handover", issue)
    if not kept:
        reason = Reason(
            "no-handover",
            f"issue #{issue} has no HANDOVER by a trusted author",
            f"post a handover: {repost}",
        )
        return Verdict("handover", issue, False, (reason,), tuple(notes))
    found = kept[-1]
    notes.append(used_note(found))
    url = found.comment.url or None
    if not found.artifact.valid:
        invalid = invalid_reasons(found, "handover-invalid", repost)
        return Verdict("handover", issue, False, invalid, tuple(notes), url)
    data = found.artifact.data
    reasons: list[Reason] = []
    line = found.artifact.line
    mismatch = issue_mismatch(found, issue, repo)
    if mismatch is not None:
        message = f"the latest handover is for {mismatch}, not #{issue}"
        reasons.append(Reason("wrong-issue", message, repost, url, line, "/issue"))
    steps = [s for s in data.get("next_steps") or () if isinstance(s, str) and s.strip()]
    if not steps:
        message = "the handover lists no Recommended Next Steps, so nobody can resume from it"
        reasons.append(Reason("no-next-steps", message, repost, url, line, "/next_steps"))
    current = data.get("current_state")
    if not isinstance(current, dict) or not current.get("branch"):
        message = "the handover does not name the branch the work is on"
        reasons.append(Reason("no-branch", message, repost, url, line, "/current_state/branch"))
    return Verdict("handover", issue, not reasons, tuple(reasons), tuple(notes), url)
