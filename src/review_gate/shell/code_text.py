"""What a one-liner in another language (``python -c``, ``node -e``, ``perl -e``, ``awk``)
may do, read from its text: run programs or reach the network, write files, and which.

The code is not evaluated. Code that can do neither (``print('gh pr create')``,
``re.findall('gh pr create', text)``) only handles the text of a PR command, so it creates
no PR; anything that can run a program, load an unknown module or reach the network could,
and keeps the conservative answer. A literal protected path together with a write-ish word
(``open(..., 'w')``, ``os.remove``, ``fs.writeFileSync``, ``unlink``) is a write to it.
"""

from __future__ import annotations

from review_gate.shell.patterns import lazy
from review_gate.shell.prefilter import path_hint, words

#: Words (runs of letters and digits, lower case) of code that may run another program,
#: evaluate code, or reach the network.
_RUNS = words(
    "subprocess system popen popen2 popen3 open3 spawn spawnsync spawnv spawnvp spawnl exec "
    "execsync execfile execfilesync execv execve execvp execvpe execl execlp execute fork child "
    "pty shell sh bash zsh eval compile importlib runpy getattr globals builtins ctypes "
    "passthru proc qx command processbuilder runtime invoke iex start deno http https urllib "
    "urllib2 urllib3 urlopen request requests httpx aiohttp fetch axios socket net lwp curl "
    "wget octokit github ghapi graphql api getline dofile"
)
#: Modules whose import cannot run programs on its own (their use is checked word by word).
_SAFE_MODULES = words(
    "re sys os json textwrap string shlex pathlib glob fnmatch difflib collections itertools "
    "functools math datetime time csv tomllib toml yaml hashlib unicodedata pprint typing "
    "dataclasses enum argparse io strict warnings utf8 fs path util"
)
_IMPORT = lazy(
    r"\b(?:import|from)\s+([\w.]+(?:\s*,\s*[\w.]+)*)|\buse\s+([\w:]+)"
    r"|\b(?:require|load)\s*\(?\s*['\"]([^'\"]*)"
)
_TOKEN = lazy(r"[a-z0-9]+")
#: Words of code that writes, moves or removes a file (or runs something that may).
_WRITES = words(
    "write writes writefile writefilesync writelines appendfile appendfilesync remove removedirs "
    "unlink unlinksync rmtree rm rmsync rmdir rmdirsync rename renames renamesync chmod "
    "chmodsync chown lchown truncate copy copyfile copy2 copytree copyfilesync cp cpsync move "
    "mv symlink symlinksync link touch delete dump save shutil syswrite put fputs fwrite"
)
#: open() modes that write: python/ruby/node ("w", "a+"), perl ('>', '+<').
_MODES = frozenset(
    {"w", "a", "x", "w+", "a+", "r+", "wb", "ab", "xb", "wt", "at", ">", ">>", "+<", "+>"}
)
_LITERAL = lazy(r"'([^'\n]*)'|\"([^\"\n]*)\"")


def _tokens(code: str) -> set[str]:
    return set(_TOKEN.findall(code.lower()))


def can_run(code: str) -> bool:
    """Could ``code`` run a program, evaluate code or reach the network?"""
    import re

    if any(c in code for c in "`|") or "%x" in code:
        return True  # backticks, pipes to commands (awk, perl open), ruby %x()
    if not _RUNS.isdisjoint(_tokens(code)):
        return True
    for match in _IMPORT.finditer(code):
        found = match.group(1) or match.group(2) or match.group(3) or "?"
        for module in re.split(r"\s*,\s*", found):
            if re.split(r"[./:]", module.lstrip("./"))[0].lower() not in _SAFE_MODULES:
                return True
    return False


def _literals(code: str) -> list[str]:
    return [a or b for a, b in _LITERAL.findall(code)]


#: awk's `print > "file"`, perl's `open(F, "> file")`.
_REDIRECT = lazy(r">>?\s*[\"']")
#: Writing to the terminal is not writing a file.
_STDOUT = lazy(r"\b(?:sys\.)?std(?:out|err)\s*\.\s*write\w*|\$?stdout\.(?:write|print)")


def named_files(code: str) -> list[str]:
    """Every string literal of ``code`` that could be a file name (no spaces)."""
    return [
        p for p in (lit.lstrip("+<> ").strip() for lit in _literals(code)) if p and " " not in p
    ]


def writes(code: str) -> bool:
    """Does ``code`` write, move or remove files (or run something that may)?"""
    code = _STDOUT.sub(" ", code)
    toks = _tokens(code)
    if not _WRITES.isdisjoint(toks) or can_run(code) or _REDIRECT.search(code):
        return True
    return any(lit.strip() in _MODES or lit.startswith((">", "+<")) for lit in _literals(code))


def written_paths(code: str, cwd: str = "") -> list[str]:
    """Paths ``code`` names that may be the gate's own files, when it writes anything:
    string literals, and literals joined as path parts (``Path('.claude') / 'settings.json'``,
    ``os.path.join(HOME, '.codex', 'hooks.json')``), also under ``~`` when the code speaks
    of the home directory; a relative one also as seen from ``cwd``, the directory an
    earlier ``cd`` of the command moved to (``cd .git/hooks && python -c "open('pre-push',
    'w')"``)."""
    if not writes(code):
        return []
    parts = [lit.lstrip("+<> ").strip() for lit in _literals(code)]
    parts = [p for p in parts if p and " " not in p]
    home = any(h in code.lower() for h in ("home", "expanduser", "~", "env"))
    found: list[str] = []
    for i in range(len(parts)):
        for j in range(i + 1, min(i + 4, len(parts) + 1)):
            path = "/".join(p.strip("/") if k else p.rstrip("/") for k, p in enumerate(parts[i:j]))
            for candidate in (path, "~/" + path.lstrip("~/")) if home else (path,):
                seen = candidate.lower()
                if cwd and not seen.startswith(("/", "~")):
                    seen = f"{cwd.lower().rstrip('/')}/{seen}"
                if (path_hint(candidate.lower()) or path_hint(seen)) and candidate not in found:
                    found.append(candidate)
    return found[:32]


#: ``pytest -k pr_create``, ``npm test -- --grep createPullRequest``, ``go test -run X``:
#: a one-word value of a test runner's selector option names tests, not a command line
#: (a command line needs spaces), so it does not count as mentioning PR creation.
_SELECTOR = lazy(
    r"(?:^|(?<=[\s'\"=]))(?:-k|-t|-g|--grep|--testNamePattern|--test-name-pattern|-run"
    r"|--filter|--match|--tests?)(?:=|\s+)(?:'[^'\s]*'|\"[^\"\s]*\"|[^\s'\";&|()<>`$]+)"
)


def without_test_selectors(text: str) -> str:
    """``text`` with the values of test selector options blanked."""
    if not any(option in text for option in _SELECTOR_OPTIONS):
        return text  # (the usual case: no need to compile the pattern)
    return _SELECTOR.sub(" ", text)


#: Every option _SELECTOR knows starts with one of these.
_SELECTOR_OPTIONS = (
    "-k",
    "-t",
    "-g",
    "--grep",
    "--testNamePattern",
    "--test",
    "-run",
    "--filter",
    "--match",
)
