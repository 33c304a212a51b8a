"""The shell commands a review or research worker may run, decided on a full parse.

An allowlist, not a list of bad commands: a command line passes only when every simple
command in it (inside pipelines, lists, subshells, groups) is a known read-only program
with literal words, and no redirection writes anywhere but ``/dev/null`` or the worker's
drafts directory (``<temp dir>/review-gate-drafts-<worker id>``, where
dispatch/prompt.py tells it to keep its drafts). Everything else is denied: programs that
run other commands (``sh -c``, ``env``, ``xargs``, ``eval``, ``sudo``...), words computed
at run time (``$x``, ``$(...)``), variable assignments, functions, loops, unknown
programs, unquoted here-documents that expand anything.

:func:`denial` returns what is wrong with a command line, or None. The programs and the
options each may take are the tables below; hooks/worker_role.py words the deny reason.
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile

from review_gate.hooks.read_only_gh import gate_problem, gh_problem
from review_gate.hooks.read_only_git import git_problem, matches
from review_gate.shell import syntax
from review_gate.shell.words import Word, resolve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

# Syntax a read-only command line may use; any other named node (a loop, a function, an
# assignment, an expansion...) is denied.
_NODES = frozenset(
    {
        "program", "comment", "command", "command_name", "word", "string", "string_content",
        "raw_string", "ansi_c_string", "concatenation", "number", "list", "pipeline",
        "subshell", "compound_statement", "redirected_statement", "file_redirect",
        "heredoc_redirect", "heredoc_start", "heredoc_body", "heredoc_content", "heredoc_end",
        "herestring_redirect", "file_descriptor", "negated_command",
    }
)  # fmt: skip
_EXPANSIONS = frozenset(
    {
        "simple_expansion", "expansion", "command_substitution", "process_substitution",
        "arithmetic_expansion", "translated_string",
    }
)  # fmt: skip
# Programs that only read (their risky options are checked in _TEXT_TOOLS_DENIED).
_TEXT_TOOLS = frozenset(
    {
        "cat", "head", "tail", "grep", "egrep", "fgrep", "rg", "wc", "ls", "find",
        "sort", "uniq", "cut", "diff", "stat", "file", "jq", "tree", "echo", "printf", "pwd",
        "true", "nl",
    }
)  # fmt: skip
# Options that write files or run programs, per program: an option is denied when it
# equals one of these or, for a long option, is an abbreviation of one (``--out``).
_TEXT_TOOLS_DENIED: dict[str, tuple[str, ...]] = {
    "find": (
        "-delete",
        "-exec",
        "-execdir",
        "-ok",
        "-okdir",
        "-fprint",
        "-fprint0",
        "-fprintf",
        "-fls",
    ),
    "sort": ("-o", "--output", "--compress-program"),
    "rg": ("--pre", "--pre-glob", "--hostname-bin"),
    "tree": ("-o", "--output"),
    "file": ("-C", "--compile"),
}
# Short options, by program, whose letter may not appear in a cluster (``sort -ro f``).
_SHORT_DENIED = {"sort": "o", "tree": "oR", "file": "C"}
# Options of the review commands that change files (``ruff check --fix``) or write
# reports: the commands are for running the checks, not for fixing what they find.
_REVIEW_DENIED = (
    "--fix", "--fix-only", "--unsafe-fixes", "--updateSnapshot", "--watch", "--add-noqa",
    "--output-file", "--output", "--basetemp",
    "--junitxml", "--junit-xml", "--report-log", "--resultlog", "--install-types",
    "--cache-dir", "--cov-report", "--html-report", "--txt-report", "--xml-report",
    "--linecount-report", "--any-exprs-report", "--lineprecision-report", "--write",
    "--update-snapshots", "-o", "-u", "--override-ini", "--log-file", "--debug",
)  # fmt: skip
#: What a read-only worker may run, for deny reasons.
PROGRAMS_HINT = (
    "read-only git (log, show, diff, status, blame, grep...), cat, grep, rg, ls, find, "
    "head, wc, nl, jq, gh issue/pr view, gh run view|list, gate issue show|comment, "
    "gate new|validate"
)


_DRAFTS = "review-gate-drafts-"


def drafts_dir(worker: str) -> str:
    """The worker's drafts directory, as dispatch/prompt.py names it."""
    return os.path.join(tempfile.gettempdir(), f"{_DRAFTS}{worker}")


