"""Paths a command changes, and which of them may be the gate's own files.

:mod:`.writers` models each program that writes, moves or removes the files it is given and
returns :class:`Touch` records. The analysis knows no checkout, so :func:`use` keeps every
touched path that *may* be one of the gate's own files (a protected name, a glob that could
match one, a recursive removal of a directory that may hold one, a path computed at run time
in a command that names one); the hook decides with
:func:`review_gate.protected.protected_reason` (:mod:`.judge`).
"""

from __future__ import annotations

import posixpath

from review_gate.shell.named_tuple import NamedTuple
from review_gate.shell.prefilter import INSTALL_NAMES, PROTECTED_NAMES, path_hint
from review_gate.shell.records import PathUse
from review_gate.shell.words import DYN, Word

REMOVES = "removes"
WRITES = "writes"
MOVES = "moves"
MODE = "changes the mode of"
OWNER = "changes the owner of"
INTO = "writes into"
#: ``ln [-s] TARGET LINK``: LINK is another name for TARGET, through which a later call
#: (which sees only LINK) changes it.
LINKS = "makes a new name (a link) for"
#: A program the analysis does not know was given the path: it may change it (judged only
#: for review-gate's state, where nothing but the gate's own commands writes).
UNSURE = "may change"
#: ``claude --settings FILE``: the hook reads FILE for ``disableAllHooks``.
AGENT_SETTINGS = "starts Claude Code with the settings in"

#: ``find ... -exec CMD {} +``: the placeholder for each file found (unique: resolved
#: words never have ``glob`` set without a value of their own).
FIND_ITEM = Word("{}", None, DYN, True)


class Touch(NamedTuple):
    """One path a command changes, and how."""

    route: str
    action: str
    word: Word
    recursive: bool = False
    names: tuple[str, ...] = ()


def join_dir(cwd: str, target: str) -> str:
    """The directory after ``cd target`` from ``cwd`` (textual)."""
    if target.startswith(("/", "~")) or not cwd:
        return target
    return cwd.rstrip("/") + "/" + target


def normal(cwd: str, template: str) -> str:
    """A path as written, after ``cd cwd``, with ``.``/``..`` folded (to compare paths)."""
    return posixpath.normpath(join_dir(cwd, template)) if template else ""


def child(directory: Word, name: str) -> Word:
    """``directory/name`` as one word (``cp x .claude/`` writes ``.claude/x``)."""
    template = directory.template.rstrip("/") + "/" + name
    source = directory.text.rstrip("/") + "/" + name
    return Word(source, None if DYN in template else template, template, directory.glob)


# --- what is worth reporting -------------------------------------------------------------


def _anchored(template: str) -> bool:
    """A directory that may hold the checkout or the home directory (``/``, ``/work``,
    ``~``, ``..``, ``.``): removing it recursively may remove the gate's files."""
    return template.startswith(("/", "~")) or template.strip("./") == "" or template.endswith("/..")


def use(text: str, touch: Touch, cwd: str, mentions: tuple[str, ...]) -> PathUse | None:
    """The :class:`PathUse` for ``touch`` when its path may be one of the gate's own files."""
    word = touch.word
    template = word.template.replace("\\", "/")
    low = template.lower()
    # `cd .git/hooks && rm pre-push`: the directory counts as part of the path.
    literal_parts = join_dir(cwd.lower(), low).replace(DYN, " ")
    keep: tuple[str, ...] | None = None
    if touch.action == UNSURE and not touch.recursive:
        # Judged only for review-gate's state: a path that may lie in it.
        named = [m for m in mentions if "review-gate" in m.lower()]
        spoken = "review-gate" in literal_parts or "review-gate" in word.text.lower()
        if spoken or ((word.glob or DYN in template) and path_hint(literal_parts)):
            keep = ()
        elif DYN in template and named:
            keep = tuple(named)  # `ls .git/review-gate/* | xargs tool`
        else:
            return None
    elif touch.action == AGENT_SETTINGS or path_hint(literal_parts):
        keep = ()  # the hook reads the settings file; a protected name
    elif word.glob and _glob_may_match(low):
        keep = ()
    elif DYN in template and mentions:
        keep = mentions  # judged against the protected paths the command names
    elif DYN in template and touch.recursive and any(v in word.text for v in _KNOWN):
        keep = ()  # `rm -rf "$HOME"`, `$(git rev-parse --show-toplevel)`: the hook knows
    elif touch.recursive and _anchored(template):
        keep = ()
    if keep is None:
        return None
    return PathUse(
        command=text,
        route=touch.route,
        action=touch.action,
        path=template,
        source=word.text,
        cwd=cwd,
        glob=word.glob,
        recursive=touch.recursive,
        names=touch.names,
        mentions=keep,
    )


#: Computed paths the hook can work out: these variables, `git rev-parse --show-toplevel`.
_KNOWN = ("HOME", "PWD", "VIRTUAL_ENV", "rev-parse", "which", "command -v")


def _glob_may_match(low: str) -> bool:
    from fnmatch import fnmatchcase  # (it imports re: only for globs)

    last = low.rstrip("/").rpartition("/")[2].replace(DYN, "*")
    return any(fnmatchcase(name, last) for name in (*PROTECTED_NAMES, *INSTALL_NAMES))


def mentions(command: str) -> tuple[str, ...]:
    """The words of ``command`` that may name one of the gate's own files: when a command
    writes to a path computed at run time, these are the paths it could be."""
    flat = command.replace("'", "").replace('"', "").replace("\\", "")
    for sep in ";|&()<>=`,":
        flat = flat.replace(sep, " ")
    found: list[str] = []
    for word in flat.split():
        low = word.lower()
        globbed = any(c in word for c in "*?[") and _glob_may_match(low)
        if (path_hint(low) or globbed) and word not in found:
            found.append(word)
    return tuple(found[:32])
