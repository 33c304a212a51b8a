"""One fleet, many orchestrators: the ``gate dispatch run`` loops of a repository.

Several loops may work on one queue (two terminals, a cron job beside a human); they join
as peers, and these rules keep them from stepping on each other (issue 15):

- **Turns.** A loop makes its decisions — read the queue, release, claim, start — while
  holding the repository's dispatch lock (``flock`` on ``<state>/dispatch.lock``), and so
  does ``gate dispatch spawn``. Loops of one host therefore never act on a stale view of
  each other: what one counted is still true when it claims. The lock goes with the
  process (``kill -9`` included).
- **Ownership.** Every claim a loop posts names it (``"orchestration": "run-..."``). A
  loop refreshes, stops and releases only the claims it owns — its own, a hand-started
  worker's (no orchestration) and those of a loop that is provably gone (its record on
  this host names a process that no longer runs), which it adopts. A live peer's claims
  are left to that peer; a claim from another host is left alone unless its lease is
  provably dead *and* stale (the lease rules of :mod:`.lease`).
- **Slots.** Counted from the tracker, for the queue: every active claim whose lease
  holds takes a slot, whoever posted it — the same count every loop sees.

Each loop is registered in ``<state>/orchestrators/<id>.json`` (pid, start time, boot id,
queue) while it runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from review_gate.dispatch import procs
from review_gate.dispatch.registry import now, rfc3339, write_json_atomic
from review_gate.errors import GateError

_held = 0  # depth of this process's hold on the lock (spawn inside a loop's turn)


@contextlib.contextmanager
def turn(state: Path) -> Iterator[None]:
    """Hold the repository's dispatch lock (re-entrant within one process)."""
    global _held
    if _held:
        _held += 1
        try:
            yield
        finally:
            _held -= 1
        return
    path = state / "dispatch.lock"
    try:
        state.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise GateError(
            f"cannot open the dispatch lock {path}: {exc.strerror or exc}",
            hint="the dispatcher keeps its lock, pid records and logs in the git directory; "
            "it must be writable",
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _held = 1
        try:
            yield
        finally:
            _held = 0
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@dataclasses.dataclass(frozen=True)
class Orchestrator:
    """A registered ``gate dispatch run`` loop."""

    id: str
    pid: int
    start_time: int | None
    boot_id: str
    host: str
    started_at: str
    queue: str
    max_workers: int

    @property
    def alive(self) -> bool:
        return procs.is_alive(self.pid, self.start_time, self.boot_id)

    def describe(self) -> str:
        return f"{self.id} (pid {self.pid}, since {self.started_at}, queue {self.queue})"


def new_id() -> str:
    """``run-<epoch>-<random>``: unique across loops, repositories and hosts."""
    return f"run-{int(time.time())}-{secrets.token_hex(3)}"


def _folder(state: Path) -> Path:
    path = state / "orchestrators"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _load(path: Path) -> Orchestrator | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        fields = {f.name for f in dataclasses.fields(Orchestrator)}
        return Orchestrator(**{k: v for k, v in data.items() if k in fields})
    except (OSError, ValueError, TypeError):
        return None


def load(state: Path, orchestration: str) -> Orchestrator | None:
    if "/" in orchestration or orchestration.startswith("."):
        return None
    return _load(_folder(state) / f"{orchestration}.json")


def registered(state: Path) -> list[Orchestrator]:
    """Every readable record, oldest first."""
    found = [o for o in map(_load, sorted(_folder(state).glob("run-*.json"))) if o is not None]
    return sorted(found, key=lambda o: (o.started_at, o.id))


def register(state: Path, host: str, queue: str, max_workers: int) -> Orchestrator:
    """Record this process as a loop; records of loops that are gone are dropped."""
    for old in registered(state):
        if old.host == host and not old.alive:
            unregister(state, old)
    me = Orchestrator(
        id=new_id(),
        pid=os.getpid(),
        start_time=procs.start_time(os.getpid()),
        boot_id=procs.boot_id(),
        host=host,
        started_at=rfc3339(now()),
        queue=queue,
        max_workers=max_workers,
    )
    write_json_atomic(_folder(state) / f"{me.id}.json", dataclasses.asdict(me))
    return me


def unregister(state: Path, orchestrator: Orchestrator) -> None:
    (_folder(state) / f"{orchestrator.id}.json").unlink(missing_ok=True)


def peers(state: Path, me: Orchestrator) -> list[Orchestrator]:
    """The other loops of this repository running on this host."""
    return [o for o in registered(state) if o.id != me.id and o.host == me.host and o.alive]


def running(state: Path, orchestration: str) -> Orchestrator | None:
    """The loop ``orchestration`` when it provably runs on this host, else None (it
    ended, was killed, or never ran here)."""
    found = load(state, orchestration)
    return found if found is not None and found.alive else None
