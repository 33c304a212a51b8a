"""A worker's budget on disk, shared by the dispatcher and the agent hooks.

``gate dispatch spawn`` writes ``<git-common-dir>/review-gate/budgets/<worker_id>/
limits.json`` and gives the agent's client ``REVIEW_GATE_BUDGET=<that directory>``; the
hooks the client starts find it there (a tool call of the agent cannot change its
client's environment). In the directory:

- ``limits.json``: the limits (turns, minutes, tokens, cost_usd, soft), the worker, its
  issue, agent, log and start time (written by the dispatcher, read-only to the hooks);
- ``calls.<session>``: one byte appended per tool call by the PreToolUse hook (``O_APPEND``:
  concurrent hooks never lose a count); the count is the sum of these files' sizes, so a
  new session of the same worker does not start from zero;
- ``high-water``: one more byte per counted call, appended after the ``calls.*`` byte, so
  it never runs ahead of their sum: a sum below it means counters were deleted or
  truncated (``find .git -name 'calls.*' -delete``), which the hook treats as a spent
  budget, not a reset (:func:`count_call`). It sits with the counters, in the directory
  the hooks deny tool calls to name: deleting that directory as a whole takes
  ``limits.json`` with it, which the hook refuses to work without (every call denied),
  and it is not named ``calls.*``, so the obvious pattern misses it. Deleting both the counters and
  this file still starts the count over; the turns of the agent's JSON stream (below)
  and Claude Code's ``--max-turns`` still hold then;
- ``usage.json``: where the hook's incremental scan of the agent's JSON stream stands;
- ``warned`` / ``exhausted``: created once, when the soft threshold / the hard limit was
  first reached (the audit event is written then);
- ``stop-blocks``: one byte per Stop block sent because of the budget.

Why there: the directory is outside the worktree (``git clean``, ``git checkout``,
deleting the worktree's files leave it alone), keyed by worker id (a new session or a
restarted client keeps counting), next to the pid records the worker never writes. The
hooks deny tool calls that name it (docs/dispatch.md, "Budgets"). Standard library only:
the PreToolUse hook reads this on every tool call of a dispatched worker.
"""

from __future__ import annotations

import os
import stat
import time

from review_gate.dispatch.stream_usage import Record, Usage, scan
from review_gate.hooks.hook_input import loads

ENV_VAR = "REVIEW_GATE_BUDGET"
LIMITS = "limits.json"
USAGE = "usage.json"
WARNED = "warned"
EXHAUSTED = "exhausted"
HIGH_WATER = "high-water"
STOP_BLOCKS = "stop-blocks"
_CALLS = "calls."
#: The Level dimension of counters that went down (deleted or truncated).
TAMPERED = "tampered"
#: Budget dimensions, in the order they are shown.
DIMENSIONS = ("turns", "minutes", "tokens", "cost_usd")


class Limits(Record):
    """A worker's limits (None: no limit)."""

    __slots__ = ("cost_usd", "minutes", "soft", "tokens", "turns")
    turns: int  # default: the worker protocol's 100 turns
    minutes: float | None
    tokens: int | None
    cost_usd: float | None
    soft: float  # fraction of any limit at which a HANDOVER is asked for

    def __init__(
        self, turns: int = 100, minutes: float | None = None, tokens: int | None = None,
        cost_usd: float | None = None, soft: float = 0.85,
    ) -> None:  # fmt: skip
        self._set(turns=turns, minutes=minutes, tokens=tokens, cost_usd=cost_usd, soft=soft)


class Budget(Record):
    """One worker's budget as the hooks read it."""

    __slots__ = ("agent", "directory", "issue", "limits", "log", "started", "state", "worker_id")
    directory: str
    worker_id: str
    issue: int
    agent: str
    state: str  # the dispatcher's state directory (<git-common-dir>/review-gate)
    log: str
    started: float  # epoch seconds
    limits: Limits

    def __init__(
        self, directory: str, worker_id: str, issue: int, agent: str, state: str, log: str,
        started: float, limits: Limits,
    ) -> None:  # fmt: skip
        self._set(directory=directory, worker_id=worker_id, issue=issue, agent=agent,
                  state=state, log=log, started=started, limits=limits)  # fmt: skip


class Level(Record):
    """How far a budget is spent."""

    __slots__ = ("dimension", "limit", "state", "used")
    state: str  # ok | soft | exhausted
    dimension: str | None  # the dimension furthest spent ("context": the context filled up)
    used: float
    limit: float | None

    def __init__(self, state: str, dimension: str | None, used: float, limit: float | None) -> None:
        self._set(state=state, dimension=dimension, used=used, limit=limit)


def budget_dir(state: str | os.PathLike[str], worker_id: str) -> str:
    return os.path.join(os.fspath(state), "budgets", worker_id)


def _number(value: object, kind: type) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return kind(value)  # type: ignore[no-any-return]


def load(directory: str) -> Budget | None:
    """The budget in ``directory``; None when there is none (or it is unreadable)."""
    try:
        with open(os.path.join(directory, LIMITS), "rb") as f:
            data = loads(f.read())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    turns = _number(data.get("turns"), int) or Limits().turns
    soft = data.get("soft")
    soft = float(soft) if isinstance(soft, (int, float)) and 0 < soft <= 1 else Limits().soft
    limits = Limits(
        int(turns),
        _number(data.get("minutes"), float),
        _number(data.get("tokens"), int),  # type: ignore[arg-type]
        _number(data.get("cost_usd"), float),
        soft,
    )
    issue = data.get("issue")
    started = data.get("started")
    return Budget(
        directory,
        str(data.get("worker_id") or ""),
        issue if isinstance(issue, int) else 0,
        str(data.get("agent") or ""),
        str(data.get("state") or ""),
        str(data.get("log") or ""),
        float(started) if isinstance(started, (int, float)) else time.time(),
        limits,
    )


