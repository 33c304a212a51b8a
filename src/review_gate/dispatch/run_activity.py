"""``gate dispatch run --activity-issue N``: keep the run's summary on a tracking issue.

The comment itself (one per orchestration, edited in place) is :mod:`.activity`'s;
this module only decides when to update it and keeps a tracker error from stopping
the run (the audit log keeps everything; the comment is a view of it).
"""

from __future__ import annotations

import sys

from review_gate.dispatch import activity, audit
from review_gate.dispatch.context import Context
from review_gate.errors import GateError

__all__ = ["ActivityReport"]


class ActivityReport:
    """Posts the summary when the run has new events."""

    def __init__(self, ctx: Context, issue: int, orchestration: str) -> None:
        self.ctx = ctx
        self.issue = issue
        self.orchestration = orchestration
        self.posted = -1  # events covered by the comment (-1: none posted yet)
        self.read_at = -2  # the audit log's size when it was last read in full

    def update(self) -> None:
        """Post or edit the summary when the audit log has new events of this run; a
        tracker error is a warning on stderr, and the next update tries again."""
        try:
            size = audit.audit_path(self.ctx.state).stat().st_size
        except OSError:
            size = -1
        if size == self.read_at:  # the log only grows: nothing new since the last look
            return
        events = list(audit.read(self.ctx.state, orchestration=self.orchestration))
        if len(events) == self.posted:
            self.read_at = size
            return
        try:
            activity.post_summary(self.ctx, self.issue, self.orchestration, events)
        except GateError as exc:
            print(
                f"review-gate: warning: cannot update the activity summary on "
                f"#{self.issue}: {exc.message}",
                file=sys.stderr,
            )
            return
        self.posted, self.read_at = len(events), size
