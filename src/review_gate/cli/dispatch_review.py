"""``gate dispatch review``: start an independent review worker on an issue's branch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from review_gate.cli import cwd_option, format_option, issue_number
from review_gate.errors import EXIT_PASS


def emit_review(
    ctx: Any,
    issue: int,
    *,
    agent: str,
    agent_cmd: str | None,
    base: str | None,
    branch: str | None,
    prompt_template: Path | None,
    fmt: str,
) -> int:
    """Start the review worker and print what ``spawn`` prints, plus the head reviewed."""
    from review_gate.dispatch import report
    from review_gate.dispatch.review_worker import review_target, start_review

    branch, head = review_target(ctx, issue, branch)
    started = start_review(
        ctx, issue, agent, agent_cmd, branch=branch, head=head, base=base,
        prompt_template=prompt_template,
    )  # fmt: skip
    if fmt == "json":
        click.echo(json.dumps({**started.to_json(), "head": head}, indent=2))
    else:
        click.echo(report.spawned(started))
        click.echo(f"reviewing {branch} at {head} (detached; this worker never pushes)")
    return EXIT_PASS


@click.command(short_help="Start a review worker on an issue's branch.")
@click.option(
    "--issue", "issue", callback=issue_number, metavar="N", required=True,
    help="The issue (7 or #7).",
)  # fmt: skip
@click.option(
    "--agent",
    type=click.Choice(["claude", "codex"]),
    default="claude",
    show_default=True,
    help="Agent CLI of the reviewer (binary from $REVIEW_GATE_CLAUDE / $REVIEW_GATE_CODEX "
    "or PATH).",
)
@click.option(
    "--agent-cmd",
    metavar="TEMPLATE",
    help="Any other agent, as for `gate dispatch spawn --agent-cmd`.",
)
@click.option(
    "--branch",
    metavar="BRANCH",
    help="The branch to review (default: the one the issue's latest implementing "
    "WORKER claim names).",
)
@click.option(
    "--base", metavar="BRANCH", help="Base branch the change is read against (default: auto)."
)
@click.option(
    "--prompt-template",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Prompt template file (default: the packaged review prompt).",
)
@cwd_option(
    "Run as if started in DIR (the main checkout or any worktree of the repository).", "DIR"
)
@format_option("Output format (json is stable, see docs/dispatch.md).")
def review(
    issue: int,
    agent: str,
    agent_cmd: str | None,
    branch: str | None,
    base: str | None,
    prompt_template: Path | None,
    cwd: Path,
    fmt: str,
) -> int:
    """Start a review worker on issue N's implementation.

    \b
    It claims the issue (the implementer's claim must be over: stop and clean up its
    worker first), makes ../<repo>-review-N detached at the branch's newest commit and
    starts the agent with the review role: it reads, runs the tests and linters, and
    posts one REVIEW whose Commit is that head. It cannot edit, commit or push.
    Prints what `spawn` prints, plus "head" (the commit under review).
    """
    from review_gate.dispatch.context import open_context

    return emit_review(
        open_context(cwd), issue, agent=agent, agent_cmd=agent_cmd, base=base, branch=branch,
        prompt_template=prompt_template, fmt=fmt,
    )  # fmt: skip


def extend(group: click.Group) -> None:
    """Add ``review`` to the ``gate dispatch`` group."""
    group.add_command(review)
