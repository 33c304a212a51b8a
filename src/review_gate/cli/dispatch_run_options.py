"""The ordered-phase, review-loop and activity options of ``gate dispatch run``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from review_gate.cli import issue_number

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["run_options"]


def run_options(func: F) -> F:
    """``--sequential``, ``--after``, ``--review-with``, ``--review-cmd``,
    ``--activity-issue`` (docs/dispatch.md, "Phases" and "The review loop")."""
    options = [
        click.option(
            "--from-status",
            metavar="COLUMN",
            help="Take the queue from this column of the project board (dispatch_project; "
            "the local tracker's own board otherwise), e.g. Todo; with --label, only the "
            "issues that have it. Busy slots are then counted from the board's In Progress "
            "column, so loops sharing one board share one fleet width.",
        ),
        click.option(
            "--sequential",
            is_flag=True,
            help="Ordered phases: each issue of --issues starts only when the one before "
            "it is done and its review gate passes.",
        ),
        click.option(
            "--after",
            "after",
            multiple=True,
            metavar="N:M",
            help="Issue N starts only when M is done and its gate passes (repeatable, or "
            "a comma list 11:10,12:11). Issue bodies saying `blocked by #M` or `depends "
            "on #M` count too.",
        ),
        click.option(
            "--review-with",
            type=click.Choice(["claude", "codex"]),
            help="The review loop: when an implementer completes, a review worker of this "
            "agent reviews its head; findings go back to a new implementer attempt, until "
            "the gate passes or --max-attempts.",
        ),
        click.option(
            "--review-cmd",
            metavar="TEMPLATE",
            help="The review loop with any other reviewer: an argv template like --agent-cmd.",
        ),
        click.option(
            "--activity-issue",
            callback=issue_number,
            metavar="N",
            help="Post a compact summary of the run on tracking issue N (one comment, "
            "kept up to date).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
