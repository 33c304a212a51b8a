"""Agent kinds: how to start Claude Code, Codex, or any command as a worker.

Each kind turns a :class:`Launch` into an argv (a list, never a shell string) and says
whether the prompt goes on stdin. Kinds are plain classes looked up in :data:`AGENTS`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path
from typing import NamedTuple

from review_gate.dispatch import roles
from review_gate.errors import UsageError

# Tools a standard worker may use (the standard worker of docs/dispatch.md).
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
    role: str = "implement"  # implement | review | research (dispatch/roles.py)
    review_commands: tuple[str, ...] = roles.DEFAULT_REVIEW_COMMANDS  # a reviewer's tests
    max_turns: int | None = None  # Claude Code's --max-turns (dispatch/budget.py)


class Command(NamedTuple):
    argv: tuple[str, ...]
    stdin_prompt: bool  # feed the prompt file on stdin


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_program(word: str, *, path: str | None, cwd: Path) -> str | None:
    """The program ``word`` names, as the worker would start it: a word with a ``/`` is
    a path (relative ones taken from ``cwd``, the directory ``gate`` was run from), any
    other word is looked up on ``path``. None when it is missing or not executable."""
    if "/" in word:
        full = os.path.normpath(os.path.join(cwd, os.path.expanduser(word)))
        return full if _executable(full) else None
    return shutil.which(word, path=path)


def _interpreter_problem(program: str, path: str | None) -> str | None:
    """What is wrong with a script's ``#!`` line, if anything: the kernel reports a
    missing interpreter as the script itself missing."""
    try:
        with open(program, "rb") as f:
            head = f.read(256)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None
    words = head[2:].split(b"\n", 1)[0].split()
    if not words:
        return "its #! line names no interpreter"
    interpreter = os.fsdecode(words[0])
    if not _executable(interpreter):
        return f"its #! interpreter {interpreter} is not an executable file"
    # `#!/usr/bin/env NAME` (or `env -S NAME ...`): NAME is looked up on the PATH.
    rest = [os.fsdecode(w) for w in words[1:] if not w.startswith(b"-")]
    via_env = os.path.basename(interpreter) == "env" and rest and "=" not in rest[0]
    if via_env and shutil.which(rest[0], path=path) is None:
        return f"its #! line runs {rest[0]}, which is not on PATH"
    return None


def check_program(program: str, *, what: str, path: str | None) -> None:
    """Raise a usage error when the found ``program`` could still not be executed."""
    problem = _interpreter_problem(program, path)
    if problem:
        raise UsageError(
            f"{what} {program} cannot run: {problem}",
            hint="fix the script's #! line, or name its interpreter first in the command",
        )


def _binary(env_var: str, name: str, *, path: str | None, cwd: Path) -> str:
    configured = os.environ.get(env_var)
    if configured:
        found = find_program(configured, path=path, cwd=cwd)
        if found is None:
            raise UsageError(
                f"{env_var}={configured} is not an executable file",
                hint=f"point {env_var} at the {name} program, or unset it to use PATH",
            )
        check_program(found, what=f"{env_var}:", path=path)
        return found
    found = shutil.which(name, path=path)
    if not found:
        raise UsageError(
            f"cannot find the {name} command on PATH",
            hint=f"install it, put it on PATH, set {env_var}=/path/to/{name}, "
            "or pass --agent-cmd TEMPLATE",
        )
    check_program(found, what="the agent", path=path)
    return found


class Claude:
    name = "claude"
    env_var = "REVIEW_GATE_CLAUDE"

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary

    def prepare(self, *, path: str | None, cwd: Path) -> Claude:
        return Claude(_binary(self.env_var, self.name, path=path, cwd=cwd))

    def command(self, launch: Launch) -> Command:
        binary = self.binary or self.prepare(path=None, cwd=Path.cwd()).binary or self.name
        scope = roles.claude_args(launch.role, launch.review_commands)  # the role's tools
        tail = (*scope, *max_turns_args(launch.max_turns), "--output-format", "stream-json",
                "--verbose")  # fmt: skip
        if len(launch.prompt.encode()) > _MAX_ARG:
            return Command((binary, "-p", *launch.extra_args, *tail), True)
        return Command((binary, "-p", launch.prompt, *launch.extra_args, *tail), False)


def max_turns_args(turns: int | None) -> tuple[str, ...]:
    """Claude Code's ``--max-turns N`` (the worker's budget), or nothing."""
    return () if turns is None else ("--max-turns", str(turns))


class Codex:
    name = "codex"
    env_var = "REVIEW_GATE_CODEX"

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary

    def prepare(self, *, path: str | None, cwd: Path) -> Codex:
        return Codex(_binary(self.env_var, self.name, path=path, cwd=cwd))

    def command(self, launch: Launch) -> Command:
        binary = self.binary or self.prepare(path=None, cwd=Path.cwd()).binary or self.name
        head = (binary, "exec", "--json", *launch.extra_args)
        if len(launch.prompt.encode()) > _MAX_ARG:
            return Command((*head, "-"), True)
        return Command((*head, launch.prompt), False)


PLACEHOLDERS = ("prompt_file", "issue", "worktree", "worker_id")
# `{name}` is a placeholder, `{{name}}` a literal `{name}`; other braces (JSON, `${x}`
# after a `$`) are left alone.
_PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _known() -> str:
    return ", ".join("{" + p + "}" for p in PLACEHOLDERS)


class Custom:
    """``--agent-cmd``: a template split as a shell would split it, then filled in."""

    name = "custom"

    def __init__(self, template: str, program: str | None = None) -> None:
        try:
            self.words = shlex.split(template)
        except ValueError as exc:
            raise UsageError(f"--agent-cmd: cannot split {template!r}: {exc}") from None
        if not self.words:
            raise UsageError(
                "--agent-cmd is empty", hint="e.g. --agent-cmd 'my-agent {prompt_file}'"
            )
        self.template = template
        self.program = program  # argv[0] once found (an absolute path for a relative one)
        for word in self.words:
            for match in _PLACEHOLDER.finditer(word):
                name = match.group(2)
                if name is not None and name not in PLACEHOLDERS:
                    raise UsageError(
                        f"--agent-cmd: unknown placeholder {{{name}}}; known: {_known()}",
                        hint=f"write {{{{{name}}}}} for a literal {{{name}}}",
                    )

    def prepare(self, *, path: str | None, cwd: Path) -> Custom:
        """Check that the program can be started (when argv[0] has no placeholder)."""
        word = self.words[0]
        if any(m.group(2) for m in _PLACEHOLDER.finditer(word)):
            return self  # known only once the worktree exists; a failure then is caught
        literal = _fill(word, {})
        found = find_program(literal, path=path, cwd=cwd)
        if found is None:
            where = "no such file" if "/" in literal else "not on PATH"
            if "/" in literal and os.path.exists(os.path.join(cwd, literal)):
                where = "not an executable file"
            raise UsageError(
                f"agent command not found: {literal} ({where})",
                hint="check --agent-cmd: the first word must be a program on PATH or a path "
                "to an executable",
            )
        check_program(found, what="agent command", path=path)
        return Custom(self.template, found if "/" in literal else literal)

    def command(self, launch: Launch) -> Command:
        values = {
            "prompt_file": str(launch.prompt_file),
            "issue": str(launch.issue),
            "worktree": str(launch.worktree),
            "worker_id": launch.worker_id,
        }
        argv = [_fill(word, values) for word in self.words]
        if self.program is not None:
            argv[0] = self.program
        return Command(tuple(argv), False)


def _fill(word: str, values: dict[str, str]) -> str:
    # One pass, so a value holding `{issue}` (a path, say) is never filled in again.
    def sub(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return "{" + match.group(1) + "}"
        return values.get(match.group(2), match.group(0))

    return _PLACEHOLDER.sub(sub, word)


Agent = Claude | Codex | Custom
AGENTS: dict[str, type[Claude] | type[Codex]] = {"claude": Claude, "codex": Codex}


def resolve(agent: str, agent_cmd: str | None) -> Agent:
    """The agent kind for ``--agent`` / ``--agent-cmd`` (its template checked)."""
    if agent_cmd is not None:
        return Custom(agent_cmd)
    if agent not in AGENTS:
        raise UsageError(f"unknown agent {agent!r}; use one of {', '.join(AGENTS)}, or --agent-cmd")
    return AGENTS[agent]()


def prepare(agent: Agent, *, path: str | None, cwd: Path) -> Agent:
    """``agent`` with its program found and checked, before anything is claimed or
    created: a missing or non-executable program is a usage error (exit 2)."""
    return agent.prepare(path=path, cwd=cwd)
