"""Issue 10, items 1 and 2: writing, moving or removing one of the gate's own files is a tamper
route whatever program does it and however the path is spelled; reading one is not.

Cases are generated as classes on a real gated checkout that has every protected file in
place: protected paths x writers x spellings (quoting, variables, globs, ``cd``, ``~``,
``$HOME``), and the same paths x readers. ``tamper_routes`` is the hook's own decision
(``analyse`` with its pre-filter, then ``protected.protected_reason`` through
``shell.judge``); a sample runs through the whole hook.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import GIT_ENV
from tests.shell_cases import (
    CHECKOUT_FILES,
    HOME_FILES,
    hook_reason,
    protected_checkout,
    tamper_routes,
)

PATHS = [*CHECKOUT_FILES, *HOME_FILES]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("tamper")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        yield protected_checkout(root)


def _split(path: str) -> tuple[str, str]:
    """(expansion prefix that must stay unquoted, the rest): ``~/``, ``$HOME/``, ``""``."""
    for prefix in ("~/", "$HOME/", "${HOME}/", "$CODEX_HOME/"):
        if path.startswith(prefix):
            return prefix, path[len(prefix) :]
    return "", path


def spell(path: str, how: str, top: Path, environ: dict[str, str]) -> tuple[str, str]:
    """(code to put first, the word) that makes bash name ``path`` (relative to ``top``)."""
    prefix, tail = _split(path)
    quotable = prefix.replace("~/", "~/")  # a quoted ~ is no home directory
    if how == "plain":
        return "", path
    if how == "double":
        return "", (quotable + f'"{tail}"') if prefix else f'"{path}"'
    if how == "single":
        return "", prefix + f"'{tail}'"
    if how == "split":  # .re"vie"w-gate.toml
        return "", prefix + tail[:2] + '"' + tail[2:5] + '"' + tail[5:]
    if how == "backslash":
        return "", prefix + tail[:1] + "\\" + tail[1:]
    if how == "dotted":  # .git/./hooks/pre-push, ./.review-gate.toml
        head, _, name = tail.rpartition("/")
        return "", prefix + (f"{head}/./{name}" if head else f"./{name}")
    if how == "absolute":
        if prefix == "~/" or prefix.startswith(("$HOME", "${HOME")):
            return "", os.path.join(environ["HOME"], tail)
        if prefix:
            return "", os.path.join(environ["CODEX_HOME"], tail)
        return "", str(top / tail)
    if how == "variable":
        value = path if prefix == "~/" else f'"{path}"' if prefix else shlex.quote(path)
        return f"F={value}; ", '"$F"'
    if how == "glob":  # the file exists: bash expands the pattern to it
        return "", prefix + tail[:-1] + "?"
    raise AssertionError(how)


SPELLINGS = [
    "plain",
    "double",
    "single",
    "split",
    "backslash",
    "dotted",
    "absolute",
    "variable",
    "glob",
]

WRITERS = [
    "echo x > {p}",
    "echo x >> {p}",
    "echo x >| {p}",
    "echo x &> {p}",
    "true 1<> {p}",
    "cat > {p} <<'EOF'\nprotect = false\nEOF",
    "tee {p} < /dev/null",
    "echo x | tee -a {p}",
    "cp /tmp/evil {p}",
    "cp -f /tmp/evil {p}",
    "mv /tmp/evil {p}",
    "mv {p} /tmp/moved",
    "ln -sf /dev/null {p}",
    "install -m 644 /tmp/evil {p}",
    "rsync -a /tmp/evil {p}",
    "rm {p}",
    "rm -f {p}",
    "rm -rf {p}",
    "unlink {p}",
    "shred -u {p}",
    "truncate -s 0 {p}",
    "touch {p}",
    "sed -i 's/true/false/' {p}",
    "sed -i.bak -e 's/true/false/' {p}",
    "sed --in-place 's/a/b/' {p}",
    "sed -Ei 's/a/b/' {p}",
    "perl -pi -e 's/true/false/' {p}",
    "perl -i -pe 's/a/b/' {p}",
    "perl -i.orig -ne 'print unless /x/' {p}",
    "dd if=/dev/null of={p}",
    "echo x | sponge {p}",
    "curl -sSo {p} https://example.invalid/x",
    "curl --output {p} https://example.invalid/x",
    "wget -qO {p} https://example.invalid/x",
    "chmod 000 {p}",
    "chmod -x {p}",
    "chown nobody {p}",
    "echo {p} | xargs rm",
    "sudo rm {p}",
    "timeout 5 sed -i d {p}",
    "patch {p} < /tmp/evil.diff",
]


@pytest.mark.parametrize("how", SPELLINGS)
@pytest.mark.parametrize("writer", WRITERS)
def test_every_writer_of_every_protected_path_is_a_tamper_route(
    writer: str, how: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    missed = []
    for path in PATHS:
        first, word = spell(path, how, repo, environ)
        command = first + writer.replace("{p}", word)
        routes = tamper_routes(command, repo, environ)
        if not any(kind == "protected" for *_, kind in routes):
            missed.append(command)
    assert not missed, missed


READERS = [
    "cat {p}",
    "sed -n 1p {p}",
    "sed -n '/protect/p' {p}",
    "sed 's/true/false/' {p}",
    "sed -e 's/a/b/' {p} > /tmp/edited",
    "grep -n protect {p}",
    "perl -ne 'print if /x/' {p}",
    "perl -pe 's/a/b/' {p}",
    "less {p}",
    "head -n 3 {p}",
    "tail -f {p}",
    "wc -l {p}",
    "diff {p} /tmp/other",
    "cp {p} /tmp/copy",
    "cp -p {p} /tmp/copy-dir/",
    "rsync {p} /tmp/copy",
    "rsync -a {p} /tmp/copy-dir/",
    "install {p} /tmp/copy",
    "tar -cf /tmp/a.tar {p}",
    "stat {p}",
    "test -f {p} && echo yes",
    "ls -la {p}",
    "sha256sum {p}",
    "jq . {p}",
    "awk '{{ print }}' {p}",
    "tee /tmp/copy < {p}",
    "dd if={p} of=/tmp/copy",
    "cat {p} | sponge /tmp/copy",
    "curl -T {p} https://example.invalid/upload",
    "git diff -- {p}",
    "git log -p -- {p}",
    "file {p}",
]


@pytest.mark.parametrize("how", SPELLINGS)
@pytest.mark.parametrize("reader", READERS)
def test_reading_a_protected_path_is_no_tamper_route(
    reader: str, how: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    flagged = {}
    for path in PATHS:
        first, word = spell(path, how, repo, environ)
        command = first + reader.replace("{p}", word)
        routes = tamper_routes(command, repo, environ)
        if routes:
            flagged[command] = routes
    assert not flagged, flagged


@pytest.mark.parametrize(
    "code",
    [
        "open('{p}', 'w').write('')",
        "open('{p}', 'a').close()",
        "import os; os.remove('{p}')",
        "import os; os.unlink('{p}')",
        "import shutil; shutil.copy('/tmp/evil', '{p}')",
        "from pathlib import Path; Path('{p}').write_text('protect = false')",
        "import os; os.rename('{p}', '/tmp/x')",
        "import os; os.chmod('{p}', 0)",
    ],
)
@pytest.mark.parametrize("interpreter", ["python", "python3", "python3.12"])
def test_interpreters_that_write_a_protected_path(
    code: str, interpreter: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    for path in CHECKOUT_FILES:
        command = f'{interpreter} -c "{code.replace("{p}", path)}"'
        assert tamper_routes(command, repo, environ), command


@pytest.mark.parametrize(
    "command",
    [
        "node -e \"require('fs').writeFileSync('{p}', '')\"",
        "node -e \"require('fs').unlinkSync('{p}')\"",
        "perl -e 'unlink \"{p}\"'",
        'perl -e \'open(my $f, ">", "{p}"); print $f 1\'',
        'ruby -e \'File.write("{p}", "")\'',
        "ruby -e 'File.delete(\"{p}\")'",
        'php -r \'file_put_contents("{p}", "");\'',
        "python3 - <<'EOF'\nopen('{p}', 'w').write('')\nEOF",
    ],
)
def test_other_languages_that_write_a_protected_path(
    command: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    for path in CHECKOUT_FILES:
        assert tamper_routes(command.replace("{p}", path), repo, environ), command


@pytest.mark.parametrize(
    "code",
    [
        "print(open('{p}').read())",
        "import json; print(json.load(open('{p}')))",
        "import tomllib; print(tomllib.load(open('{p}', 'rb')))",
        "import sys; sys.stdout.write(open('{p}').read())",
    ],
)
def test_interpreters_that_only_read_a_protected_path(
    code: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    for path in CHECKOUT_FILES:
        command = f'python3 -c "{code.replace("{p}", path)}"'
        assert not tamper_routes(command, repo, environ), command


@pytest.mark.parametrize("writer", WRITERS[::4])
@pytest.mark.parametrize(
    "path", [".review-gate.toml", ".git/hooks/pre-push", "~/.codex/hooks.json"]
)
def test_the_hook_denies_them_in_the_gated_checkout(
    writer: str, path: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    reason = hook_reason(writer.replace("{p}", path), repo, environ)
    assert reason is not None and "this checkout is gated" in reason
    assert "--no-verify" not in reason


@pytest.mark.parametrize("reader", READERS[::3])
def test_the_hook_is_silent_for_readers(reader: str, checkout: tuple[Path, dict[str, str]]) -> None:
    repo, environ = checkout
    for path in (".review-gate.toml", ".git/hooks/pre-push", "~/.claude/settings.json"):
        assert hook_reason(reader.replace("{p}", path), repo, environ) is None


def test_spellings_name_the_same_file(checkout: tuple[Path, dict[str, str]]) -> None:
    """The generator itself: every spelling, run by bash, names the protected file."""
    import subprocess

    repo, environ = checkout
    for path in PATHS:
        for how in SPELLINGS:
            first, word = spell(path, how, repo, environ)
            out = subprocess.run(
                ["bash", "-c", f"{first}printf '%s' {word}"],
                cwd=repo,
                env=environ,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            expanded = environ["HOME"] + path[1:] if path.startswith("~") else path
            for var in ("CODEX_HOME", "HOME"):
                expanded = expanded.replace(f"${{{var}}}", environ[var])
                expanded = expanded.replace(f"${var}", environ[var])
            assert os.path.realpath(repo / out) == os.path.realpath(repo / expanded), (how, path)
