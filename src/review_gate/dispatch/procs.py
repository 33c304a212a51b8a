"""The process table, read from ``/proc``: is a worker alive, which processes are its own.

A pid alone is not an identity: after a worker exits the kernel may hand its pid to an
unrelated process. A worker is therefore named by ``(pid, start time)`` — field 22 of
``/proc/<pid>/stat``, in clock ticks since boot — plus the boot id, so neither a reused
pid nor a reboot is mistaken for the worker (issue 6: "a reused pid is not mistaken").
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

_PROC = Path("/proc")
MARKER_VAR = "REVIEW_GATE_WORKER_ID"


class ProcInfo(NamedTuple):
    pid: int
    state: str  # R, S, D, Z, T, ...
    pgid: int
    sid: int
    start_time: int  # clock ticks since boot


def boot_id() -> str:
    """This boot's random id (empty when the kernel does not say)."""
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def proc_info(pid: int) -> ProcInfo | None:
    """The process ``pid`` as ``/proc`` describes it, or None when there is none."""
    if pid <= 0:
        return None
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except (OSError, ValueError):
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    rest = raw[raw.rfind(")") + 2 :].split()
    try:
        return ProcInfo(pid, rest[0], int(rest[2]), int(rest[3]), int(rest[19]))
    except (IndexError, ValueError):
        return None


def start_time(pid: int) -> int | None:
    info = proc_info(pid)
    return info.start_time if info else None


def is_alive(pid: int, started: int | None, boot: str | None = None) -> bool:
    """True when ``pid`` runs and is the same process that started at ``started``.

    A zombie counts as gone (it has exited; only its parent has not read its status).
    """
    if boot and boot != boot_id():
        return False
    info = proc_info(pid)
    if info is None or info.state in ("Z", "X"):
        return False
    return started is None or info.start_time == started


def _all_pids() -> Iterable[int]:
    try:
        names = os.listdir(_PROC)
    except OSError:
        return ()
    return (int(n) for n in names if n.isdigit())


def marker_table(pgid: int | None = None) -> dict[str, list[int]]:
    """``{worker id: [pids]}`` of every live process carrying a worker marker.

    A process belongs to a worker when its environment has
    ``REVIEW_GATE_WORKER_ID=<worker id>``: every process the agent starts inherits it,
    including ones that left the process group with ``setsid``. One pass over the
    process table serves any number of workers. ``pgid`` limits it to one group.
    """
    prefix = f"{MARKER_VAR}=".encode()
    table: dict[str, list[int]] = {}
    me = os.getpid()
    for pid in _all_pids():
        if pid == me:
            continue
        info = proc_info(pid)
        if info is None or info.state in ("Z", "X"):
            continue
        if pgid is not None and info.pgid != pgid:
            continue
        try:
            data = (_PROC / str(pid) / "environ").read_bytes()
        except OSError:
            continue
        for entry in data.split(b"\0"):
            if entry.startswith(prefix):
                key = entry[len(prefix) :].decode("utf-8", "replace")
                table.setdefault(key, []).append(pid)
                break
    return table


def worker_processes(worker_id: str, pgid: int | None = None) -> list[int]:
    """Live processes that belong to worker ``worker_id`` (see :func:`marker_table`)."""
    return marker_table(pgid).get(worker_id, [])


def _signal_all(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def terminate(
    worker_id: str,
    pid: int | None,
    started: int | None,
    *,
    grace: float = 10.0,
    poll: float = 0.05,
) -> tuple[int, bool]:
    """Stop a worker: SIGTERM to its process group (and to any of its processes that
    left the group), wait up to ``grace`` seconds, then SIGKILL what is left.

    Returns ``(processes signalled, killed with SIGKILL)``. The group is signalled only
    while its leader is provably the worker (pid and start time) or while members carry
    the worker's marker, so a reused pid's group is never hit.
    """
    leader_alive = pid is not None and is_alive(pid, started)
    targets = set(worker_processes(worker_id))
    if not leader_alive and not targets:
        return 0, False
    count = len(targets | ({pid} if leader_alive and pid is not None else set()))
    if leader_alive and pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
    _signal_all(targets, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        _reap(pid)
        if not (pid is not None and is_alive(pid, started)) and not worker_processes(worker_id):
            return count, False
        time.sleep(poll)
    if pid is not None and is_alive(pid, started):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    _signal_all(worker_processes(worker_id), signal.SIGKILL)
    # SIGKILL cannot be ignored; give the kernel a moment to tear the processes down.
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        _reap(pid)
        if not (pid is not None and is_alive(pid, started)) and not worker_processes(worker_id):
            break
        time.sleep(poll)
    return count, True


def _reap(pid: int | None) -> None:
    # When this process is the worker's parent (``gate dispatch run``), collect its exit
    # status so it does not linger as a zombie.
    if pid is None:
        return
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
