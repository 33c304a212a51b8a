"""``gate validate``, ``gate new`` and ``gate schema``: the artifact commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from review_gate.artifacts.model import KINDS, REPORT_KINDS
from review_gate.cli import cwd_option, format_option, issue_number
from review_gate.cli.new_report import report_options, report_text
from review_gate.errors import EXIT_FAIL, EXIT_PASS, GateError, UsageError

_FORMAT = format_option("Output format (json is stable, see docs/artifacts.md).")
# `gate new` prints the three artifacts and the five worker reports (kind `report`).
NEW_KINDS = ("review", "handover", "worker", *REPORT_KINDS)


def _read(name: str) -> str:
    """The text of FILE (``-`` for stdin), or a one-line UsageError."""
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file", hint="check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: is a directory", hint="pass the files inside it") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            hint="artifacts are markdown comment bodies; save the file as UTF-8",
        ) from None


@click.command(short_help="Validate the REVIEW / HANDOVER / WORKER / REPORT artifacts in files.")
@click.argument("files", nargs=-1, metavar="[FILE|-]...")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    help="Require artifacts of this kind (others in the files are ignored).",
)
@_FORMAT
def validate(files: Sequence[str], kind: str | None, fmt: str) -> int:
    """Validate every REVIEW / HANDOVER / WORKER / REPORT artifact in each FILE.

    A FILE is markdown or a raw issue-comment body; `-` reads stdin. Exits 0 when
    every file holds at least one artifact (of --kind) and all are valid, 1 when one
    is invalid or a file holds none, 2 for unreadable input.
    """
    from review_gate.artifacts.validation import validate_text

    if not files:
        raise UsageError("no input files", hint="pass FILE... or - to read stdin")
    texts = [(name, _read(name)) for name in files]  # every usage error before any result
    results = [validate_text("<stdin>" if n == "-" else n, t, kind) for n, t in texts]
    ok = all(r.valid for r in results)
    if fmt == "json":
        click.echo(json.dumps({"valid": ok, "files": [r.to_json() for r in results]}, indent=2))
        return EXIT_PASS if ok else EXIT_FAIL
    artifacts = invalid = 0
    for result in results:
        if result.problem:
            click.echo(f"{result.path}: {result.problem}")
        for art in result.artifacts:
            artifacts += 1
            invalid += not art.valid
            state = "valid" if art.valid else "INVALID"
            click.echo(
                f"{result.path}:{art.line}: {art.kind} (lines {art.line}-{art.end_line}) {state}"
            )
            for err in art.errors:
                where = f" {err.pointer}" if err.pointer else ""
                click.echo(f"  {result.path}:{err.line}:{where} {err.message}")
                click.echo(f"      fix: {err.hint}")
    empty = sum(not r.found for r in results)
    click.echo(
        f"{'ok' if ok else 'FAILED'}: {len(results)} file(s), {artifacts} artifact(s), "
        f"{invalid} invalid, {empty} file(s) without artifacts"
    )
    return EXIT_PASS if ok else EXIT_FAIL


def _git_facts(cwd: Path) -> tuple[str | None, str | None, Path | None]:
    """(HEAD sha, branch, work tree root) of the checkout at ``cwd``, None when unknown."""
    from review_gate import git

    try:
        root = git.toplevel(cwd)
        return git.head_sha(cwd), git.current_branch(cwd), root
    except (GateError, OSError):  # not a checkout, or no git at all: nothing to fill in
        return None, None, None


@click.command(short_help="Print an artifact or worker report skeleton to fill in.")
@click.argument("kind", type=click.Choice(NEW_KINDS), metavar="KIND")
@click.option(
    "--issue",
    callback=issue_number,
    metavar="N",
    envvar="REVIEW_GATE_ISSUE",
    help="Issue number [env REVIEW_GATE_ISSUE; default: from a feature/<N>-... branch].",
)
@click.option(
    "--worker-id",
    metavar="ID",
    envvar="REVIEW_GATE_WORKER_ID",
    help="Worker id [env REVIEW_GATE_WORKER_ID].",
)
@click.option(
    "--commit/--no-commit",
    default=True,
    show_default=True,
    help="review: add a `| Commit | <sha> |` row with HEAD (when in a git checkout).",
)
@click.option("--release", is_flag=True, help="worker: print a release record instead.")
@click.option(
    "--orchestration",
    metavar="ID",
    envvar="REVIEW_GATE_ORCHESTRATION",
    help="handover, reports: the orchestration id [env REVIEW_GATE_ORCHESTRATION, set in "
    "dispatched workers].",
)
@report_options
@cwd_option("The checkout to read HEAD and the branch from (default: the current directory).")
def new(
    kind: str,
    issue: int | None,
    worker_id: str | None,
    commit: bool,
    release: bool,
    orchestration: str | None,
    cwd: Path,
    **report: Any,
) -> int:
    """Print a KIND skeleton to fill in: an artifact (review, handover, worker) or a
    worker report (started, progress, complete, blocked, failed).

    The issue number, worker id, timestamp, branch and current commit are filled in
    where known (a report also takes its attempt, branch and orchestration from the
    worker's pid record); every other blank is a [PLACEHOLDER] that keeps the artifact
    invalid until it is replaced.

    \b
    gate new review --issue 7 > review.md      then edit, validate and post it
    gate new worker --release --worker-id ID   a WORKER release record
    gate new blocked --turns 40 > blocked.md   a Worker Blocked report
    """
    from review_gate import git
    from review_gate.artifacts import templates

    if release and kind != "worker":
        raise UsageError("--release only applies to `gate new worker`")
    if kind in REPORT_KINDS:
        text = report_text(
            kind, cwd=cwd, issue=issue, worker_id=worker_id, orchestration=orchestration, **report
        )
        click.echo(text, nl=False)
        return EXIT_PASS
    given = [name for name, value in report.items() if value is not None]
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise UsageError(f"{flag} only applies to the worker reports (gate new started, ...)")
    sha, branch, root = _git_facts(cwd)
    if issue is None:
        issue = git.issue_from_branch(branch)
    stamp = templates.now()
    if kind == "review":
        text = templates.review(
            issue=issue, worker_id=worker_id, reviewed=stamp, commit=sha if commit else None
        )
    elif kind == "handover":
        text = templates.handover(
            issue=issue,
            worker_id=worker_id,
            timestamp=stamp,
            branch=branch,
            last_commit=sha,
            orchestration=orchestration,
        )
    else:
        text = templates.worker(
            issue=issue, worker_id=worker_id, at=stamp, worktree=root, release=release
        )
    click.echo(text, nl=False)
    return EXIT_PASS


@click.command(short_help="Print the JSON Schema of an artifact kind, or list them.")
@click.argument("kind", type=click.Choice(KINDS), required=False, metavar="[KIND]")
@_FORMAT
def schema(kind: str | None, fmt: str) -> int:
    """Print the JSON Schema of KIND (review, handover, worker, report); without KIND, list them.

    The schemas (JSON Schema draft 2020-12) are the published contract for the
    data review-gate reads out of each artifact.
    """
    from review_gate import schemas

    if kind is not None:
        click.echo(schemas.schema_text(kind), nl=False)
        return EXIT_PASS
    listing = {
        k: {
            "$id": schemas.load(k)["$id"],
            "title": schemas.load(k)["title"],
            "version": schemas.version(k),
        }
        for k in KINDS
    }
    if fmt == "json":
        click.echo(json.dumps(listing, indent=2))
    else:
        for k, info in listing.items():
            click.echo(f"{k:<9} {info['version']:<7} {info['$id']}")
        click.echo("(`gate schema KIND` prints one)")
    return EXIT_PASS
