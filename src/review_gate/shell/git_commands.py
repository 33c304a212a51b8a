"""Tamper protection: git invocations and environment that switch off the gate's git hooks."""

from __future__ import annotations

from review_gate.shell import options as opts
from review_gate.shell.git_exec_keys import runs_program
from review_gate.shell.prefilter import prish, words
from review_gate.shell.records import Findings, PrCreation
from review_gate.shell.words import DYN, Word

TYPE_CHECKING = False  # keeps `typing` and `collections` out of the hook's imports
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

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


_NV = "no-verify"
_HP = "hooks-path"


def _is_no_verify(arg: str) -> bool:
    # git's option parser accepts unambiguous abbreviations: --no-verif, --no-veri
    return len(arg) >= len("--no-ver") and "--no-verify".startswith(arg)


def _hookspath(key: str) -> bool:
    return key.strip().lower() == "core.hookspath"


def _mentions_bypass(value: str) -> bool:
    low = value.lower()
    return "--no-verify" in low or "hookspath" in low or " -n" in f" {low}"


_PROTECTED = "protected"
_RUNS = (
    "{key} names a program git runs: set in this checkout, a reviewer's `git log -p` or "
    "`git status` would run it"
)
#: Pager values that run nothing but the usual pagers.
_PLAIN_PAGERS = frozenset({"", "cat", "less", "less -r", "less -fr", "less -frx", "more"})
_BOOLS = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0", ""})


def _runs_program(key: str, values: Sequence[str | None], *, unset: bool) -> bool:
    """Does setting ``key`` to ``values`` make git run a program (see :mod:`.git_exec_keys`)?
    Unsetting one runs nothing; ``core.pager=cat`` runs only cat."""
    low = key.strip().lower()
    if unset:
        return False
    value = values[0] if values else None
    plain = value.strip().lower() if value is not None else None
    if (low == "core.pager" or low.startswith("pager.")) and plain in _PLAIN_PAGERS | _BOOLS:
        return False
    if low == "core.fsmonitor" and plain in _BOOLS:
        return False  # git's own fsmonitor daemon, or none
    return runs_program(key, value)


def _none(*_: object) -> None:
    return None


def _include_key(key: str) -> bool:
    low = key.strip().lower()
    return low == "include.path" or (low.startswith("includeif.") and low.endswith(".path"))


