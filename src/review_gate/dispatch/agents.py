"""Agent kinds: how to start Claude Code, Codex, or any command as a worker.

Each kind turns a :class:`Launch` into an argv (a list, never a shell string) and says
whether the prompt goes on stdin. Kinds are plain classes looked up in :data:`AGENTS`.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

from review_gate.errors import UsageError

# Tools a standard worker may use (seed 000, "Standard Worker").
CLAUDE_TOOLS = "Bash,Read,Edit,Write,Grep,Glob,WebFetch,WebSearch"
# One argv string may not exceed MAX_ARG_STRLEN (128 KiB on Linux): longer prompts go
# on stdin, which both CLIs read when the prompt argument is missing.
_MAX_ARG = 100_000


class Launch(NamedTuple):
    prompt: str
    prompt_file: Path
    issue: int
    worktree: Path
    worker_id: str
    extra_args: tuple[str, ...] = ()  # e.g. Codex's per-run hook trust


class Command(NamedTuple):
    argv: tuple[str, ...]
    stdin_prompt: bool  # feed the prompt file on stdin


class Agent(Protocol):
    name: str

    def command(self, launch: Launch) -> Command: ...


def _binary(env_var: str, name: str) -> str:
    configured = os.environ.get(env_var)
    found = configured or shutil.which(name)
    if not found:
        raise UsageError(
            f"cannot find the {name} command",
            hint=f"install it, put it on PATH, set {env_var}=/path/to/{name}, "
            "or pass --agent-cmd TEMPLATE",
        )
    return found


class Claude:
    name = "claude"

    def command(self, launch: Launch) -> Command:
        binary = _binary("REVIEW_GATE_CLAUDE", "claude")
        tail = ("--allowedTools", CLAUDE_TOOLS, "--output-format", "stream-json", "--verbose")
        if len(launch.prompt.encode()) > _MAX_ARG:
            return Command((binary, "-p", *launch.extra_args, *tail), True)
        return Command((binary, "-p", launch.prompt, *launch.extra_args, *tail), False)


class Codex:
    name = "codex"

    def command(self, launch: Launch) -> Command:
        binary = _binary("REVIEW_GATE_CODEX", "codex")
        head = (binary, "exec", "--json", *launch.extra_args)
        if len(launch.prompt.encode()) > _MAX_ARG:
            return Command((*head, "-"), True)
        return Command((*head, launch.prompt), False)


class Custom:
    """``--agent-cmd``: a template split as a shell would split it, then filled in."""

    name = "custom"

    def __init__(self, template: str) -> None:
        try:
            self.words = shlex.split(template)
        except ValueError as exc:
            raise UsageError(f"--agent-cmd: cannot split {template!r}: {exc}") from None
        if not self.words:
            raise UsageError("--agent-cmd is empty")

    def command(self, launch: Launch) -> Command:
        values = {
            "{prompt_file}": str(launch.prompt_file),
            "{issue}": str(launch.issue),
            "{worktree}": str(launch.worktree),
            "{worker_id}": launch.worker_id,
        }
        argv: list[str] = []
        for word in self.words:
            for key, value in values.items():
                word = word.replace(key, value)
            argv.append(word)
        return Command(tuple(argv), False)


AGENTS: dict[str, type[Claude] | type[Codex]] = {"claude": Claude, "codex": Codex}


def resolve(agent: str, agent_cmd: str | None) -> Agent:
    """The agent kind for ``--agent`` / ``--agent-cmd``."""
    if agent_cmd is not None:
        return Custom(agent_cmd)
    if agent not in AGENTS:
        raise UsageError(f"unknown agent {agent!r}; use one of {', '.join(AGENTS)}, or --agent-cmd")
    return AGENTS[agent]()


def describe(argv: Sequence[str]) -> str:
    """A shell-quoted rendering of ``argv`` for messages (long words cut)."""
    return " ".join(shlex.quote(w if len(w) <= 60 else w[:57] + "...") for w in argv)