def denial(
    command: str, worker: str, review_commands: Sequence[str] = (), *, outer: bool = True
) -> str | None:
    """What makes ``command`` more than reading (one phrase naming the command and why),
    or None when every part of it is on the allowlist. ``review_commands`` (a review
    worker's configured tests and linters) are allowed as the first words of a command.
    A line that is only ``bash -lc CODE`` (how Codex sends every command) is judged by
    CODE; a shell inside CODE is not unwrapped again. ``zsh -c CODE`` is unwrapped the
    same way, and its CODE may hold no glob, parenthesis or leading ``=`` in a word (zsh
    runs code from glob qualifiers ``*(e:...:)`` and expands ``=name`` to a path)."""
    if any(c < " " and c not in "\t\n" for c in command):
        return "the command holds control characters"
    if syntax.unsafe(command):
        return "the command has text the shell parser cannot read safely"
    root = syntax.parse(command)
    if root.has_error:
        return "the command could not be parsed"
    src = command.encode("utf-8", "surrogatepass")
    wrapped = syntax.shell_code(root, src) if outer else None
    if wrapped is not None:
        shell, code = wrapped
        problem = denial(code, worker, review_commands, outer=False)
        if problem is None and shell.rsplit("/", 1)[-1] == "zsh":
            problem = _zsh(code)
        return problem
    prefixes = [words for words in (_split(c) for c in review_commands) if words]
    for node in syntax.walk(root):
        kind = node.type
        if not node.is_named:
            continue
        if kind in _EXPANSIONS:
            return f"`{syntax.text(node)}` is computed at run time (use literal words)"
        if kind not in _NODES:
            what = kind.replace("_", " ")
            return f"`{_short(syntax.text(node))}` is a {what}, not a plain read-only command"
        if kind == "heredoc_redirect":
            problem = _heredoc(node, src)
        elif kind == "file_redirect":
            problem = _redirect(node, worker)
        elif kind == "command":
            problem = _command(syntax.command(node, src), worker, prefixes)
        else:
            problem = None
        if problem is not None:
            return problem
    return None


_UNQUOTE = re.compile(r"'[^']*'" + r'|"(?:[^"\\]|\\.)*"')


def _zsh(code: str) -> str | None:
    """What zsh reads differently from bash in CODE (already judged as bash), or None."""
    root = syntax.parse(code)
    src = code.encode("utf-8", "surrogatepass")
    for node in syntax.walk(root):
        if node.type != "command":
            continue
        for word in syntax.command(node, src).words:
            raw = _UNQUOTE.sub("", word.text)  # quoted text means the same in zsh
            if raw.startswith("=") or "(" in raw or ")" in raw:
                return f"`{_short(raw)}` means more in zsh than in bash (in `zsh -c`)"
    return None


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return []


