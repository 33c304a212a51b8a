"""Text tests shared by the ``might_matter`` pre-filter and the analyser.

Both sides must agree on what "looks like a PR" means, or the pre-filter could wave through
a command the analyser would deny. This module runs on every agent tool call, so it imports
nothing but the names of the gate's files (:mod:`review_gate.protected_names`, itself
without imports): no ``re`` (~4 ms), no ``dataclasses`` (~10 ms), and not even
``__future__`` (``from __future__ import annotations`` imports it at run time; the
annotations here need no postponing).
"""

from review_gate.protected_names import NAMES as _FILE_NAMES


def words(text: str) -> frozenset[str]:
    """The space-separated words of ``text`` (keeps long option tables readable)."""
    return frozenset(text.split())


_DROP = str.maketrans("", "", "'\"\\{},")
_PULLISH = ("pulls", "pullrequest", "pull-request", "pull_request", "createpull", "create_pull")
#: Commands that decode or rewrite text: their output fed to a shell may hide anything.
DECODERS = words(
    "base64 base32 basenc xxd od openssl gzip gunzip zcat bzcat bunzip2 xzcat unxz "
    "zstd unzstd uudecode rev tr sed awk gawk iconv"
)
#: Tool names (as words of normalised text) whose commands can create a PR.
_TOOLS = words("gh hub curl wget http https xh xhs")
#: Agent CLIs: started without their hooks, they would run without the gate.
_AGENTS = words("claude codex")
#: Substrings that matter wherever they appear.
_ALWAYS = (
    "pull",
    "graphql",
    "hookspath",
    "no-ver",
    "skip",
    "husky",
    "uninstall",
    ".claude",
    ".codex",
    # the gate's own files (review_gate.protected) and switches that start an agent
    # without its hooks
    ".review-gate",
    "pre-commit-config",
    "hooks.json",
    "include.path",
    "includeif",
    "git_config",
    "disableallhooks",
    "allowmanagedhooksonly",
    "claude_code_s",
    "setting-sources",
    "--bare",
    "--safe-mode",
    "ignore-user-config",
    "codex_hooks",
)
#: With a ``git`` word: what git tamper checks look at.
_GIT_HINTS = (
    "config",
    "alias",
    "hook",
    "$",
    "`",
    "*",
    "?",
    "delete",
    "send-pack",
    "http-push",
    "clean",
)
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")


class _Separators(dict[int, str]):
    """str.translate table mapping everything except [a-z0-9] to a space."""

    def __missing__(self, key: int) -> str:
        char = chr(key)
        value = char if char in _ALNUM else " "
        self[key] = value
        return value


_SEPARATORS = _Separators()


def normalise(text: str) -> str:
    """Lower-case, line continuations joined, quotes/backslashes/brace punctuation dropped.

    Dropping characters only ever joins text, so any word bash could build from the literal
    pieces of ``text`` shows up in the result as a substring.
    """
    return text.replace("\\\n", "").lower().translate(_DROP)


def tokens(norm: str) -> set[str]:
    """The [a-z0-9]+ runs of normalised text."""
    return set(norm.translate(_SEPARATORS).split())


def prish(text: str) -> bool:
    """Does text look like PR creation (``pr create``, ``pulls``, createPullRequest)?

    Words are read three ways: with backslashes dropped (``p\\r`` is ``pr``), with them as
    separators (``'gh pr create\\n'`` ends in ``create``, not ``createn``), and with quotes
    and commas as separators too (``['gh','pr','create']``).
    """
    norm = normalise(text)
    if any(p in norm for p in _PULLISH):
        return True
    if "pr" not in norm:
        return False
    joined = text.replace("\\\n", "").lower()
    spaced = joined.replace("\\", " ").translate(_DROP)
    # A third reading keeps quotes and commas as separators: ['gh','pr','create'] in an
    # interpreter one-liner is three words, not "ghprcreate".
    toks = tokens(norm) | tokens(spaced) | tokens(joined)
    return "pr" in toks and any(t.startswith(("create", "new")) for t in toks)


