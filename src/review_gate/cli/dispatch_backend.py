"""``--backend`` for ``gate dispatch spawn|status|list|stop|cleanup|replace``, and
``gate dispatch logs``.

The commands of :mod:`review_gate.cli.dispatch` stay as they are: :func:`extend` adds a
``--backend local|github-actions`` option to each and routes a run to the backend
chosen (the option, else ``dispatch_backend`` in the configuration, else ``local``).
``local`` runs the command's own code, unchanged; another backend runs the same step
through :mod:`review_gate.dispatch.backends`. ``run`` is one loop for every backend: it
gets the backend's name (``backend=``) and drives the workers through it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from review_gate.cli import cwd_option, format_option, issue_number
from review_gate.errors import EXIT_PASS, GateError

BACKEND_NAMES = ("local", "github-actions")
_ROUTED = ("spawn", "status", "list", "stop", "cleanup", "replace", "run")


def _configured(cwd: Path) -> str:
    """``dispatch_backend`` of the checkout's configuration (``local`` when unreadable:
    the command itself then reports what is wrong)."""
    from review_gate import git
    from review_gate.config import load

    try:
        return load(git.toplevel(cwd)).dispatch_backend
    except GateError:
        return "local"


def _backend(name: str, cwd: Path) -> Any:
    from review_gate.dispatch.backends import open_backend
    from review_gate.dispatch.context import open_context

    return open_backend(open_context(cwd), name)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


def _remote(command: str, opened: Callable[[], Any], kw: dict[str, Any]) -> int:
    from review_gate.dispatch import report
    from review_gate.dispatch.spawn import SpawnRequest

    fmt = kw.get("fmt", "text")
    _refuse_local_only(command, kw)
    backend = opened()
    if command == "spawn" or command == "replace":
        request = SpawnRequest(kw["issue"], kw["agent"], kw["agent_cmd"], kw["base"],
                               kw.get("attempt"), kw["prompt_template"])  # fmt: skip
        if command == "replace":
            stopped = backend.stop(kw["issue"], grace=kw["grace"])
            cleaned = backend.collect(kw["issue"])
            previous = max((s.attempt for s in backend.state([kw["issue"]])), default=0)
            started = backend.start(request._replace(attempt=previous + 1))
            if fmt == "json":
                _echo_json({
                    "stopped": [s.to_json() for s in stopped],
                    "cleanup": cleaned.to_json(),
                    "spawned": started.to_json(),
                })  # fmt: skip
            else:
                click.echo(report.stopped(stopped))
                click.echo(report.cleaned(cleaned))
                click.echo(_started(started))
            return EXIT_PASS
        started = backend.start(request)
        _echo_json(started.to_json()) if fmt == "json" else click.echo(_started(started))
        return EXIT_PASS
    if command in ("status", "list"):
        workers = backend.state(kw.get("issues") or None, hang_after=kw["hang_after"])
        if fmt == "json":
            _echo_json({"workers": [w.to_json() for w in workers]})
        else:
            click.echo(report.details(workers) if command == "status" else report.table(workers))
        return EXIT_PASS
    if command == "stop":
        results = backend.stop(kw["issue"], grace=kw["grace"])
        if fmt == "json":
            _echo_json({"stopped": [r.to_json() for r in results]})
        else:
            click.echo(report.stopped(results))
        return EXIT_PASS
    result = backend.collect(kw["issue"], keep_worktree=kw["keep_worktree"], force=kw["force"])
    _echo_json(result.to_json()) if fmt == "json" else click.echo(report.cleaned(result))
    return EXIT_PASS


# Options the github-actions backend does not carry to a runner yet: refused, never
# silently dropped (docs/dispatch.md, "Scaling out").
_LOCAL_ONLY = {  # keyword -> its flag (a value other than None, False, () or "implement")
    "role": "--role",
    "review_with": "--review-with",
    "review_cmd": "--review-cmd",
    "max_turns": "--max-turns",
    "max_minutes": "--max-minutes",
    "max_tokens": "--max-tokens",
    "max_cost_usd": "--max-cost-usd",
    "budget_soft": "--budget-soft",
}


def _refuse_local_only(command: str, kw: dict[str, Any]) -> None:
    from review_gate.errors import UsageError

    given = [
        flag
        for key, flag in _LOCAL_ONLY.items()
        if kw.get(key) not in (None, False, (), "implement")
    ]
    if given:
        raise UsageError(
            f"{', '.join(given)}: not available with --backend github-actions yet "
            f"(gate dispatch {command} on a runner takes implementers with the "
            "configured budget only)",
            hint="run it with --backend local, or leave the option out",
        )


def _started(started: Any) -> str:
    data = started.to_json()
    where = data.get("run_url") or data.get("worktree") or "?"
    lines = [f"{data['worker_id']}: issue #{data['issue']}, attempt {data['attempt']} -> {where}"]
    lines += [f"  note: {n}" for n in data.get("notes", [])]
    return "\n".join(lines)


def _route(name: str, callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def routed(*args: Any, backend: str | None, **kw: Any) -> Any:
        chosen = backend or _configured(kw.get("cwd", Path(".")))
        if name == "run":  # one loop for every backend (src/review_gate/dispatch/run.py)
            if chosen != "local":
                _refuse_local_only(name, kw)
            return callback(*args, backend=chosen, **kw)
        if chosen == "local":
            return callback(*args, **kw)
        cwd = kw.get("cwd", Path("."))
        return _remote(name, lambda: _backend(chosen, cwd), kw)

    return routed


def _backend_option() -> click.Option:
    return click.Option(
        ["--backend"],
        type=click.Choice(BACKEND_NAMES),
        default=None,
        help="Where workers run: local worktrees, or one GitHub Actions run each "
        "(default: dispatch_backend in the configuration, else local).",
    )


@click.command(short_help="Print a worker's log.")
@click.option("--issue", callback=issue_number, metavar="N", required=True,
              help="The issue (7 or #7).")  # fmt: skip
@click.option("--backend", type=click.Choice(BACKEND_NAMES), default=None,
              help="Where the worker ran (default: dispatch_backend, else local).")  # fmt: skip
@click.option("-f", "--follow", is_flag=True,
              help="Local workers: keep printing what it writes until it ends (or Ctrl-C); "
              "json: one {issue, worker_id, text} object per chunk.")  # fmt: skip
@cwd_option("Run as if started in DIR (the main checkout or any worktree).", "DIR")
@format_option()
def logs(issue: int, backend: str | None, follow: bool, cwd: Path, fmt: str) -> int:
    """Print the log of issue N's current worker: its log file here, or its GitHub
    Actions run's log archive."""
    if follow:  # src/review_gate/cli/dispatch_log.py
        from review_gate.cli.dispatch_log import follow_worker_log

        return follow_worker_log(cwd, issue, backend or _configured(cwd), fmt)
    worker_log = _backend(backend or _configured(cwd), cwd).log(issue)
    if fmt == "json":
        _echo_json(worker_log.to_json())
    else:
        click.echo(worker_log.text, nl=not worker_log.text.endswith("\n"))
    return EXIT_PASS


def extend(group: click.Group) -> None:
    """Add ``--backend`` to the dispatch commands, and the ``logs`` and ``worker``
    commands (called once, at the end of :mod:`review_gate.cli.dispatch`)."""
    from review_gate.cli.dispatch_worker import worker

    for name in _ROUTED:
        command = group.commands.get(name)
        if command is None or command.callback is None:
            continue
        if any(p.name == "backend" for p in command.params):
            continue
        command.params.append(_backend_option())
        command.callback = _route(name, command.callback)
    group.add_command(logs)
    group.add_command(worker)
