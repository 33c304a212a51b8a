"""REVIEW blocks: the comprehensive-review markdown tables -> plain data.

Tables are recognised by their header names, never by position, so that extra
prose, extra sections, other tables, other heading case or a missing ``#`` column
do not matter. What the gate relies on (Issue, Status, Unaddressed, the tracking
issue of each deferred finding) is read strictly, and every finding listed is
fixed, deferred or -- in any other findings table or list -- unaddressed.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from markdown_it.token import Token

from review_gate.artifacts._common import Collector, clean, to_int, words
from review_gate.artifacts._elements import Element, Heading, Item, Table, Text, elements
from review_gate.artifacts._text import commit_reference, issue_reference, visible
from review_gate.artifacts.review.values import criterion_status, review_status, yes_no

_PROPERTIES = {
    "worker": "worker",
    "worker id": "worker",
    "issue": "issue",
    "scope": "scope",
    "security sensitive": "security_sensitive",
    "security": "security_sensitive",
    "reviewed": "reviewed",
    "reviewed at": "reviewed",
    "timestamp": "reviewed",
    "commit": "commit",
    "commit sha": "commit",
    "reviewed commit": "commit",
    "head": "commit",
    "sha": "commit",
}
_STATUS_LINE = re.compile(
    r"^\s*(?:[-*+]\s+)?[*_]{0,2}\s*review\s+status\s*:?\s*[*_]{0,2}\s*"
    r"(?::(?![a-z0-9_+-]+:))?\s*(.*)$",  # a colon, but not the first of `:white_check_mark:`
    re.I,
)
_MAX_STATUS_LINE = 2_000
# Sections whose findings are open by name; a findings table elsewhere that is neither
# the fixed nor the deferred one is open too.
_UNADDRESSED_SECTION = re.compile(
    "unaddress|unresolv|outstanding|not address|not fixed|open finding"
)
_OPEN_LABEL = re.compile(
    "unaddress|unresolv|outstanding|not address|not fixed|won ?t fix|wontfix|open|remaining|pending"
)


# Converted criteria rows by (column indexes, implied number, cells); see criteria().
_CRITERIA_ROWS: dict[tuple[Any, ...], dict[str, Any]] = {}
_MEMO_SIZE = 2048
_MEMO_TEXT = 200


@functools.lru_cache(maxsize=1024)
def _col(header: tuple[str, ...], *needles: str, exact: tuple[str, ...] = ()) -> int | None:
    """Index of the first column whose name is in ``exact`` or contains a needle."""
    for index, name in enumerate(header):
        if name in exact or any(n in name for n in needles):
            return index
    return None


def _cell(cells: list[str], index: int | None) -> str | None:
    if index is None or index >= len(cells):
        return None
    return cells[index]


class _Review:
    def __init__(self, c: Collector) -> None:
        self.c = c
        self.section = ""
        self.props: dict[str, int] = {}
        self.summary_rows: dict[str, int] = {}
        self.status_line = 0
        self.open = False  # in a section of unaddressed findings
        c.data.update({"fixed": [], "deferred": []})

    def element(self, el: Element) -> None:
        if isinstance(el, Table):
            self.table(el)
        elif isinstance(el, (Text, Item, Heading)):
            # `## Review Status: COMPLETE` is as much a status line as the bold one.
            match = _STATUS_LINE.match(el.text)
            if match is None and len(el.text) <= _MAX_STATUS_LINE:
                # Invisible text before the label (`<!-- x --> **Review Status:**`); the
                # length cap keeps a 200 kB line shared by 5,000 blocks linear.
                match = _STATUS_LINE.match(visible(el.text))
            if match:
                self.status(match.group(1), el.line)
            elif self.open and isinstance(el, Item):
                self.open_item(el)
            if isinstance(el, Heading):
                self.section = words(el.text)
                self.open = _UNADDRESSED_SECTION.search(self.section) is not None
                if self.open:
                    self.c.data.setdefault("unaddressed", [])
                    self.c.at("/unaddressed", el.line)

    def status(self, text: str, line: int) -> None:
        c = self.c
        if self.status_line:
            c.error(
                "/status",
                f"a second Review Status line (the first is on line {self.status_line})",
                "keep exactly one `**Review Status:**` line",
                line=line,
            )
            return
        self.status_line = line
        c.data["status"] = review_status(text)
        c.at("/status", line)

    def table(self, table: Table) -> None:
        header = tuple(words(h) for h in table.header)
        if (
            len(header) >= 2
            and header[0] in ("property", "field", "key", "name", "item")
            and ("value" in header[1])
        ):
            self.properties(table)
        elif _col(header, "criteri") is not None and _col(header, "status") is not None:
            self.criteria(table, header)
        elif _col(header, "category") is not None and _col(header, "count") is not None:
            self.summary(table, header)
        elif _col(header, "severity", "finding", "description") is not None:
            resolution = _col(header, "resolution", "fix") is not None
            if _col(header, "track") is not None:
                self.findings(table, header, "deferred")
            elif self.open:
                self.findings(table, header, "unaddressed")
            elif not resolution and "defer" in self.section:
                self.findings(table, header, "deferred")
            elif resolution or "fix" in self.section:
                self.findings(table, header, "fixed")
            elif _col(header, "severity", "finding") is not None:
                # Findings neither fixed nor deferred are, by definition, unaddressed.
                self.findings(table, header, "unaddressed")

    def open_item(self, item: Item) -> None:
        """A list item under an Unaddressed heading: one open finding."""
        rows = self.c.data.setdefault("unaddressed", [])
        text = clean(item.text)
        if item.depth == 1 and text.lower().rstrip(".") not in ("none", "n/a", "-", ""):
            self.c.at(f"/unaddressed/{len(rows)}", item.line)
            rows.append({"number": len(rows) + 1, "finding": text})

    def properties(self, table: Table) -> None:
        c = self.c
        for row in table.rows:
            key = _PROPERTIES.get(words(row.cells[0]) if row.cells else "")
            if key is None:
                continue  # extra rows (Reviewer, PR, ...) are allowed and ignored
            raw = row.cells[1] if len(row.cells) > 1 else ""
            if key in self.props:
                c.error(
                    f"/{key}",
                    f"{row.cells[0]} is given twice (lines {self.props[key]} and {row.line})",
                    "keep one row per property",
                    line=row.line,
                )
                continue
            self.props[key] = row.line
            c.at(f"/{key}", row.line)
            value: Any
            if key == "issue":
                value, repo = issue_reference(raw)
                if repo is not None:
                    c.data["issue_repo"] = repo
                    c.at("/issue_repo", row.line)
            elif key == "security_sensitive":
                value = yes_no(raw)
            elif key == "scope":
                value = clean(raw).upper() or None
            elif key == "commit":
                value = commit_reference(raw)
            else:
                value = clean(raw) or None
            if value is not None:
                c.data[key] = value

    def criteria(self, table: Table, header: tuple[str, ...]) -> None:
        c = self.c
        number = _col(header, exact=("#", "no", "number", "n"))
        name = _col(header, "criteri")
        status = _col(header, "status")
        findings = _col(header, "finding", "count", "issues")
        rows = c.data.setdefault("criteria", [])
        c.at("/criteria", table.line)
        columns = (number, name, status, findings)
        for row in table.rows:
            ptr = f"/criteria/{len(rows)}"
            c.at(ptr, row.line)
            # Criteria rows repeat across reviews (`| 1 | Blindspots | ✅ PASS | 0 |`):
            # a row converted once is remembered (the conversions are pure).
            memo_key = (columns, len(rows) if number is None else 0, *row.cells)
            remembered = _CRITERIA_ROWS.get(memo_key)
            if remembered is not None:
                rows.append(dict(remembered))
                continue
            item: dict[str, Any] = {}
            num = _cell(row.cells, number)
            item["number"] = len(rows) + 1 if number is None else to_int(num or "")
            for key, index, conv in (
                ("criterion", name, clean),
                ("status", status, criterion_status),
                ("findings", findings, to_int),
            ):
                cell = _cell(row.cells, index)
                if cell is not None:
                    item[key] = conv(cell)
            rows.append({k: v for k, v in item.items() if v is not None})
            if sum(map(len, row.cells)) <= _MEMO_TEXT:
                if len(_CRITERIA_ROWS) >= _MEMO_SIZE:
                    _CRITERIA_ROWS.clear()
                _CRITERIA_ROWS[memo_key] = dict(rows[-1])

    def summary(self, table: Table, header: tuple[str, ...]) -> None:
        c = self.c
        label = _col(header, "category")
        count = _col(header, "count")
        summary = c.data.setdefault("summary", {})
        c.at("/summary", table.line)
        for row in table.rows:
            text = words(_cell(row.cells, label) or "")
            # Another name for open findings is the Unaddressed row too (so that
            # `| Unaddressed | 0 |` above `| Unresolved | 3 |` is a duplicate, an error).
            key = (
                "unaddressed"
                if _OPEN_LABEL.search(text)
                else "deferred"
                if "defer" in text
                else "fixed"
                if "fix" in text
                else None
            )
            if key is None:
                continue
            if key in self.summary_rows:
                c.error(
                    f"/summary/{key}",
                    f"summary row {key} is given twice (lines {self.summary_rows[key]} and "
                    f"{row.line})",
                    "keep one row per category",
                    line=row.line,
                )
                continue
            self.summary_rows[key] = row.line
            c.at(f"/summary/{key}", row.line)
            value = to_int(_cell(row.cells, count) or "")
            if value is not None:
                summary[key] = value

    def findings(self, table: Table, header: tuple[str, ...], key: str) -> None:
        """Rows of a findings table: ``key`` is fixed, deferred or unaddressed."""
        c = self.c
        c.notes.add(f"{key}_table")
        deferred = key == "deferred"
        number = _col(header, exact=("#", "no", "number", "id"))
        tracking = _col(header, "track")
        if tracking is None and deferred:
            tracking = _col(header, "issue", "ticket")
        fields: list[tuple[str, int | None]] = [
            ("severity", _col(header, "severity", "priority")),
            ("finding", _col(header, "finding", "description", "problem")),
        ]
        if deferred:
            fields.append(("justification", _col(header, "justification", "why", "reason")))
        elif key == "fixed":
            fields.append(("resolution", _col(header, "resolution", "fix", "action")))
        rows = c.data.setdefault(key, [])
        c.at(f"/{key}", table.line)
        for row in table.rows:
            ptr = f"/{key}/{len(rows)}"
            c.at(ptr, row.line)
            item: dict[str, Any] = {
                "number": len(rows) + 1
                if number is None
                else to_int(_cell(row.cells, number) or "")
            }
            for name, index in fields:
                cell = _cell(row.cells, index)
                value = clean(cell) if cell is not None else ""
                if value:
                    item[name] = value
            if deferred:
                ref, repo = issue_reference(_cell(row.cells, tracking) or "")
                if ref is not None:
                    item["tracking_issue"] = ref
                if repo is not None:
                    item["tracking_repo"] = repo
            rows.append({k: v for k, v in item.items() if v is not None})


def parse(tokens: list[Token], first: int, last: int, c: Collector) -> None:
    """Fill ``c.data`` from a REVIEW block's tokens (lines ``first..last``)."""
    review = _Review(c)
    for el in elements(tokens, first, last):
        review.element(el)
    if "status" not in c.data:
        c.at("/status", last)
