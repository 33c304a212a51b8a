"""PR creation by GitHub's own clients, gh and hub, and what a request to GitHub does.

Each client function gets the source text of one simple command and its argument words
(the command name removed) and records what it finds in a :class:`Findings`.
:func:`classify` (which endpoint a URL reaches) and the body-field readers are shared with
the plain HTTP clients (:mod:`.http_commands`) and the MCP tool gate.
"""

from __future__ import annotations

from review_gate.shell import options as opts
from review_gate.shell.body_text import substituted
from review_gate.shell.prefilter import prish, words
from review_gate.shell.records import Findings, PrCreation
from review_gate.shell.words import DYN, Word

TYPE_CHECKING = False  # keeps `typing` and `collections` out of the hook's imports
if TYPE_CHECKING:
    from collections.abc import Sequence

_PR_CREATE_SHORT = "aBbFHlmpRrTt"
_PR_CREATE_LONG = words(
    "--assignee --base --body --body-file --head --label --milestone --project "
    "--repo --reviewer --template --title --recover"
)
_API_SHORT = "XfFHqtp"
_API_LONG = words(
    "--method --raw-field --field --header --input --jq --template --hostname --preview --cache"
)
_SAMPLES = (
    "repos/o/r/pulls",
    "/repos/o/r/pulls",
    "https://api.github.com/repos/o/r/pulls",
    "api.github.com/repos/o/r/pulls",
    "https://h/api/v3/repos/o/r/pulls",
    "repositories/1/pulls",
    "graphql",
    "/graphql",
    "https://api.github.com/graphql",
    "api.github.com/graphql",
    "https://h/api/graphql",
)
_NOT_CREATING = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
#: gh's own commands (and its default alias `co`); any other first word is an alias or an
#: extension, which may run anything.
_GH_COMMANDS = words(
    "agent-task alias api attestation auth browse cache co codespace completion config copilot "
    "extension extensions ext gist gpg-key help issue label licenses org pr preview project "
    "release repo ruleset run search secret ssh-key status variable version workflow"
)


# --- endpoints ---------------------------------------------------------------------------


def _unquote(path: str) -> str:
    import re

    return re.sub(
        r"%([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), path
    )  # GitHub decodes %70ulls


def _squash(segments: list[str]) -> list[str]:
    out: list[str] = []
    for seg in segments:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    return out


def classify(template: str) -> tuple[str, str | None]:
    """("pulls" | "graphql" | "maybe" | "other", "OWNER/REPO" when certain) for a URL or API path.

    ``template`` marks unknown parts with DYN; "maybe" means some value of them could
    reach a PR-creating endpoint.
    """
    import re

    low = _unquote(template).lower()
    path = low.split("://", 1)[1].partition("/")[2] if "://" in low else low
    path = path.split("?", 1)[0].split("#", 1)[0]
    raw = [s for s in path.split("/") if s]
    for segs in (raw, _squash(raw)):
        if len(segs) >= 4 and segs[-1] == "pulls" and segs[-4] == "repos":
            owner, repo = segs[-3], segs[-2]
            known = DYN not in owner + repo and not owner.startswith(("{", ":"))
            return "pulls", f"{owner}/{repo}" if known else None
        if len(segs) >= 3 and segs[-1] == "pulls" and segs[-3] == "repositories":
            return "pulls", None  # /repositories/{id}/pulls
        if segs and segs[-1] == "graphql":
            return "graphql", None
    if DYN in template:
        pattern = ".*".join(re.escape(part) for part in _unquote(template).split(DYN))
        if any(re.fullmatch(pattern, s, re.IGNORECASE | re.DOTALL) for s in _SAMPLES):
            return "maybe", None
    return "other", None


# --- body fields -------------------------------------------------------------------------


def _field(word: Word) -> tuple[str | None, Word]:
    """(key or None if unknown, value) of a gh/hub ``-f``/``-F`` field ``key=value``."""
    key, _, rest = word.template.partition("=")
    value = Word(rest, None if DYN in rest else rest, rest)
    return (None if DYN in key else key), value


