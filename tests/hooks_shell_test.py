"""review_gate.shell: PR creation, tampering and undecidable commands (tables, properties)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from review_gate.shell import Analysis, PrCreation, analyse, might_matter
from review_gate.shell import _analyse as analyse_unfiltered
from tests.shell_cases import (
    LOOKALIKES,
    NOT_TAMPERING,
    PR_CREATING,
    PR_DIRECT,
    TAMPERING,
    UNDECIDABLE,
    _nested,
)


@pytest.mark.parametrize("command", PR_CREATING)
def test_pr_creating(command: str) -> None:
    result = analyse(command)
    assert result.pr_creations, result
    assert result.matters


@pytest.mark.parametrize("command", UNDECIDABLE)
def test_undecidable(command: str) -> None:
    result = analyse(command)
    assert result.undecidable, result
    assert result.matters


@pytest.mark.parametrize("command", LOOKALIKES)
def test_lookalikes_are_nothing(command: str) -> None:
    assert analyse(command) == Analysis()


@pytest.mark.parametrize("command", TAMPERING)
def test_tampering(command: str) -> None:
    result = analyse(command)
    assert result.tampering or result.paths, result
    assert all(t.reason and t.command and t.kind for t in result.tampering)
    assert all(p.route and p.action and p.source for p in result.paths)


@pytest.mark.parametrize("command", NOT_TAMPERING)
def test_not_tampering(command: str) -> None:
    # Paths that may be protected are decided by the hook (tests/shell_tamper_*_test.py).
    result = analyse(command)
    assert not (result.tampering or result.pr_creations or result.undecidable), result


@pytest.mark.parametrize("command", PR_DIRECT)
def test_direct_forms_are_plain_creations(command: str) -> None:
    result = analyse(command)
    assert len(result.pr_creations) == 1
    assert not result.undecidable and not result.tampering


def test_tables_are_big_enough() -> None:
    assert len(PR_CREATING) >= 60
    assert len(LOOKALIKES) >= 30
    assert len(TAMPERING) >= 20 and len(NOT_TAMPERING) >= 15


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            'gh pr create --body "Closes #7" --head feature/7-x -R o/r',
            PrCreation("gh pr create", "", body="Closes #7", head="feature/7-x", repo="o/r"),
        ),
        ("gh pr create -b 'Fixes #12'", PrCreation("gh pr create", "", body="Fixes #12")),
        ("gh pr create --body='Resolves #3'", PrCreation("gh pr create", "", body="Resolves #3")),
        ("gh pr create -b$'a\\nCloses #4'", PrCreation("gh pr create", "", body="a\nCloses #4")),
        ("gh pr create --body-file notes.md", PrCreation("gh pr create", "", body_file="notes.md")),
        ("gh pr create -F body.md", PrCreation("gh pr create", "", body_file="body.md")),
        ("gh pr create -F -", PrCreation("gh pr create", "", body_file="-")),
        ("gh pr new -H feat --repo a/b", PrCreation("gh pr create", "", head="feat", repo="a/b")),
        ('gh pr create -b "$BODY"', PrCreation("gh pr create", "")),
        ("gh pr create -b one -b two", PrCreation("gh pr create", "", body="two")),
        (
            "gh api repos/o/r/pulls -f body='Closes #9' -f head=feature/9-y",
            PrCreation("gh api", "", body="Closes #9", head="feature/9-y", repo="o/r"),
        ),
        (
            "gh api repos/o/r/pulls -F body=@pr.md",
            PrCreation("gh api", "", body_file="pr.md", repo="o/r"),
        ),
        (
            'curl -d \'{"title":"t","body":"Closes #5","head":"h"}\' '
            "https://api.github.com/repos/o/r/pulls",
            PrCreation("curl", "", body="Closes #5", head="h", repo="o/r"),
        ),
        (
            "http POST api.github.com/repos/o/r/pulls body='Closes #6' head=x",
            PrCreation("httpie", "", body="Closes #6", head="x", repo="o/r"),
        ),
        (
            "gh api graphql -f query='mutation { createPullRequest(input: "
            '{body: "Closes #8", headRefName: "f"}) { clientMutationId } }\'',
            PrCreation("gh api graphql", "", body="Closes #8", head="f"),
        ),
        (
            "hub pull-request -m 'T\n\nCloses #2'",
            PrCreation("hub pull-request", "", body="T\n\nCloses #2"),
        ),
    ],
)
def test_fields_are_extracted(command: str, expected: PrCreation) -> None:
    (found,) = analyse(command).pr_creations
    assert (found.via, found.body, found.body_file, found.head, found.repo) == (
        expected.via,
        expected.body,
        expected.body_file,
        expected.head,
        expected.repo,
    )


def test_command_is_the_simple_command_text() -> None:
    (found,) = analyse("cd x && gh pr create --fill | cat").pr_creations
    assert found.command == "gh pr create --fill"


def test_max_depth() -> None:
    assert analyse(_nested("gh pr create", 3)).pr_creations
    result = analyse(_nested("gh pr create", 3), max_depth=2)
    assert result.undecidable and not result.pr_creations
    assert analyse(_nested("echo hi", 12)) == Analysis()


def test_parse_error_only_matters_when_pr_ish() -> None:
    assert analyse("echo (") == Analysis()
    assert analyse("if then fi gh pr create").undecidable


def test_dynamic_names_only_matter_when_pr_ish() -> None:
    assert analyse("$CMD --version && $(which python) -V") == Analysis()
    assert analyse("$CMD pr create").undecidable


def test_might_matter_is_false_for_ordinary_commands() -> None:
    for command in ("ls -la", "pytest -q tests", "npm test", "cd src && make", "cat README.md"):
        assert not might_matter(command)


@pytest.mark.parametrize("command", [*PR_CREATING, *UNDECIDABLE, *TAMPERING])
def test_might_matter_never_misses_a_table_case(command: str) -> None:
    assert might_matter(command)


def test_importing_the_pre_filter_is_cheap() -> None:
    code = (
        "import sys; from review_gate.shell import might_matter; might_matter('gh pr x');"
        "print(sorted(m for m in ('re', 'dataclasses', 'typing', 'tree_sitter', 'json') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_slow_analysis_is_undecidable(monkeypatch: pytest.MonkeyPatch) -> None:
    # A client lets a call through when the hook times out: running out of time is a deny.
    from review_gate.shell import walker as _shell_core

    monkeypatch.setattr(_shell_core, "BUDGET_SECONDS", -1.0)
    assert analyse("gh pr create").undecidable == ("the command is too complex to analyse in time",)


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("{gh,x} pr", ["gh", "x", "pr"]),
        ("c{r,}eate", ["create", "ceate"]),
        ("{a..c}h", ["ah", "bh", "ch"]),
        ("'{a,b}' \"{c,d}\" ${X:-a,b}", ["{a,b}", "{c,d}", None]),
        ("{a,{b,c}}d", ["ad", "bd", "cd"]),
        ("{pr,} x", ["pr", "x"]),
    ],
)
def test_brace_expansion(command: str, words: list[str | None]) -> None:
    from review_gate.shell import syntax as tree

    command = "echo " + command
    src = command.encode()
    (node,) = [n for n in tree.walk(tree.parse(command)) if n.type == "command"]
    assert [w.value for w in tree.command(node, src).words][1:] == words


def test_analyse_never_raises_on_odd_input() -> None:
    for command in ("", "\x00", "\udcff gh pr create", "(" * 5000 + "gh pr create", "$'" * 100):
        assert isinstance(analyse(command), Analysis)


# fmt: off
_TOKENS = [
    "gh", "pr", "create", "new", "api", "graphql", "repos/o/r/pulls", "/pulls", "-X", "POST",
    "-XPOST", "--method=post", "-f", "-F", "title=t", "query=createPullRequest", "--body", "x",
    "curl", "wget", "http", "hub", "pull-request", "-d", "@f", "|", "||", "&&", ";", "&", "(", ")",
    "{", "}", "$(", "`", "'", '"', "\\", "$X", "${X}", "bash", "sh", "-c", "-lc", "eval", "echo",
    "xargs", "-I{}", "<<EOF", "EOF", "<<<", "\n", "git", "push", "commit", "--no-verify", "-n",
    "-nm", "-c", "core.hooksPath=x", "config", "SKIP=review-gate", "sudo", "env", "-u", "timeout",
    "5", "base64", "$'\\x67h'", "*", "#", "python", "-e", "source", ".", "find", "-exec", "\\;",
    "trap", "alias", "x=1", "<(", ">(", "2>&1", ">", ".git/hooks/pre-push", "if", "then", "fi",
    "for", "do", "done", "case", "esac", "function", "f()", "g\\h", "'g'h", "~/bin/gh",
    "-an", "-anm", "-m", "--no-ver", "--config-env=core.hooksPath=E", "-ccore.hookspath=x",
    "alias.x=!gh", "GIT_CONFIG_KEY_0=core.hooksPath", "GIT_CONFIG_PARAMETERS=$X", "HUSKY=0",
    "rm", "chmod", ".git/hooks/x", "status", "log", "--cached", "merge", "am", "pull", "printf",
    "'\\x67h pr create'", "rev", "ssh", "host", "docker", "exec", "awk", "node", "make",
    "${X}h", "p${Y}r", "cr$(echo e)ate", "A=g", "$A$B", "set", "--", "$1", "xvfb-run", "tmux",
    "new", "-d", "parallel", ":::", "-0", "shopt", "g=gh", "g", "{gh,pr}", "c{r,}eate", "\\\n",
    "--next", "-K", "rebase", "-x", "bisect", "run", "cd", ".git", "hooks", "send-pack", "-e",
]
# fmt: on
_soup = st.lists(st.sampled_from(_TOKENS), max_size=25).map(lambda ws: " ".join(ws))
_glued = st.lists(st.sampled_from(_TOKENS), max_size=12).map(lambda ws: "".join(ws))
_shellish = st.one_of(_soup, _glued, st.text(max_size=200))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_shellish)
def test_analyse_never_raises(command: str) -> None:
    result = analyse_unfiltered(command)
    assert isinstance(result, Analysis)
    assert not any("internal error" in u for u in result.undecidable), (command, result)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_shellish)
@example("$A$(A=G")  # a glued `$` after one at the very start was never looked at
@example("$X$Y pr create")
def test_might_matter_is_conservative(command: str) -> None:
    if not might_matter(command):
        assert analyse_unfiltered(command) == Analysis(), command
