"""Ordered phases of ``gate dispatch run``: which issue waits for which.

An issue waits for another when

- the queue is ``--sequential``: each issue of ``--issues`` waits for the one before it;
- ``--after 11:10`` says so (11 waits for 10; repeatable, or a comma list
  ``11:10,12:11``);
- its body says ``blocked by #10`` or ``depends on #10`` (a line may name several:
  ``depends on #10, #11``); a closed issue outside the queue is done already.

An issue starts only when every issue it waits for is done *and* that issue's review
gate passes (the completion checkpoint, :mod:`.checkpoint`). A cycle, or a wait on an
issue outside the queue, is a usage error before anything is claimed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence

from review_gate.errors import UsageError

__all__ = ["Dependencies", "body_dependencies", "hold_back", "parse_after", "plan"]

Dependencies = dict[int, frozenset[int]]  # issue -> the issues it waits for

_BODY = re.compile(
    r"\b(?:blocked\s+by|depends\s+on)\s*:?\s*((?:#\d+)(?:\s*(?:,|and)?\s*#\d+)*)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"#(\d+)")


def body_dependencies(body: str | None) -> frozenset[int]:
    """The issues an issue body says it waits for (``blocked by #N``, ``depends on #N``)."""
    found: set[int] = set()
    for match in _BODY.finditer(body or ""):
        found.update(int(n) for n in _NUMBER.findall(match.group(1)))
    return frozenset(n for n in found if 0 < n < 10**9)


def parse_after(values: Iterable[str]) -> list[tuple[int, int]]:
    """``--after`` values (``11:10``, ``#11:#10``, comma lists) as (issue, waits for)."""
    pairs: list[tuple[int, int]] = []
    for value in values:
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            sides = [s.strip().removeprefix("#") for s in part.split(":")]
            if len(sides) != 2 or not all(s.isdigit() and 0 < int(s) < 10**9 for s in sides):
                raise UsageError(
                    f"--after takes ISSUE:WAITS_FOR pairs (11:10 = #11 waits for #10), "
                    f"got {part!r}",
                    hint="see `gate dispatch run --help`",
                )
            pairs.append((int(sides[0]), int(sides[1])))
    return pairs


def plan(
    queue: Sequence[int],
    *,
    sequential: bool = False,
    after: Sequence[tuple[int, int]] = (),
    bodies: Mapping[int, str | None] | None = None,
    closed: Collection[int] = (),
) -> Dependencies:
    """Every queued issue's waits, checked: a wait on an issue outside the queue, an
    issue waiting for itself, or a cycle is a UsageError. A body's wait on a ``closed``
    issue outside the queue is dropped (that issue is done)."""
    waits: dict[int, set[int]] = {n: set() for n in queue}
    sources: dict[tuple[int, int], str] = {}

    def add(issue: int, on: int, source: str) -> None:
        if issue not in waits:
            raise UsageError(
                f"{source}: #{issue} is not in the queue; nothing was started",
                hint="give it in --issues, or drop the dependency",
            )
        waits[issue].add(on)
        sources.setdefault((issue, on), source)

    if sequential:
        for before, issue in itertools.pairwise(queue):
            add(issue, before, "--sequential")
    for issue, on in after:
        add(issue, on, f"--after {issue}:{on}")
    for issue, body in (bodies or {}).items():
        for on in sorted(body_dependencies(body)):
            if on in closed and on not in waits:
                continue
            add(issue, on, f"#{issue}'s body (depends on / blocked by #{on})")
    for (issue, on), source in sources.items():
        if on == issue:
            raise UsageError(f"{source}: #{issue} cannot wait for itself; nothing was started")
        if on not in waits:
            raise UsageError(
                f"{source}: #{issue} waits for #{on}, which is not in the queue; "
                "nothing was started",
                hint=f"add #{on} to --issues (or the label), or drop the dependency",
            )
    cycle = _cycle(waits)
    if cycle:
        shown = " -> ".join(f"#{n}" for n in cycle)
        raise UsageError(
            f"the phases wait in a cycle: {shown} (each waits for the next); nothing was started",
            hint="drop one of the dependencies (--after, --sequential or an issue body)",
        )
    return {n: frozenset(w) for n, w in waits.items() if w}


def _cycle(waits: Mapping[int, set[int]]) -> list[int]:
    """One cycle of the wait graph as a closed path, or []."""
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(waits, white)
    path: list[int] = []

    def visit(node: int) -> list[int]:
        color[node] = grey
        path.append(node)
        for nxt in sorted(waits.get(node, ())):
            if color.get(nxt, black) == grey:
                return [*path[path.index(nxt) :], nxt]
            if color.get(nxt) == white:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        color[node] = black
        return []

    for node in sorted(waits):
        if color[node] == white:
            found = visit(node)
            if found:
                return found
    return []


_ENDED = ("blocked", "gave-up", "stopped", "skipped")


def hold_back(
    issue: int,
    waits: Mapping[int, frozenset[int]],
    phases: Mapping[int, str],
    failing: Iterable[int] = (),
) -> tuple[str, str] | None:
    """Whether ``issue`` may not start yet: None when every issue it waits for is done
    and passed its gate (``completed``; a closed issue counts as done), else
    ``("waiting", "waiting for #10 (gate not passed)")``, or ``("skipped", ...)`` when
    one of them ended without passing (blocked, given up, stopped, skipped)."""
    gate_failed = set(failing)
    waiting: list[str] = []
    for on in sorted(waits.get(issue, ())):
        phase = phases.get(on)
        if phase in ("completed", "closed"):
            continue
        if phase in _ENDED:
            return "skipped", f"not started: #{on}, which it waits for, ended {phase}"
        if on in gate_failed:
            why = "gate not passed"
        elif phase in ("running", "hung"):
            why = "running"
        elif phase is None:
            why = "not in the queue"
        elif phase == "want":
            why = "needs a worker"
        else:
            why = "not done"
        waiting.append(f"#{on} ({why})")
    return ("waiting", "waiting for " + ", ".join(waiting)) if waiting else None