def _short(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= 60 else line[:57] + "..."


def _delimiter(src: bytes, node: syntax.Node) -> tuple[str, bool] | None:
    """The delimiter word of the here-document at ``node`` as bash reads it from the
    source (quote removal), and whether it strips tabs (``<<-``); None when it has
    expansions. Read from the text, not from the syntax tree, so that a tree that ends
    the document elsewhere than bash does is caught (see :func:`_heredoc`)."""
    text = src[node.start_byte : node.end_byte].decode("utf-8", "replace")
    i = 2
    tabs = text[i : i + 1] == "-"
    i += tabs
    while i < len(text) and text[i] in " \t":
        i += 1
    j = i
    while j < len(text) and text[j] not in " \t\n;&|<>()":
        if text[j] == "\\":
            j += 2
        elif text[j] in "'\"":
            close = text.find(text[j], j + 1)
            j = len(text) if close < 0 else close + 1
        else:
            j += 1
    word = resolve(text[i:j])
    return None if word.value is None else (word.value, tabs)


def _heredoc(node: syntax.Node, src: bytes) -> str | None:
    start = next((c for c in node.children if c.type == "heredoc_start"), None)
    end = next((c for c in node.children if c.type == "heredoc_end"), None)
    found = _delimiter(src, node)
    if start is None or end is None or found is None:
        return "a here-document whose end the hook cannot tell"
    delimiter, tabs = found
    body = syntax.heredoc_text(node)
    lines = [line.lstrip("\t") if tabs else line for line in body.split("\n")]
    if syntax.text(end) != delimiter or delimiter in lines:
        # bash would end the document on another line than the parser did
        return f"a here-document whose end (`{_short(delimiter)}`) is ambiguous"
    quoted = any(q in syntax.text(start) for q in "'\"\\")
    if not quoted and ("$" in body or "`" in body):
        return (
            "an unquoted here-document expands `$`/backquotes in its text "
            "(quote the delimiter: <<'EOF')"
        )
    return None


def _inside(path: str, directory: str) -> bool:
    real = os.path.realpath(path)
    return real == directory or real.startswith(directory + os.sep)


def _redirect(node: syntax.Node, worker: str) -> str | None:
    if not syntax.write_redirect(node):
        return None
    dest = node.child_by_field_name("destination")
    target = resolve(syntax.text(dest)).exact if dest is not None else None
    if target == "/dev/null":
        return None
    drafts = drafts_dir(worker)
    # the directory must not be a link to somewhere else, nor the target lead out of it;
    # only notes (.md): a draft that is code could be run by a review command
    inside = target and os.path.isabs(target) and _inside(target, os.path.realpath(drafts))
    if inside and str(target).endswith(".md") and not os.path.islink(drafts):
        return None
    return (
        f"`{_short(syntax.text(node))}` writes a file (only /dev/null and .md files in the "
        f"drafts directory {drafts} may be written)"
    )


def _literal(words: Sequence[Word]) -> str | None:
    """Why a word is not literal enough: computed at run time, or a glob that could
    expand to a new option (``*`` matches a file named ``--output=x``); None if none."""
    for word in words:
        if word.value is None:
            return f"`{word.text}` is computed at run time (use literal words)"
        if word.glob and not _fixed_glob(word.value):
            return f"`{word.text}` may expand to an option (start the pattern with ./)"
    return None


def _fixed_glob(value: str) -> bool:
    """Whether every name a glob expands to means the same kind of word: it starts with
    a literal character that is no ``-`` (``src/*``), or is an option whose name is
    literal (``--include=*.py``)."""
    first = min((value.find(c) for c in "*?[{" if c in value), default=len(value))
    if first == 0:
        return False
    if value.startswith("-"):
        return "=" in value[:first]
    return True


def _command(cmd: syntax.Cmd, worker: str, prefixes: Sequence[Sequence[str]]) -> str | None:
    if cmd.assigns:
        return f"`{_short(cmd.text)}` sets a variable"
    if not cmd.words:
        return None
    bad = _literal(cmd.words)
    if bad is not None:
        return f"{bad} (in `{_short(cmd.text)}`)"
    words = [w.value or "" for w in cmd.words]
    for prefix in prefixes:
        if words[: len(prefix)] == list(prefix):
            return _review_args(" ".join(prefix), cmd.words[len(prefix) :])
        # `python -m pytest` for the configured `pytest`: the same tool, run as a module
        module = ["python3" if words[0] == "python3" else "python", "-m", *prefix]
        if words[: len(module)] == module:
            return _review_args(" ".join(module), cmd.words[len(module) :])
    name, args = words[0], words[1:]
    problem: str | None
    if name == "git":
        problem = git_problem(args)
    elif name == "gh":
        problem = gh_problem(args)
    elif name == "gate":
        problem = gate_problem(args)
    elif name == "cd":
        problem = _cd(cmd.words[1:])
    elif name == "sed":
        problem = _sed(args)
    elif name == "mkdir":
        problem = _mkdir(args, worker)
    elif name in _TEXT_TOOLS:
        problem = _text_tool(name, args)
    elif "/" in name:
        problem = f"`{name}` is run by path, not one of the read-only programs"
    else:
        problem = f"`{name}` is not one of the read-only programs"
    return None if problem is None else f"{problem} (in `{_short(cmd.text)}`)"


def _review_args(command: str, args: Sequence[Word]) -> str | None:
    """A review command's arguments: no option that fixes files or writes reports, and
    nothing from the drafts directory (a draft must not become its configuration)."""
    for arg in args:
        value = arg.value or ""
        name = value.split("=", 1)[0]
        writes = name.startswith("--") and name.endswith(("report", "xml", "output"))
        if writes or matches(value, _REVIEW_DENIED):
            return f"`{command} {value}` changes or writes files"
        if arg.glob or _DRAFTS in value:
            return f"`{command} {value}`: a review command reads no drafts or globbed names"
    return None


def _cd(args: Sequence[Word]) -> str | None:
    if any(a.glob or _DRAFTS in (a.value or "") for a in args):
        return "`cd` into the drafts directory or a globbed name is not needed"
    return None


def _text_tool(name: str, args: Sequence[str]) -> str | None:
    denied = _TEXT_TOOLS_DENIED.get(name, ())
    letters = _SHORT_DENIED.get(name, "")
    for arg in args:
        if arg in denied if name == "find" else matches(arg, denied):
            return f"`{name} {arg}` writes files or runs programs"
        short = arg.startswith("-") and not arg.startswith("--")
        if short and any(c in letters for c in arg[1:]):
            return f"`{name} {arg}` writes files"
    if name == "uniq" and len([a for a in args if not a.startswith("-")]) > 1:
        return "`uniq IN OUT` writes OUT"
    return None


def _sed(args: Sequence[str]) -> str | None:
    """Only ``sed -n 'A,Bp' [FILE...]``: line ranges; any other script may write (``w``)
    or run (``e``) something."""
    script = args[1] if len(args) > 1 and args[0] == "-n" else ""
    lines = script[:-1].split(",") if script.endswith("p") else []
    ranged = 1 <= len(lines) <= 2 and all(n.isdigit() or n == "$" for n in lines)
    if not ranged or any(a.startswith("-") for a in args[2:]):
        return "only `sed -n 'A,Bp' FILE` (print lines A to B) is read-only sed"
    return None


def _mkdir(args: Sequence[str], worker: str) -> str | None:
    drafts = os.path.normpath(drafts_dir(worker))
    for arg in args:
        if arg in ("-p", "--parents"):
            continue
        if os.path.normpath(arg) != drafts:
            return f"`mkdir {arg}`: only the drafts directory {drafts} may be made"
    return None