def has_escapes(text: str) -> bool:
    """``\\x67``, ``\\u0067``, ``\\147``: escapes that printf, echo -e and $'' decode."""
    i = text.find("\\")
    while 0 <= i < len(text) - 1:
        nxt = text[i + 1]
        if nxt in "01234567" or (nxt in "xuU" and i + 2 < len(text) and text[i + 2] in _HEX):
            return True
        i = text.find("\\", i + 1)
    return False


def has_decoder(text: str) -> bool:
    """Does text decode or rewrite data (base64, xxd, tr, ``\\x67`` escapes...)?"""
    return has_escapes(text) or not DECODERS.isdisjoint(tokens(normalise(text)))


_GLUE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789}`)")
_QUOTES = "'\""


def _glued(command: str, mark: str) -> bool:
    """Is an expansion at ``mark`` glued to text before it (``p${X}r``, ``"$A""$B"``)?"""
    i = command.find(mark)
    while i >= 0:  # every mark: one at the start (`$A$(...)`) has none glued before it
        before = command[i - 1] if i > 0 else " "
        if before in _GLUE or (
            before in _QUOTES and i > 1 and (command[i - 2] in _GLUE or command[i - 2] in _QUOTES)
        ):
            return True
        i = command.find(mark, i + 1)
    return False


def _glued_after(command: str, close: str) -> bool:
    """Is text glued after an expansion's closing ``close`` (``${X}h``, ``$(echo p)r``)?"""
    i = command.find(close)
    n = len(command)
    while 0 <= i < n - 1:
        after = command[i + 1]
        if after.isalnum() or (after in _QUOTES and i + 2 < n and command[i + 2].isalnum()):
            return True
        i = command.find(close, i + 1)
    return False


def builds_words(command: str) -> bool:
    """Does the command glue run-time values into words (``${X}h p${Y}r cr$(echo e)ate``)?

    Such words could spell anything, so the parser looks at them; a plain ``$HOME/x`` or
    ``"$@"`` does not count.
    """
    if "$" in command and (_glued(command, "$") or _glued_after(command, "}")):
        return True
    if "$(" in command and _glued_after(command, ")"):
        return True
    return "`" in command and (_glued(command, "`") or _glued_after(command, "`"))


#: Programs that write, move or remove the files they are given (or run code that may).
WRITERS = words(
    "rm rmdir unlink shred truncate mv cp ln install rsync tee sponge dd sed perl ruby curl "
    "wget tar unzip chmod chown chgrp touch patch xargs python python3 node php awk vi vim "
    "nvim ex"
)
#: Words of git commands that write a file they are given (see ``shell.git_files``).
_GIT_WRITES = words("output archive bundle patch clone init worktree")
#: Writers that may change a whole directory tree (always, or with a recursive flag).
_TREE_WRITERS = words("mv rsync tar unzip shred")
_TREE_WITH_FLAG = words("rm chmod chown chgrp cp")
#: Parts of a path that may name one of the gate's own files (``review_gate.protected``
#: decides; this is the pre-filter's superset), or its installation.
PATH_HINTS = (
    ".review-gate",
    "pre-commit-config",
    "pyproject",
    ".claude",
    ".codex",
    "settings",
    "hook",
    "config",
    "exclude",
    ".git",
    "gate",
)
#: The base names of the gate's own files (review_gate/protected_names.py), matched
#: against globs (``rm *.toml``), with two more that a glob may hit on the way.
PROTECTED_NAMES = (*sorted(_FILE_NAMES), "hooks", "gate")


def _install_names() -> tuple[str, ...]:
    """The last component of the running environment (``.venv``, ``review-gate``): removing
    it removes the gate. No imports: ``sys`` is always loaded."""
    import sys

    if sys.prefix == sys.base_prefix:
        return ()
    name = sys.prefix.replace("\\", "/").rstrip("/").rpartition("/")[2].lower()
    return (name,) if name else ()


INSTALL_NAMES = _install_names()


