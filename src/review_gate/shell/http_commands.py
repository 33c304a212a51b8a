"""PR creation by plain HTTP clients: curl, wget and HTTPie (``http``, ``https``, ``xh``).

Each function gets the source text of one simple command and its argument words (the
command name removed) and records what it finds in a :class:`Findings`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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
from review_gate.shell.words import DYN, Word

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
    # `-:`/`--next` starts a new request with fresh options.
    start = 0
    for i, word in enumerate([*args, Word("--next", "--next", "--next")]):
        if word.value in ("-:", "--next"):
            _curl_request(text, args[start:i], out)
            start = i + 1


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
    if explicit is not None:
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
