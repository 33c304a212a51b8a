"""Forged authors: a command that chooses who a local tracker comment is from.

The local tracker records a comment as ``--author LOGIN``, else ``$REVIEW_GATE_AUTHOR``,
else ``$USER`` (``review_gate.trackers.local.default_author``). The dispatcher gives a
review worker its reviewer identity in ``REVIEW_GATE_AUTHOR`` and takes it from every other
worker (``review_gate.dispatch.review_identity``), so an agent that picks the author itself
can post a REVIEW (or a WORKER assignment) as somebody else. In a gated checkout these are
tamper routes:

- any ``gate`` command given ``--author`` (``--author X``, ``--author=X``), or a computed
  argument of ``gate issue comment`` that could be one;
- ``REVIEW_GATE_AUTHOR`` set, exported, unset or given to ``env`` in the command, in any
  shell form or in interpreter code (``os.environ['REVIEW_GATE_AUTHOR'] = ...``);
- ``USER=...`` in a command that runs ``gate``.
"""

from __future__ import annotations

from review_gate.shell import options as opts
from review_gate.shell.patterns import lazy
from review_gate.shell.words import DYN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from review_gate.shell.records import Findings
    from review_gate.shell.words import Word

KIND = "author"
VAR = "REVIEW_GATE_AUTHOR"
_REASON = "chooses who a local tracker comment is from"
#: Options of `gate issue comment` that take a value (a computed word after one is that value).
_COMMENT_VALUES = (
    "C",
    ("--body-file", "--association", "--tracker", "--repo", "--cwd", "--format"),
)
#: The variable set (`X=`, `${X:=`, `X": "` in code, `putenv("X", `), or named by a command
#: that sets, exports or unsets it (`export X`, `read X`, `printf -v X`, `env -u X`).
_SETS = lazy(
    r"(?<![\w$])REVIEW_GATE_AUTHOR\s*[\]'\"\)]*\s*(?:\+?=(?!=)|:(?![-?+])|,)"
    r"|\$\{REVIEW_GATE_AUTHOR:?="
    r"|(?:^|[\s;&|(`])(?:export|declare|typeset|local|readonly|read|unset|-v|-u|--unset)"
    r"(?:=|\s+(?:-\w+\s+|\w+\s+)*)REVIEW_GATE_AUTHOR\b"
)


def _is_author_option(value: str | None) -> bool:
    name = (value or "").partition("=")[0]
    return len(name) >= len("--au") and "--author".startswith(name)


def _forged(out: Findings, text: str, how: str) -> None:
    out.tamper(text, f"{how} {_REASON}", KIND)


def code(source: str, out: Findings) -> None:
    """Shell or interpreter code that sets ``REVIEW_GATE_AUTHOR`` (text, any form)."""
    if VAR not in source.replace("'", "").replace('"', "").replace("\\", ""):
        return
    flat = source.replace("\\\n", "").replace("\\", "")
    for joined in (flat, flat.replace("'", "").replace('"', "")):
        if _SETS.search(joined):
            _forged(out, source, f"setting {VAR}")
            return


def assigned(out: Findings, text: str, name: str, *, runs_gate: bool) -> None:
    """``NAME=...`` (a prefix, ``env``, ``export``, a plain assignment)."""
    if name == VAR:
        _forged(out, text, f"setting {VAR}")
    elif DYN in name and runs_gate:
        _forged(out, text, "an assignment to a computed name")
    elif name == "USER" and runs_gate:
        _forged(out, text, "USER=... in a command that runs `gate`")


def runs_gate(lower: str) -> bool:
    """Does code (lower case) mention the ``gate`` program or ``review_gate``?"""
    from review_gate.shell.prefilter import normalise, tokens

    toks = tokens(normalise(lower))
    return "gate" in toks or "review_gate" in lower


def check(
    out: Findings,
    text: str,
    name: str,
    args: Sequence[Word],
    assigns: Sequence[tuple[str, Word]],
    *,
    computed: bool = False,
) -> None:
    """``gate ... --author X`` and ``USER=x gate ...`` (also ``python -m review_gate``);
    ``computed``: the program's name is computed at run time, and may be ``gate``."""
    values = [w.value for w in args]
    if name.startswith(("python", "pypy")) and "-m" in values:
        at = values.index("-m") + 1
        if at < len(values) and values[at] in ("review_gate", "review_gate.cli"):
            name, args, values = "gate", args[at + 1 :], values[at + 1 :]
    if name != "gate":
        return
    for var, _ in assigns:
        assigned(out, text, var, runs_gate=True)
    if any(_is_author_option(w.template) for w in args):
        _forged(out, text, "`gate --author`")
        return
    if "issue" in values and "import" in values:
        _forged(out, text, "`gate issue import` (it keeps the authors its file names)")
        return
    if computed or ("comment" not in values and not any(v is None for v in values[:2])):
        return
    # `gate issue comment 7 $OPT`: a computed word where an option may stand
    parsed = opts.parse(list(args), _COMMENT_VALUES)
    positional = [o for o in parsed if o.name in (opts.POSITIONAL, opts.UNKNOWN)]
    dynamic = [o for o in positional if o.value is not None and DYN in o.value.template]
    if not dynamic:
        return
    comment_at = [i for i, v in enumerate(values) if v == "comment"]
    # the issue number, computed as one quoted word with nothing after it to be its value
    number = [o for o in positional if comment_at and o.at > comment_at[0]]
    single = (
        len(dynamic) == 1
        and len(number) == 1
        and dynamic[0] is number[0]
        and dynamic[0].value is not None
        and dynamic[0].value.text.startswith('"')
    )
    if not single:
        _forged(out, text, "a computed argument of `gate issue comment` (it may be --author)")
