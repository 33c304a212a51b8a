"""The process table, read from ``/proc``: is a worker alive, which processes are its own.

A pid alone is not an identity: after a worker exits the kernel may hand its pid to an
unrelated process. A worker is therefore named by ``(pid, start time)`` — field 22 of
``/proc/<pid>/stat``, in clock ticks since boot — plus the boot id, so neither a reused
pid nor a reboot is mistaken for the worker (issue 6: "a reused pid is not mistaken").

Which processes belong to a worker (a :class:`Scope`), any of (issue 15):

1. its agent, the leader of the worker's process group, while ``(pid, start time)``
   still match, and every descendant of it;
2. every descendant of its supervisor (``_supervise.py``), again by ``(pid, start
   time)``. The supervisor makes itself a *child subreaper* (``PR_SET_CHILD_SUBREAPER``),
   so a process that leaves the agent's group and session (``setsid``), clears its
   environment and loses its parent (a double fork) is handed to the supervisor rather
   than to init, and stays in this tree;
3. a process carrying both the worker's id (``REVIEW_GATE_WORKER_ID``) *and* its
   worktree (``REVIEW_GATE_WORKTREE``) in its environment (the way back to a process
   whose supervisor was killed). Worker ids are unique, but the id alone never
   matches: another repository may run a worker of the same issue number.
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
WORKTREE_VAR = "REVIEW_GATE_WORKTREE"
_GONE = ("Z", "X")


class ProcInfo(NamedTuple):
    pid: int
    state: str  # R, S, D, Z, T, ...
    pgid: int
    sid: int
    start_time: int  # clock ticks since boot
    ppid: int = 0


class Scope(NamedTuple):
    """What ties processes to one worker (see the module docstring)."""

    worker_id: str
    worktree: str | None = None  # no worktree: the environment never matches
    pid: int | None = None  # the agent, leader of the worker's process group
    start_time: int | None = None
    supervisor: int | None = None
    supervisor_start: int | None = None
    boot_id: str | None = None


def boot_id() -> str:
    """This boot's random id (empty when the kernel does not say)."""
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _parse_stat(pid: int, raw: str) -> ProcInfo | None:
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    rest = raw[raw.rfind(")") + 2 :].split()
    try:
        return ProcInfo(pid, rest[0], int(rest[2]), int(rest[3]), int(rest[19]), int(rest[1]))
    except (IndexError, ValueError):
        return None


def proc_info(pid: int) -> ProcInfo | None:
    """The process ``pid`` as ``/proc`` describes it, or None when there is none."""
    if pid <= 0:
        return None
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except (OSError, ValueError):
        return None
    return _parse_stat(pid, raw)


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
    if info is None or info.state in _GONE:
        return False
    return started is None or info.start_time == started


def _all_pids() -> Iterable[int]:
    try:
        names = os.listdir(_PROC)
    except OSError:
        return ()
    return (int(n) for n in names if n.isdigit())


def _same_dir(a: str, b: str) -> bool:
    return a == b or os.path.realpath(a) == os.path.realpath(b)


def _inside(pid: int, directory: str) -> bool:
    try:
        cwd = os.readlink(_PROC / str(pid) / "cwd")
    except OSError:
        return False
    root = os.path.realpath(directory)
    return cwd == root or cwd.startswith(root.rstrip(os.sep) + os.sep)


