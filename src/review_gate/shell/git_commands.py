"""Tamper protection: git invocations and environment that switch off the gate's git hooks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase

from review_gate.shell import options as opts
from review_gate.shell.prefilter import prish, words
from review_gate.shell.records import Findings, PrCreation
from review_gate.shell.words import DYN, Word, expand_braces

_GLOBAL_SHORT = "Cc"
_GLOBAL_LONG = words("--git-dir --work-tree --namespace --config-env --super-prefix --list-cmds")
#: Subcommands that run the commit-msg / pre-push hooks (or create commits that would).
_HOOKED = words("commit push merge pull am rebase cherry-pick revert")
_NO_VERIFY = frozenset({"commit", "push", "merge", "pull", "am"})
# Short options of `git commit` that take a value: in `-mn` the "n" is the message.
_COMMIT_SHORT = "mFCct"
_COMMIT_LONG = words(
    "--message --file --reuse-message --reedit-message --template --author --date "
    "--cleanup --fixup --squash --trailer --pathspec-from-file"
)
_CONFIG_SHORT = "f"
_CONFIG_LONG = words("--file --blob --type --default --comment --value")
_CONFIG_READ = words("--get --get-all --get-regexp --get-urlmatch --list -l --show-origin")
_CONFIG_WRITE_VERBS = words("set unset rename-section remove-section edit")
_HOOK_DIR_WRITERS = words(
    "rm mv cp ln chmod chown truncate tee unlink shred install dd sed touch rmdir perl rsync"
)
#: Push without running the pre-push hook (only `git push` runs it).
_HOOKLESS_PUSH = words("send-pack http-push")
#: git subcommand -> options whose value is a shell command git runs.
_CODE_OPTIONS = {
    "rebase": ("x", ("--exec",)),
    "difftool": ("xt", ("--extcmd", "--tool")),
    "mergetool": ("t", ("--tool",)),
    "filter-branch": (
        "",
        tuple(
            words(
                "--env-filter --tree-filter --index-filter --parent-filter --msg-filter "
                "--commit-filter --tag-name-filter --setup"
            )
        ),
    ),
    "fetch": ("", ("--upload-pack",)),
    "pull": ("", ("--upload-pack",)),
    "clone": ("u", ("--upload-pack",)),
    "ls-remote": ("", ("--upload-pack",)),
    "archive": ("", ("--exec",)),
    "push": ("", ("--receive-pack", "--exec")),
    "send-pack": ("", ("--receive-pack", "--exec")),
}


def _is_no_verify(arg: str) -> bool:
    # git's option parser accepts unambiguous abbreviations: --no-verif, --no-veri
    return len(arg) >= len("--no-ver") and "--no-verify".startswith(arg)


def _hookspath(key: str) -> bool:
    return key.strip().lower() == "core.hookspath"


def _mentions_bypass(value: str) -> bool:
    low = value.lower()
    return "--no-verify" in low or "hookspath" in low or " -n" in f" {low}"


def _none(_: object) -> None:
    return None


def git(
    text: str,
    args: Sequence[Word],
    out: Findings,
    *,
    code: Callable[[str | None], None] = _none,
    run: Callable[[list[Word]], None] = _none,
) -> None:
    """``git push --no-verify``, ``commit -n``, ``-c core.hooksPath=...``, ``config``.

    ``code`` gets strings git would run as shell commands (``-c core.pager=...``,
    ``rebase --exec``); ``run`` gets command lines it runs (``bisect run CMD...``).
    """
    parsed = opts.parse(args, (_GLOBAL_SHORT, _GLOBAL_LONG), stop_at_positional=True)
    pos = opts.positionals(parsed)
    sub_opt = pos[0] if pos else None
    sub = sub_opt.value.exact if sub_opt is not None and sub_opt.value is not None else None
    if sub_opt is not None and sub_opt.name == opts.UNKNOWN:
        sub = None
    hooked = sub is None or sub in _HOOKED
    for o in parsed:
        if sub_opt is not None and o.at >= sub_opt.at:
            break
        if o.name not in ("-c", "--config-env") or o.value is None:
            continue
        key, _, value = o.value.template.partition("=")
        if o.name == "-c" and DYN not in value:
            code(value[1:] if value.startswith("!") else value)  # core.pager, alias.x=!cmd
        if DYN in key and hooked and sub_opt is not None:
            out.tamper(text, "git -c with a computed setting could set core.hooksPath")
        elif _hookspath(key) and hooked:
            out.tamper(text, "git -c core.hooksPath=... bypasses the review gate's git hooks")
        elif key.lower().startswith("alias.") and _mentions_bypass(value):
            out.tamper(
                text, "a git alias with --no-verify or core.hooksPath bypasses the git hooks"
            )
        elif key.lower().startswith("alias.") and prish(value):
            out.undecided(text, "a git alias that runs PR-creating commands")
    if sub_opt is None:
        return
    rest = args[sub_opt.at + 1 :]
    if sub is None:
        if any(w.value is not None and _is_no_verify(w.value) for w in rest):
            out.tamper(text, "git --no-verify skips the review gate's git hooks")
        return
    if sub == "pull-request":
        out.pr(PrCreation(via="hub pull-request", command=text))
    elif sub in _NO_VERIFY:
        _no_verify(text, sub, rest, out)
    elif sub == "config":
        _config(text, rest, out, code)
    if sub in _HOOKLESS_PUSH:
        out.tamper(text, f"git {sub} pushes without running the review gate's pre-push hook")
    _embedded(sub, rest, code, run)


def _embedded(
    sub: str, rest: Sequence[Word], code: Callable[[str | None], None], run: Callable[..., None]
) -> None:
    """Commands a git subcommand runs: ``rebase -x``, ``bisect run``, ``submodule foreach``."""
    if sub in _CODE_OPTIONS:
        shorts, longs = _CODE_OPTIONS[sub]
        parsed = opts.parse(rest, (shorts, longs))
        for value in opts.values(parsed, *[f"-{c}" for c in shorts], *longs):
            code(value.value)
    values = [w.value for w in rest]
    if sub == "bisect" and "run" in values:
        run(list(rest[values.index("run") + 1 :]))
    elif sub == "submodule" and "foreach" in values:
        tail = [
            w
            for w in rest[values.index("foreach") + 1 :]
            if w.value not in ("--recursive", "-q", "--quiet")
        ]
        joined = " ".join(w.template for w in tail)
        code(None if DYN in joined else joined)


def _no_verify(text: str, sub: str, rest: Sequence[Word], out: Findings) -> None:
    table: opts.Table = (
        (_COMMIT_SHORT, _COMMIT_LONG) if sub == "commit" else ("o", ("--push-option",))
    )
    for o in opts.parse(rest, table, attached="Su" if sub == "commit" else ""):
        if o.name.startswith("--") and _is_no_verify(o.name):
            out.tamper(text, f"git {sub} --no-verify skips the review gate's git hooks")
        elif sub == "commit" and o.name == "-n":
            out.tamper(text, "git commit -n (--no-verify) skips the review gate's git hooks")
        elif o.name == "--verify" and o.value is not None and o.value.value == "false":
            out.tamper(text, f"git {sub} --verify=false skips the review gate's git hooks")


def _config(
    text: str, rest: Sequence[Word], out: Findings, code: Callable[[str | None], None] = _none
) -> None:
    parsed = opts.parse(rest, (_CONFIG_SHORT, _CONFIG_LONG))
    names = {o.name for o in parsed}
    pos = opts.positionals(parsed)
    values = [o.value.value if o.value is not None else None for o in pos]
    if names & {"--edit", "-e"} or values[:1] == ["edit"]:
        out.tamper(text, "git config --edit can change core.hooksPath")
        return
    sections = [
        o.value.value
        for o in parsed
        if o.name in ("--remove-section", "--rename-section") and o.value is not None
    ]
    if values[:1] in (["remove-section"], ["rename-section"]):
        sections += values[1:2]
    elif names & {"--remove-section", "--rename-section"}:
        sections += values[:1]
    if any(v is None or v.lower() == "core" for v in sections):
        out.tamper(text, "removing git's core section drops core.hooksPath")
        return
    verb = values[0] if values and values[0] in _CONFIG_WRITE_VERBS | {"get", "list"} else None
    if verb is not None:
        values = values[1:]
    if not values:
        return
    key = values[0]
    writes = verb in _CONFIG_WRITE_VERBS or (
        verb is None
        and not names & _CONFIG_READ
        and (len(values) >= 2 or bool(names & {"--unset", "--unset-all", "--add", "--replace-all"}))
    )
    if not writes:
        return
    for value in values[1:]:
        code(value[1:] if value and value.startswith("!") else value)  # core.pager, alias.x=!cmd
    if key is None:
        out.tamper(text, "git config with a computed key could set core.hooksPath")
    elif key.lower() == "include.path" or (
        key.lower().startswith("includeif.") and key.lower().endswith(".path")
    ):
        out.tamper(text, "git config include.path can pull in a core.hooksPath setting")
    elif _hookspath(key):
        out.tamper(text, "git config core.hooksPath changes where the review gate's git hooks live")
    elif key.lower().startswith("alias.") and any(
        v is not None and _mentions_bypass(v) for v in values[1:]
    ):
        out.tamper(text, "a git alias with --no-verify or core.hooksPath bypasses the git hooks")
    elif key.lower().startswith("alias.") and prish(" ".join(map(str, values[1:]))):
        out.undecided(text, "a git alias that runs PR-creating commands")


def assignments(
    text: str, assigns: Sequence[tuple[str, Word]], out: Findings, *, before_git: bool
) -> None:
    """Environment assignments that switch hooks off (pre-commit SKIP, GIT_CONFIG_*, HUSKY)."""
    for name, word in assigns:
        value = word.template.lower()
        if name == "SKIP" and (
            "review" in value or "gate" in value or (DYN in value and before_git)
        ):
            out.tamper(text, "SKIP=... tells pre-commit to skip the review gate's hooks")
        elif name == "GIT_CONFIG_PARAMETERS" and (
            "hookspath" in value or (DYN in value and before_git)
        ):
            out.tamper(text, "GIT_CONFIG_PARAMETERS setting core.hooksPath bypasses the git hooks")
        elif name.startswith("GIT_CONFIG_KEY_") and (_hookspath(value) or DYN in value):
            out.tamper(text, "GIT_CONFIG_KEY_n=core.hooksPath bypasses the review gate's git hooks")
        elif before_git and (
            (name == "HUSKY" and value == "0") or (name == "HUSKY_SKIP_HOOKS" and value != "0")
        ):
            out.tamper(text, f"{name}={word.template} switches the repository's git hooks off")


#: Files that wire review-gate's agent hooks into Claude Code and Codex.
_AGENT_HOOK_FILES = (".claude/settings.json", ".claude/settings.local.json", ".codex/hooks.json")


def agent_hooks_write(name: str, args: Sequence[Word], targets: Sequence[Word]) -> bool:
    """Does this command remove or rewrite the agent hook configuration?"""

    def hooks_file(w: Word) -> bool:
        low = w.template.replace("\\", "/").lower().rstrip("/")
        return low.endswith(_AGENT_HOOK_FILES) or low.endswith((".claude", ".codex"))

    return any(hooks_file(t) for t in targets) or (
        name in _HOOK_DIR_WRITERS and any(hooks_file(a) for a in args)
    )


def uninstalls_hooks(name: str, args: Sequence[Word]) -> bool:
    """``gate uninstall ...`` / ``pre-commit uninstall``: the gate's hooks removed."""
    values = [w.value for w in args]
    return name in ("gate", "pre-commit") and "uninstall" in values[:3]


