"""The worker's supervisor: start the agent, report its pid, record when it exits.

``spawn`` runs this file as ``python -I -S _supervise.py`` (standard library only, so it
starts in milliseconds) in a session of its own, writes one JSON line on its stdin
(argv, cwd, env, log, stdin file, exit file) and reads one line back: ``{"pid": N}``
once the agent runs, or ``{"error": ..., "errno": N}`` when it cannot be started.

The agent gets a session and process group of its own, as before: ``stop`` signals
that group and never this process, which stays to record the agent's end in the exit
file (``exited_at``, ``runtime``, ``returncode``, negative for a signal). Nobody else
could: ``gate dispatch spawn`` has exited by then, and a dead process leaves no trace in
``/proc``. Without this file (the supervisor was killed) status falls back to the log's
last write.

Before starting the agent the supervisor makes itself a child subreaper
(``prctl(PR_SET_CHILD_SUBREAPER)``, Linux): a process of the agent that leaves its group
and session and loses its parent is handed to this process instead of init, so it stays
in the supervisor's process tree, where ``stop`` finds it even with its environment
cleared (issue 15). The supervisor therefore stays until the last such process has
ended, reaping each; the exit record is written when the agent itself ends.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any


def _now() -> str:
    moment = datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _reply(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def _write_atomic(path: str, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".exit.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _subreaper() -> None:
    """Adopt the agent's orphans (Linux >= 3.4); elsewhere ``stop`` still has the
    process group and the environment markers."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reply_safely(data: dict[str, Any]) -> None:
    # The dispatcher may be gone (kill -9 right after it started us): the agent runs
    # anyway, so its exit must still be recorded.
    with contextlib.suppress(OSError, ValueError):
        _reply(data)


def main() -> int:
    # Own session already (no terminal, no SIGHUP); a stray Ctrl-C must not cost the record.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    line = sys.stdin.readline()
    if not line.strip():
        return 1  # the dispatcher died before saying what to start: nothing to do
    spec = json.loads(line)
    _subreaper()
    stdin_path = spec.get("stdin")
    try:
        with open(spec["log"], "ab") as out:
            stdin: Any = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL  # noqa: SIM115
            try:
                started = time.monotonic()
                started_at = _now()
                proc = subprocess.Popen(
                    spec["argv"],
                    cwd=spec["cwd"],
                    env=spec["env"],
                    stdin=stdin,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    close_fds=True,
                )
            finally:
                if stdin_path:
                    stdin.close()
    except OSError as exc:
        _reply_safely({"error": exc.strerror or str(exc), "errno": exc.errno})
        return 1
    _reply_safely({"pid": proc.pid})
    # Let go of the dispatcher's pipes: it may exit, and nothing more is said.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    # Reap every child: the agent, and each orphan of its tree handed to us.
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid != proc.pid:
            continue
        proc.returncode = os.waitstatus_to_exitcode(status)
        _write_atomic(
            spec["exit_file"],
            {
                "worker_id": spec.get("worker_id"),
                "pid": proc.pid,
                "started_at": started_at,
                "exited_at": _now(),
                "runtime": round(time.monotonic() - started, 3),
                "returncode": proc.returncode,
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