class ProcessTable:
    """One pass over ``/proc``: every live process, its parent, and the worker markers
    it carries. Any number of workers are then matched against it."""

    def __init__(self) -> None:
        self.boot = boot_id()
        self.info: dict[int, ProcInfo] = {}
        self.children: dict[int, list[int]] = {}
        # worker id -> [(pid, worktree from the environment or None)]
        self.tagged: dict[str, list[tuple[int, str | None]]] = {}
        me = os.getpid()
        marker = f"{MARKER_VAR}=".encode()
        worktree = f"{WORKTREE_VAR}=".encode()
        for pid in _all_pids():
            info = proc_info(pid)
            if info is None or info.state in _GONE:
                continue
            self.info[pid] = info
            self.children.setdefault(info.ppid, []).append(pid)
            if pid == me:
                continue
            try:
                data = (_PROC / str(pid) / "environ").read_bytes()
            except OSError:
                continue
            if marker not in data:
                continue
            wid: str | None = None
            where: str | None = None
            for entry in data.split(b"\0"):
                if entry.startswith(marker):
                    wid = entry[len(marker) :].decode("utf-8", "replace")
                elif entry.startswith(worktree):
                    where = entry[len(worktree) :].decode("utf-8", "replace")
            if wid:
                self.tagged.setdefault(wid, []).append((pid, where))

    def verified(self, pid: int | None, started: int | None) -> bool:
        """``pid`` is alive and is the process that started at ``started``."""
        if pid is None:
            return False
        info = self.info.get(pid)
        return info is not None and (started is None or info.start_time == started)

    def descendants(self, pid: int) -> set[int]:
        found: set[int] = set()
        todo = list(self.children.get(pid, ()))
        while todo:
            child = todo.pop()
            if child in found:
                continue
            found.add(child)
            todo.extend(self.children.get(child, ()))
        return found

    def members(self, scope: Scope) -> tuple[int, ...]:
        """The live processes of the worker ``scope`` describes (never its supervisor,
        never this process)."""
        found: set[int] = set()
        if not scope.boot_id or scope.boot_id == self.boot:
            if scope.pid is not None and self.verified(scope.pid, scope.start_time):
                found.add(scope.pid)
                found |= self.descendants(scope.pid)
            if scope.supervisor is not None and self.verified(
                scope.supervisor, scope.supervisor_start
            ):
                found |= self.descendants(scope.supervisor)
        if scope.worktree:
            for pid, where in self.tagged.get(scope.worker_id, ()):
                if where is not None:
                    if _same_dir(where, scope.worktree):
                        found.add(pid)
                elif _inside(pid, scope.worktree):  # started before the worktree variable
                    found.add(pid)
        found.discard(os.getpid())
        if scope.supervisor is not None:
            found.discard(scope.supervisor)
        return tuple(sorted(found))

    def leader(self, scope: Scope) -> int | None:
        """The worker's process-group leader, while it is provably the agent."""
        if scope.pid is not None and self.verified(scope.pid, scope.start_time):
            return scope.pid
        return None


def marker_table() -> dict[str, list[int]]:
    """``{worker id: [pids]}`` of every live process carrying a worker marker (any
    repository: for tests and diagnostics, never to pick processes to signal)."""
    table = ProcessTable()
    return {wid: [pid for pid, _ in entries] for wid, entries in table.tagged.items()}


def worker_processes(target: Scope | str) -> list[int]:
    """Live processes of the worker ``target`` describes. A bare worker id lists every
    process carrying it, in any repository: a diagnostic (tests, a job's own worker),
    never a way to pick processes to signal."""
    table = ProcessTable()
    if isinstance(target, str):
        return sorted(pid for pid, _ in table.tagged.get(target, ()))
    return list(table.members(target))


def _signal_all(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _signal(scope: Scope, sig: signal.Signals) -> list[int]:
    """Send ``sig`` to the worker's group (while its leader is the agent) and to every
    member; returns the members seen."""
    table = ProcessTable()
    leader = table.leader(scope)
    members = table.members(scope)
    if leader is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(leader, sig)
    _signal_all(members, sig)
    return list(members)


def terminate(
    scope: Scope | str,
    pid: int | None = None,
    started: int | None = None,
    *,
    grace: float = 10.0,
    poll: float = 0.1,
) -> tuple[int, bool]:
    """Stop a worker: SIGTERM to its process group and to every other process of it
    (:meth:`ProcessTable.members`), wait up to ``grace`` seconds, then SIGKILL what is
    left, looking again each time (a process may fork while it is being stopped).

    Returns ``(processes signalled, killed with SIGKILL)``. The group is signalled only
    while its leader is provably the agent, so a reused pid's group is never hit. The
    older form ``terminate(worker_id, pid, started)`` knows no worktree and no
    supervisor: it reaches the group and the agent's descendants only.
    """
    if isinstance(scope, str):
        scope = Scope(scope, pid=pid, start_time=started)
    seen = set(_signal(scope, signal.SIGTERM))
    if not seen:
        return 0, False
    deadline = time.monotonic() + grace
    while True:
        _reap(scope.pid)
        left = worker_processes(scope)
        seen |= set(left)
        if not left:
            return len(seen), False
        if time.monotonic() >= deadline:
            break
        time.sleep(poll)
    # SIGKILL cannot be ignored; give the kernel a moment to tear the processes down,
    # and catch what forked meanwhile.
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        left = _signal(scope, signal.SIGKILL)
        seen |= set(left)
        _reap(scope.pid)
        if not left:
            break
        time.sleep(poll)
    return len(seen), True


def _reap(pid: int | None) -> None:
    # When this process is the agent's parent, collect its exit status so it does not
    # linger as a zombie (the supervisor normally is the parent, and reaps it itself).
    if pid is None:
        return
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
