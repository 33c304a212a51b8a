"""Which files a command changes: a model of each program that writes, moves or removes the
files it is given (``cp``'s destination, ``sed -i``'s files, ``rm``'s operands, ``tar -C``).

Reading is not writing: ``sed -n``, ``cat``, ``grep``, ``perl -ne``, ``cp PROTECTED elsewhere``
change nothing, so they have no :class:`~.paths.Touch`.
"""

from __future__ import annotations

from review_gate.shell import git_files
from review_gate.shell import options as opts
from review_gate.shell.http_commands import curl_outputs, wget_outputs
from review_gate.shell.paths import (
    FIND_ITEM,
    INTO,
    MODE,
    MOVES,
    OWNER,
    REMOVES,
    UNSURE,
    WRITES,
    Touch,
    child,
)
from review_gate.shell.patterns import lazy
from review_gate.shell.prefilter import words
from review_gate.shell.words import DYN, Word, literal

TYPE_CHECKING = False  # keeps `typing` and `collections` out of the hook's imports
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


def _basename(word: Word) -> str:
    return word.template.rstrip("/").rpartition("/")[2]


def _positionals(parsed: Sequence[opts.Opt]) -> list[Word]:
    return [o.value for o in opts.positionals(parsed) if o.value is not None]


def _flags(parsed: Sequence[opts.Opt]) -> set[str]:
    return {o.name for o in parsed}


# --- the models ---------------------------------------------------------------------------


def _operands(
    action: str, table: opts.Table = ("", ())
) -> Callable[[str, list[Word]], list[Touch]]:
    """``rm``, ``tee``, ``touch``...: every operand is changed the same way."""

    def model(name: str, args: list[Word]) -> list[Touch]:
        parsed = opts.parse(args, table)
        recursive = bool(_flags(parsed) & {"-r", "-R", "--recursive"})
        return [Touch(name, action, w, recursive) for w in _positionals(parsed)]

    return model


def _copy(name: str, args: list[Word]) -> list[Touch]:
    """``cp``/``mv``/``ln``/``install``: the destination is written (``-t DIR``, or the last
    operand, and ``DIR/<source name>`` when it is a directory); ``mv`` moves its sources."""
    parsed = opts.parse(args, ("tSmog", ("--target-directory", "--suffix", "--mode", "--owner")))
    flags = _flags(parsed)
    operands = _positionals(parsed)
    targets = opts.values(parsed, "-t", "--target-directory")
    if "-d" in flags and name == "install":
        return [Touch(name, WRITES, w) for w in operands]
    if targets:
        dest, sources = targets[-1], operands
    elif len(operands) >= 2:
        dest, sources = operands[-1], operands[:-1]
    elif operands and name == "ln":  # `ln -s TARGET`: a link named like TARGET, here
        dest, sources = Word(".", ".", "."), operands
    else:
        return []
    # A copied tree merges into a directory already there (`cp -r evil/.claude .`); a
    # moved one only replaces an empty one.
    tree = name == "cp" and bool(flags & {"-r", "-R", "-a", "--recursive", "--archive"})
    out = [Touch(name, MOVES, w, True) for w in sources] if name == "mv" else []
    if flags & {"-T", "--no-target-directory"}:
        return [*out, Touch(name, WRITES, dest, tree)]
    out.append(Touch(name, WRITES, dest))
    return out + [Touch(name, WRITES, child(dest, _basename(s)), tree) for s in sources]


def links(name: str, args: Sequence[Word]) -> list[tuple[Word, Word]]:
    """``ln [-s] TARGET... LINK``, and ``cp`` making links (``-s``, ``-l``): (link,
    target) for each link made (the link may be ``LINK/<target name>`` when LINK is a
    directory: both are given)."""
    if name == "cp":
        table = ("tSmog", ("--target-directory", "--suffix", "--mode", "--owner"))
        if not _flags(opts.parse(list(args), table)) & {"-s", "-l", "--symbolic-link", "--link"}:
            return []
    elif name != "ln":
        return []
    made = [t for t in _copy(name, list(args)) if t.action == WRITES]
    parsed = opts.parse(list(args), ("tSmog", ("--target-directory", "--suffix")))
    targets = _positionals(parsed)
    if not opts.values(parsed, "-t", "--target-directory") and len(targets) >= 2:
        targets = targets[:-1]
    return [(t.word, target) for t in made for target in targets]


