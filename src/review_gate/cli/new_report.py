"""``gate new started|progress|complete|blocked|failed``: what a worker's report says
about the worker, gathered from its environment and worktree.

Each value comes from the first of: the command-line flag; the environment the
dispatcher gives a worker (``REVIEW_GATE_WORKER_ID``, ``REVIEW_GATE_ISSUE``, read by
``gate new``'s own options); the worker's pid record
(``<git-common-dir>/review-gate/workers/<worker id>.json``: attempt, branch,
orchestration, issue — found by the worker id, else by the worktree it runs in); the
checkout (its branch, and the issue of a ``feature/<N>-...`` branch). What is still
unknown stays a ``[PLACEHOLDER]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from review_gate.artifacts.report_templates import ReportFacts


def _records(workers: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    try:
        paths = sorted(workers.glob("*.json"))
    except OSError:
        return found
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            found.append(data)
    return found


def pid_record(cwd: Path, worker_id: str | None, root: Path | None) -> dict[str, Any]:
    """The pid record of ``worker_id``, else of the worker whose worktree is ``root``
    (the latest started); ``{}`` when there is none (nothing is created)."""
    from review_gate import git
    from review_gate.errors import GateError

    try:
        workers = git.common_dir(cwd) / "review-gate" / "workers"
    except (GateError, OSError):
        return {}
    if not workers.is_dir():
        return {}
    records = _records(workers)
    if worker_id:
        mine = [r for r in records if r.get("worker_id") == worker_id]
    elif root is not None:
        where = str(root.resolve())
        mine = [r for r in records if _same_path(r.get("worktree"), where)]
    else:
        mine = []
    mine.sort(key=lambda r: str(r.get("started_at", "")))
    return mine[-1] if mine else {}


def _same_path(value: object, where: str) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        return str(Path(value).resolve()) == where
    except OSError:
        return False


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def gather(
    *,
    cwd: Path,
    issue: int | None,
    worker_id: str | None,
    attempt: int | None,
    branch: str | None,
    turns: int | None,
    turn_budget: int,
    orchestration: str | None,
    reported_at: str,
) -> ReportFacts:
    """The report's facts: flags first, then the pid record, then the checkout."""
    from review_gate import git
    from review_gate.artifacts.report_templates import ReportFacts
    from review_gate.errors import GateError

    try:
        root: Path | None = git.toplevel(cwd)
        checkout_branch = git.current_branch(cwd)
    except (GateError, OSError):
        root, checkout_branch = None, None
    record = pid_record(cwd, worker_id, root)
    branch = branch or _str(record.get("branch")) or checkout_branch
    if issue is None:
        issue = _int(record.get("issue")) or git.issue_from_branch(branch)
    return ReportFacts(
        worker_id=worker_id or _str(record.get("worker_id")),
        issue=issue,
        attempt=attempt if attempt is not None else _int(record.get("attempt")),
        branch=branch,
        turns_used=turns,
        turn_budget=turn_budget,
        orchestration=orchestration or _str(record.get("orchestration")),
        reported_at=reported_at,
    )


_F = TypeVar("_F", bound=Callable[..., Any])


def _at_least(low: int) -> Callable[[click.Context, click.Parameter, Any], int | None]:
    """A click callback: an integer >= ``low`` (click's IntRange would print `[x>=1]`)."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> int | None:
        if value is not None and value < low:
            raise click.BadParameter(f"{value} is less than {low}", ctx, param)
        return value  # type: ignore[no-any-return]

    return check


def report_options(func: _F) -> _F:
    """The options only the worker reports take (``attempt``, ``branch``, ``turns``,
    ``turn_budget`` parameters)."""
    options = [
        click.option(
            "--attempt",
            type=int,
            callback=_at_least(1),
            metavar="N",
            help="reports: the attempt number (default: the worker's pid record).",
        ),
        click.option(
            "--branch",
            metavar="BRANCH",
            help="reports: the worker's branch (default: its pid record, else the checkout's).",
        ),
        click.option(
            "--turns",
            type=int,
            callback=_at_least(0),
            metavar="N",
            help="reports: turns used so far (default: a [N] placeholder to fill in).",
        ),
        click.option(
            "--turn-budget",
            type=int,
            callback=_at_least(1),
            metavar="N",
            help="reports: the turn budget [default: 100].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def report_text(
    kind: str,
    *,
    cwd: Path,
    issue: int | None,
    worker_id: str | None,
    orchestration: str | None,
    attempt: int | None,
    branch: str | None,
    turns: int | None,
    turn_budget: int | None,
) -> str:
    """The filled-in report skeleton of ``kind`` (see the module docstring)."""
    from review_gate.artifacts import templates
    from review_gate.artifacts.report_templates import report

    budget = 100 if turn_budget is None else turn_budget
    if turns is not None and turns > budget:
        from review_gate.errors import UsageError

        raise UsageError(f"--turns {turns} exceeds the turn budget {budget}")
    facts = gather(
        cwd=cwd,
        issue=issue,
        worker_id=worker_id,
        attempt=attempt,
        branch=branch,
        turns=turns,
        turn_budget=budget,
        orchestration=orchestration,
        reported_at=templates.now(),
    )
    return report(kind, facts)
