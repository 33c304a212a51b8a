"""``gate install actions``: the GitHub Actions worker workflow."""

from __future__ import annotations

import json
from pathlib import Path

import click

from review_gate.cli import cwd_option, format_option
from review_gate.errors import EXIT_FAIL, EXIT_PASS

_MESSAGES = {
    "installed": "installed {path}",
    "updated": "updated {path} to this version's workflow",
    "unchanged": "{path} is up to date",
    "replaced": "replaced {path} (your copy is kept as {backup})",
    "missing": "{path} is not installed (run `gate install actions`)",
    "drift": "{path} differs from review-gate's workflow (run `gate install actions`):",
}


@click.command("actions", short_help="Install the GitHub Actions worker workflow.")
@cwd_option()
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when the file drifted.")
@click.option(
    "--force", is_flag=True, help="Replace a hand-edited workflow (kept as .orig beside it)."
)
@format_option()
def install_actions(cwd: Path, check: bool, force: bool, fmt: str) -> int:
    """Write .github/workflows/review-gate-worker.yml: one workflow run per worker of
    `gate dispatch --backend github-actions` (docs/dispatch.md, "Scaling out").

    Idempotent. A copy nobody edited is updated in place; a hand-edited one is left
    alone unless --force. --check compares only and prints the differences.
    """
    from review_gate.install import actions

    result = actions.install(cwd, check=check, force=force)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        click.echo(_MESSAGES[result.state].format(path=result.path, backup=result.backup))
        if result.state == "drift":
            click.echo(result.diff, nl=False)
    return EXIT_PASS if result.ok else EXIT_FAIL
