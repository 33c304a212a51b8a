"""PR creation by plain HTTP clients: curl, wget and HTTPie (``http``, ``https``, ``xh``).

Each function gets the source text of one simple command and its argument words (the
command name removed) and records what it finds in a :class:`Findings`.
"""

from __future__ import annotations

from review_gate.shell import options as opts
from review_gate.shell.paths import WRITES, Touch, child
from review_gate.shell.pr_commands import (
    _NOT_CREATING,
    _graphql_fields,
    _json_fields,
    _last,
    classify,
)
from review_gate.shell.prefilter import words
from review_gate.shell.records import Findings, PrCreation
from review_gate.shell.words import DYN, Word, literal

TYPE_CHECKING = False  # keeps `typing` and `collections` out of the hook's imports
if TYPE_CHECKING:
    from collections.abc import Sequence

_CURL_SHORT = "AbcCdDeEFHKmoPQrtTuUwxXyYz"
_CURL_LONG = words(
    "--data --data-raw --data-binary --data-ascii --data-urlencode --json --form "
    "--form-string --request --header --url --user --user-agent --output --config "
    "--cookie --cookie-jar --referer --cert --key --cacert --capath --proxy "
    "--max-time --connect-timeout --retry --retry-delay --retry-max-time "
    "--write-out --upload-file --oauth2-bearer --resolve --connect-to --interface "
    "--dump-header --stderr --trace --trace-ascii --limit-rate --range "
    "--unix-socket --variable --url-query --ciphers --max-filesize --proxy-user "
    "--request-target --aws-sigv4 --netrc-file --output-dir"
)
_CURL_DATA = ("-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--data-urlencode")


def _curl_globs(template: str) -> str:
    """curl expands {a,b} and [1-3] in URLs itself (unless -g): treat them as unknown."""
    import re

    return re.sub(r"\{+[^}]*\}+|\[[^\]]*\]", DYN, template)


def _post_to(
    text: str,
    via: str,
    method: str,
    urls: Sequence[Word],
    data: Sequence[Word],
    out: Findings,
    *,
    curl_globs: bool = False,
    fields: dict[str, Word] | None = None,
) -> None:
    """Shared tail of curl/wget/HTTPie: a request with ``method`` to ``urls`` carrying ``data``."""
    if method in _NOT_CREATING:
        return
    for url in urls:
        template = _curl_globs(url.template) if curl_globs else url.template
        kind, repo = classify(template)
        if kind == "other":
            continue
        if method == "?" or kind == "maybe":
            out.undecided(text, f"{via} request whose method or URL is computed at run time")
            continue
        known = [d.value for d in data if d.value is not None and not d.value.startswith("@")]
        found: dict[str, str] = {}
        for blob in known:
            found.update(_json_fields(blob))
        for key, word in (fields or {}).items():
            if word.value is not None:
                found.setdefault(key, word.value)
        if kind == "graphql":
            joined = " ".join(known) + " ".join(w.template for w in (fields or {}).values())
            if "createpullrequest" in joined.lower():
                found.update(_graphql_fields(found.get("query", joined)))
                out.pr(
                    PrCreation(
                        via=via,
                        command=text,
                        body=found.get("body"),
                        head=found.get("headRefName"),
                    )
                )
            elif len(known) < len(data) or (not data and not fields):
                out.undecided(text, f"{via} GraphQL request whose query is not in the command")
            continue
        out.pr(
            PrCreation(
                via=via, command=text, body=found.get("body"), head=found.get("head"), repo=repo
            )
        )


def curl(text: str, args: Sequence[Word], out: Findings) -> None:
    """``curl``: POSTs (``-d``, ``--json``, ``-F``, ``-X POST``) to pulls or GraphQL."""
    args = _unexpand(args)
    # `-:`/`--next` starts a new request with fresh options.
    start = 0
    for i, word in enumerate([*args, Word("--next", "--next", "--next")]):
        if word.value in ("-:", "--next"):
            _curl_request(text, args[start:i], out)
            start = i + 1


