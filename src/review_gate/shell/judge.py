"""Decide, with the checkout in hand, whether a path a command changes is one of the gate's
own files: :func:`review_gate.protected.protected_reason` is the rule, this module only
turns the shell's view of a path (a glob, ``$HOME/...``, ``~``, ``$(which gate)``, a path
computed at run time, a directory removed with everything in it) into the paths to ask it
about.

Runs on the hook's slow path only, for the few paths :mod:`.paths` kept.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
from fnmatch import fnmatchcase

from review_gate.protected import in_state, might_be_protected, protected_reason, state_path
from review_gate.shell.named_tuple import NamedTuple
from review_gate.shell.paths import AGENT_SETTINGS, UNSURE, join_dir
from review_gate.shell.patterns import lazy
from review_gate.shell.records import PathUse
from review_gate.shell.words import DYN, resolve

TYPE_CHECKING = False  # keeps `typing` and `collections` out of the hook's imports
if TYPE_CHECKING:
    from collections.abc import Mapping

#: Most entries looked at under a directory a command removes (the walk stays cheap; a
#: protected file sits at most three levels below the top of a checkout or the home).
_WALK_LIMIT = 5000
_WALK_DEPTH = 3
_GLOB_LIMIT = 256
_SETTINGS_LIMIT = 1 << 20
#: Variables the hook knows as the agent's shell does (the hook runs in its environment).
_ENV = ("HOME", "CODEX_HOME", "XDG_CONFIG_HOME", "VIRTUAL_ENV", "USER")
_WHICH = lazy(
    r"\$\(\s*(?:which|command\s+-v|type\s+-p)\s+([\w.+-]+)\s*\)|`\s*which\s+([\w.+-]+)\s*`"
)
#: `$(git rev-parse --show-toplevel)`, `--git-dir`, `--git-path hooks`: the checkout's own.
_REV_PARSE = lazy(
    r"\$\(\s*git\s+rev-parse\s+(?:--path-format=absolute\s+)?--"
    r"(show-toplevel|git-dir|absolute-git-dir|git-common-dir|git-path)(?:\s+([\w./-]+))?\s*\)"
)
_HOOKS_OFF = ("disableallhooks", "allowmanagedhooksonly")


class Place(NamedTuple):
    """The checkout and home a tool call runs in (what ``protected_reason`` needs)."""

    cwd: str
    top: str | None
    git_dir: str | None
    common_dir: str | None
    home: str | None
    codex_home: str | None
    installs: tuple[str, ...]
    environ: Mapping[str, str]


def judge(use: PathUse, place: Place) -> str | None:
    """What ``use`` does to the gate ("writes .review-gate.toml (the gate's own settings)"),
    or None when it changes none of the gate's own files."""
    base = _expand(join_dir(place.cwd, use.cwd) if use.cwd else place.cwd, place)
    if use.action == AGENT_SETTINGS:
        return _agent_settings(use, base, place)
    if use.action == UNSURE:
        return _unsure(use, base, place)
    candidates = _candidates(use, base, place)
    for path in candidates:
        reason = _reason(path, base, place)
        if reason and _chosen(use.names, path, path, reason, place):
            return f"{use.action} {reason}"
        if use.recursive:
            found = _under(path, base, place, use.names)
            if found:
                shown, reason = found
                said = os.path.basename(shown.rstrip("/")) in reason
                return f"{use.action} {reason}" if said else f"{use.action} {shown}: {reason}"
    if not candidates or _unknown(use.path):
        for word in use.mentions:
            named = resolve(word, _env(place)).template.replace(DYN, "*")
            matches = glob.glob(os.path.join(glob.escape(base), _expand(named, place)))
            for path in [named, *matches[:_GLOB_LIMIT]]:
                reason = _reason(path, base, place)
                if reason:
                    return (
                        f"{use.action} a path computed at run time, in a command that names "
                        f"{reason}"
                    )
    return None


def _env(place: Place) -> dict[str, str]:
    """What the agent's shell knows of the hook's environment; $PWD is the tool call's."""
    env = {k: place.environ[k] for k in _ENV if place.environ.get(k)}
    env["PWD"] = place.cwd
    return env


def _expand(path: str, place: Place) -> str:
    if path == "~" or path.startswith("~/"):
        return (place.home or "~") + path[1:]
    return path


def _reason(path: str, base: str, place: Place) -> str | None:
    # Absolute, so that the fast test sees the whole path (`cd .git/hooks && rm pre-push`).
    full = os.path.join(base, _expand(path, place))
    reason = _protected(full, base, place)
    if reason is None and os.path.islink(full):
        # protected_reason follows the link; removing or moving it acts on the link, which
        # sits in the hooks directory or the installation all the same.
        parent = _protected(os.path.dirname(full), base, place)
        if parent and not parent.startswith("the repository's git directory"):
            return parent
    return reason


