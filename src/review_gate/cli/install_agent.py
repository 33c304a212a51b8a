"""``gate install|uninstall claude|codex``: parse options, call install.agents, report."""

from __future__ import annotations

import json
from pathlib import Path

import click

from review_gate import git
from review_gate.cli import cwd_option, format_option
from review_gate.errors import EXIT_PASS, NotAGitRepository
from review_gate.install import agents as lib

_SCOPE = click.option(
    "--scope",
    type=click.Choice(lib.SCOPES),
    default="local",
    show_default=True,
    help="project: committed settings; local: this checkout only (git-excluded); "
    "user: every project of this user.",
)
_CWD = cwd_option()
_FORMAT = format_option()
_GATE = click.option(
    "--gate",
    "gate_path",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    default=None,
    help="The `gate` executable the hooks run (default: this one, by absolute path).",
)


def _report(result: lib.InstallResult, fmt: str, *, removing: bool = False) -> int:
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
        return EXIT_PASS
    name = lib.AGENT_NAMES[result.agent]
    if removing:
        what = "removed review-gate's hooks from" if result.changed else "no review-gate hooks in"
    else:
        what = (
            "installed review-gate's hooks for " + name + " in"
            if result.changed
            else ("review-gate's hooks already installed in")
        )
    click.echo(f"{what} {result.path}")
    for key in result.trusted:
        click.echo(f"trusted in Codex: {key}")
    for note in result.notes:
        click.echo(f"note: {note}")
    return EXIT_PASS


def _install(
    agent: str, scope: str, cwd: Path, gate_path: str | None, fmt: str, trust: bool = False
) -> int:
    if scope == "local":
        # Checked before anything is written: the local file is git-excluded, which
        # needs a repository (without one the settings were written, then git failed).
        try:
            git.toplevel(cwd)
        except NotAGitRepository as exc:
            raise NotAGitRepository(
                exc.message,
                hint="--scope local (the default) is for a git checkout: run inside one "
                "(or pass -C DIR), or use --scope project (a file here) or --scope user",
            ) from None
    result = lib.install(agent, scope=scope, cwd=cwd, gate=gate_path, trust_hooks=trust)
    return _report(result, fmt)


@click.command("claude", short_help="Add the hooks to Claude Code's settings.")
@_SCOPE
@_CWD
@_GATE
@_FORMAT
def install_claude(scope: str, cwd: Path, gate_path: str | None, fmt: str) -> int:
    """Add review-gate's PreToolUse, Stop and ConfigChange hooks to Claude Code's settings."""
    return _install("claude", scope, cwd, gate_path, fmt)


@click.command("codex", short_help="Add the hooks to Codex's hooks.json.")
@_SCOPE
@_CWD
@_GATE
@_FORMAT
@click.option(
    "--trust",
    is_flag=True,
    help="Also record the hooks' trusted_hash in $CODEX_HOME/config.toml (Codex skips "
    "untrusted hooks).",
)
def install_codex(scope: str, cwd: Path, gate_path: str | None, fmt: str, trust: bool) -> int:
    """Add review-gate's PreToolUse and Stop hooks to Codex's hooks.json."""
    return _install("codex", scope, cwd, gate_path, fmt, trust)


@click.command("claude")
@_SCOPE
@_CWD
@_FORMAT
def uninstall_claude(scope: str, cwd: Path, fmt: str) -> int:
    """Remove exactly review-gate's hooks from Claude Code's settings."""
    return _report(lib.uninstall("claude", scope=scope, cwd=cwd), fmt, removing=True)


@click.command("codex")
@_SCOPE
@_CWD
@_FORMAT
def uninstall_codex(scope: str, cwd: Path, fmt: str) -> int:
    """Remove exactly review-gate's hooks from Codex's hooks.json."""
    return _report(lib.uninstall("codex", scope=scope, cwd=cwd), fmt, removing=True)