def _unexpand(args: Sequence[Word]) -> list[Word]:
    """curl 8.3+ ``--expand-OPTION VALUE`` is ``--OPTION`` with ``{{variables}}`` in VALUE
    expanded at run time: read it as ``--OPTION`` and the variables as unknown text."""
    import re

    out: list[Word] = []
    expand_next = False
    for word in args:
        if expand_next and "{{" in word.template:
            template = re.sub(r"\{\{[^}]*\}\}", DYN, word.template)
            word = Word(word.text, None, template)
        expand_next = False
        value = word.value
        if value is not None and value.startswith("--expand-") and len(value) > 9:
            flag, eq, attached = value[9:].partition("=")
            if eq and "{{" in attached:
                template = "--" + flag + "=" + re.sub(r"\{\{[^}]*\}\}", DYN, attached)
                word = Word(word.text, None, template)
            else:
                word = literal("--" + value[9:])
                expand_next = not eq
        out.append(word)
    return out


def _curl_request(text: str, args: Sequence[Word], out: Findings) -> None:
    parsed = opts.parse(args, (_CURL_SHORT, _CURL_LONG))
    names = {o.name for o in parsed}
    urls = [
        o.value for o in parsed if o.name in (opts.POSITIONAL, opts.UNKNOWN, "--url") and o.value
    ]
    data = opts.values(parsed, *_CURL_DATA, "--json", "-F", "--form", "--form-string")
    explicit = _last(opts.values(parsed, "-X", "--request"))
    config = names & {"-K", "--config"}
    if config:  # options and URLs from a file this hook cannot see
        urls.append(Word("<config>", None, DYN))
    if any("method-override" in h.template.lower() for h in opts.values(parsed, "-H", "--header")):
        method = "?"  # X-HTTP-Method-Override: the server may treat a PUT as a POST
    elif explicit is not None:
        method = explicit.value.upper() if explicit.value is not None else "?"
    elif config:
        method = "?"
    elif names & {"-G", "--get"}:
        method = "GET"
    elif names & {"-I", "--head"}:
        method = "HEAD"
    elif data:
        method = "POST"
    elif names & {"-T", "--upload-file"}:
        method = "PUT"
    else:
        method = "GET"
    globs = not names & {"-g", "--globoff"}
    _post_to(text, "curl", method, urls, data, out, curl_globs=globs)


_WGET_SHORT = "OoaeiBtTwPUQlARDIX"
_WGET_LONG = words(
    "--header --user --password --post-data --post-file --method --body-data "
    "--body-file --output-document --output-file --user-agent --load-cookies "
    "--save-cookies --tries --timeout --wait --directory-prefix --input-file --base "
    "--execute --http-user --http-password --referer --ca-certificate --certificate "
    "--private-key --config"
)


def wget(text: str, args: Sequence[Word], out: Findings) -> None:
    """``wget --post-data``/``--method``: the same requests as curl."""
    parsed = opts.parse(args, (_WGET_SHORT, _WGET_LONG))
    urls = [o.value for o in parsed if o.name in (opts.POSITIONAL, opts.UNKNOWN) and o.value]
    data = opts.values(parsed, "--post-data", "--post-file", "--body-data", "--body-file")
    explicit = _last(opts.values(parsed, "--method"))
    names = {o.name for o in parsed}
    if names & {"-i", "--input-file"}:  # URLs read from a file
        urls.append(Word("<input-file>", None, DYN))
    if explicit is not None:
        method = explicit.value.upper() if explicit.value is not None else "?"
    elif names & {"-e", "--execute", "--config"}:  # wgetrc commands may set method/post_data
        method = "?"
    else:
        method = "POST" if data else "GET"
    _post_to(text, "wget", method, urls, data, out)


_HTTPIE_SHORT = "aAopPsv"
_HTTPIE_LONG = words(
    "--auth --auth-type --output --print --history-print --pretty --style --session "
    "--session-read-only --timeout --verify --cert --cert-key --proxy "
    "--max-redirects --max-headers --raw --boundary --response-charset "
    "--response-mime --format-options --ssl --ciphers --default-scheme"
)
_METHODS = words("GET POST PUT PATCH DELETE HEAD OPTIONS TRACE CONNECT")
_ITEM_SEPARATORS = ("==", ":=@", ":=", "=@", "@", "=", ":")


def _item(template: str) -> tuple[str, str, str] | None:
    """(key, separator, value) of an HTTPie request item, at the earliest separator."""
    best: tuple[int, str] | None = None
    for sep in _ITEM_SEPARATORS:
        at = template.find(sep)
        if at > 0 and (best is None or at < best[0]):
            best = (at, sep)
    if best is None:
        return None
    at, sep = best
    return template[:at], sep, template[at + len(sep) :]