def join_dir(cwd: str, target: str) -> str:
    """The directory after ``cd target`` from ``cwd`` (textual, for .git/hooks checks)."""
    if target.startswith(("/", "~")) or not cwd:
        return target
    return cwd.rstrip("/") + "/" + target


def _in_hooks(word: Word, cwd: str = "") -> bool:
    """Could ``word`` name .git/hooks or a file in it (after ``cd cwd``)?"""
    template = word.template.replace("\\", "/")
    if DYN in template and "git" in word.text.lower() and "hook" in word.text.lower():
        return True  # "$(git rev-parse --git-path hooks)/pre-push"
    path = join_dir(cwd, template).lower()
    if "git" not in path:
        return False
    variants = expand_braces(path) if "{" in path else [path]
    for variant in variants:
        segments: list[str] = []
        for seg in variant.replace(DYN, "*").split("/"):
            if seg == "..":
                if segments:
                    segments.pop()
            elif seg not in ("", "."):
                segments.append(seg)
        for i, seg in enumerate(segments):
            if "git" in seg and fnmatchcase(".git", seg):
                tail = "/".join(segments[i:])
                if fnmatchcase(".git/hooks", tail) or fnmatchcase(".git/hooks/pre-push", tail):
                    return True
    return False


def hook_dir_write(
    text: str, name: str, args: Sequence[Word], targets: Sequence[Word], cwd: str = ""
) -> bool:
    """Does this command modify files under .git/hooks?"""
    if any(_in_hooks(t, cwd) for t in targets):
        return True
    return name in _HOOK_DIR_WRITERS and any(_in_hooks(a, cwd) for a in args)


def config_file_write(name: str, args: Sequence[Word], targets: Sequence[Word]) -> bool:
    """Does this command write a git config file (the caller checks for hooksPath)?"""

    def config(w: Word) -> bool:
        low = w.template.lower()
        return low.endswith(("config", "gitconfig")) or "/config" in low

    return any(config(t) for t in targets) or (
        name in _HOOK_DIR_WRITERS and any(config(a) for a in args)
    )


def find_deletes_hooks(args: Sequence[Word], cwd: str = "") -> bool:
    """``find .git/hooks -delete``, ``find .git -name pre-push -exec rm {} +``."""
    starts: list[Word] = []
    for word in args:
        if word.template.startswith(("-", "(", "!")):
            break
        starts.append(word)
    values = {w.value for w in args}
    runs = values & {"-exec", "-execdir", "-ok", "-okdir"}
    if "-delete" not in values and not (runs and values & _HOOK_DIR_WRITERS):
        return False
    for start in starts:
        path = join_dir(cwd, start.template).rstrip("/").lower()
        if path.endswith(".git") or _in_hooks(start, cwd):
            return True
    return False
