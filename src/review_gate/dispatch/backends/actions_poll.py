"""What repeated ``status`` polls of remote workers read, kept between polls so that an
idle poll costs ceil(N/100) + 1 requests, all conditional (304: free).

- comments: each issue's comments are listed once; later polls read only what changed
  in the whole repository (``GET /issues/comments?since=<latest update seen>``, whose
  URL stays the same while nothing changes) and merge it in. A heartbeat is an edit of
  the claim's comment, so it shows up there too. Comments are never deleted by the
  dispatcher (claims are withdrawn by editing them), so none goes missing;
- runs: the newest ceil(N/100) pages of the workflow's runs (one conditional request a
  page); a run older than those is read on its own.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from review_gate.dispatch.backends.actions_client import ActionsClient
from review_gate.dispatch.registry import now, parse_time, rfc3339
from review_gate.errors import TrackerError
from review_gate.records import Comment
from review_gate.trackers.base import Tracker
from review_gate.trackers.export import CommentFormatError, parse_comment

SKEW = 300  # seconds
OVERLAP = 60  # seconds re-read before the latest update seen
_ISSUE = re.compile(r"/issues/([0-9]+)$")


class PollCache:
    def __init__(self, tracker: Tracker, client: ActionsClient) -> None:
        self.tracker, self.client = tracker, client
        self.by_issue: dict[int, dict[int, Comment]] = {}
        self.since: str | None = None  # the latest updated_at seen
        self.runs: dict[int, dict[str, Any]] = {}

    def refresh(self, issues: list[int]) -> None:
        """Bring the recent runs and the comments of ``issues`` up to date — the runs
        first: a job posts its outcome before its run completes, so a run read as
        completed has its outcome among the comments read after it."""
        self.runs = self.client.recent_runs(max(1, math.ceil(len(issues) / 100)))
        if self.since is not None and self.by_issue:
            # from a little before the latest update seen: a comment whose update time
            # is older than one already seen (stamps are taken before the write lands)
            # is still merged; the URL stays the same while nothing changes
            since = parse_time(self.since)
            overlap = rfc3339(since - datetime.timedelta(seconds=OVERLAP)) if since else self.since
            for item in self.client.comments_since(overlap):
                self._merge(item)
        if self.since is None:
            # nothing seen yet: from a little before now (this host's clock may be behind
            # GitHub's); later polls move on from the latest update they see
            self.since = rfc3339(now() - datetime.timedelta(seconds=SKEW))
        for issue in issues:
            if issue not in self.by_issue:
                listed = self.tracker.list_comments(issue)
                self.by_issue[issue] = {c.id: c for c in listed}
                for comment in listed:
                    self._seen(comment.updated_at or comment.created_at)

    def _seen(self, stamp: str | None) -> None:
        if stamp and (self.since is None or stamp > self.since):
            self.since = stamp

    def _merge(self, item: dict[str, Any]) -> None:
        match = _ISSUE.search(str(item.get("issue_url", "")))
        try:
            comment = parse_comment(item)
        except CommentFormatError as exc:
            raise TrackerError(f"GitHub sent a comment that {exc}") from None
        self._seen(comment.updated_at or comment.created_at)
        if match is None:
            return
        issue = int(match.group(1))
        if issue in self.by_issue:
            self.by_issue[issue][comment.id] = comment

    def comments(self, issue: int) -> list[Comment]:
        return sorted(self.by_issue[issue].values(), key=lambda c: (c.created_at, c.id))

    def run(self, run_id: int) -> dict[str, Any] | None:
        found = self.runs.get(run_id)
        return found if found is not None else self.client.get_run(run_id)
