"""Processes whose working directory is inside a directory (read from ``/proc/*/cwd``),
so ``gate dispatch cleanup`` never removes a worktree from under a shell, an editor's
build or an agent's child that outlived its group."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple


class Occupant(NamedTuple):
    pid: int
    name: str  # /proc/<pid>/comm
    cwd: str

    def describe(self) -> str:
        return f"pid {self.pid} ({self.name})"


def inside(directory: Path, proc: Path = Path("/proc")) -> list[Occupant]:
    """Every process (but this one) whose cwd is ``directory`` or below it. Only the
    processes whose cwd this user may read are seen (on most systems: this user's own;
    another user's are hidden by the kernel)."""
    root = os.path.realpath(directory)
    prefix = root.rstrip(os.sep) + os.sep
    found: list[Occupant] = []
    try:
        names = os.listdir(proc)
    except OSError:
        return []
    me = os.getpid()
    for name in names:
        if not name.isdigit() or int(name) == me:
            continue
        try:
            cwd = os.readlink(proc / name / "cwd")
        except OSError:  # gone meanwhile, a kernel thread, or not ours to read
            continue
        if cwd != root and not cwd.startswith(prefix):
            continue
        try:
            comm = (proc / name / "comm").read_text().strip()
        except OSError:
            comm = "?"
        found.append(Occupant(int(name), comm, cwd))
    return sorted(found)