def _protected(full: str, base: str, place: Place) -> str | None:
    return protected_reason(
        full,
        cwd=base,
        top=place.top,
        git_dir=place.git_dir,
        common_dir=place.common_dir,
        home=place.home,
        codex_home=place.codex_home,
        installs=place.installs,
    )


def _unknown(template: str) -> bool:
    """Nothing of the path is known but separators (``$X``, ``"$D/$F"``)."""
    return not template.replace(DYN, "").strip("/.")


def _resolved(use: PathUse, place: Place) -> tuple[str, bool]:
    """(template, glob) of the path, with $HOME and the like filled in from the hook's
    environment and ``$(which NAME)`` looked up, as the agent's shell would."""
    if DYN not in use.path:
        return use.path, use.glob

    def which(match: re.Match[str]) -> str:
        found = shutil.which(match.group(1) or match.group(2), path=place.environ.get("PATH"))
        safe = found and re.fullmatch(r"[\w./+-]+", found)
        return found if found and safe else match.group(0)

    def rev_parse(match: re.Match[str]) -> str:
        flag, name = match.group(1), match.group(2)
        found = {
            "show-toplevel": place.top,
            "git-dir": place.git_dir,
            "absolute-git-dir": place.git_dir,
            "git-common-dir": place.common_dir,
            "git-path": os.path.join(place.common_dir or "", name or "") if name else None,
        }.get(flag)
        safe = found and re.fullmatch(r"[\w./+-]+", found)
        return found if found and safe else match.group(0)

    source = _REV_PARSE.sub(rev_parse, _WHICH.sub(which, use.source))
    word = resolve(source, _env(place))
    if DYN in word.template and word.template.count(DYN) >= use.path.count(DYN):
        return use.path, use.glob  # the command's own variables resolved more
    return word.template.replace("\\", "/"), use.glob or word.glob


def _candidates(use: PathUse, base: str, place: Place) -> list[str]:
    """The paths ``use`` may name: itself when it is certain; else its pattern (a glob or a
    computed part as ``*``), the pattern under each root a computed prefix may stand for
    (``$(git rev-parse --git-dir)/hooks/x``), and what the pattern matches on disk now."""
    template, globbed = _resolved(use, place)
    if DYN not in template and not globbed:
        return [template]
    if _unknown(template):
        return []
    parts = template.split(DYN)
    shown = "*".join(parts)
    literal = [shown]
    patterns = ["*".join(parts if globbed else [glob.escape(p) for p in parts])]
    if template.startswith(DYN):
        # A computed directory may be any that holds the gate's files.
        rest = shown[1:].lstrip("/")
        roots = {base, *_homes(place, git="git" in use.source.lower())}
        literal += [os.path.join(r, rest) for r in sorted(r for r in roots if r)]
        patterns += [os.path.join(glob.escape(r), patterns[0][1:].lstrip("/")) for r in roots if r]
    found = list(literal)
    for pattern in patterns:
        full = os.path.join(glob.escape(base), _expand(pattern, place))
        for match in glob.iglob(full):
            found.append(match)
            if len(found) > _GLOB_LIMIT:
                return found
    return found


def _homes(place: Place, *, git: bool) -> list[str]:
    """The directories that hold the gate's files (git's own only for a path that speaks of
    git: ``$(git rev-parse --git-path hooks)/x``, not ``$OUT/config``)."""
    found = [place.top, place.home, place.codex_home]
    for directory in (place.top, place.home):
        if directory:
            found += [os.path.join(directory, ".claude"), os.path.join(directory, ".codex")]
    for directory in (place.git_dir, place.common_dir) if git else ():
        if directory:
            found += [directory, os.path.join(directory, "hooks")]
    return [d for d in found if d]


def _chosen(names: tuple[str, ...], shown: str, path: str, reason: str, place: Place) -> bool:
    """Do ``find``'s tests (``name:*.pyc``, ``path:./x/*``, ``!gitdir``) let ``path`` through?"""
    base = os.path.basename(path.rstrip("/"))
    for test in names:
        kind, _, pattern = test.partition(":")
        if kind == "!gitdir":  # git clean: never the git directory, nor tracked files
            if _in_git_dir(path, place) or reason.startswith("the repository's git directory"):
                return False
            if _tracked(path):
                return False
            continue
        subject = base if kind in ("name", "iname") else shown
        if kind.startswith("i"):
            subject, pattern = subject.lower(), pattern.lower()
        if not fnmatchcase(subject, pattern):
            return False
    return True


def _tracked(path: str) -> bool:
    from review_gate.git import run_git

    directory, name = os.path.split(path.rstrip("/"))
    if not os.path.isdir(directory or "."):
        return False
    rc, _, _ = run_git(directory or ".", "ls-files", "--error-unmatch", "--", name, check=False)
    return rc == 0