_RSYNC_LONG = words(
    "--rsh --filter --exclude --include --exclude-from --include-from --files-from "
    "--block-size --temp-dir --partial-dir --backup-dir --suffix --chmod --chown --log-file "
    "--password-file --port --timeout --max-size --min-size --bwlimit --compare-dest "
    "--copy-dest --link-dest --out-format --info --debug --remote-option --usermap --groupmap "
    "--iconv --rsync-path --max-delete --modify-window --sockopts --checksum-choice "
    "--compress-choice --compress-level --skip-compress --address --write-batch --read-batch"
)


def _rsync(name: str, args: list[Word]) -> list[Touch]:
    parsed = opts.parse(args, ("efBTM", _RSYNC_LONG))
    operands = [w for w in _positionals(parsed) if not _remote(w)]
    out = [Touch("rsync --log-file", WRITES, w) for w in opts.values(parsed, "--log-file")]
    every = _positionals(parsed)
    if len(every) < 2 or _remote(every[-1]):
        return out
    dest, sources = every[-1], [s for s in every[:-1] if s in operands]
    out.append(Touch(name, INTO, dest, True))
    for source in sources:
        if not source.template.endswith("/"):  # `rsync -a src dst` writes dst/src
            out.append(Touch(name, INTO, child(dest, _basename(source)), True))
    if "--remove-source-files" in _flags(parsed):
        out += [Touch(name, MOVES, s) for s in sources]
    return out


def _remote(word: Word) -> bool:
    head = word.template.partition("/")[0]
    return ":" in head  # host:path, rsync://host/...


def _in_place(name: str, args: list[Word]) -> list[Touch]:
    """``sed -i``, ``perl -pi -e``, ``ruby -i``: the files after the script are rewritten."""
    value_letters = "efl" if name == "sed" else "eEIMmdDxlC0rF"
    code_letters = "ef" if name == "sed" else "eE"
    in_place = code = only_operands = False
    operands: list[Word] = []
    i = 0
    while i < len(args):
        word, template = args[i], args[i].template
        if only_operands or not template.startswith("-") or template == "-":
            operands.append(word)
        elif template == "--":
            only_operands = True
        elif template.startswith("--"):
            flag, eq, _ = template.partition("=")
            if flag.startswith("--in-place"):
                in_place = True
            elif flag in ("--expression", "--file", "--line-length"):
                code = code or flag != "--line-length"
                i += 0 if eq else 1
        else:
            for j, char in enumerate(template[1:], start=1):
                if char == "i":
                    in_place = True
                    break  # the rest is the backup suffix
                if char in value_letters:
                    code = code or char in code_letters
                    if j == len(template) - 1:
                        i += 1
                    break
        i += 1
    scripts = [w for w in args if w.value and "w" in w.value.lower()] if name == "sed" else []
    written = [Touch("sed w", WRITES, literal(f)) for w in scripts for f in _sed_writes(w.value)]
    if not in_place:
        return written
    files = operands if code else operands[1:]  # else the first operand is the script
    return written + [Touch(f"{name} -i", WRITES, w) for w in files if w.template]


#: sed's `w FILE` command and the `w FILE` flag of `s///` (the name runs to the line's end).
_SED_W = lazy(r"(?:^|[;\n{}!$0-9/])\s*[wW]\s+([^;\n}]+)")


def _sed_writes(script: str | None) -> list[str]:
    return [m.strip() for m in _SED_W.findall(script or "") if m.strip()]


_EDITOR_WRITE = lazy(
    r"(?:^|[|:\s])(?:w|wq|x|wall|wa|wqa|xa|up|update|sav|saveas)!?(?:\s+(\S+))?\s*$"
)


def _editor(name: str, args: list[Word]) -> list[Touch]:
    """``vim -c ':%s/a/b/' -c wq FILE``, ``ex -sc 'wq! FILE'``: the editor's commands write."""
    commands: list[str] = []
    files: list[Word] = []
    i = 0
    while i < len(args):
        value = args[i].value or ""
        if value in ("-c", "--cmd", "-S") and i + 1 < len(args):
            commands.append(args[i + 1].value or "w")
            i += 1
        elif value.startswith("+"):
            commands.append(value[1:])
        elif value.startswith("-") and not value.startswith("--") and value.endswith("c"):
            if i + 1 < len(args):
                commands.append(args[i + 1].value or "w")
                i += 1
        elif not value.startswith("-"):
            files.append(args[i])
        i += 1
    out: list[Touch] = []
    for command in commands:
        for part in command.split("|"):
            match = _EDITOR_WRITE.search(part.strip())
            if match:
                targets = [literal(match.group(1))] if match.group(1) else files
                out += [Touch(f"{name} -c", WRITES, w) for w in targets]
    return out