def _json_fields(data: str) -> dict[str, str]:
    import json  # only for request bodies; keeps the hook's import cost down

    try:
        doc = json.loads(data)
    except ValueError:
        return {}
    if not isinstance(doc, dict):
        return {}
    found = {k: v for k, v in doc.items() if isinstance(v, str)}
    variables = doc.get("variables")
    if isinstance(variables, dict):
        found.update({k: v for k, v in variables.items() if isinstance(v, str)})
        inner = variables.get("input")
        if isinstance(inner, dict):
            found.update({k: v for k, v in inner.items() if isinstance(v, str)})
    return found


def _graphql_fields(query: str) -> dict[str, str]:
    import json
    import re

    found: dict[str, str] = {}
    for key, value in re.findall(r'\b(body|headRefName|title)\s*:\s*"((?:[^"\\]|\\.)*)"', query):
        try:
            found[key] = json.loads(f'"{value}"')
        except ValueError:
            found[key] = value
    return found


# --- gh / hub ----------------------------------------------------------------------------


def _gh_table(pos: list[str | None]) -> opts.Table:
    if len(pos) >= 2 and pos[0] == "pr" and pos[1] in ("create", "new"):
        return _PR_CREATE_SHORT, _PR_CREATE_LONG
    if pos and pos[0] == "api":
        return _API_SHORT, _API_LONG
    return "R", ("--repo",)


def _help(o: opts.Opt) -> bool:
    value = o.value.value if o.value is not None else "true"
    return o.name in ("-h", "--help") and (value or "").lower() in ("true", "t", "1")


def gh(
    text: str, args: Sequence[Word], out: Findings, *, via: str = "gh", loose: bool = False
) -> None:
    """``gh pr create|new``, ``gh api`` POSTs to pulls / createPullRequest, PR-making aliases.

    ``loose``: the whole command mentions PR creation, so a gh alias or extension (which
    this hook cannot see into) is undecidable.
    """
    parsed = opts.parse(args, _gh_table)
    if any(_help(o) for o in parsed):
        return
    pos = opts.positionals(parsed)
    path: list[str] = []
    for o in pos[:2]:
        if path == ["api"]:
            break  # the endpoint, judged by api()
        if o.name == opts.UNKNOWN or o.value is None or o.value.exact is None:
            if path in ([], ["pr"]):
                out.undecided(text, f"{via} subcommand is computed at run time")
            return
        path.append(o.value.exact)
        if path[0] not in _GH_COMMANDS or path[:2] in (["extension", "exec"], ["ext", "exec"]):
            if loose or prish(text):
                out.undecided(text, f"{via} alias or extension this hook cannot see into")
            return
        if path[0] not in ("pr", "api", "alias", "extension", "ext", "extensions"):
            return
    if path[:1] in (["extension"], ["ext"], ["extensions"]) and path[1:] in (["exec"], []):
        if loose or prish(text):  # `gh extension exec pr-create`
            out.undecided(text, f"{via} extension this hook cannot see into")
        return
    if path == ["pr"] and len(pos) < 2 and any(o.name == opts.UNKNOWN for o in parsed):
        out.undecided(text, f"{via} pr subcommand may come from an unknown word")
    if len(path) == 2 and path[0] == "pr" and path[1] in ("create", "new"):
        _gh_pr_create(text, parsed, out, via)
    elif path and path[0] == "api":
        api(text, parsed, out, via=f"{via} api")
    elif path == ["alias", "set"] and prish(" ".join(w.template for w in args)):
        out.undecided(text, f"{via} alias that creates a PR would hide it from this hook")


_FILL = ("--fill", "--fill-first", "--fill-verbose", "-f")


def _last(words: list[Word]) -> Word | None:
    return words[-1] if words else None


def _gh_pr_create(text: str, parsed: list[opts.Opt], out: Findings, via: str) -> None:
    body = _last(opts.values(parsed, "-b", "--body"))
    body_file = _last(opts.values(parsed, "-F", "--body-file"))
    head = _last(opts.values(parsed, "-H", "--head"))
    repo = _last(opts.values(parsed, "-R", "--repo"))
    body_text = body.value if body else None
    file_name = body_file.value if body_file else None
    unknown = body_file is not None and file_name is None
    if body is not None and body_text is None:
        static = substituted(body)  # --body "$(cat <<'EOF' ... EOF)"
        body_text = static.text if static else None
        file_name = file_name or (static.file if static else None)
        unknown = unknown or static is None
    fill = any(o.name in _FILL for o in parsed) and body is None and body_file is None
    out.pr(
        PrCreation(
            via=f"{via} pr create",
            command=text,
            body=body_text,
            body_file=file_name,
            head=head.value if head else None,
            repo=repo.value if repo else None,
            body_unknown=unknown,
            fill=fill,
        )
    )


