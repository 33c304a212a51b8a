"""``gate install`` / ``gate uninstall``: one subcommand per target, each in its own module."""

from __future__ import annotations

import click

from review_gate.cli import LazyGroup


@click.group(
    cls=LazyGroup,
    short_help="Wire the hooks into claude, codex or git.",
    lazy={
        "claude": "review_gate.cli.install_agent:install_claude",
        "codex": "review_gate.cli.install_agent:install_codex",
        "git": "review_gate.cli.install_git:install_git",
        "actions": "review_gate.cli.install_actions:install_actions",
    },
)
def install() -> None:
    """Wire review-gate's hooks into an agent (claude, codex) or into git."""


@click.group(
    cls=LazyGroup,
    short_help="Remove exactly what `gate install` added.",
    lazy={
        "claude": "review_gate.cli.install_agent:uninstall_claude",
        "codex": "review_gate.cli.install_agent:uninstall_codex",
        "git": "review_gate.cli.install_git:uninstall_git",
    },
)
def uninstall() -> None:
    """Remove exactly the hook entries `gate install` added, nothing else."""