def _dd(name: str, args: list[Word]) -> list[Touch]:
    out = []
    for word in args:
        if word.template.startswith("of="):
            value = word.template[3:]
            path = Word(word.text[3:], None if DYN in value else value, value, word.glob)
            out.append(Touch("dd of=", WRITES, path))
    return out


_TAR_VALUES = "fCTXbgLNVKHIF"
_TAR_LONG = words(
    "--file --directory --files-from --exclude-from --blocking-factor --listed-incremental "
    "--tape-length --newer --label --starting-file --format --use-compress-program --exclude "
    "--transform --owner --group --mode --mtime --strip-components"
)


def _tar(name: str, args: list[Word]) -> list[Touch]:
    """``tar -x`` writes its members into ``-C DIR``; ``tar -c`` writes the archive."""
    args = list(args)
    if args and args[0].template[:1] not in ("-", "") and args[0].value is not None:
        args[0] = Word("-" + args[0].text, "-" + args[0].value, "-" + args[0].template)  # `tar xf`
    parsed = opts.parse(args, (_TAR_VALUES, _TAR_LONG))
    flags = _flags(parsed)
    archives = opts.values(parsed, "-f", "--file")
    if flags & {"-c", "-r", "-u", "-A", "--create", "--append", "--update"}:
        return [Touch("tar -f", WRITES, w) for w in archives if w.value != "-"]
    if not flags & {"-x", "--extract", "--get"}:
        return []
    dirs = opts.values(parsed, "-C", "--directory")
    return _unpacked("tar -x", dirs[-1] if dirs else None, _positionals(parsed))


def _unpacked(route: str, directory: Word | None, members: Sequence[Word]) -> list[Touch]:
    if members:
        return [
            Touch(route, WRITES, child(directory, m.template) if directory else m, True)
            for m in members
        ]
    if directory is None:
        return []  # unknown members, here: a documented limit
    return [Touch(route + (" -C" if route.startswith("tar") else " -d"), INTO, directory, True)]


def _unzip(name: str, args: list[Word]) -> list[Touch]:
    parsed = opts.parse(args, ("dxPOI", ()))
    if _flags(parsed) & {"-p", "-l", "-t", "-v", "-Z", "-z"}:
        return []
    operands = _positionals(parsed)
    dirs = opts.values(parsed, "-d")
    return _unpacked("unzip", dirs[-1] if dirs else None, operands[1:])


def _chmod(name: str, args: list[Word]) -> list[Touch]:
    """``chmod MODE FILE...`` (a mode may look like an option: ``-x``), ``chown OWNER FILE``."""
    letters = "Rcfv" if name == "chmod" else "RcfvhHLP"
    recursive = reference = False
    operands: list[Word] = []
    for word in args:
        template = word.template
        if template.startswith("--"):
            recursive = recursive or template == "--recursive"
            reference = reference or template.startswith("--reference")
        elif (
            template.startswith("-")
            and len(template) > 1
            and set(template[1:]) <= set(letters)
            and not operands
        ):
            recursive = recursive or "R" in template
        else:
            operands.append(word)
    files = operands if reference else operands[1:]
    action = MODE if name == "chmod" else OWNER
    return [Touch(name, action, w, recursive) for w in files]


def _patch(name: str, args: list[Word]) -> list[Touch]:
    parsed = opts.parse(args, ("BDdFgiopVrYz", ("--output", "--input", "--directory")))
    out = [Touch("patch -o", WRITES, w) for w in opts.values(parsed, "-o", "--output")]
    return out + [Touch(name, WRITES, w) for w in _positionals(parsed)[:1]]


def _sort(name: str, args: list[Word]) -> list[Touch]:
    parsed = opts.parse(args, ("okStT", ("--output", "--key", "--field-separator")))
    return [Touch("sort -o", WRITES, w) for w in opts.values(parsed, "-o", "--output")]


#: Programs that only read the files they are given, or whose writes are modelled elsewhere
#: (wrappers, ``find``, the gate's own commands). Any other program given a path in
#: review-gate's state may change it (``sqlite3 DB "update ..."``, ``python3 -m sqlite3``).
READERS = words(
    "cat tac nl head tail grep egrep fgrep zgrep rg ag ack wc ls dir stat file jq less "
    "more bat batcat od hexdump strings cmp diff diff3 colordiff md5sum sha1sum sha256sum "
    "sha512sum b2sum cksum sum du realpath readlink basename dirname cut paste column "
    "fold fmt expand unexpand echo printf test [ [[ true false cd pushd popd type which "
    "command builtin exec env sudo doas nice nohup time timeout stdbuf setsid xargs parallel "
    "find gate review-gate watch ionice chrt taskset flock"
)