def api(text: str, parsed: list[opts.Opt], out: Findings, *, via: str) -> None:
    """``gh api`` / ``hub api``: parsed options after the command name."""
    pos = opts.positionals(parsed)
    endpoint = pos[1].value if len(pos) >= 2 and pos[1].value is not None else None
    fields: list[tuple[str | None, Word, bool]] = []  # (key, value, typed -F)
    for o in parsed:
        if o.name in ("-f", "--raw-field", "-F", "--field") and o.value is not None:
            key, value = _field(o.value)
            fields.append((key, value, o.name in ("-F", "--field")))
    inputs = opts.values(parsed, "--input")
    method_word = _last(opts.values(parsed, "-X", "--method"))
    if method_word is not None:
        method = method_word.value.upper() if method_word.value is not None else "?"
    else:
        method = "POST" if fields or inputs else "GET"
    if method in _NOT_CREATING:
        return
    unknown = any(o.name == opts.UNKNOWN for o in parsed)
    kind, repo = classify(endpoint.template) if endpoint is not None else ("maybe", None)
    if endpoint is None and not unknown:
        return  # no endpoint: gh prints usage
    if kind == "other":
        return
    if method == "?" or kind == "maybe":
        out.undecided(text, f"{via} request whose method or endpoint is computed at run time")
        return
    values = {k: v for k, v, _ in fields if k is not None}
    if kind == "pulls":
        body = values.get("body")
        body_file = None
        if body is not None and body.value and body.value.startswith("@"):
            body_typed = [t for k, _, t in fields if k == "body"]
            if body_typed and body_typed[-1]:
                body_file, body = body.value[1:], None
        head = values.get("head")
        out.pr(
            PrCreation(
                via=via,
                command=text,
                body=body.value if body else None,
                body_file=body_file,
                head=head.value if head else None,
                repo=repo,
            )
        )
        return
    # GraphQL: only a createPullRequest mutation creates a PR.
    query = [(v, t) for k, v, t in fields if k == "query"]
    if any(k is None for k, _, _ in fields):
        out.undecided(text, f"{via} graphql field whose name is computed at run time")
    if not query:
        if inputs:
            out.undecided(text, f"{via} graphql request read from --input")
        return
    value, typed = query[-1]
    if value.value is None:
        out.undecided(text, f"{via} graphql query computed at run time")
    elif typed and value.value.startswith("@"):
        out.undecided(text, f"{via} graphql query read from a file")
    elif "createpullrequest" in value.value.lower():
        found = _graphql_fields(value.value)
        for k, v, _ in fields:
            if k in ("body", "headRefName") and v.value is not None:
                found[k] = v.value
        out.pr(
            PrCreation(
                via=f"{via} graphql",
                command=text,
                body=found.get("body"),
                head=found.get("headRefName"),
            )
        )


def hub(text: str, args: Sequence[Word], out: Findings) -> None:
    """``hub pull-request`` and ``hub api``."""
    parsed = opts.parse(args, ("Cc", ()))
    pos = opts.positionals(parsed)
    if not pos:
        return
    first = pos[0]
    if first.name == opts.UNKNOWN or first.value is None or first.value.exact is None:
        out.undecided(text, "hub subcommand is computed at run time")
        return
    start = first.at + 1
    if first.value.exact == "pull-request":
        rest = opts.parse(args[start:], ("abhMmFilo", ("--message", "--file", "--head", "--base")))
        if any(o.name in ("--help",) for o in rest):
            return
        body = _last(opts.values(rest, "-m", "--message"))
        body_file = _last(opts.values(rest, "-F", "--file"))
        head = _last(opts.values(rest, "-h", "--head"))
        out.pr(
            PrCreation(
                via="hub pull-request",
                command=text,
                body=body.value if body else None,
                body_file=body_file.value if body_file else None,
                head=head.value if head else None,
            )
        )
    elif first.value.exact == "api":
        api(text, opts.parse(args[first.at :], (_API_SHORT, _API_LONG)), out, via="hub api")
