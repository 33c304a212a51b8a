"""One fleet, many orchestrators: the ``gate dispatch run`` loops of a repository.

Several loops may work on one queue (two terminals, a cron job beside a human); they join
as peers, and these rules keep them from stepping on each other (issue 15):

- **Turns.** A loop makes its decisions — read the queue, release, claim, start — while
  holding the repository's dispatch lock (``flock`` on ``<state>/dispatch.lock``), and so
  does ``gate dispatch spawn``. Loops of one host therefore never act on a stale view of
  each other: what one counted is still true when it claims. The lock goes with the
  process (``kill -9`` included).
- **Ownership.** Every claim a loop posts names it (``"orchestration": "orch-..."``). A
  loop refreshes, stops and releases only the claims it owns — its own, a hand-started
  worker's (no orchestration, or a standalone spawn's id, which no running loop has) and
  those of a loop that is provably gone (its record on
  this host names a process that no longer runs), which it adopts. A live peer's claims
  are left to that peer; a claim from another host is left alone unless its lease is
  provably dead *and* stale (the lease rules of :mod:`.lease`).
- **Slots.** Counted from the tracker, for the queue: every active claim whose lease
  holds takes a slot, whoever posted it — the same count every loop sees.

Each loop is registered in ``<state>/orchestrators/<id>.json`` (pid, start time, boot id,
queue) while it runs.

**Orchestration ids** (:func:`new_id`) are ``orch-<YYYYMMDD>-<n>-<4 hex digits>``: ``n``
counts 1, 2, ... per UTC day and repository (``<state>/orchestrations.json``, allocated
in the dispatch turn), so ids of one repository sort and read in order; the random
suffix keeps two hosts that share a tracker (and not a state directory) from ever
handing out the same id — checking the tracker instead would mean reading every
issue's claims, and would still race between hosts, which share no lock. Every ``run``
loop and every standalone ``gate dispatch spawn`` / ``replace`` has one. Ids of the
earlier form ``run-<epoch>-<random>`` stay valid everywhere an id is read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import fcntl
import json
import os
import re
import secrets
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


# An orchestration id: this form, or the earlier ``run-<epoch>-<random>``.
ID_PATTERN = re.compile(
    r"^(?:orch-(?P<day>[0-9]{8})-(?P<n>[0-9]+)(?:-[0-9a-f]+)?|run-[0-9]+-[0-9a-f]+)$"
)
_COUNTER = "orchestrations.json"


def new_id(state: Path | None = None) -> str:
    """A new orchestration id ``orch-<YYYYMMDD>-<n>-<random>`` (see the module docstring).

    ``n`` is allocated in the repository's dispatch turn from ``state``; without a state
    directory (a loop built by hand) it is 0 and only the random suffix tells ids apart.
    """
    day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    n = 0
    if state is not None:
        with turn(state):
            n = _allocate(state, day)
    return f"orch-{day}-{n}-{secrets.token_hex(2)}"


def _allocate(state: Path, day: str) -> int:
    """The next number of ``day`` (call in the turn): one more than the counter's and
    than any running loop's of that day (a counter file lost or damaged restarts from
    what is still known)."""
    path = state / _COUNTER
    last = 0
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("day") == day and isinstance(data.get("last"), int):
            last = data["last"]
    except (OSError, ValueError):
        pass
    for found in registered(state):
        match = ID_PATTERN.match(found.id)
        if match and match["day"] == day:
            last = max(last, int(match["n"]))
    write_json_atomic(path, {"day": day, "last": last + 1})
    return last + 1


def id_number(orchestration: str) -> tuple[str, int] | None:
    """``(day, n)`` of an ``orch-`` id; None for another form (``run-...``)."""
    match = ID_PATTERN.match(orchestration)
    if match is None or match["day"] is None:
        return None
    return match["day"], int(match["n"])


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
    folder = _folder(state)
    paths = sorted([*folder.glob("orch-*.json"), *folder.glob("run-*.json")])
    found = [o for o in map(_load, paths) if o is not None]
    return sorted(found, key=lambda o: (o.started_at, o.id))


def register(state: Path, host: str, queue: str, max_workers: int) -> Orchestrator:
    """Record this process as a loop; records of loops that are gone are dropped."""
    for old in registered(state):
        if old.host == host and not old.alive:
            unregister(state, old)
    me = Orchestrator(
        id=new_id(state),
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
