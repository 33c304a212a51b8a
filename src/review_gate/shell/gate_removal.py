"""Removing the gate: uninstalling it, its hooks, or starting an agent with hooks switched off.

- the package: ``pip``/``pip3``/``python -m pip``/``pipx``/``uv pip``/``uv tool`` uninstall
  (and ``uv``/``poetry``/``pdm remove``, ``pipenv uninstall``, ``conda remove``) of
  ``review-gate``; deleting the ``gate`` executable or its environment is a write to a
  protected path (:mod:`.writers`, judged against ``protected.own_installs()``);
- its hooks: ``gate uninstall ...``, ``python -m review_gate uninstall``,
  ``pre-commit uninstall``;
- an agent started without them: ``claude --bare``, ``--safe-mode``, ``--settings`` with
  ``disableAllHooks`` or ``allowManagedHooksOnly`` (inline, or in a file the hook reads),
  ``--setting-sources`` leaving out where hooks are installed, ``CLAUDE_CODE_SIMPLE=1`` /
  ``CLAUDE_CODE_SAFE_MODE=1`` in any position; ``codex --disable hooks``,
  ``-c features.hooks=false``, ``-c hooks...`` (replaces the trusted hooks),
  ``--ignore-user-config`` (drops their trust).
"""

from __future__ import annotations

from review_gate.shell import options as opts
from review_gate.shell.paths import AGENT_SETTINGS, Touch
from review_gate.shell.prefilter import words
from review_gate.shell.records import Findings
from review_gate.shell.words import DYN, Word

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Sequence

    from review_gate.shell.walker import Analyser

#: program -> the subcommand words that remove packages (``uv pip uninstall``).
_REMOVERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "pipx": (("uninstall",),),
    "uv": (("pip", "uninstall"), ("tool", "uninstall"), ("remove",)),
    "poetry": (("remove",),),
    "pdm": (("remove",),),
    "pipenv": (("uninstall",),),
    "conda": (("remove",), ("uninstall",)),
    "mamba": (("remove",), ("uninstall",)),
    "micromamba": (("remove",), ("uninstall",)),
}
_AGENT_VARS = words("CLAUDE_CODE_SIMPLE CLAUDE_CODE_SAFE_MODE")
_OFF = frozenset({"", "0", "false", "no", "off"})
_HOOKS_OFF = ("disableallhooks", "allowmanagedhookonly", "allowmanagedhooksonly")
_SOURCES = frozenset({"user", "project", "local"})


def _is_gate(package: str | None) -> bool:
    import re

    name = re.sub(r"[-_.]+", "-", (package or "").lower())
    return re.split(r"[<>=!~\[; @]", name, maxsplit=1)[0] == "review-gate"


def check(
    a: Analyser, text: str, name: str, args: Sequence[Word], assigns: Sequence[tuple[str, Word]]
) -> None:
    """Record every way ``name args`` (with ``assigns`` in its environment) removes the gate."""
    out = a.out
    assignments(text, assigns, out)
    values = [w.value for w in args]
    if name in ("gate", "pre-commit") and "uninstall" in values[:3]:
        out.tamper(text, f"`{name} uninstall` removes the review gate's hooks", "uninstall")
    elif name.rstrip("0123456789.") == "pip":  # pip, pip3, pip3.11
        _packages(out, text, name, args, ("uninstall",))
    elif name in _REMOVERS:
        for verbs in _REMOVERS[name]:
            if tuple(values[: len(verbs)]) == verbs:
                shown = " ".join((name, *verbs[:-1]))
                _packages(out, text, shown, args[len(verbs) - 1 :], verbs[-1:])
        if name == "pipx" and values[:1] == ["uninstall-all"]:
            out.tamper(text, "`pipx uninstall-all` uninstalls review-gate", "uninstall")
    elif name.startswith(("python", "pypy")) and "-m" in values:
        module = values[values.index("-m") + 1] if values.index("-m") + 1 < len(values) else None
        rest = args[values.index("-m") + 2 :]
        if module == "pip":
            _packages(out, text, f"{name} -m pip", rest, ("uninstall",))
        elif module in ("review_gate", "review_gate.cli") and "uninstall" in values:
            out.tamper(text, "`python -m review_gate uninstall` removes its hooks", "uninstall")
    elif name == "claude":
        _claude(a, text, args)
    elif name == "codex":
        _codex(out, text, args)


def _packages(
    out: Findings, text: str, name: str, args: Sequence[Word], verbs: tuple[str, ...]
) -> None:
    """``NAME VERB PKG...``: is review-gate among the packages (or can it be)?"""
    if not args or args[0].value != verbs[0]:
        return
    for word in args[1:]:
        if word.value is None and not word.template.startswith("-"):
            if "gate" in word.template.lower() or word.template == DYN:
                out.tamper(text, f"`{name} {verbs[0]}` of a computed package name", "uninstall")
        elif _is_gate(word.value):
            out.tamper(text, f"`{name} {verbs[0]} {word.value}` uninstalls the gate", "uninstall")


def assignments(text: str, assigns: Sequence[tuple[str, Word]], out: Findings) -> None:
    """``CLAUDE_CODE_SIMPLE=1`` / ``CLAUDE_CODE_SAFE_MODE=1``: Claude Code skips its hooks."""
    for name, word in assigns:
        if name in _AGENT_VARS and word.template.strip().lower() not in _OFF:
            out.tamper(text, f"{name}={word.text} starts Claude Code without hooks", "agent-hooks")


def _claude(a: Analyser, text: str, args: Sequence[Word]) -> None:
    out = a.out
    parsed = opts.parse(args, ("", ("--settings", "--setting-sources")))
    names = {o.name for o in parsed}
    for flag in ("--bare", "--safe-mode"):
        if flag in names:
            out.tamper(text, f"`claude {flag}` skips the hooks in its settings", "agent-hooks")
    for value in opts.values(parsed, "--setting-sources"):
        given = {s.strip() for s in (value.value or "").lower().split(",")}
        if value.value is None or not given >= _SOURCES:
            out.tamper(
                text, f"`claude --setting-sources {value.text}` skips hook settings", "agent-hooks"
            )
    for value in opts.values(parsed, "--settings"):
        low = value.template.lower()
        if any(k in low for k in _HOOKS_OFF) or (
            not low.lstrip().startswith("{") and any(k in a.full_lower for k in _HOOKS_OFF)
        ):
            out.tamper(text, "`claude --settings` switching its hooks off", "agent-hooks")
        elif not low.lstrip().startswith("{") and DYN not in low:
            a.touch(text, Touch("claude --settings", AGENT_SETTINGS, value))


def _codex(out: Findings, text: str, args: Sequence[Word]) -> None:
    parsed = opts.parse(args, ("cp", ("--config", "--disable", "--enable", "--profile")))
    for o in parsed:
        value = (o.value.template if o.value is not None else "").lower()
        key, _, setting = value.partition("=")
        if o.name == "--ignore-user-config":
            out.tamper(text, "`codex --ignore-user-config` drops its hooks' trust", "agent-hooks")
        elif o.name == "--disable" and ("hook" in value or DYN in value):
            out.tamper(text, f"`codex --disable {value}` switches its hooks off", "agent-hooks")
        elif o.name in ("-c", "--config") and (
            key.strip().startswith("hooks")
            or ("hook" in key and "features" in key and setting.strip() in ("false", "0"))
            or DYN in key
        ):
            out.tamper(
                text,
                f"`codex -c {o.value.text if o.value else ''}` changes its hooks",
                "agent-hooks",
            )
