"""Start a worker's agent under its supervisor (:mod:`._supervise`), and reap supervisors.

The supervisor runs in a session of its own, starts the agent (argv, no shell) in another,
reports the agent's pid on its stdout and stays to record the agent's exit. This module
keeps the supervisors it started, so that a long-lived caller (``gate dispatch run``) can
reap them, and wake, as agents exit.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import select
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from review_gate.dispatch import agents, procs
from review_gate.errors import GateError, StartFailed

_SUPERVISOR = Path(__file__).with_name("_supervise.py")
_SUPERVISOR_TIMEOUT = 30.0

# Supervisors started by this process, by worker id (for `run`, which reaps them).
_PROCESSES: dict[str, subprocess.Popen[bytes]] = {}


class Started(NamedTuple):
    pid: int  # the agent
    supervisor: int
    supervisor_start: int | None


def start_agent(
    command: agents.Command, cwd: Path, env: dict[str, str], log: Path, prompt_file: Path,
    exit_file: Path, worker_id: str,
    on_supervisor: Callable[[int, int | None], None] | None = None,
) -> Started:  # fmt: skip
    """Start the agent under a supervisor; returns the agent's and the supervisor's pid.

    ``on_supervisor(pid, start_time)`` is called once the supervisor runs and before it
    is told what to start, so that a dispatcher killed at any later point leaves a
    record of the process tree its agent may be in.

    Raises :class:`StartFailed` when the agent cannot be executed, GateError when the
    supervisor does not answer.
    """
    spec = {
        "argv": list(command.argv),
        "cwd": str(cwd),
        "env": env,
        "log": str(log),
        "stdin": str(prompt_file) if command.stdin_prompt else None,
        "exit_file": str(exit_file),
        "worker_id": worker_id,
    }
    # The supervisor is no process of the worker: it must not carry anyone's marker.
    own_env = {k: v for k, v in os.environ.items() if k != procs.MARKER_VAR}
    with open(log, "ab") as err:
        supervisor = subprocess.Popen(
            [sys.executable, "-I", "-S", str(_SUPERVISOR)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env=own_env,
            start_new_session=True,
            close_fds=True,
        )
    assert supervisor.stdin is not None and supervisor.stdout is not None
    supervisor_start = procs.start_time(supervisor.pid)
    try:
        if on_supervisor is not None:
            on_supervisor(supervisor.pid, supervisor_start)
    except BaseException:
        with contextlib.suppress(OSError):
            supervisor.kill()
        supervisor.wait()
        raise
    try:
        supervisor.stdin.write(json.dumps(spec).encode() + b"\n")
        supervisor.stdin.close()
        ready, _, _ = select.select([supervisor.stdout], [], [], _SUPERVISOR_TIMEOUT)
        line = supervisor.stdout.readline() if ready else b""
    except OSError:
        line = b""
    finally:
        supervisor.stdout.close()
    try:
        reply = json.loads(line)
    except ValueError:
        reply = {}
    if isinstance(reply.get("pid"), int):
        # Kept so that a long-lived caller (`run`) can reap it, and wake, when the agent exits.
        _PROCESSES[worker_id] = supervisor
        return Started(int(reply["pid"]), supervisor.pid, supervisor_start)
    with contextlib.suppress(OSError):
        supervisor.kill()
    supervisor.wait()
    if "error" in reply:
        program = command.argv[0]
        why = str(reply["error"])
        found = shutil.which(program, path=env.get("PATH")) if "/" not in program else program
        if reply.get("errno") == errno.ENOENT and found and os.path.isfile(found):
            why = "its #! interpreter was not found"
        raise StartFailed(
            f"cannot start the agent {program}: {why}",
            hint="check the agent command; the claim was withdrawn (no attempt counted)",
        )
    raise GateError(f"the worker supervisor did not start the agent; see {log}")


def reap_children() -> list[str]:
    """Collect the exit status of finished children; returns their worker ids."""
    done = [wid for wid, proc in _PROCESSES.items() if proc.poll() is not None]
    for wid in done:
        del _PROCESSES[wid]
    return done
