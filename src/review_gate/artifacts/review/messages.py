"""Error messages and hints for each place in a REVIEW (by generic JSON pointer)."""

from __future__ import annotations

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
    "/unaddressed/*/number": (
        "finding number must be a positive integer, got {value}",
        "number rows",
    ),
    "/unaddressed/*/finding": (
        "unaddressed finding has no description",
        "describe the finding",
    ),
    "/status": (
        "Review Status must be COMPLETE, BLOCKED_ON_DEPENDENCIES or IN_PROGRESS, got {value}",
        "end the review with `**Review Status:** ✅ COMPLETE`",
    ),
}