def git(
    text: str,
    args: Sequence[Word],
    out: Findings,
    *,
    code: Callable[[str | None], None] = _none,
    run: Callable[[list[Word]], None] = _none,
    include: Callable[[str, Word], None] = _none,
) -> None:
    """``git push --no-verify``, ``commit -n``, ``-c core.hooksPath=...``, ``config``.

    ``code`` gets strings git would run as shell commands (``-c core.pager=...``,
    ``rebase --exec``); ``run`` gets command lines it runs (``bisect run CMD...``);
    ``include`` gets configuration files git reads (``-c include.path=F``).
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
            out.tamper(text, "git -c with a computed setting could set core.hooksPath", _HP)
        elif _hookspath(key) and hooked:
            out.tamper(text, "git -c core.hooksPath=... bypasses the review gate's git hooks", _HP)
        elif _include_key(key):
            include(text, Word(value, None if DYN in value else value, value))
        elif DYN in key:
            out.tamper(text, "git -c with a computed setting could name a program", _PROTECTED)
        elif key.lower().startswith("alias.") and _mentions_bypass(value):
            out.tamper(
                text, "a git alias with --no-verify or core.hooksPath bypasses the git hooks", _NV
            )
        elif key.lower().startswith("alias.") and prish(value):
            out.undecided(text, "a git alias that runs PR-creating commands")
        elif (DYN in value or o.name != "-c") and _runs_program(key, [None], unset=False):
            # One command's setting: its value runs as shell code (`code` above) unless
            # computed at run time.
            out.tamper(text, f"git {o.name} {key}=<computed> runs a program", _PROTECTED)
    if sub_opt is None:
        return
    rest = args[sub_opt.at + 1 :]
    if sub is None:
        if any(w.value is not None and _is_no_verify(w.value) for w in rest):
            out.tamper(text, "git --no-verify skips the review gate's git hooks", _NV)
        return
    if sub == "pull-request":
        out.pr(PrCreation(via="hub pull-request", command=text))
    elif sub in _NO_VERIFY:
        _no_verify(text, sub, rest, out)
    elif sub == "config":
        _config(text, rest, out, code)
    if sub in _HOOKLESS_PUSH:
        out.tamper(
            text,
            f"git {sub} pushes without running the review gate's pre-push hook",
            "hookless-push",
        )
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
            out.tamper(text, f"git {sub} --no-verify skips the review gate's git hooks", _NV)
        elif sub == "commit" and o.name == "-n":
            out.tamper(text, "git commit -n (--no-verify) skips the review gate's git hooks", _NV)
        elif o.name == "--verify" and o.value is not None and o.value.value == "false":
            out.tamper(text, f"git {sub} --verify=false skips the review gate's git hooks", _NV)


def _config(
    text: str, rest: Sequence[Word], out: Findings, code: Callable[[str | None], None] = _none
) -> None:
    parsed = opts.parse(rest, (_CONFIG_SHORT, _CONFIG_LONG))
    names = {o.name for o in parsed}
    pos = opts.positionals(parsed)
    values = [o.value.value if o.value is not None else None for o in pos]
    if names & {"--edit", "-e"} or values[:1] == ["edit"]:
        out.tamper(text, "git config --edit can change core.hooksPath", _HP)
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
        out.tamper(text, "removing git's core section drops core.hooksPath", _HP)
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
    unsets = verb == "unset" or bool(names & {"--unset", "--unset-all"})
    if key is None:
        out.tamper(text, "git config with a computed key could set core.hooksPath", _HP)
    elif _include_key(key):
        out.tamper(text, "git config include.path can pull in a core.hooksPath setting", _HP)
    elif _hookspath(key):
        out.tamper(
            text, "git config core.hooksPath changes where the review gate's git hooks live", _HP
        )
    elif key.lower().startswith("alias.") and any(
        v is not None and _mentions_bypass(v) for v in values[1:]
    ):
        out.tamper(
            text, "a git alias with --no-verify or core.hooksPath bypasses the git hooks", _NV
        )
    elif key.lower().startswith("alias.") and prish(" ".join(map(str, values[1:]))):
        out.undecided(text, "a git alias that runs PR-creating commands")
    elif _runs_program(key, values[1:], unset=unsets):
        out.tamper(text, _RUNS.format(key=key), _PROTECTED)


def assignments(
    text: str,
    assigns: Sequence[tuple[str, Word]],
    out: Findings,
    *,
    before_git: bool,
    include: Callable[[str, Word], None] = _none,
) -> None:
    """Environment assignments that switch hooks off (pre-commit SKIP, GIT_CONFIG_*, HUSKY);
    ``include`` gets configuration files they make git read (``GIT_CONFIG_GLOBAL=F``)."""
    values = dict(assigns)
    for name, word in assigns:
        value = word.template.lower()
        if name == "SKIP" and (
            "review" in value or "gate" in value or (DYN in value and before_git)
        ):
            out.tamper(text, "SKIP=... tells pre-commit to skip the review gate's hooks", "skip")
        elif name == "GIT_CONFIG_PARAMETERS" and (
            "hookspath" in value or "include" in value or (DYN in value and before_git)
        ):
            out.tamper(
                text, "GIT_CONFIG_PARAMETERS setting core.hooksPath bypasses the git hooks", _HP
            )
        elif name.startswith("GIT_CONFIG_KEY_") and (_hookspath(value) or DYN in value):
            out.tamper(
                text, "GIT_CONFIG_KEY_n=core.hooksPath bypasses the review gate's git hooks", _HP
            )
        elif name.startswith("GIT_CONFIG_KEY_") and _include_key(value):
            number = name.removeprefix("GIT_CONFIG_KEY_")
            include(text, values.get(f"GIT_CONFIG_VALUE_{number}", Word("", None, DYN)))
        elif name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG"):
            include(text, word)
        elif before_git and (
            (name == "HUSKY" and value == "0") or (name == "HUSKY_SKIP_HOOKS" and value != "0")
        ):
            out.tamper(
                text, f"{name}={word.template} switches the repository's git hooks off", "skip"
            )