def httpie(text: str, args: Sequence[Word], out: Findings, *, reads_stdin: bool) -> None:
    """``http``/``https``/``xh``: ``http POST url title=x`` or data items implying POST."""
    parsed = opts.parse(args, (_HTTPIE_SHORT, _HTTPIE_LONG))
    names = {o.name for o in parsed}
    pos = [o.value for o in opts.positionals(parsed) if o.value is not None]
    method = ""
    if len(pos) >= 2 and pos[0].value is not None and pos[0].value.upper() in _METHODS:
        method = pos[0].value.upper()
        pos = pos[1:]
    elif len(pos) >= 2 and pos[0].value is None and _item(pos[1].template) is not None:
        method = "?"  # `http $METHOD url ...`
        pos = pos[1:]
    if not pos:
        return
    url, items = pos[0], pos[1:]
    fields: dict[str, Word] = {}
    data = False
    for item in items:
        split = _item(item.template)
        if split is None:
            if item.value is None:
                data = True  # an unknown word may be a data item
            continue
        key, sep, value = split
        if sep in ("==", ":"):
            continue
        data = True
        if sep == "=" and DYN not in key:
            fields[key] = Word(value, None if DYN in value else value, value)
    if not method:
        stdin = reads_stdin and not names & {"--ignore-stdin", "-I"}
        method = "POST" if data or stdin or "--raw" in names else "GET"
    _post_to(text, "httpie", method, [url], [], out, fields=fields)


# --- the files they write (``shell.writers``) ------------------------------------------


def curl_outputs(name: str, args: list[Word]) -> list[Touch]:
    """The files curl writes: ``-o``, ``-O`` (named like the URL), ``-D``, ``-c``..."""
    parsed = opts.parse(args, (_CURL_SHORT, _CURL_LONG | _CURL_FILES))
    flags = {o.name for o in parsed}
    out = [
        Touch(f"curl {o.name}", WRITES, o.value)
        for o in parsed
        if o.name in ("-o", *_CURL_FILES, "-D", "-c")
        and o.value is not None
        and o.value.value != "-"
    ]
    if flags & {"-O", "--remote-name", "--remote-name-all"}:
        prefix = opts.values(parsed, "--output-dir")
        for url in _positionals(parsed):
            named = _basename(Word(url.text, url.value, url.template.partition("?")[0]))
            if named:
                plain = Word(named, None if DYN in named else named, named)
                out.append(Touch("curl -O", WRITES, child(prefix[-1], named) if prefix else plain))
    return out


_CURL_FILES = words(
    "--output --dump-header --cookie-jar --trace --trace-ascii --stderr --etag-save "
    "--libcurl --hsts --alt-svc"
)


def wget_outputs(name: str, args: list[Word]) -> list[Touch]:
    """The files wget writes: ``-O``, its log, or the URL's name (in ``-P DIR``)."""
    parsed = opts.parse(args, (_WGET_SHORT, _WGET_LONG | {"--append-output"}))
    written = (
        "-O",
        "--output-document",
        "-o",
        "--output-file",
        "-a",
        "--append-output",
        "--save-cookies",
    )
    out = [
        Touch(f"wget {o.name}", WRITES, o.value)
        for o in parsed
        if o.name in written and o.value is not None and o.value.value != "-"
    ]
    if not {o.name for o in parsed} & {"-O", "--output-document"}:
        prefix = opts.values(parsed, "-P", "--directory-prefix")
        for url in _positionals(parsed):
            named = _basename(Word(url.text, url.value, url.template.partition("?")[0]))
            if named and "/" in url.template:
                plain = Word(named, None if DYN in named else named, named)
                out.append(Touch("wget", WRITES, child(prefix[-1], named) if prefix else plain))
    return out


def _basename(word: Word) -> str:
    return word.template.rstrip("/").rpartition("/")[2]


def _positionals(parsed: Sequence[opts.Opt]) -> list[Word]:
    return [o.value for o in opts.positionals(parsed) if o.value is not None]


# --- any other program given a GitHub API URL ------------------------------------------

#: Options that name the request method (their value is the next word, or attached).
_METHOD_OPTS = ("-X", "-m", "--request", "--method")
#: Parts of a long option's name that say it sends a request body.
_BODY_HINTS = ("data", "json", "body", "form", "post", "upload", "field", "payload")
_BODY_SHORT = ("-d", "-T", "-F", "-f")
_FILE_HINTS = ("file", "upload", "-T")


