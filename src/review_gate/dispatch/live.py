"""What ``gate dispatch run`` prints: a live table on a terminal, plain lines otherwise,
JSON lines with ``--format json`` (one event object per line, then the summary)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from review_gate.dispatch.report import duration
from review_gate.dispatch.run_records import Event, IssueState, RunSummary

_CLEAR = "\x1b[H\x1b[2J"


def _about(event: Event) -> str:
    return "" if event.issue is None else f"#{event.issue} "


class Display:
    def __init__(self, *, fmt: str, tty: bool, history: int = 12) -> None:
        self.fmt = fmt
        self.tty = tty and fmt == "text"
        self.events: list[Event] = []
        self.history = history

    def event(self, event: Event) -> None:
        self.events.append(event)
        if self.fmt == "json":
            click.echo(json.dumps({"event": event.to_json()}))
        elif not self.tty:
            click.echo(f"{event.at} {_about(event)}{event.kind}: {event.message}")

    def show(self, states: Sequence[IssueState]) -> None:
        if not self.tty:
            return
        lines = [f"gate dispatch run — {len(states)} issue(s)", ""]
        for s in states:
            w = s.worker
            extra = ""
            if w is not None:
                extra = f"  {w.worker_id} attempt {w.attempt}, {duration(w.runtime)}"
                if w.idle is not None:
                    extra += f", log {duration(w.idle)} ago"
            note = f"  ({s.note})" if s.note else ""
            lines.append(f"  #{s.issue:<6} {s.phase:<10}{extra}{note}")
        lines += ["", "recent:"]
        lines += [
            f"  {e.at} {_about(e)}{e.kind}: {e.message}" for e in self.events[-self.history :]
        ]
        lines += ["", "Ctrl-C stops the loop (workers keep running; run again to resume)."]
        click.echo(_CLEAR + "\n".join(lines))

    def finish(self, summary: RunSummary) -> None:
        if self.fmt == "json":
            click.echo(json.dumps({"summary": summary.to_json()}))
            return
        if summary.interrupted:
            alive = [s for s in summary.issues if s.phase in ("running", "hung")]
            click.echo(
                f"interrupted: {len(alive)} worker(s) keep running; run `gate dispatch run` "
                "again to resume, or `gate dispatch stop --issue N` to stop one"
            )
            return
        if not summary.issues:
            click.echo(f"nothing to do: {summary.note}")
            return
        counts: dict[str, int] = {}
        for s in summary.issues:
            counts[s.phase] = counts.get(s.phase, 0) + 1
        click.echo("queue done: " + ", ".join(f"{n} {p}" for p, n in sorted(counts.items())))
