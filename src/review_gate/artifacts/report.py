"""REPORT blocks: the worker protocol's progress and exit comments -> plain data.

One block between ``<!-- REPORT:START -->`` and ``<!-- REPORT:END -->`` holds one
report. Its first line is the protocol's heading, which says the kind::

    🤖 **Worker Started**                      -> started
    🤖 **Worker Update**                       -> progress
    🤖 **Worker Complete** ✅                   -> complete
    🤖 **Worker Blocked** 🚫                    -> blocked
    🤖 **Worker Failed - Research Needed** 🔬   -> failed

then a ``| Property | Value |`` table (Worker ID, Issue, Attempt, Branch, Turns Used,
Orchestration, Started / Reported) and the kind's ``**Label:** value`` lines; a label
with nothing after it takes the list, paragraph or code fence that follows it. Labels
of other kinds, and prose, are ignored (``gate new KIND`` prints each template).
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it.token import Token

from review_gate.artifacts._common import (
    Collector,
    clean,
    placeholders,
    real_timestamp,
    to_int,
    words,
)
from review_gate.artifacts._elements import Fence, Heading, Item, Table, Text, elements
from review_gate.artifacts._text import issue_reference

# The heading's words (as :func:`words` reads them) -> the report kind.
HEADINGS = (
    ("worker started", "started"),
    ("worker update", "progress"),
    ("worker progress", "progress"),
    ("worker complete", "complete"),
    ("worker blocked", "blocked"),
    ("worker failed", "failed"),
)

_PROPERTIES = {
    "worker id": "worker_id",
    "worker": "worker_id",
    "issue": "issue",
    "attempt": "attempt",
    "branch": "branch",
    "turns used": "turns_used",
    "turns": "turns_used",
    "orchestration": "orchestration",
    "orchestration id": "orchestration",
    "started": "reported_at",
    "reported": "reported_at",
    "timestamp": "reported_at",
    "time": "reported_at",
}
# label -> (field, shape, the kinds that have it)
_LABELS: dict[str, tuple[str, str, frozenset[str]]] = {
    "understanding": ("understanding", "text", frozenset({"started"})),
    "approach": ("approach", "text", frozenset({"started"})),
    "status": ("status", "status", frozenset({"progress"})),
    "progress": ("progress", "checklist", frozenset({"progress"})),
    "current": ("current", "text", frozenset({"progress"})),
    "next": ("next", "text", frozenset({"progress"})),
    "pr created": ("pr", "number", frozenset({"complete"})),
    "pr": ("pr", "number", frozenset({"complete"})),
    "summary": ("summary", "text", frozenset({"complete"})),
    "tests": ("tests", "list", frozenset({"complete"})),
    "ready for": ("ready_for", "text", frozenset({"complete"})),
    "reason": ("reason", "text", frozenset({"blocked"})),
    "what i tried": ("tried", "list", frozenset({"blocked", "failed"})),
    "required to unblock": ("unblock", "list", frozenset({"blocked"})),
    "cannot proceed because": ("cannot_proceed", "text", frozenset({"blocked"})),
    "failure": ("failure", "text", frozenset({"failed"})),
    "error/issue": ("error", "text", frozenset({"failed"})),
    "error": ("error", "text", frozenset({"failed"})),
    "hypothesis": ("hypothesis", "text", frozenset({"failed"})),
    "research needed": ("research", "list", frozenset({"failed"})),
}
_STATUSES = {"implementing": "Implementing", "testing": "Testing"}
_STATUSES.update(blocked="Blocked", complete="Complete")
_BOX = re.compile(r"^\[([ xX])\]\s*")
# ASCII digits only, as everywhere (`\d` takes any script's digits).
_TURNS = re.compile(r"(0|[1-9][0-9]{0,8})\s*(?:/\s*([1-9][0-9]{0,8}))?")
_DASHES = frozenset({"-", "—", "–", "?"})
_EMPTY = _DASHES | {"none", "n/a", "na", "tbd"}


def _text_message(label: str, kind: str) -> tuple[str, str]:
    return (f"{label} must say something, got {{value}}", f"write `**{label}:** ...` ({kind})")


def _list_message(label: str) -> tuple[str, str]:
    return (
        f"{label} must list at least one item, got {{value}}",
        f"add `**{label}:**` followed by a list",
    )


MESSAGES: dict[str, tuple[str, str]] = {
    "/kind": (
        "a report starts with its heading (🤖 **Worker Started**, **Worker Update**, "
        "**Worker Complete**, **Worker Blocked** or **Worker Failed**), got {value}",
        "print the template with `gate new started|progress|complete|blocked|failed`",
    ),
    "/worker_id": (
        "Worker ID must be a worker id like worker-1764000000-7-3fa9c1, got {value}",
        "add `| Worker ID | `<worker id>` |` ($REVIEW_GATE_WORKER_ID)",
    ),
    "/issue": ("Issue must be an issue number like #7, got {value}", "add `| Issue | #<n> |`"),
    "/issue_repo": (
        "Issue must name a repository as owner/name, got {value}",
        "write `| Issue | #<n> |`",
    ),
    "/attempt": ("Attempt must be a number >= 1, got {value}", "add `| Attempt | 1 |`"),
    "/branch": ("Branch must name the worker's branch, got {value}", "add `| Branch | `<b>` |`"),
    "/turns_used": (
        "Turns Used must look like 12/100, got {value}",
        "add `| Turns Used | <used>/<budget> |`",
    ),
    "/turn_budget": ("the turn budget must be a positive number, got {value}", "write N/100"),
    "/orchestration": (
        "Orchestration must be an orchestration id, got {value}",
        "write the id or leave the row out",
    ),
    "/reported_at": (
        "the report time (Started / Reported) must be an RFC 3339 time like "
        "2026-11-21T11:00:00Z, got {value}",
        "add `| Reported | <UTC time> |` (date -u +%Y-%m-%dT%H:%M:%SZ)",
    ),
    "/understanding": _text_message("Understanding", "started"),
    "/approach": _text_message("Approach", "started"),
    "/status": (
        "Status must be one of Implementing, Testing, Blocked, Complete, got {value}",
        "write `**Status:** Implementing`",
    ),
    "/progress": (
        "Progress must be a checklist, got {value}",
        "add `**Progress:**` followed by `- [x] done` / `- [ ] remaining` items",
    ),
    "/current": _text_message("Current", "progress"),
    "/next": _text_message("Next", "progress"),
    "/pr": (
        "PR Created must be a pull request number like #12, got {value}",
        "write `**PR Created:** #<n>`",
    ),
    "/summary": _text_message("Summary", "complete"),
    "/tests": _list_message("Tests"),
    "/ready_for": _text_message("Ready for", "complete"),
    "/reason": _text_message("Reason", "blocked"),
    "/tried": _list_message("What I tried"),
    "/unblock": _list_message("Required to unblock"),
    "/cannot_proceed": _text_message("Cannot proceed because", "blocked"),
    "/failure": _text_message("Failure", "failed"),
    "/error": _text_message("Error/Issue", "failed"),
    "/hypothesis": _text_message("Hypothesis", "failed"),
    "/research": _list_message("Research needed"),
}


def heading_kind(text: str) -> str | None:
    """The report kind a heading line names (``🤖 **Worker Blocked** 🚫`` -> blocked)."""
    name = words(text)
    for needle, kind in HEADINGS:
        if name == needle or name.startswith(needle + " "):
            return kind
    return None


class _Report:
    def __init__(self, c: Collector) -> None:
        self.c = c
        self.kind: str | None = None
        self.seen_first = False
        self.props: set[str] = set()
        self.open: str | None = None  # the label whose value follows on the next lines
        self.shape = ""
        self.text: list[str] = []

    # -- the heading --------------------------------------------------------------

    def first(self, text: str, line: int) -> None:
        self.seen_first = True
        self.c.at("/kind", line)
        kind = heading_kind(text)
        if kind is None:
            shown = clean(text)[:80]
            if shown:
                self.c.data["kind"] = shown
        else:
            self.kind = self.c.data["kind"] = kind

    # -- properties: table rows and property labels ---------------------------------

    def prop(self, key: str, name: str, raw: str, line: int) -> None:
        c = self.c
        if key in self.props:
            c.error(f"/{key}", f"{name} is given twice", "keep one", line=line)
            return
        self.props.add(key)
        c.at(f"/{key}", line)
        value: Any
        if key == "issue":
            value, repo = issue_reference(raw)
            if repo is not None:
                c.data["issue_repo"] = repo
                c.at("/issue_repo", line)
        elif key == "turns_used":
            match = _TURNS.fullmatch(clean(raw, fold=False))
            if match and match.group(2):
                c.data["turn_budget"] = int(match.group(2))
                c.at("/turn_budget", line)
            value = int(match.group(1)) if match else clean(raw) or None
        elif key == "attempt":
            value = to_int(raw)
        else:
            value = clean(raw) or None
        if isinstance(value, str) and value in _DASHES:  # words may be names: `none`
            value = None
        if value is not None:
            c.data[key] = value

    def table(self, table: Table) -> None:
        self.close()
        for row in table.rows:
            key = _PROPERTIES.get(words(row.cells[0]) if row.cells else "")
            if key is not None and len(row.cells) >= 2:
                self.prop(key, row.cells[0].strip("*_ "), row.cells[1], row.line)

    # -- labels ---------------------------------------------------------------------

    def label(self, text: str, line: int) -> bool:
        """Read ``**Label:** value``; False when ``text`` is no label of this report."""
        if not text.lstrip().startswith(("**", "__")):
            return False
        key, colon, rest = text.strip().lstrip("*_ ").partition(":")
        if not colon:
            return False
        name = words(key)
        value = rest.lstrip("*_ ").strip()
        if name in _PROPERTIES and _PROPERTIES[name] != "reported_at":
            self.close()
            self.prop(_PROPERTIES[name], key.strip("*_ "), value, line)
            return True
        found = _LABELS.get(name)
        if found is None or self.kind not in found[2]:
            return False
        self.close()
        field, shape, _ = found
        self.c.at(f"/{field}", line)
        if field in self.c.data:
            self.c.error(f"/{field}", f"{key.strip('*_ ')} is given twice", "keep one", line=line)
            return True
        if shape in ("list", "checklist"):
            self.c.data[field] = {"done": [], "remaining": []} if shape == "checklist" else []
            if value and shape == "list":
                self.c.data[field].append(clean(value))
            self.open, self.shape = (field, shape) if not value else (None, "")
            return True
        if value:
            self.set(field, shape, value)
        else:
            self.open, self.shape, self.text = field, shape, []
        return True

    def set(self, field: str, shape: str, value: str) -> None:
        c = self.c
        if shape == "number":
            number, _ = issue_reference(value)
            c.data[field] = number
        elif shape == "status":
            text = clean(value)
            c.data[field] = _STATUSES.get(words(text), text)
        else:
            text = clean(value)
            c.data[field] = None if text.lower() in _EMPTY else text
        if c.data[field] is None:
            del c.data[field]

    def close(self) -> None:
        """End the value of an open label (its following lines are read)."""
        if self.open is not None and self.shape not in ("list", "checklist") and self.text:
            self.set(self.open, self.shape, "\n".join(self.text))
        self.open, self.shape, self.text = None, "", []

    def item(self, el: Item) -> None:
        if self.open is None or el.depth != 1:
            return
        c, field = self.c, self.open
        if self.shape == "checklist":
            box = _BOX.match(el.text)
            text = clean(el.text[box.end() :] if box else el.text)
            bucket = "remaining" if box is not None and box.group(1) == " " else "done"
            if text:
                c.data[field][bucket].append(text)
        elif self.shape == "list":
            box = _BOX.match(el.text)
            text = clean(el.text[box.end() :] if box else el.text)
            if text:
                c.at(f"/{field}/{len(c.data[field])}", el.line)
                c.data[field].append(text)
        else:
            self.text.append(el.text.strip())

    def line(self, el: Text) -> None:
        if self.label(el.text, el.line):
            return
        if self.open is not None and self.shape not in ("list", "checklist") and el.text.strip():
            self.text.append(el.text.strip())

    def fence(self, el: Fence) -> None:
        if self.open is not None and self.shape not in ("list", "checklist"):
            if not self.text:  # the value is the fence: point at its first line
                self.c.lines[f"/{self.open}"] = el.line + 1
            self.text.append(el.content.rstrip("\n"))
            self.close()


def parse(tokens: list[Token], first: int, last: int, c: Collector) -> None:
    """Fill ``c.data`` from a REPORT block's tokens (lines ``first..last``)."""
    report = _Report(c)
    for el in elements(tokens, first, last):
        if not report.seen_first:
            if isinstance(el, (Heading, Text)) and el.text.strip():
                report.first(el.text, el.line)
                continue
            report.first("", el.line)
        if isinstance(el, Heading):
            report.close()
        elif isinstance(el, Table):
            report.table(el)
        elif isinstance(el, Item):
            report.item(el)
        elif isinstance(el, Text):
            report.line(el)
        elif isinstance(el, Fence):
            report.fence(el)
    report.close()


def cross_check(c: Collector) -> None:
    """Turns within the budget, a real report time, a filled-in error (the placeholder
    scan skips code fences, where the error output goes)."""
    error = c.data.get("error")
    for blank in placeholders(error) if isinstance(error, str) else ():
        c.error("/error", f"unfilled template placeholder {blank}", "paste the error output")
    used, budget = c.data.get("turns_used"), c.data.get("turn_budget")
    if isinstance(used, int) and isinstance(budget, int) and used > budget:
        c.error("/turns_used", f"Turns Used {used} exceeds the budget {budget}", "fix N/budget")
    if not real_timestamp(c.data.get("reported_at")):
        c.error("/reported_at", f"the time {c.data['reported_at']!r} is not a real date", "fix it")
