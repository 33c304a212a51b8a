"""Code runners: shells reading files or stdin, and interpreter one-liners (python -c...)."""

from __future__ import annotations

from review_gate.shell import code_text, paths
from review_gate.shell import syntax as tree
from review_gate.shell.prefilter import path_hint, prish, words
from review_gate.shell.words import Word, joined, literal

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Sequence

    from review_gate.shell.walker import Analyser

_SAFE_MODULES = words(
    "pytest pip venv mypy ruff black isort flake8 pylint unittest coverage build "
    "twine json.tool http.server pydoc timeit cProfile compileall ensurepip doctest "
    "py_compile pdb trace tox nox pre_commit"
)
#: ``python -m`` modules whose arguments are Python code they run (or pdb commands).
_ARG_CODE_MODULES = words("timeit pdb")
_INTERPRETERS = words(
    "python pypy perl ruby php lua node nodejs deno bun rscript osascript pwsh powershell "
    "luajit tclsh jshell julia"
)


def interpreter_family(name: str) -> str | None:
    """``python`` for ``python3.11`` (a known interpreter's name with a version of digits
    and dots), None for any other program. String tests, not a regular expression: every
    parsed command asks, and ``re`` costs the hook 3 ms to import."""
    family = name.rstrip("0123456789.")
    return family if family in _INTERPRETERS else None


#: interpreter -> (option letters whose value is code, long options whose value is code)
_CODE_FLAGS = {
    "python": ("c", ("--command",)),
    "pypy": ("c", ()),
    "perl": ("eE", ()),
    "ruby": ("e", ()),
    "php": ("r", ("--run",)),
    "lua": ("e", ()),
    "luajit": ("e", ()),
    "node": ("ep", ("--eval", "--print")),
    "nodejs": ("ep", ("--eval", "--print")),
    "bun": ("e", ("--eval", "--print")),
    "deno": ("", ()),
    "rscript": ("e", ()),
    "osascript": ("e", ()),
    "pwsh": ("c", ("-command", "--command", "-c")),
    "powershell": ("c", ("-command", "--command")),
    "julia": ("e", ("--eval",)),
}


def script(
    a: Analyser, cmd: tree.Cmd, src: bytes, depth: int, args: list[Word], index: int, what: str
) -> None:
    """``source FILE`` / ``bash FILE``: code from a file or a process substitution."""
    if index >= len(args):
        return
    at = next((k for k, w in enumerate(cmd.words) if w is args[index]), None)
    nodes = cmd.word_nodes[at] if at is not None else []
    if len(nodes) == 1 and nodes[0].type == "process_substitution":
        inner = [c for c in nodes[0].children if c.is_named]
        if len(inner) == 1:
            produced = tree.produce(inner[0], src)
            if produced.code is not None:
                a.code(produced.code, depth + 1)
                return
            a.unknown_code(cmd.text, produced.source, f"{what} produced at run time")
            return
    if args[index].value in ("/dev/stdin", "-"):
        stdin_code(a, cmd, src, depth, what)
        return
    a.unknown_code(cmd.text, cmd.text, f"{what} this hook cannot see")


def stdin_code(a: Analyser, cmd: tree.Cmd, src: bytes, depth: int, what: str) -> None:
    """Shell code ``cmd`` reads on stdin (a heredoc, a here-string, a pipe)."""
    feed = tree.stdin_of(cmd, src)
    if feed is None:
        return
    if feed.code is not None:
        a.code(feed.code, depth + 1)
    else:
        a.unknown_code(cmd.text, feed.source, f"{what}: code read from stdin")


def shell(
    a: Analyser, cmd: tree.Cmd, src: bytes, depth: int, args: list[Word], *, stdin: bool
) -> None:
    """``bash -c CODE``, ``bash FILE``, ``bash <<EOF``."""
    has_c = False
    i = 0
    while i < len(args):
        value = args[i].value
        if value is None or value in ("-", "--") or not value.startswith(("-", "+")):
            if value in ("-", "--"):
                i += 1
            break
        if value in ("--rcfile", "--init-file", "-o", "+o", "-O", "+O"):
            i += 2
            continue
        if not value.startswith("--") and "c" in value[1:]:
            has_c = True
        i += 1
    operands = args[i:]
    if has_c:
        if operands:
            a.shell_code(cmd.text, operands[0], depth, "shell -c code computed at run time")
    elif operands:
        script(a, cmd, src, depth, args, i, "runs a script")
    elif stdin:
        stdin_code(a, cmd, src, depth, "shell")


