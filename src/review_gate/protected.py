"""Which files hold the gate itself: the one rule every tamper check uses.

A write to, move of or deletion of one of these switches the gate off or loosens it, so
in a gated checkout it is a tamper route whatever tool does it (a shell redirection,
``sed -i``, a Write/Edit tool, Codex's ``apply_patch``, an MCP filesystem tool):

- the gate's configuration: ``.review-gate.toml``, and ``pyproject.toml`` when it holds a
  ``[tool.review-gate]`` table;
- the pre-commit configuration: ``.pre-commit-config.yaml``;
- the agents' hook settings: ``.claude/settings.json``, ``.claude/settings.local.json``,
  ``.codex/hooks.json``, ``.codex/config.toml`` in the checkout, and the same files
  under the user's home (``~/.claude/``, ``~/.codex/``, or ``$CODEX_HOME``);
- git's hooks and configuration: anything under ``<git dir>/hooks/``, ``<git dir>/config``,
  ``<git dir>/info/exclude`` (which hides the installer's local files), and the user's
  ``~/.gitconfig`` / ``~/.config/git/config`` (a program set there runs in every checkout);
- review-gate's state, ``<git common dir>/review-gate/``: the local tracker's database
  (a row written there is a comment nobody posted, a REVIEW by any author), and the
  dispatcher's worker records (a worker's role), budgets, hooks and audit log;
- review-gate's own installation (``installs``: the ``gate`` executable, its virtual
  environment), and any directory that contains one of these.

:func:`might_be_protected` (:mod:`review_gate.protected_names`) is the hook's fast path: a
string test on the path's last components, no I/O, no imports. Only when it says True does
:func:`protected_reason` resolve the path against the checkout and the home directory.
"""

from __future__ import annotations

import os

from review_gate.protected_names import might_be_protected as might_be_protected

#: The user's git configuration: a program set there (``core.pager``, a diff driver) runs
#: in every checkout's ``git log -p``, a reviewer's too.
_HOME_GIT = (".gitconfig", ".config/git/config")
_CHECKOUT_FILES = (
    ".review-gate.toml",
    ".pre-commit-config.yaml",
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".codex/hooks.json",
    ".codex/config.toml",
)
_HOME_FILES = (
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".codex/hooks.json",
    ".codex/config.toml",
)


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _real(path: str) -> str:
    return os.path.realpath(path)


def protected_reason(
    path: str,
    *,
    cwd: str,
    top: str | None,
    git_dir: str | None,
    common_dir: str | None = None,
    home: str | None = None,
    codex_home: str | None = None,
    installs: tuple[str, ...] = (),
) -> str | None:
    """What ``path`` (relative to ``cwd``) is, when it is one of the gate's own files;
    None otherwise. ``top``/``git_dir``/``common_dir`` describe the checkout (None outside
    one); symbolic links are followed, so a link to a protected file is protected too."""
    if not path:
        return None
    expanded = os.path.expanduser(path) if path.startswith("~") else path
    full = _real(os.path.join(cwd, expanded))
    for install in installs:
        real_install = _real(install)
        if _inside(full, real_install) or _inside(real_install, full):
            return f"review-gate's own installation ({install})"
    if not might_be_protected(path) and not might_be_protected(full):
        return None
    candidates: list[tuple[str, str]] = []
    if top:
        for rel in _CHECKOUT_FILES:
            candidates.append((_real(os.path.join(top, rel)), rel))
        pyproject = _real(os.path.join(top, "pyproject.toml"))
        if full == pyproject and _has_gate_table(pyproject):
            return "pyproject.toml (it holds the [tool.review-gate] configuration)"
    claude_dir = os.environ.get("CLAUDE_CONFIG_DIR")
    if claude_dir:
        for rel in ("settings.json", "settings.local.json"):
            candidates.append((_real(os.path.join(claude_dir, rel)), f"$CLAUDE_CONFIG_DIR/{rel}"))
    for home_dir, label in ((home, "~"), (codex_home, "$CODEX_HOME")):
        if home_dir:
            for rel in _HOME_FILES:
                if label == "$CODEX_HOME" and not rel.startswith(".codex/"):
                    continue
                shown = rel if label == "~" else rel.removeprefix(".codex/")
                base = os.path.join(home_dir, shown)
                candidates.append((_real(base), f"{label}/{shown}"))
    for rel in _HOME_GIT if home else ():
        if full == _real(os.path.join(home or "", rel)):
            return f"~/{rel} (git's configuration: programs set there run in every checkout)"
    for candidate, label in candidates:
        if full == candidate:
            return f"{label} (the gate's own settings)"
        if _inside(candidate, full):
            shown = os.path.basename(full) or full
            return f"{shown}/, a directory holding {label} (the gate's own settings)"
    for directory in {d for d in (git_dir, common_dir) if d}:
        real_dir = _real(directory)
        if _inside(full, os.path.join(real_dir, "hooks")):
            return "a git hook (.git/hooks/)"
        if full in (os.path.join(real_dir, "config"), os.path.join(real_dir, "info", "exclude")):
            return f".git/{os.path.relpath(full, real_dir)} (git's configuration)"
        if full == real_dir or _inside(real_dir, full):
            return "the repository's git directory"
    if in_state(full, common_dir):  # the directory itself, or anything in it
        return (
            "review-gate's state (.git/review-gate/: the local tracker's comments, the "
            "dispatcher's worker records, budgets and audit log; `gate issue comment` "
            "and `gate dispatch` write it)"
        )
    return None


def in_state(path: str, common_dir: str | None) -> bool:
    """Is ``path`` (absolute) review-gate's state directory, ``<git common dir>/review-gate``,
    or inside it? Everything there is protected, whatever its name."""
    if not common_dir:
        return False
    return _inside(_real(path), state_path(common_dir))


def state_path(common_dir: str) -> str:
    """``<git common dir>/review-gate``, symbolic links resolved."""
    return os.path.join(_real(common_dir), "review-gate")


def _has_gate_table(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "[tool.review-gate" in f.read(1 << 20)
    except OSError:
        return False


def own_installs() -> tuple[str, ...]:
    """Where the running review-gate is installed: its environment's prefix (a virtual
    environment: the whole of it) and the directory of the ``gate`` beside it."""
    import sys

    found: list[str] = []
    prefix = environment_prefix()
    if prefix is not None:
        found.append(prefix)
    gate = os.path.join(os.path.dirname(sys.executable), "gate")
    if os.path.exists(gate):
        found.append(gate)
    return tuple(found)


def environment_prefix() -> str | None:
    """The virtual environment review-gate runs in, else None.

    Found from the interpreter's own path (``<env>/bin/python`` beside ``<env>/pyvenv.cfg``)
    when ``sys.prefix`` does not say: the installed hook runs with ``-S``, so ``site`` never
    set ``sys.prefix`` to the environment."""
    import sys

    if sys.prefix != sys.base_prefix:
        return sys.prefix
    root = os.path.dirname(os.path.dirname(os.path.abspath(sys.executable)))
    return root if os.path.isfile(os.path.join(root, "pyvenv.cfg")) else None
