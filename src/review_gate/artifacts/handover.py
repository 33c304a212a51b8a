"""HANDOVER blocks: the worker-handover sections -> plain data.

Sections are found by heading name (any level, any case); the Work Completed
checklists by their sub-headings (Done / In Progress / Remaining) or, without
sub-headings, by their check marks.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it.token import Token

from review_gate.artifacts._common import (
    Collector,
    clean,
    real_timestamp,
    to_int,
    words,
)
from review_gate.artifacts._elements import Heading, Item, Table, Text, elements
from review_gate.artifacts._text import issue_reference

_PROPERTIES = {
    "issue": "issue",
    "previous worker": "previous_worker",
    "worker": "previous_worker",
    "worker id": "previous_worker",
    "turns used": "turns_used",
    "turns": "turns_used",
    "timestamp": "timestamp",
    "time": "timestamp",
    "orchestration": "orchestration",
    "orchestration id": "orchestration",
    "attempt": "attempt",
}
_SECTIONS = (
    ("issue summary", "issue_summary"),
    ("summary", "issue_summary"),
    ("current state", "current_state"),
    ("state", "current_state"),
    ("work completed", "work_completed"),
    ("progress", "work_completed"),
    ("context", "context_decisions"),
    ("decisions", "context_decisions"),
    ("next steps", "next_steps"),
    ("files to review", "files_to_review"),
)
_WORK = (
    ("in progress", "in_progress"),
    ("done", "done"),
    ("completed", "done"),
    ("remaining", "remaining"),
    ("todo", "remaining"),
    ("not started", "remaining"),
)
_BOX = re.compile(r"^\[([ xX])\]\s*")
# ASCII digits only, as everywhere (`\d` takes any script's digits).
_TURNS = re.compile(r"(0|[1-9][0-9]{0,8})\s*(?:/\s*([1-9][0-9]{0,8}))?")
_EMPTY = frozenset({"-", "—", "–", "none", "n/a", "na", "tbd", "todo", "?"})

MESSAGES: dict[str, tuple[str, str]] = {
    "/issue": ("Issue must be an issue number like #7, got {value}", "add `| Issue | #<n> |`"),
    "/issue_repo": (
        "Issue must name a repository as owner/name, got {value}",
        "write `| Issue | #<n> |`",
    ),
    "/previous_worker": (
        "Previous Worker must be a worker id, got {value}",
        "add `| Previous Worker | `worker-<id>` |`",
    ),
    "/turns_used": (
        "Turns Used must look like 88/100, got {value}",
        "add `| Turns Used | <used>/<budget> |`",
    ),
    "/turn_budget": ("the turn budget must be a positive number, got {value}", "write N/100"),
    "/timestamp": (
        "Timestamp must be an RFC 3339 time like 2026-11-21T11:00:00Z, got {value}",
        "add `| Timestamp | <UTC time> |`",
    ),
    "/attempt": ("Attempt must be a number >= 1, got {value}", "add `| Attempt | 1 |`"),
    "/issue_summary": ("missing the Issue Summary section", "add `### Issue Summary` and a line"),
    "/current_state": (
        "missing the Current State section",
        "add `### Current State` with at least `- **Branch:** <branch>`",
    ),
    "/current_state/branch": (
        "Current State names no branch",
        "add `- **Branch:** <branch>` under Current State",
    ),
    "/work_completed": (
        "missing the Work Completed section",
        "add `### Work Completed` with Done / In Progress / Remaining checklists",
    ),
    "/next_steps": (
        "Recommended Next Steps must list at least one step, got {value}",
        "add `### Recommended Next Steps` with a numbered list",
    ),
}


def _section(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    name = words(text)
    for needle, key in table:
        if needle in name:
            return key
    return None


class _Handover:
    def __init__(self, c: Collector) -> None:
        self.c = c
        self.section: str | None = None
        self.work: str | None = None
        self.props: set[str] = set()
        self.text: dict[str, list[str]] = {}
        self.items: dict[str, list[str]] = {}

    def heading(self, el: Heading) -> None:
        if self.section == "work_completed" and el.level >= 4:
            self.work = _section(el.text, _WORK)
            return
        key = _section(el.text, _SECTIONS)
        if key is not None or el.level <= 3:
            self.section = key
            self.work = None
        if key is not None:
            self.c.at(f"/{key}", el.line)
            if key == "work_completed":
                self.c.data[key] = {"done": [], "in_progress": [], "remaining": []}
            elif key in ("context_decisions", "next_steps", "files_to_review"):
                self.c.data.setdefault(key, [])

    def table(self, table: Table) -> None:
        c = self.c
        for row in table.rows:
            key = _PROPERTIES.get(words(row.cells[0]) if row.cells else "")
            if key is None or len(row.cells) < 2:
                continue
            if key in self.props:
                c.error(f"/{key}", f"{row.cells[0]} is given twice", "keep one row", line=row.line)
                continue
            self.props.add(key)
            c.at(f"/{key}", row.line)
            raw = row.cells[1]
            value: Any
            if key == "issue":
                # `owner/name#7` or an issue URL keeps its repository, as in a REVIEW.
                value, repo = issue_reference(raw)
                if repo is not None:
                    c.data["issue_repo"] = repo
                    c.at("/issue_repo", row.line)
                if isinstance(value, str) and value.lower() in _EMPTY:
                    value = None
            elif key == "turns_used":
                match = _TURNS.fullmatch(clean(raw, fold=False))
                if match and match.group(2):
                    c.data["turn_budget"] = int(match.group(2))
                    c.at("/turn_budget", row.line)
                value = int(match.group(1)) if match else clean(raw) or None
            elif key == "attempt":
                value = to_int(raw)
            else:
                value = clean(raw) or None
            if value is not None:
                c.data[key] = value

    def item(self, el: Item) -> None:
        c, key = self.c, self.section
        if key == "current_state":
            self.state(el.text, el.line)
        elif key == "work_completed":
            box = _BOX.match(el.text)
            text = el.text[box.end() :] if box else el.text
            bucket = self.work or ("done" if box is None or box.group(1) in "xX" else "remaining")
            if text.strip():
                c.data[key][bucket].append(text.strip())
        elif key in ("context_decisions", "next_steps", "files_to_review") and el.depth == 1:
            c.at(f"/{key}/{len(c.data[key])}", el.line)
            if el.text.strip():
                c.data[key].append(el.text.strip())
        elif key == "issue_summary":
            self.text.setdefault(key, []).append(el.text)

    def line(self, el: Text) -> None:
        key = self.section
        if key == "current_state":
            self.state(el.text, el.line)
        elif key in ("issue_summary", "context_decisions", "next_steps") and el.text.strip():
            self.text.setdefault(key, []).append(el.text.strip())

    def state(self, text: str, line: int) -> None:
        # `- **Branch:** x`, `- **Branch**: x` or `- Branch: x` (no regex: lines may be long)
        key, colon, rest = text.strip().lstrip("*_ ").partition(":")
        if not colon:
            return
        name = words(key)
        value = clean(rest.lstrip("*_ "))
        state = self.c.data.setdefault("current_state", {})
        if "branch" in name:
            state["branch"] = value
            self.c.at("/current_state/branch", line)
        elif "commits" in name:
            state["commits_ahead"] = to_int(value.split(" ")[0])
        elif "last commit" in name:
            sha = re.match(r"`?([0-9a-fA-F]{7,40})\b", value)
            state["last_commit"] = sha.group(1) if sha else value
        elif "files" in name:
            state["files_changed"] = to_int(value.split(" ")[0])
        elif "test" in name:
            tests: dict[str, Any] = {}
            for field, pattern in (
                ("passing", r"([0-9]+)\s*pass"),
                ("failing", r"([0-9]+)\s*fail"),
                (
                    "coverage",
                    r"coverage[^0-9]{0,3}([0-9]+(?:\.[0-9]+)?)\s*%|([0-9]+(?:\.[0-9]+)?)\s*%\s*cov",
                ),
            ):
                found = re.search(pattern, value, re.I)
                if found:
                    number = found.group(1) or found.group(2)
                    tests[field] = float(number) if field == "coverage" else int(number)
            state["tests"] = tests

    def finish(self) -> None:
        c = self.c
        summary = self.text.get("issue_summary")
        if summary:
            c.data["issue_summary"] = "\n".join(summary)
        for key in ("context_decisions", "next_steps"):
            # Prose instead of a list still counts, as one entry per line.
            if key in c.data and not c.data[key] and self.text.get(key):
                c.data[key] = self.text[key]


def parse(tokens: list[Token], first: int, last: int, c: Collector) -> None:
    """Fill ``c.data`` from a HANDOVER block's tokens (lines ``first..last``)."""
    handover = _Handover(c)
    for el in elements(tokens, first, last):
        if isinstance(el, Heading):
            handover.heading(el)
        elif isinstance(el, Table):
            handover.table(el)
        elif isinstance(el, Item):
            handover.item(el)
        elif isinstance(el, Text):
            handover.line(el)
    handover.finish()


def cross_check(c: Collector) -> None:
    """Turns within the budget, a real timestamp."""
    used, budget = c.data.get("turns_used"), c.data.get("turn_budget")
    if isinstance(used, int) and isinstance(budget, int) and used > budget:
        c.error("/turns_used", f"Turns Used {used} exceeds the budget {budget}", "fix N/budget")
    if not real_timestamp(c.data.get("timestamp")):
        c.error("/timestamp", f"Timestamp {c.data['timestamp']!r} is not a real date", "fix it")
