"""The Blocked / Failed reports a worker posts, as ``status`` reads them.

A comment holding a REPORT block (``gate new blocked`` / ``gate new failed``, see
docs/artifacts.md) is read through the block: a Blocked or Failed report of *this*
worker (its Worker ID) gives the state, with the report's reason (Blocked: **Reason**,
Failed: **Failure**) as the detail; a report naming another worker is not this
worker's outcome. An invalid block still says how the worker ended (it did post a
Blocked report), and the detail names the first error. A comment without a REPORT
block keeps the seed's plain form: a line starting ``🤖 **Worker Blocked**`` or
``🤖 **Worker Failed**`` outside code (:func:`review_gate.dispatch.status.report_kind`).
"""

from __future__ import annotations

from typing import NamedTuple

from review_gate.gates.common import parsed_artifacts
from review_gate.records import Comment

EXIT_KINDS = ("blocked", "failed")
_REASON = {"blocked": "reason", "failed": "failure"}
_DETAIL_WIDTH = 200


class ExitReport(NamedTuple):
    state: str  # blocked | failed
    detail: str
    line: int  # the block's line in the comment (0: a report without a block)


def _one_line(text: str) -> str:
    first = " ".join(text.split())
    return first if len(first) <= _DETAIL_WIDTH else first[: _DETAIL_WIDTH - 3] + "..."


def has_report_block(comment: Comment) -> bool:
    """Whether ``comment`` holds a REPORT block (then only the block is read)."""
    return any(a.kind == "report" for a in parsed_artifacts(comment))


def exit_reports(comment: Comment, worker_id: str) -> list[ExitReport]:
    """The Blocked / Failed REPORT blocks of ``comment`` that are ``worker_id``'s."""
    found: list[ExitReport] = []
    for art in parsed_artifacts(comment):
        kind = art.data.get("kind")
        if art.kind != "report" or kind not in EXIT_KINDS:
            continue
        author = art.data.get("worker_id")
        if author is not None and author != worker_id:
            continue  # another worker's report
        if art.valid:
            reason = art.data.get(_REASON[kind])
            detail = _one_line(reason) if isinstance(reason, str) else f"Worker {kind} report"
        elif author is None:
            continue  # an invalid block that names no worker is nobody's outcome
        else:
            error = art.errors[0]
            detail = _one_line(
                f"a Worker {kind.title()} report (invalid: line {error.line}: {error.message})"
            )
        found.append(ExitReport(kind, detail, art.line))
    return found
