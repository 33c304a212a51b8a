"""REVIEW blocks: the comprehensive-review markdown tables -> plain data.

Tables are recognised by their header names, never by position, so that extra
prose, extra sections, other tables, other heading case or a missing ``#`` column
do not matter. What the gate relies on (Issue, Status, Unaddressed, the tracking
issue of each deferred finding) is read strictly.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from markdown_it.token import Token

from review_gate.artifacts._common import (
    Collector,
    clean,
    real_timestamp,
    to_int,
    words,
    yes_no,
)
from review_gate.artifacts._elements import Element, Heading, Item, Table, Text, elements
from review_gate.artifacts._text import commit_reference, issue_reference, visible

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
_REVIEW_STATUS = re.compile(
    r"(BLOCKED[ _-]+ON[ _-]+DEPENDENCIES|IN[ _-]+PROGRESS|COMPLETE)(?:\s*$|\s*[(\-—–:.,])", re.I
)
# What may precede the status word: emoji (✅ ⏸️ 🔄, or a `:white_check_mark:`
# shortcode), spaces and emphasis markup -- not text, tags or brackets, so that
# `<span>COMPLETE</span> BLOCKED` or `NOT COMPLETE` never read as COMPLETE.
_MAX_STATUS_LINE = 2_000
_SHORTCODE = re.compile(r":[a-z0-9_+-]{1,40}:")
_PREFIX_OK = frozenset(" \t*_~`-:.")
_PREFIX_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Zs"})
_CRITERION_STATUS = {
    "PASS": "PASS",
    "PASSED": "PASS",
    "FIXED": "FIXED",
    "DEFERRED": "DEFERRED",
    "N/A": "N/A",
    "NA": "N/A",
    "N A": "N/A",
    "NOT APPLICABLE": "N/A",
}

MESSAGES: dict[str, tuple[str, str]] = {
    "/issue": (
        "Issue must be an issue number like #7, got {value}",
        "add a `| Issue | #<number> |` row to the property table",
    ),
    "/reviewed": (
        "Reviewed must be an RFC 3339 time like 2026-11-21T10:00:00Z, got {value}",
        "add a `| Reviewed | <UTC time> |` row (date -u +%Y-%m-%dT%H:%M:%SZ)",
    ),
    "/worker": ("Worker must be a worker id, got {value}", "write `| Worker | `worker-<id>` |`"),
    "/scope": ("Scope must be MINOR or MAJOR, got {value}", "write `| Scope | MINOR |`"),
    "/security_sensitive": (
        "Security-Sensitive must be YES or NO, got {value}",
        "write `| Security-Sensitive | YES |` or `NO`",
    ),
    "/issue_repo": (
        "Issue must name a repository as owner/name, got {value}",
        "write `| Issue | #<number> |`",
    ),
    "/deferred/*/tracking_repo": (
        "the tracking issue must name a repository as owner/name, got {value}",
        "write `#<number>`, `owner/name#<number>` or the issue's URL",
    ),
    "/commit": (
        "Commit must be a 7-64 digit hex sha, got {value}",
        "write `| Commit | <git rev-parse HEAD> |` or leave the row out",
    ),
    "/criteria": (
        "the criteria table must have exactly 7 rows, got {value}",
        "add the `| # | Criterion | Status | Findings |` table with criteria 1-7",
    ),
    "/criteria/*/number": ("criterion number must be 1-7, got {value}", "number criteria 1-7"),
    "/criteria/*/criterion": ("criterion name is empty", "name the criterion"),
    "/criteria/*/status": (
        "criterion status must be PASS, FIXED, DEFERRED or N/A, got {value}",
        "write ✅ PASS, ✅ FIXED, ⚠️ DEFERRED or N/A",
    ),
    "/criteria/*/findings": (
        "criterion findings must be a count, got {value}",
        "write the number of findings (0 when none)",
    ),
    "/fixed/*/number": ("finding number must be a positive integer, got {value}", "number rows"),
    "/fixed/*/finding": ("fixed finding has no description", "describe the finding"),
    "/deferred/*/number": ("finding number must be a positive integer, got {value}", "number rows"),
    "/deferred/*/finding": ("deferred finding has no description", "describe the finding"),
    "/deferred/*/tracking_issue": (
        "deferred finding must name its tracking issue like #123, got {value}",
        "open an issue for it and put `#<number>` in the Tracking Issue column",
    ),
    "/summary": (
        "missing the summary table",
        "add `| Category | Count |` with Fixed in PR, Deferred (with tracking), Unaddressed",
    ),
    "/summary/fixed": ("summary Fixed in PR must be a count, got {value}", "write a number"),
    "/summary/deferred": (
        "summary Deferred (with tracking) must be a count, got {value}",
        "add a `| Deferred (with tracking) | <N> |` row to the summary table",
    ),
    "/summary/unaddressed": (
        "summary Unaddressed must be a count, got {value}",
        "add a `| Unaddressed | 0 |` row to the summary table",
    ),
    "/status": (
        "Review Status must be COMPLETE, BLOCKED_ON_DEPENDENCIES or IN_PROGRESS, got {value}",
        "end the review with `**Review Status:** ✅ COMPLETE`",
    ),
}


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


def _review_status(text: str) -> str:
    value = clean(text.strip().lstrip("*_ ")).strip("*_ ")
    body = _SHORTCODE.sub("", value) if ":" in value else value
    start = re.search(r"[A-Za-z0-9]", body)
    if start is None:
        return value
    prefix, body = body[: start.start()], body[start.start() :]
    if all(ch in _PREFIX_OK or unicodedata.category(ch) in _PREFIX_CATEGORIES for ch in prefix):
        match = _REVIEW_STATUS.match(body)
        if match:
            return re.sub(r"[ _-]+", "_", match.group(1).upper())
    return value


def _criterion_status(text: str) -> str:
    value = clean(text)
    letters = " ".join(re.findall(r"[A-Za-z/]+", value)).upper()
    return _CRITERION_STATUS.get(letters, value)


class _Review:
    def __init__(self, c: Collector) -> None:
        self.c = c
        self.section = ""
        self.props: dict[str, int] = {}
        self.summary_rows: dict[str, int] = {}
        self.status_line = 0
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
            if isinstance(el, Heading):
                self.section = words(el.text)

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
        c.data["status"] = _review_status(text)
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
            if _col(header, "track") is not None or (
                _col(header, "resolution", "fix") is None and ("defer" in self.section)
            ):
                self.findings(table, header, deferred=True)
            elif _col(header, "resolution", "fix") is not None or "fix" in self.section:
                self.findings(table, header, deferred=False)

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
                ("status", status, _criterion_status),
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
            key = (
                "unaddressed"
                if "unaddress" in text
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

    def findings(self, table: Table, header: tuple[str, ...], *, deferred: bool) -> None:
        c = self.c
        key = "deferred" if deferred else "fixed"
        c.notes.add(f"{key}_table")
        number = _col(header, exact=("#", "no", "number", "id"))
        severity = _col(header, "severity", "priority")
        finding = _col(header, "finding", "description", "problem")
        resolution = _col(header, "resolution", "fix", "action")
        tracking = _col(header, "track")
        if tracking is None and deferred:
            tracking = _col(header, "issue", "ticket")
        why = _col(header, "justification", "why", "reason", "rationale")
        rows = c.data[key]
        fields: list[tuple[str, int | None]] = [("severity", severity), ("finding", finding)]
        fields += [("justification", why)] if deferred else [("resolution", resolution)]
        for row in table.rows:
            ptr = f"/{key}/{len(rows)}"
            c.at(ptr, row.line)
            item: dict[str, Any] = {
                "number": len(rows) + 1 if number is None else to_int(row.cells[number])
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


def cross_check(c: Collector) -> None:
    """Rules JSON Schema cannot state; run on schema-shaped data."""
    data = c.data
    criteria = data.get("criteria")
    if isinstance(criteria, list):
        seen: dict[int, int] = {}
        for index, row in enumerate(criteria):
            num = row.get("number")
            if not isinstance(num, int):
                continue
            if num in seen:
                c.error(
                    f"/criteria/{index}/number",
                    f"criterion {num} is listed twice (rows {seen[num] + 1} and {index + 1})",
                    "list criteria 1-7 exactly once each",
                )
            seen.setdefault(num, index)
            if row.get("status") == "N/A" and row.get("findings") not in (0, None):
                c.error(
                    f"/criteria/{index}/findings",
                    f"criterion {num} is N/A but has {row.get('findings')} findings",
                    "an N/A criterion has 0 findings; use another status if something was found",
                )
        missing = [n for n in range(1, 8) if n not in seen]
        if missing and len(criteria) == 7:
            c.error(
                "/criteria",
                f"criteria {', '.join(map(str, missing))} missing from the criteria table",
                "list criteria 1-7 exactly once each",
            )
        if any(r.get("status") == "DEFERRED" for r in criteria) and not data.get("deferred"):
            c.error(
                "/deferred",
                "a criterion is DEFERRED but no deferred finding is listed",
                "list each deferred finding with its tracking issue under Findings Deferred",
            )
    summary = data.get("summary")
    if isinstance(summary, dict):
        deferred, fixed = data.get("deferred", []), data.get("fixed", [])
        if isinstance(summary.get("deferred"), int) and summary["deferred"] != len(deferred):
            c.error(
                "/summary/deferred",
                f"summary says {summary['deferred']} deferred but {len(deferred)} deferred "
                "findings are listed",
                "list every deferred finding with its tracking issue, or fix the count",
            )
        if (
            "fixed_table" in c.notes
            and isinstance(summary.get("fixed"), int)
            and summary["fixed"] != len(fixed)
        ):
            c.error(
                "/summary/fixed",
                f"summary says {summary['fixed']} fixed but {len(fixed)} fixed findings are listed",
                "make the Fixed in PR count match the Findings Fixed table",
            )
    issue = data.get("issue")
    for index, row in enumerate(data.get("deferred", [])):
        # `owner/name#7` may be another repository's #7; the gate knows which repository
        # this is and decides. Here: only references that are surely the same repository.
        same_repo = (
            str(row.get("tracking_repo", "")).lower() == str(data.get("issue_repo", "")).lower()
        )
        if isinstance(issue, int) and row.get("tracking_issue") == issue and same_repo:
            c.error(
                f"/deferred/{index}/tracking_issue",
                f"deferred finding is tracked in #{issue}, the issue under review itself",
                "open a separate issue for the deferred work and reference it",
            )
    if not real_timestamp(data.get("reviewed")):
        c.error("/reviewed", f"Reviewed {data['reviewed']!r} is not a real date and time", "fix it")
