"""Evaluate a :class:`~review_gate.target.GateRequest`: run its gates on its issues.

The gates are pure; the only I/O here is the tracker the request holds (comments, and
whether deferred findings' tracking issues exist). Git and the configuration were read
when the request was built, and are not read again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from review_gate.config import Config
from review_gate.config import load as load_config
from review_gate.errors import GateError, UsageError
from review_gate.gates.verdict import Verdict
from review_gate.target import GateRequest
from review_gate.trackers.base import Tracker

if TYPE_CHECKING:
    from review_gate.doctor import Finding


class CheckResult(NamedTuple):
    """The verdicts of the request's gates, issue by issue, gate by gate."""

    request: GateRequest
    verdicts: tuple[Verdict, ...]

    @property
    def passed(self) -> bool:
        return bool(self.verdicts) and all(v.passed for v in self.verdicts)

    @property
    def head(self) -> str | None:
        return self.request.head

    @property
    def issues(self) -> tuple[int, ...]:
        return self.request.issues

    @property
    def issue(self) -> int:
        """The first issue gated (most requests gate one)."""
        return self.request.issues[0]

    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.passed]

    def to_json(self) -> dict[str, Any]:
        return {
            "issues": list(self.issues),
            "head": self.head,
            "passed": self.passed,
            "verdicts": [v.to_json() for v in self.verdicts],
        }


def evaluate(request: GateRequest) -> CheckResult:
    """Run every gate of ``request`` on every issue of it. Raises TrackerUnavailable
    (exit 3) when the tracker cannot be reached, IssueNotFound/UsageError (exit 2)."""
    if not request.issues:
        raise UsageError("no issue to gate")
    config = request.config
    verdicts: list[Verdict] = []
    for issue in request.issues:
        comments = request.tracker.list_comments(issue)
        for gate in request.gates:
            if gate == "review":
                verdicts.append(_review(request, issue, comments))
            elif gate == "worker":
                from review_gate.gates.worker import worker_gate

                verdicts.append(
                    worker_gate(
                        comments,
                        issue,
                        request.worker_id,
                        trusted=config.trust.worker,
                        repo=request.repo,
                    )
                )
            else:
                from review_gate.gates.handover import handover_gate

                verdicts.append(
                    handover_gate(comments, issue, trusted=config.trust.handover, repo=request.repo)
                )
    return CheckResult(request, tuple(verdicts))


def _review(request: GateRequest, issue: int, comments: Sequence[Any]) -> Verdict:
    from review_gate.gates.common import latest_artifact
    from review_gate.gates.review import ReviewContext, deferred_tracking_issues, review_gate

    config = request.config
    tracking: dict[int, bool | None] = {}
    latest = latest_artifact(comments, "review", trusted=config.trust.review)
    if latest is not None and latest[1].valid:
        for number in deferred_tracking_issues(latest[1].data):
            if number != issue:  # the gate rejects that one without asking
                tracking[number] = request.tracker.issue_exists(number)
    ctx = ReviewContext(
        issue=issue,
        head=request.head,
        changed_files=request.changed_files,
        changed_files_unknown_why=request.changed_files_why,
        trusted_associations=config.trusted_associations,
        trusted_logins=config.trusted_logins,
        sensitive_patterns=config.sensitive_patterns,
        require_commit=config.require_commit,
        require_distinct_reviewer=config.require_distinct_reviewer,
        require_independent_review=config.require_independent_review,
        tracking_issues=tracking,
        trust=config.trust,
        repo=request.repo,
    )
    return review_gate(comments, ctx)


# ----------------------------------------------------------------------------- library use


def check(
    issue: int,
    *,
    gates: Sequence[str] = ("review",),
    cwd: Path = Path("."),
    config: Config | None = None,
    tracker: Tracker | None = None,
    head: str | None = None,
    worker_id: str | None = None,
    changed_files: Sequence[str] | None = None,
    base: str | None = None,
    config_ref: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> CheckResult:
    """Gate ``issue`` from a library or a test: the same request and evaluation the
    surfaces use, with any part given instead of resolved (``changed_files``, ``head``:
    a full sha or a ref of the checkout; ``base``: the base branch name)."""
    from review_gate.target import Repository, check_gates, find_base
    from review_gate.target.build import _request
    from review_gate.target.tracker import open_tracker

    if isinstance(issue, bool) or not isinstance(issue, int) or issue < 1:
        raise UsageError(f"issue must be a positive number, got {issue!r}")
    env = os.environ if environ is None else environ
    chosen = check_gates(gates)
    repo = Repository(Path(cwd))
    if config is None:
        config = load_config(cwd, ref=config_ref, environ=env)
    if worker_id is not None:
        import dataclasses

        config = dataclasses.replace(config, worker_id=worker_id)
    if tracker is None:
        tracker = open_tracker(config, cwd=Path(cwd), environ=env, read_only=True)
    gated = repo.checkout.head if repo.checkout else None
    if head is not None:
        from review_gate.target.command import _resolve_head

        gated = _resolve_head(repo, head)
    request = _request(
        "check",
        repo,
        issues=(issue,),
        source="--issue",
        head=gated,
        base=find_base(repo.refs, base or config.base_branch) if repo.inside else None,
        config=config,
        why="given" if config_ref is None else "--config-ref",
        tracker=tracker,
        environ=env,
        gates=chosen,
    )
    if changed_files is not None:
        request = request._replace(changed_files=tuple(changed_files))
    return evaluate(request)


def doctor_checks(cwd: Path) -> list[Finding]:
    """``gate doctor``'s ``config`` and ``tracker`` findings."""
    from review_gate.doctor import Finding
    from review_gate.target.tracker import open_tracker

    try:
        config = load_config(cwd)
    except GateError as exc:
        return [Finding("config", False, exc.message, exc.hint or "fix the key named above")]
    files = sorted({s for s in config.sources.values() if s not in ("default", "flag")})
    where = ", ".join(files) if files else "defaults only"
    findings = [Finding("config", True, f"configuration valid ({where})")]
    try:
        tracker = open_tracker(config, cwd=Path(cwd), read_only=True)
        ping = getattr(tracker, "ping", None)
        if callable(ping):
            ping()
        else:
            tracker.issue_exists(1)
    except GateError as exc:
        findings.append(Finding("tracker", False, exc.message, exc.hint or None))
    else:
        findings.append(Finding("tracker", True, f"{tracker.name} tracker reachable"))
    return findings