def interpreted(a: Analyser, text: str, name: str, codes: Sequence[str]) -> None:
    """Code in another language: it matters if it may create a PR (it mentions one and can
    run programs or reach the network) or write the gate's own files."""
    if any(prish(code) and code_text.can_run(code) for code in codes):
        a.out.undecided(text, f"{name} code that mentions PR creation")
    for code in codes:
        if "hookspath" in code.lower() and code_text.writes(code):
            a.out.tamper(text, f"{name} code that changes core.hooksPath", "hooks-path")
        for path in code_text.written_paths(code, a.cwd):
            a.touch(text, paths.Touch(f"{name} code", "may write or remove", literal(path)))
        if a.cwd and path_hint(a.cwd.lower()) and code_text.writes(code):
            # `cd .git/hooks && python -c "...os.listdir()..."`: files it finds there
            where = paths.Touch(f"{name} code", "may write or remove", literal("."), True)
            a.touch(text, where)
        if code_text.writes(code):  # a PR body file it may write is not read from disk
            for named in code_text.named_files(code):
                a.contents[paths.normal(a.cwd, named)] = None


def interpreter(
    a: Analyser, cmd: tree.Cmd, src: bytes, depth: int, name: str, args: list[Word], *, stdin: bool
) -> None:
    """``python -c CODE``, ``node -e CODE``, ``perl script.pl``, ``ruby <<EOF``..."""
    family = interpreter_family(name) or name
    shorts, longs = _CODE_FLAGS.get(family, ("", ()))
    text = cmd.text
    codes: list[Word] = []
    runs_other = False
    i = 0
    if family in ("deno", "bun") and args and args[0].value == "eval":
        codes.append(args[1] if len(args) > 1 else literal(""))
        i = len(args)
    while i < len(args):
        value = args[i].value
        if value is None:
            runs_other = True
            break
        if value == "-":
            break
        low = value.lower()
        if value.startswith("--") or (
            family in ("pwsh", "powershell") and low.startswith("-") and len(low) > 2
        ):
            flag, eq, attached = low.partition("=")
            if flag in longs:
                codes.append(
                    literal(attached) if eq else (args[i + 1] if i + 1 < len(args) else literal(""))
                )
                i += 1
            i += 1
            continue
        if value.startswith("-") and len(value) > 1:
            for j, char in enumerate(value[1:]):
                if char in shorts:
                    attached = value[j + 2 :]
                    if attached:
                        codes.append(literal(attached))
                    elif i + 1 < len(args):
                        codes.append(args[i + 1])
                        i += 1
                    break
                if family == "python" and char == "m":
                    attached_module = bool(value[j + 2 :])
                    module = value[j + 2 :] or (args[i + 1].value if i + 1 < len(args) else "")
                    runs_other = module not in _SAFE_MODULES
                    if module in _ARG_CODE_MODULES:
                        # `python -m timeit 'os.system(...)'`, `-m pdb -c '!...'`
                        start = i + (1 if attached_module else 2)
                        codes.append(joined(args[start:]))
                    i = len(args)
                    break
            i += 1
            continue
        runs_other = not codes
        break
    for code in codes:
        if code.value is None:
            a.unknown_code(text, code.text, f"{name} code computed at run time")
    interpreted(a, text, name, [c.value for c in codes if c.value is not None])
    if codes:
        return
    if runs_other:
        a.unknown_code(text, text, f"{name} runs a program this hook cannot see")
    elif stdin:
        feed = tree.stdin_of(cmd, src)
        if feed is not None and feed.code is not None:
            interpreted(a, text, name, [feed.code])
        elif feed is not None:
            a.unknown_code(text, feed.source, f"{name} reads code from stdin")