def _api_target(word: Word) -> bool:
    """Is ``word`` (or the value of ``--url=WORD``) a GitHub URL or path that can create a PR?"""
    template = word.template
    low = template.lower()
    if "pull" not in low and "graphql" not in low:
        return False
    if template.startswith("-") and "=" in template:
        template = template.partition("=")[2]
    if "/" not in template:
        return False  # a bare `graphql` is a package name, not an endpoint
    if "://" not in template:
        # A host (`api.github.com/...`, `:8080/...`) or an API path (`/repos/...`), not a
        # local file such as `tests/api/repos/o/r/pulls`.
        first = template.lstrip("/").partition("/")[0].lower()
        api_path = first in ("repos", "repositories", "graphql", "api", DYN)
        if not api_path and ("." not in first.strip(".") and ":" not in first):
            return False
    return classify(template)[0] in ("pulls", "graphql")


def generic(
    text: str, name: str, args: Sequence[Word], out: Findings, *, reads_stdin: bool
) -> None:
    """Any HTTP client, judged by what it is given (``wget2``, ``POST``, ``lwp-request -m
    POST``, ``curlie post``, ``aria2c``...): a GitHub pulls/GraphQL URL plus a write method
    or a request body is a PR creation; a method computed at run time is undecidable."""
    targets = [w for w in args if _api_target(w)]
    if not targets:
        return
    upper = name.upper()
    method: str | None = upper if upper in _METHODS else None
    body = reads_stdin
    unknown = False
    data: list[Word] = []
    fields: dict[str, Word] = {}
    i = 0
    while i < len(args):
        word = args[i]
        value = word.value
        i += 1
        if any(word is t for t in targets):
            continue
        if value is None:
            unknown = True
            continue
        flag, eq, attached = value.partition("=")
        if flag in _METHOD_OPTS or (value[:2] in ("-X", "-m") and value[2:].upper() in _METHODS):
            if flag in _METHOD_OPTS and eq:
                given: Word | None = literal(attached)
            elif flag in _METHOD_OPTS:
                given = args[i] if i < len(args) else None
                if (
                    given is not None
                    and given.value is not None
                    and (given.value.upper() not in _METHODS)
                ):
                    continue  # `-m message`: not a method
                i += 1
            else:
                given = literal(value[2:])
            if given is not None:
                seen = given.value.upper() if given.value is not None else "?"
                # two different methods: which option is the method is a guess
                method = seen if method in (None, seen) else _conflict(method, seen)
            continue
        if value.startswith("-"):
            low = flag.lower()
            if flag in _BODY_SHORT or (
                flag.startswith("--") and any(h in low for h in _BODY_HINTS)
            ):
                body = True
                payload = literal(attached) if eq else (args[i] if i < len(args) else None)
                if payload is not None and not eq and flag in _BODY_SHORT:
                    i += 1  # `-d DATA`: the value is the next word
                if any(h in flag for h in _FILE_HINTS) or (
                    payload is not None and payload.template.startswith("@")
                ):
                    data.append(Word("<file>", None, DYN))
                elif payload is not None and (eq or flag in _BODY_SHORT):
                    data.append(payload)
            continue
        if value.upper() in _METHODS:  # `curlie post URL`, `xh PUT URL`
            seen = value.upper()
            method = seen if method in (None, seen) else _conflict(method, seen)
            continue
        split = _item(word.template)
        if split is not None and "://" not in word.template:
            key, sep, item = split
            if sep not in ("==", ":"):
                body = True
                if sep == "=" and DYN not in key:
                    fields[key] = Word(item, None if DYN in item else item, item)
    if reads_stdin:
        data.append(Word("<stdin>", None, DYN))
    if method is None:
        if body:
            method = "POST"
        elif unknown:
            method = "?"
        else:
            return  # a plain GET
    if "method-override" in text.lower():
        method = "?"
    if "createpullrequest" in text.lower():
        data.append(literal(text))
    _post_to(text, name, method, targets, data, out, fields=fields)


def _conflict(first: str, second: str) -> str:
    """The method of a request given two: unknown unless neither may create a PR."""
    return "GET" if first in _NOT_CREATING and second in _NOT_CREATING else "?"
