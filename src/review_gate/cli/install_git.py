"""``gate install git`` / ``gate uninstall git``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from review_gate.cli import cwd_option, format_option
from review_gate.errors import EXIT_PASS
from review_gate.install import git as git_install

_CWD = cwd_option()
_FORMAT = format_option()


def _report(result: git_install.InstallResult, fmt: str, verb: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    for path in result.installed:
        click.echo(f"{verb} {path} ({result.mode})")
    for path in result.chained:
        click.echo(f"chained {path} (runs first)")
    for path in result.removed:
        click.echo(f"removed {path}")
    for note in result.notes:
        click.echo(note)


@click.command("git", short_help="Install the pre-push and commit-msg hooks.")
@_CWD
@click.option(
    "--mode",
    type=click.Choice(git_install.MODES),
    default="auto",
    show_default=True,
    help="pre-commit when .pre-commit-config.yaml uses review-gate's hooks, else direct.",
)
@click.option(
    "--chain",
    is_flag=True,
    help="Keep an existing foreign hook and run it before review-gate's.",
)
@_FORMAT
def install_git(cwd: Path, mode: str, chain: bool, fmt: str) -> int:
    """Install the pre-push (review gate) and commit-msg hooks for this checkout.

    Hooks go where git runs them (`git rev-parse --git-path hooks`): shared by all
    linked worktrees unless a worktree sets its own core.hooksPath.
    """
    _report(git_install.install(cwd, mode=mode, chain=chain), fmt, "installed")
    return EXIT_PASS


@click.command("git", short_help="Remove the git hooks, restoring chained ones.")
@_CWD
@_FORMAT
def uninstall_git(cwd: Path, fmt: str) -> int:
    """Remove the git hooks `gate install git` wrote, restoring chained ones."""
    _report(git_install.uninstall(cwd), fmt, "removed")
    return EXIT_PASS
