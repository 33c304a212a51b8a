"""Issue 10, item 8 and the property behind every tamper check: a command that touches none of
the gate's files and creates no PR is never denied, not even in a gated checkout that holds
every protected file; commands that only print or match the text of a PR command, and test
selectors, are not PR creation; and the pre-filter keeps ordinary commands off the parser.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.shell import analyse, might_matter
from tests.helpers import GIT_ENV
from tests.shell_cases import LOOKALIKES, hook_reason, protected_checkout


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("ordinary")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        yield protected_checkout(root)


# -- a grammar of ordinary commands over ordinary paths ------------------------------------

FILES = [
    "src/app.py",
    "README.md",
    "notes.txt",
    "build/out.log",
    "/tmp/out.txt",
    "docs/index.md",
    "'my notes.txt'",
    '"$TMPDIR/x.txt"',
    "tests/test_app.py",
    "dist/pkg-1.0.whl",
    "src/*.py",
    "$OUT_FILE",
    "~/notes.md",
    "../sibling/file.txt",
    "config.yaml",
    "src/settings.py",
]
DIRS = ["src", "build", "dist", "/tmp/scratch", "docs", "tests", "node_modules", '"$TMPDIR"/w']
TEMPLATES = [
    "ls -la {d}",
    "cat {f}",
    "head -n 20 {f}",
    "grep -rn TODO {d}",
    "sed -n 1,20p {f}",
    "sed -i 's/a/b/' {f}",
    "perl -pi -e 's/a/b/' {f}",
    "rm -f {f}",
    "rm -rf {d}",
    "cp {f} {g}",
    "cp -r {d} {e}",
    "mv {f} {g}",
    "touch {f}",
    "mkdir -p {d}",
    "echo hi > {f}",
    "echo hi >> {f}",
    "printf 'x\\n' | tee {f}",
    "chmod +x {f}",
    "chmod -R u+w {d}",
    "pytest -q {d}",
    "python -m pytest -k test_app",
    "npm test",
    "make build",
    "git status",
    "git diff -- {f}",
    "git add {f}",
    "git commit -m 'update docs'",
    "git log --oneline -5",
    "find {d} -name '*.py'",
    "find {d} -name '*.pyc' -delete",
    "tar -czf /tmp/a.tgz {d}",
    "tar -xzf /tmp/a.tgz -C {d}",
    "curl -sSo {f} https://example.invalid/x",
    "wget -qO {f} https://example.invalid/x",
    "python3 -c \"print(open('notes.txt').read())\"",
    "python3 -c \"open('/tmp/x.txt', 'w').write('x')\"",
    "diff {f} {g}",
    "wc -l {f}",
    "sort {f} | uniq > {g}",
    "rsync -a {d}/ {e}/",
    "ln -sf {f} {g}",
    "unzip -o /tmp/x.zip -d {d}",
    "dd if={f} of={g}",
    "sed 's/x/y/' {f} > {g}",
    "truncate -s 0 {f}",
    "cd {d} && ls",
    "git rm -q {f}",
    "git clean -fd",
    "gh pr list",
    "gh pr view 7",
    "pytest -k pr_create",
    "gate check --issue 7",
    "pre-commit run --all-files",
    "pip install -e .",
    "uv sync",
    "claude -p 'summarise {f}'",
]
SEPARATORS = [" && ", "; ", " || ", "\n"]


#: Commands that print PR text. Alone they are nothing; next to a program that runs code
#: this hook cannot see (`make`, a script) they make it undecidable, by design.
PR_TEXT = [
    "python -c \"print('gh pr create')\"",
    "echo 'gh pr create' > {f}",
    "grep -rn 'gh pr create' {d}",
]


@st.composite
def ordinary(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(PR_TEXT)).format(
            f=draw(st.sampled_from(FILES)), d=draw(st.sampled_from(DIRS))
        )
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        template = draw(st.sampled_from(TEMPLATES))
        parts.append(
            template.format(
                f=draw(st.sampled_from(FILES)),
                g=draw(st.sampled_from(FILES)),
                d=draw(st.sampled_from(DIRS)),
                e=draw(st.sampled_from(DIRS)),
            )
        )
        parts.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(parts[:-1])


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command=ordinary())
def test_ordinary_commands_are_never_denied(
    command: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    assert hook_reason(command, repo, environ) is None, command


def test_the_grammar_reaches_the_slow_path(checkout: tuple[Path, dict[str, str]]) -> None:
    """The property is about the slow path too: many of these commands get parsed and their
    paths judged against the checkout, and still nothing is denied."""
    reached = [t for t in TEMPLATES if analyse(t.format(f="x", g="y", d="d", e="e")).paths]
    judged = [
        t
        for t in TEMPLATES
        if analyse(t.format(f="/tmp/a", g="/tmp/b", d="/tmp/d", e="/tmp/e")).paths
    ]
    assert len(reached) + len(judged) >= 8


# -- item 8: text of a PR command is not a PR command ---------------------------------------

PRINTING = [
    "python -c \"print('gh pr create')\"",
    "python3 -c 'import sys; sys.stdout.write(\"gh pr create --fill\\n\")'",
    "python3 -c \"import re; print(re.sub('gh pr create', 'x', open('notes.md').read()))\"",
    "node -e \"console.log('gh pr create')\"",
    "node -p \"'gh pr create'.length\"",
    "ruby -e 'puts \"gh pr create\"'",
    "perl -e 'print \"gh pr create\\n\"'",
    "perl -ne 'print if /gh pr create/' notes.md",
    "awk '/gh pr create/ { n++ } END { print n }' notes.md",
    'grep -r "gh pr create" .',
    "rg -n 'createPullRequest' src",
    "echo 'gh pr create'",
    "printf '%s\\n' 'gh pr create --fill'",
    "pytest -k pr_create",
    "pytest -k 'test_create_pull_request'",
    "python -m pytest tests -k create_pull_request -q",
    "npm test -- --grep createPullRequest",
    "npm run test -- --grep createPullRequest",
    "yarn test -t createPullRequest",
    "npx jest -t createPullRequest",
    "npx mocha --grep create_pull_request",
    "npx vitest run --testNamePattern=createPullRequest",
    "go test -run TestCreatePullRequest ./...",
    "cargo test create_pull_request",
    "make test ARGS='-k pr_create'",
    "./scripts/test.sh -k pr_create",
    "bash run_tests.sh --grep createPullRequest",
]
STILL_UNKNOWN = [
    "python -c \"import subprocess; subprocess.run('gh pr create', shell=True)\"",
    "python -c \"import os; os.system('gh pr create')\"",
    "python -c \"exec('import os; os.system(\\'gh pr create\\')')\"",
    "python -c \"import mytool; mytool.run('gh pr create')\"",
    "python -c \"print('gh pr create')\" | sh",
    "node -e \"require('child_process').execSync('gh pr create')\"",
    "node -e \"fetch('https://api.github.com/repos/o/r/pulls', {method: 'POST'})\"",
    "ruby -e 'system(\"gh pr create\")'",
    "ruby -e '`gh pr create`'",
    "perl -e 'open(my $p, \"|gh pr create\")'",
    'awk \'BEGIN { print "x" | "gh pr create" }\'',
    "awk 'BEGIN { system(\"gh pr create\") }'",
    "./scripts/test.sh -t 'gh pr create'",
    "npm run release -- gh pr create",
    "make pr-create",
]


@pytest.mark.parametrize("command", PRINTING)
def test_printing_or_matching_pr_text_is_not_pr_creation(
    command: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    assert not analyse(command).matters, analyse(command)
    assert hook_reason(command, repo, environ) is None


@pytest.mark.parametrize("command", STILL_UNKNOWN)
def test_code_that_may_create_a_pr_stays_undecidable(
    command: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    assert analyse(command).undecidable, command
    reason = hook_reason(command, repo, environ)
    assert reason is not None and "cannot tell whether this command creates" in reason


def test_lookalikes_cover_item_8() -> None:
    assert {"python -c \"print('gh pr create')\"", "npx jest -t createPullRequest"} <= set(
        LOOKALIKES
    )


# -- the fast path ------------------------------------------------------------------------

EVERYDAY = [
    "ls -la",
    "pytest -q tests > /tmp/log 2>&1",
    "cat pyproject.toml",
    "rm -rf build",
    "rm -f /tmp/x.log",
    "mkdir -p build",
    "cp a.txt b.txt",
    "mv old.txt new.txt",
    "git diff > x.patch",
    "git add -A && git commit -m 'fix: x'",
    "git push origin HEAD",
    ".venv/bin/pytest -q",
    "ruff check src",
    "echo hi > out.txt",
    "python script.py > out.txt",
    "find . -name '*.py' | head",
    "tar -czf dist.tar.gz dist",
    "chmod +x scripts/run.sh",
    "cp -r src build/src",
    "cat config.yaml",
]


@pytest.mark.parametrize("command", EVERYDAY)
def test_everyday_commands_skip_the_parser(command: str) -> None:
    assert not might_matter(command)


def test_importing_the_pre_filter_loads_no_parser() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from review_gate.shell import might_matter"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "review_gate.shell.prefilter" in imported
    heavy = {"tree_sitter", "tree_sitter_bash", "re", "dataclasses", "typing", "glob", "fnmatch"}
    assert not imported & heavy, imported & heavy