def write_json(path: str, data: dict[str, object]) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file, then a rename)."""
    import json

    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _append(path: str) -> None:
    """Append one byte to the regular file ``path`` (created when missing). Anything else
    there (a directory, a symlink, a FIFO) raises OSError: a counter is never reset by
    being replaced."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK
    fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        os.write(fd, b".")
    finally:
        os.close(fd)


def count_call(directory: str, session: str) -> tuple[int, int]:
    """Count one tool call of ``session``: ``(calls, high_water)``, the worker's calls so
    far (this one included) and the high-water mark. ``calls < high_water`` means counters
    went down: deleted or truncated. Raises OSError when a counter is not a regular file."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in session)[:100] or "unknown"
    _append(os.path.join(directory, _CALLS + safe))
    _append(os.path.join(directory, HIGH_WATER))  # after the count: it never runs ahead
    mark = high_water(directory)  # before the count: later calls only raise the sum
    return calls(directory, strict=True), mark


def high_water(directory: str) -> int:
    """The high-water mark of the count (0 when there is none yet). Raises OSError when it
    is not a regular file."""
    path = os.path.join(directory, HIGH_WATER)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return 0
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"{path} is not a regular file")
    return info.st_size


def calls(directory: str, *, strict: bool = False) -> int:
    """The tool calls the hooks counted for this worker, over all its sessions. With
    ``strict`` (the hooks), a counter that is not a regular file or a directory that
    cannot be read raises OSError; otherwise those count 0 (``status``)."""
    total = 0
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if not entry.name.startswith(_CALLS):
                    continue
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
                elif strict:
                    raise OSError(f"{entry.path} is not a regular file")
    except OSError:
        if strict:
            raise
        return 0
    return total


def stream_usage(budget: Budget, *, save: bool) -> Usage:
    """What the agent's JSON stream reports so far, continuing the saved scan."""
    path = os.path.join(budget.directory, USAGE)
    try:
        with open(path, "rb") as f:
            since = Usage.from_json(loads(f.read()))
    except (OSError, ValueError):
        since = Usage()
    usage = scan(budget.log, since) if budget.log else since
    if save and usage != since:
        try:  # noqa: SIM105 - contextlib costs the hook's start-up time
            write_json(path, usage.to_json())
        except OSError:
            pass
    return usage


def spent(
    budget: Budget, calls_made: int, usage: Usage, now: float | None = None
) -> dict[str, float | None]:
    """What was used of each dimension: turns are the larger of the hooks' count of tool
    calls and the stream's turns."""
    moment = time.time() if now is None else now
    return {
        "turns": max(calls_made, usage.turns),
        "minutes": max(0.0, (moment - budget.started) / 60),
        "tokens": usage.tokens,
        "cost_usd": usage.cost_usd,
    }


def level(limits: Limits, used: dict[str, float | None], *, exhausted_at_limit: bool) -> Level:
    """How far the budget is spent. A dimension is exhausted once ``used`` passed its
    limit; turns reach it only past the limit when ``exhausted_at_limit`` is false (the
    hook counts the call it is deciding on: call 100 of 100 still runs)."""
    entries: list[tuple[bool, float, str, float, float]] = []
    for name in DIMENSIONS:
        limit = getattr(limits, name)
        value = used.get(name)
        if limit is None or value is None:
            continue
        over = value >= limit if (name != "turns" or exhausted_at_limit) else value > limit
        entries.append((over, value / limit, name, float(value), float(limit)))
    if not entries:
        return Level("ok", None, 0.0, None)
    over, ratio, name, value, limit = max(entries)  # an exhausted one first, then the furthest
    state = "exhausted" if over else "soft" if ratio >= limits.soft else "ok"
    return Level(state, name, value, limit)


def mark_once(directory: str, name: str, text: str) -> bool:
    """Create marker ``name`` holding ``text``; False when it existed already."""
    try:
        fd = os.open(os.path.join(directory, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        os.write(fd, text.encode("utf-8", "replace"))
    finally:
        os.close(fd)
    return True


def marked(directory: str, name: str) -> bool:
    return os.path.exists(os.path.join(directory, name))


def describe(lv: Level) -> str:
    """``turns 86/100`` / ``minutes 52.0/60``."""
    if lv.dimension == "context":
        return "the context is full"
    if lv.dimension == TAMPERED:
        return (
            f"the budget counter was tampered with: {int(lv.used)} calls counted, "
            f"{int(lv.limit or 0)} before"
        )
    if lv.dimension is None or lv.limit is None:
        return "within budget"
    if lv.dimension == "turns" or lv.dimension == "tokens":
        return f"{lv.dimension} {int(lv.used)}/{int(lv.limit)}"
    if lv.dimension == "cost_usd":
        return f"cost ${lv.used:.2f}/${lv.limit:.2f}"
    return f"{lv.dimension} {lv.used:.1f}/{lv.limit:g}"
