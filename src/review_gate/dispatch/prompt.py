"""The worker prompt: a template (``prompt.md``, or the user's file) filled with the
issue, the worker's identity, the worker protocol and any context from earlier attempts.

Templates use ``$name`` placeholders (:class:`string.Template`); unknown ``$words`` are
left as they are, and values are inserted verbatim (an issue body holding ``$x`` is safe).
"""

from __future__ import annotations

import importlib.resources
import os
import shlex
import string
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from review_gate.errors import UsageError
from review_gate.gates.common import TrustPolicy, comment_order, find_artifacts, split_trusted
from review_gate.records import Comment, Issue

PLACEHOLDERS = (
    "issue", "title", "body", "worker_id", "attempt", "branch", "base", "worktree",
    "tracker", "show_issue", "post_review", "post_handover", "handover_section",
    "failure_section", "handover_context", "failure_context", "drafts", "orchestration",
    "role", "head", "post_findings", "post_report",
)  # fmt: skip

_MAX_CONTEXT = 20_000  # characters of earlier-attempt context kept in a prompt


class PromptInputs(NamedTuple):
    issue: Issue
    worker_id: str
    attempt: int
    branch: str
    base: str
    worktree: str
    tracker: str  # "local" | "github"
    handover: str | None = None  # the latest valid HANDOVER block, verbatim
    failure: str | None = None  # what went wrong in the previous attempt
    orchestration: str | None = None  # the run (or standalone spawn) that started it
    role: str = "implement"  # implement | review | research (dispatch/roles.py)
    head: str | None = None  # review: the commit under review


def load_template(path: Path | None = None, role: str = "implement") -> str:
    """The user's template file, or the packaged one of ``role`` (``prompt.md`` for an
    implementer, ``prompt_review.md`` / ``prompt_research.md``)."""
    if path is None:
        name = "prompt.md" if role == "implement" else f"prompt_{role}.md"
        return (importlib.resources.files("review_gate.dispatch") / name).read_text(
            encoding="utf-8"
        )
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read prompt template {path}: {exc}") from None


def _clip(text: str) -> str:
    text = text.strip()
    if len(text) <= _MAX_CONTEXT:
        return text
    return "[... earlier part cut ...]\n" + text[-_MAX_CONTEXT:]


def render(template: str, inputs: PromptInputs) -> str:
    """Fill ``template``; the handover and failure sections appear only when present."""
    n = inputs.issue.number
    if inputs.tracker == "github":
        post = "gh issue comment {n} --body-file {f}"
        show = f"gh issue view {n} --comments"
    else:
        post = "gate issue comment {n} --body-file {f}"
        show = f"gate issue show {n}"
    handover = _clip(inputs.handover) if inputs.handover else ""
    failure = _clip(inputs.failure) if inputs.failure else ""
    handover_section = (
        f"\n## Context from the previous worker\n\n{handover}\n\n"
        "Continue from where it stopped: check its branch state and next steps first.\n"
        if handover
        else ""
    )
    failure_section = (
        f"\n## Failure context from the previous attempt\n\n{failure}\n\n"
        "Do not repeat what failed; address the cause first.\n"
        if failure
        else ""
    )
    # Drafts live outside the worktree: a file left in it is work `cleanup` must not lose,
    # so a review.md written there made cleanup refuse even a completed, pushed worker.
    drafts = shlex.quote(
        os.path.join(tempfile.gettempdir(), f"review-gate-drafts-{inputs.worker_id}")
    )
    values = {
        "drafts": drafts,
        "issue": str(n),
        "title": inputs.issue.title,
        "body": inputs.issue.body.strip() or "(no description)",
        "worker_id": inputs.worker_id,
        "orchestration": inputs.orchestration or "(none)",
        "attempt": str(inputs.attempt),
        "branch": inputs.branch,
        "base": inputs.base,
        "worktree": inputs.worktree,
        "tracker": inputs.tracker,
        "show_issue": show,
        "post_review": post.format(n=n, f=f"{drafts}/review.md"),
        "post_handover": post.format(n=n, f=f"{drafts}/handover.md"),
        "post_report": post.format(n=n, f=f"{drafts}/report.md"),
        "handover_section": handover_section,
        "failure_section": failure_section,
        "handover_context": handover,
        "failure_context": failure,
        "role": inputs.role,
        "head": inputs.head or "(the worktree's HEAD)",
        # A review or research worker has no Write tool: its comment goes on stdin.
        "post_findings": post.format(n=n, f="-"),
    }
    return string.Template(template).safe_substitute(values)


def handover_context(
    comments: Sequence[Comment], trusted: TrustPolicy | None, *, after: Comment | None = None
) -> str | None:
    """The latest valid HANDOVER block by a trusted author, verbatim (markers included),
    optionally only when posted after the comment ``after``."""
    kept, _ = split_trusted(find_artifacts(comments, "handover"), trusted)
    valid = [f for f in kept if f.artifact.valid]
    if not valid:
        return None
    comment, artifact = valid[-1]
    if after is not None and comment_order(comment) <= comment_order(after):
        return None
    lines = comment.body.replace("\r\n", "\n").split("\n")
    return "\n".join(lines[artifact.line - 1 : artifact.end_line])
