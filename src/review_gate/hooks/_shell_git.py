"""Tamper protection: git invocations and environment that switch off the gate's git hooks."""

from __future__ import annotations

from collections.abc import Sequence

from review_gate.hooks import _shell_opts as opts
from review_gate.hooks._shell_records import Findings, PrCreation
from review_gate.hooks._shell_text import prish, words
from review_gate.hooks._shell_words import DYN, Word

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
    "rm mv cp ln chmod chown truncate tee unlink shred install dd sed touch rmdir"
)


def _is_no_verify(arg: str) -> bool:
    # git's option parser accepts unambiguous abbreviations: --no-verif, --no-veri
    return len(arg) >= len("--no-ver") and "--no-verify".startswith(arg)


def _hookspath(key: str) -> bool:
    return key.strip().lower() == "core.hookspath"


def _mentions_bypass(value: str) -> bool:
    low = value.lower()
    return "--no-verify" in low or "hookspath" in low or " -n" in f" {low}"


def git(text: str, args: Sequence[Word], out: Findings) -> None:
    """``git push --no-verify``, ``commit -n``, ``-c core.hooksPath=...``, ``config``."""
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
        _config(text, rest, out)


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


def _config(text: str, rest: Sequence[Word], out: Findings) -> None:
    parsed = opts.parse(rest, (_CONFIG_SHORT, _CONFIG_LONG))
    names = {o.name for o in parsed}
    pos = opts.positionals(parsed)
    values = [o.value.value if o.value is not None else None for o in pos]
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
    if key is None:
        out.tamper(text, "git config with a computed key could set core.hooksPath")
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


def hook_dir_write(text: str, name: str, args: Sequence[Word], targets: Sequence[Word]) -> bool:
    """Does this command modify files under .git/hooks?"""

    def inside(w: Word) -> bool:
        return ".git/hooks" in w.template.replace("\\", "/")

    if any(inside(t) for t in targets):
        return True
    return name in _HOOK_DIR_WRITERS and any(inside(a) for a in args)
