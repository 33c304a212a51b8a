"""A run's activity on a tracking issue: ONE compact summary comment per orchestration.

``gate dispatch run --activity-issue N`` calls :func:`post_summary` as events happen.
The first call posts the comment; later calls edit it (found by its first line,
``<!-- review-gate:activity <orchestration> -->``, on a comment by a trusted author),
so a long run leaves one comment, not one per event. The summary is a table with one
row per issue (its latest event and worker, and how many events of each kind), then
the latest events in a code block — event text never becomes markdown, markers or
reports a gate could read. The audit log (:mod:`.audit`, ``gate dispatch log``) keeps
everything; the comment is only a view of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from review_gate.dispatch import audit
from review_gate.dispatch.context import Context
from review_gate.dispatch.registry import now, rfc3339
from review_gate.errors import GateError
from review_gate.records import Comment

__all__ = ["marker", "post_summary", "render"]

SHOWN = 20  # latest events listed in the comment
_MESSAGE = 160  # characters of an event's message kept

# (state directory, tracker, tracking issue, orchestration) -> the summary comment's id
_posted: dict[tuple[str, str, int, str], int] = {}


def marker(orchestration: str) -> str:
    return f"<!-- review-gate:activity {orchestration} -->"


def _normalise(event: Mapping[str, Any] | Any) -> dict[str, Any]:
    """An audit line, or a ``run`` loop event (``at, issue, kind, message``)."""
    if isinstance(event, Mapping):
        return dict(event)
    data = dict(event._asdict())
    data.setdefault("event", data.pop("kind", "?"))
    return data


def _cell(value: object) -> str:
    """Text safe in a table cell: one line, no pipes, no markup."""
    text = " ".join(str(value).split())
    for old, new in (("|", "\\|"), ("<", "&lt;"), ("`", "'")):
        text = text.replace(old, new)
    return text


def _line(event: Mapping[str, Any]) -> str:
    """One event as a line of the code block: it can close no fence and open no
    artifact marker."""
    parts = [str(event.get("at") or "?")]
    if event.get("issue") is not None:
        parts.append(f"#{event['issue']}")
    parts.append(str(event.get("event") or "?"))
    if event.get("worker_id"):
        parts.append(str(event["worker_id"]))
    message = " ".join(str(event.get("message") or "").split())
    if len(message) > _MESSAGE:
        message = message[: _MESSAGE - 3] + "..."
    text = " ".join(parts) + (f": {message}" if message else "")
    return text.replace("```", "'''").replace("<!--", "< !--")


def render(orchestration: str, events: Iterable[Mapping[str, Any] | Any]) -> str:
    """The summary comment's body."""
    items = [_normalise(e) for e in events]
    per_issue: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        if isinstance(item.get("issue"), int):
            per_issue.setdefault(item["issue"], []).append(item)
    lines = [
        marker(orchestration),
        f"### Dispatch activity: `{_cell(orchestration)}`",
        "",
    ]
    if per_issue:
        lines += ["| Issue | Latest | Worker | Events |", "|---|---|---|---|"]
        for issue in sorted(per_issue):
            mine = per_issue[issue]
            last = mine[-1]
            worker = next((e["worker_id"] for e in reversed(mine) if e.get("worker_id")), None)
            counts: dict[str, int] = {}
            for e in mine:
                counts[str(e.get("event"))] = counts.get(str(e.get("event")), 0) + 1
            summary = ", ".join(f"{kind} {n}" for kind, n in counts.items())
            lines.append(
                f"| #{issue} | {_cell(last.get('event'))} ({_cell(last.get('at'))}) | "
                f"{'`' + _cell(worker) + '`' if worker else '-'} | {_cell(summary)} |"
            )
        lines.append("")
    if items:
        shown = items[-SHOWN:]
        earlier = len(items) - len(shown)
        title = f"Latest {len(shown)} of {len(items)} events" if earlier else "Events"
        lines += [f"{title} (all of them: `gate dispatch log --orchestration "
                  f"{_cell(orchestration)}`):", "", "```text"]  # fmt: skip
        lines += [_line(e) for e in shown]
        lines += ["```", ""]
    else:
        lines += ["No events yet.", ""]
    lines.append(f"Updated {rfc3339(now())}.")
    return "\n".join(lines) + "\n"


def _previous(ctx: Context, tracking_issue: int, orchestration: str) -> Comment | None:
    """The latest summary comment of ``orchestration`` by a trusted author."""
    head = marker(orchestration)
    found = [
        c
        for c in ctx.tracker.list_comments(tracking_issue)
        if c.body.split("\n", 1)[0].strip() == head and ctx.trusted(c)
    ]
    return found[-1] if found else None


def post_summary(
    ctx: Context,
    tracking_issue: int,
    orchestration: str,
    events: Iterable[Mapping[str, Any] | Any] | None = None,
) -> Comment:
    """Post, or edit in place, the one summary comment of ``orchestration`` on
    ``tracking_issue``; returns it.

    ``events`` are audit lines (dicts as :func:`.audit.record` writes them) or ``run``
    loop events (``at, issue, kind, message``), oldest first; None reads this
    orchestration's events from the audit log. Tracker errors are raised (GateError):
    the caller decides whether a summary that could not be written matters.
    """
    if events is None:
        events = audit.read(ctx.state, orchestration=orchestration)
    body = render(orchestration, events)
    key = (str(ctx.state), ctx.tracker.name, tracking_issue, orchestration)
    known = _posted.get(key)
    if known is not None:
        try:
            return ctx.tracker.edit_comment(known, body)
        except GateError:
            _posted.pop(key, None)  # deleted meanwhile, say: look for it again
    previous = _previous(ctx, tracking_issue, orchestration)
    comment: Comment | None = None
    if previous is not None:
        try:
            comment = ctx.tracker.edit_comment(previous.id, body)
        except GateError:
            comment = None  # not ours to edit after all: post our own
    if comment is None:
        comment = ctx.tracker.post_comment(tracking_issue, body)
    _posted[key] = comment.id
    return comment