def _in_git_dir(path: str, place: Place) -> bool:
    real = os.path.realpath(path)
    for directory in (place.git_dir, place.common_dir):
        if directory:
            git_dir = os.path.realpath(directory)
            if real == git_dir or real.startswith(git_dir + os.sep):
                return True
    return False


def _under(path: str, base: str, place: Place, names: tuple[str, ...]) -> tuple[str, str] | None:
    """A protected file under the directory ``path`` that the command would reach, as
    (path as shown, reason); None when there is none (or ``path`` is no directory)."""
    top = os.path.join(base, _expand(path, place))
    if not os.path.isdir(top):
        return None
    real_top = os.path.realpath(top)
    installs = [os.path.realpath(i) for i in place.installs]
    stack = [(top, 0)]
    # `rm -rf ..`, `rm -rf /tmp/work`: the checkout or the home directory is inside it.
    for holder in (place.git_dir, place.common_dir, place.top, place.home, place.codex_home):
        real = os.path.realpath(holder) if holder else ""
        if real and real != real_top and real.startswith(real_top.rstrip(os.sep) + os.sep):
            reason = _reason(real, base, place)
            shown = os.path.join(path, os.path.relpath(real, real_top))
            if reason and _chosen(names, shown, real, reason, place):
                return shown, reason
            stack.append((real, 0))
    seen = 0
    while stack:
        directory, depth = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > _WALK_LIMIT:
                return None
            real = os.path.realpath(entry.path) if entry.is_symlink() else entry.path
            near = any(
                i == real or i.startswith(real + os.sep) or real.startswith(i + os.sep)
                for i in installs
            )
            if might_be_protected(entry.path) or near:
                reason = _reason(entry.path, base, place)
                shown = os.path.join(path, os.path.relpath(entry.path, top))
                if reason and _chosen(names, shown, entry.path, reason, place):
                    return shown, reason
            skip = "!gitdir" in names and _in_git_dir(entry.path, place)
            directory_entry = not skip and entry.is_dir(follow_symlinks=False)
            if directory_entry and in_state(entry.path, place.common_dir):
                found = _state(entry.path, top, path, base, place, names)
                if found:
                    return found
                continue
            descend = entry.name.startswith(".") or entry.name == "hooks" or near
            if depth < _WALK_DEPTH and descend and not skip and entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, depth + 1))
    return None


def _state(
    directory: str, top: str, path: str, base: str, place: Place, names: tuple[str, ...]
) -> tuple[str, str] | None:
    """The first entry under ``directory``, in review-gate's state, that ``find``'s tests let
    through: everything there is protected, however deep and whatever its name. A state too
    big to look through counts as holding any name."""
    reason = _reason(directory, base, place) or "review-gate's state"
    seen = 0
    for root, dirs, files in os.walk(directory):
        for name in (*dirs, *files):
            seen += 1
            full = os.path.join(root, name)
            shown = os.path.join(path, os.path.relpath(full, top))
            if seen > _WALK_LIMIT or _chosen(names, shown, full, reason, place):
                return shown, reason
    return None


def _unsure(use: PathUse, base: str, place: Place) -> str | None:
    """A program the analysis does not know, given a path in review-gate's state (or, for
    ``find -exec PROG``, a tree holding it whose files ``find``'s tests may choose)."""
    if not place.common_dir:
        return None
    state = state_path(place.common_dir)
    program = use.route.removeprefix("find {} -exec ")
    for path in _candidates(use, base, place):
        full = os.path.join(base, _expand(path, place))
        if in_state(full, place.common_dir):
            reason = _reason(path, base, place) or "review-gate's state"
            return f"may change {reason}: nothing tells whether {program} writes it"
        real = os.path.realpath(full)
        if use.recursive and state.startswith(real.rstrip(os.sep) + os.sep):
            found = _state(state, real, path, base, place, use.names)
            if found:
                shown, reason = found
                return f"may change {shown}: {reason}; nothing tells whether {program} writes it"
    for word in use.mentions if _unknown(use.path) or DYN in use.path else ():
        named = resolve(word, _env(place)).template.replace(DYN, "*")
        full = os.path.join(base, _expand(named, place))
        if in_state(full, place.common_dir) or any(
            in_state(m, place.common_dir) for m in glob.glob(full)[:_GLOB_LIMIT]
        ):
            return (
                f"may change a path computed at run time, in a command that names "
                f"review-gate's state ({named}): nothing tells whether {program} writes it"
            )
    return None


def _agent_settings(use: PathUse, base: str, place: Place) -> str | None:
    """``claude --settings FILE``: does FILE switch the hooks off?"""
    template, _ = _resolved(use, place)
    if DYN in template:
        return None
    try:
        with open(os.path.join(base, _expand(template, place)), "rb") as f:
            text = f.read(_SETTINGS_LIMIT).decode("utf-8", "replace").lower()
    except OSError:
        return None
    if any(key in text for key in _HOOKS_OFF):
        return f"{use.action} {template}, which switches its hooks off (disableAllHooks)"
    return None