def _unknown(name: str, args: list[Word]) -> list[Touch]:
    """A program this module does not know: each word (and ``--opt=VALUE``'s value) may be
    a file it changes; only review-gate's state is judged by it (:mod:`.judge`)."""
    out: list[Touch] = []
    for word in args:
        flag, eq, rest = word.template.partition("=")
        if eq and flag.startswith("-") and rest:
            out.append(Touch(name, UNSURE, Word(rest, None if DYN in rest else rest, rest)))
        elif not word.template.startswith("-") or "/" in word.template:
            out.append(Touch(name, UNSURE, word))
    return out


def _git(name: str, args: list[Word]) -> list[Touch]:
    return git_files.touches(args, _copy)


_MODELS: dict[str, Callable[[str, list[Word]], list[Touch]]] = {
    "rm": _operands(REMOVES, ("", ("--interactive",))),
    "rmdir": _operands(REMOVES),
    "unlink": _operands(REMOVES),
    "shred": _operands(WRITES, ("ns", ("--iterations", "--size", "--random-source"))),
    "truncate": _operands(WRITES, ("sr", ("--size", "--reference"))),
    "touch": _operands(WRITES, ("dtr", ("--date", "--reference", "--time"))),
    "tee": _operands(WRITES),
    "sponge": _operands(WRITES),
    "cp": _copy,
    "mv": _copy,
    "ln": _copy,
    "install": _copy,
    "rsync": _rsync,
    "sed": _in_place,
    "gsed": _in_place,
    "perl": _in_place,
    "ruby": _in_place,
    "dd": _dd,
    "curl": curl_outputs,
    "wget": wget_outputs,
    "tar": _tar,
    "gtar": _tar,
    "bsdtar": _tar,
    "unzip": _unzip,
    "chmod": _chmod,
    "chown": _chmod,
    "chgrp": _chmod,
    "patch": _patch,
    "vi": _editor,
    "vim": _editor,
    "nvim": _editor,
    "ex": _editor,
    "view": _editor,
    "git": _git,
    "sort": _sort,
}


def touches(name: str, args: Sequence[Word]) -> list[Touch]:
    """The paths the command ``name args`` changes (none for a program that only reads)."""
    model = _MODELS.get(name)
    if model is None and name.startswith("perl"):
        model = _in_place
    if model is None and name in READERS:
        return []
    return [t for t in (model or _unknown)(name, list(args)) if t.word != FIND_ITEM]


def find_touches(args: Sequence[Word], groups: Sequence[Sequence[Word]]) -> list[Touch]:
    """``find START... -delete``, ``-exec rm {} +``: every file under each start that the
    ``-name``/``-path`` tests let through (any test we cannot read keeps all of them)."""
    starts: list[Word] = []
    for word in args:
        if word.template.startswith(("-", "(", "!")):
            break
        starts.append(word)
    values = [w.value for w in args]
    found: list[tuple[str, str]] = []
    if "-delete" in values:
        found.append(("find {} -delete", REMOVES))
    for group in groups:
        if not group or group[0].value is None:
            continue
        program = group[0].value.rstrip("/").rpartition("/")[2].lower()
        if program not in _MODELS and program not in READERS:
            found.append((f"find {{}} -exec {program}", UNSURE))  # `sh -c`, `python3 x.py`
        for inner in _MODELS.get(program, _none)(program, list(group[1:])):
            if inner.word == FIND_ITEM:
                found.append((f"find {{}} -exec {inner.route}", inner.action))
    printed = [
        Touch(f"find {value}", WRITES, args[i + 1])
        for i, value in enumerate(values[:-1])
        if value in ("-fprint", "-fprint0", "-fprintf", "-fls")
    ]
    if not found:
        return printed
    names: list[str] = []
    for i, value in enumerate(values[:-1]):
        if value in ("-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename"):
            pattern = args[i + 1].value
            names.append(f"{value[1:]}:{pattern}" if pattern is not None else "name:*")
    if set(values) & {"-o", "-or", "!", "-not", "-regex", "-iregex", ","}:
        names = []  # alternatives or negations: any file may be chosen
    return printed + [
        Touch(route, action, s, True, tuple(names))
        for route, action in dict.fromkeys(found)
        for s in starts or [Word(".", ".", ".")]
    ]


def _none(name: str, args: list[Word]) -> list[Touch]:
    return []
