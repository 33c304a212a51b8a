"""``gate doctor``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from review_gate import doctor as doctor_lib
from review_gate.cli import cwd_option, format_option
from review_gate.errors import EXIT_FAIL, EXIT_PASS


@click.command(short_help="Check the hooks, tracker and configuration here.")
@cwd_option("The checkout to examine (default: the current directory).")
@format_option()
def doctor(cwd: Path, fmt: str) -> int:
    """Check this checkout's wiring: agent hooks, git hooks, tracker, config.

    Prints a fix for every problem found; exits 0 when all is well, 1 otherwise.
    """
    findings = doctor_lib.run(cwd)
    ok = all(f.ok for f in findings)
    if fmt == "json":
        click.echo(json.dumps({"ok": ok, "findings": [f.to_json() for f in findings]}, indent=2))
    else:
        for f in findings:
            mark = "ok  " if f.ok else "FAIL"
            click.echo(f"{mark} {f.area}: {f.message}")
            if not f.ok and f.fix:
                click.echo(f"     fix: {f.fix}")
        click.echo("all good" if ok else "problems found: see the fixes above")
    return EXIT_PASS if ok else EXIT_FAIL