def path_hint(text: str) -> bool:
    """Could ``text`` (lower case) name a protected file or the gate's installation?"""
    return any(h in text for h in PATH_HINTS) or any(n in text for n in INSTALL_NAMES)


def _anchored(command: str) -> bool:
    """A word that names a directory that may hold the checkout or home (``/x``, ``~``,
    ``..``): removing it recursively may remove the gate's files."""
    for word in command.replace("'", " ").replace('"', " ").split():
        if word.startswith(("/", "~")) or word.strip("./") == "" or word.endswith("/.."):
            return True
    return False


def _recursive(command: str, toks: set[str]) -> bool:
    """Could the command change a whole directory tree (``rm -rf``, ``mv``, ``find -delete``)?"""
    if not toks.isdisjoint(_TREE_WRITERS):
        return True
    if "find" in toks and not toks.isdisjoint(("delete", "exec", "execdir", "ok", "okdir")):
        return True
    if toks.isdisjoint(_TREE_WITH_FLAG):
        return False
    for word in command.split():
        if word in ("--recursive", "--archive") or (
            word.startswith("-") and not word.startswith("--") and not set("rRa").isdisjoint(word)
        ):
            return True
    return False


def may_write_protected(command: str, norm: str, toks: set[str]) -> bool:
    """Does the command write or remove files, and may one of them be protected?"""
    finds = "find" in toks and not toks.isdisjoint(("delete", "exec", "execdir", "ok", "okdir"))
    # `git checkout REF -- PATH`, `git restore PATH` rewrite PATH
    restores = "git" in toks and ("restore" in toks or "--" in command.split())
    # git's own file writers: `log --output=F`, `format-patch -o D`, `archive -o F`, `bundle`
    restores = restores or (
        "git" in toks and (not _GIT_WRITES.isdisjoint(toks) or "--ou" in norm or " -o" in norm)
    )
    if ">" not in command and WRITERS.isdisjoint(toks) and not finds and not restores:
        return False
    return (
        path_hint(norm)
        or any(c in command for c in "*?[~$`")
        or (_recursive(command, toks) and _anchored(command))
        or (finds and _from_here(command))
    )


def _from_here(command: str) -> bool:
    """``find -name x -delete``: no start directory, so find starts at ``.``."""
    parts = command.split()
    return any(
        w == "find" and (i + 1 == len(parts) or parts[i + 1].startswith(("-", "(", "!")))
        for i, w in enumerate(parts)
    )


def might_matter(command: str) -> bool:
    """Cheap pre-filter: False means the full analysis would certainly find nothing."""
    if "$'" in command:
        return True  # ANSI-C strings can spell any word
    if ("$" in command or "`" in command) and builds_words(command):
        return True
    norm = normalise(command)
    toks = tokens(norm)
    if "{" in command:  # brace expansion splits words too: `{gh,pr} $X`
        toks |= tokens(command.lower())
    if not (_TOOLS.isdisjoint(toks) and _AGENTS.isdisjoint(toks)) or any(
        s in norm for s in _ALWAYS
    ):
        return True
    if "review" in toks and "gate" in toks:  # `uv remove review-gate`, `poetry remove ...`
        return True
    if "review_gate_author" in norm or (
        "gate" in toks
        and (
            "--au" in norm
            or "user" in toks
            or "comment" in toks
            or "import" in toks
            or "$" in command
        )
    ):
        return True  # choosing who a tracker comment is from (shell.authors)
    if "pr" in norm and ("create" in norm or "new" in norm):
        return True
    if "pr" in toks and ("$" in command or "`" in command):
        return True  # `$X pr $Y`: the expansions may supply gh and create
    if may_write_protected(command, norm, toks):
        return True
    if "git" in toks:
        if any(s in norm for s in _GIT_HINTS):
            return True
        parts = norm.split()
        if any(p.startswith("-c") for p in parts):
            return True  # git -c / --config-env are caught by "config"
        if "commit" in toks and any(
            p.startswith("-") and not p.startswith("--") and "n" in p for p in parts
        ):
            return True  # git commit -n, -nm, -anm
    return has_decoder(command)
