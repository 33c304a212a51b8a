"""REVIEW rules that JSON Schema cannot state, checked on schema-shaped data."""

from __future__ import annotations

from review_gate.artifacts._common import Collector, real_timestamp


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
        # Findings listed as neither fixed nor deferred are unaddressed: a summary
        # saying "Unaddressed 0" above a table of open findings is not COMPLETE.
        unaddressed = data.get("unaddressed")
        count = summary.get("unaddressed")
        if isinstance(unaddressed, list) and isinstance(count, int) and count != len(unaddressed):
            c.error(
                "/summary/unaddressed",
                f"summary says {count} unaddressed but {len(unaddressed)} unaddressed "
                "findings are listed (findings in a table that is neither the fixed nor the "
                "deferred one count as unaddressed)",
                "fix or defer (with a tracking issue) every listed finding, and make the "
                "Unaddressed count match",
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
