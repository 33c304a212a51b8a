"""Which checkout, branch and body a PR-creating command gates: what earlier parts of the
same command do counts (``cd``, ``env -C``, ``git switch``, a body file written first, a
heredoc body, ``--fill``). Real checkouts and worktrees, the real local tracker, the hook
in-process; cases generated as classes (moves x separators x PR forms)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from review_gate.trackers.local import LocalTracker
from tests.helpers import commit_file, git, init_repo_with_remote
from tests.hooks_agent_test import bash, deny_reason, hook, post_review


@pytest.fixture
def reviewed(tmp_path: Path) -> Path:
    """feature/7-x, reviewed at its head, beside ../other: a worktree on feature/9-y (not
    reviewed) and a local branch feature/11-z (not reviewed); issues 7, 8, 9, 11 exist.
    The body file on disk closes only #7."""
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature/11-z")
    commit_file(repo, "z.py")
    git(repo, "push", "-q", "origin", "feature/11-z")
    git(repo, "checkout", "-q", "-b", "feature/7-x", "main")
    commit_file(repo, "src/app.py", "print('hi')\n")
    git(repo, "push", "-q", "origin", "feature/7-x")
    other = tmp_path / "other"
    git(repo, "worktree", "add", "-q", "-b", "feature/9-y", str(other), "main")
    commit_file(other, "y.py")
    git(other, "push", "-q", "origin", "feature/9-y")
    tracker = LocalTracker.for_checkout(repo)
    for n in (7, 8, 9, 11):
        tracker.create_issue(f"issue {n}", number=n)
    post_review(repo, 7)
    (repo / "body.md").write_text("Adds the app.\n\nCloses #7\n")
    return repo


PR_FORMS = ["gh pr create -t x -b 'Closes #7'", "gh pr create -t x -F body.md"]

# (move, issue gated afterwards): each takes the PR to the unreviewed checkout or branch.
MOVES = [
    ("cd ../other", 9),
    ("cd -- ../other", 9),
    ("pushd ../other >/dev/null", 9),
    ("{ cd ../other; }", 9),
    ("git switch feature/11-z", 11),
    ("git checkout feature/11-z", 11),
    ("git checkout -q feature/11-z", 11),
]
SEPARATORS = [" && ", "; ", "\n"]


@pytest.mark.parametrize(
    ("move", "sep", "form"),
    [(m, s, f) for (m, s, f) in itertools.product(MOVES, SEPARATORS, PR_FORMS)],
)
def test_a_move_earlier_in_the_command_changes_what_is_gated(
    move: tuple[str, int],
    sep: str,
    form: str,
    reviewed: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (reviewed.parent / "other" / "body.md").write_text("Closes #9\n")
    assert hook("pre-tool-use", bash(form, reviewed), monkeypatch, capsys) is None
    command = f"{move[0]}{sep}{form}"
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert f"issue #{move[1]}" in reason, reason


@pytest.mark.parametrize(
    "command",
    [
        "env -C ../other gh pr create -t x -b y",
        "env --chdir=../other gh pr create -t x -b y",
        "bash -c 'cd ../other && gh pr create -t x -b y'",
        'sh -c "cd ../other; gh pr create -t x -b y"',
        "cd .. && cd other && gh pr create -t x -b y",
        f"cd {'../other'!s} && true && gh pr create -t x -b y",
    ],
)
def test_other_ways_into_another_checkout(
    command: str,
    reviewed: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert "issue #9" in reason, reason


@pytest.mark.parametrize(
    "command",
    [
        "(cd ../other); gh pr create -t x -b y",
        "(cd ../other && ls); gh pr create -t x -b y",
        "echo $(cd ../other; pwd); gh pr create -t x -b y",
        "cd ../other | cat; gh pr create -t x -b y",
        "git -C ../other log -1 && gh pr create -t x -b y",
        "git checkout -- src/app.py && gh pr create -t x -b y",
        "gh pr create -t x -b y; cd ../other",
    ],
)
def test_moves_that_do_not_reach_the_pr_command(
    command: str,
    reviewed: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys) is None


@pytest.mark.parametrize(
    "command",
    [
        "false && cd ../other; gh pr create -t x -b y",
        "test -d ../other || cd ../other; gh pr create -t x -b y",
        "if true; then cd ../other; fi; gh pr create -t x -b y",
        "for d in ../other; do cd $d; done; gh pr create -t x -b y",
        "cd $DIR && gh pr create -t x -b y",
        "cd - && gh pr create -t x -b y",
        "popd; gh pr create -t x -b y",
        "eval 'cd ../other'; gh pr create -t x -b y",
        "f() { cd ../other; }; f; gh pr create -t x -b y",
        "git switch $B && gh pr create -t x -b y",
        "git switch - && gh pr create -t x -b y",
        "git -C ../other switch main && gh pr create -t x -b y",
        "GIT_DIR=../other/.git gh pr create -t x -b y",
        "export GIT_WORK_TREE=../other; gh pr create -t x -b y",
        "env GIT_DIR=../other/.git GIT_WORK_TREE=../other gh pr create -t x -b y",
    ],
)
def test_a_move_that_may_or_may_not_happen_is_undecidable(
    command: str,
    reviewed: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert "cannot tell which checkout or branch" in reason, reason


def test_a_new_branch_has_no_commit_to_gate_yet(
    reviewed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command = "git switch -c feature/8-new && gh pr create -t x -b y"
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert "feature/8-new" in reason and "Push the branch" in reason


def test_a_directory_that_does_not_exist_is_denied(
    reviewed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command = "cd ../nowhere; gh pr create -t x -b y"
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert "not a directory" in reason


# -- the body as it will be ----------------------------------------------------------------

# Ways to write body.md that the text of the command spells out: each closes #8.
STATIC_WRITES = [
    "echo 'Closes #8' > body.md",
    'printf "Closes #8\\n" > body.md',
    "cat > body.md <<'EOF'\nCloses #8\nEOF\n",
    "cat >body.md <<EOF\nCloses #8\nEOF\n",
    "echo 'Closes #8' >| body.md",
]
# Writes whose text only exists at run time.
DYNAMIC_WRITES = [
    'echo "Closes #$N" > body.md',
    "cat > body.md <<EOF\nCloses #$N\nEOF\n",
    "sed -i s/7/8/ body.md",
    "cp other.md body.md",
    "echo 'Closes #8' | tee body.md",
    "echo 'Closes #8' >> body.md",
    'python3 -c \'open("body.md","w").write("Closes #8")\'',
]


# `cat > f <<EOF; gh ...` then the heredoc's lines is bash, but tree-sitter-bash cannot parse
# it: that form is denied as unparseable (fail closed), tested in hooks_shell_test.py's tables.
@pytest.mark.parametrize(
    ("write", "sep"),
    [
        (w, s)
        for w, s in itertools.product(STATIC_WRITES, [" && ", "; ", "\n"])
        if not ("<<" in w and s == "; ")
    ],
)
def test_a_body_file_written_earlier_is_read_as_it_will_be(
    write: str,
    sep: str,
    reviewed: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pr = "gh pr create -t x -F body.md"
    if "<<" in write and sep != "\n":  # `cat > f <<EOF && gh ...` then the heredoc's lines
        first, rest = write.split("\n", 1)
        command = f"{first}{sep}{pr}\n{rest}"
    else:
        command = f"{write.rstrip(chr(10))}{sep}{pr}"
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert "issue #8" in reason, reason
    post_review(reviewed, 8)
    assert hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys) is None


@pytest.mark.parametrize("write", DYNAMIC_WRITES)
def test_a_body_file_written_at_run_time_cannot_be_told(
    write: str, reviewed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command = f"{write.rstrip(chr(10))}\ngh pr create -t x --body-file body.md"
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert "cannot tell which issues" in reason, reason


def test_a_body_file_written_after_the_pr_command_does_not_count(
    reviewed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command = "gh pr create -t x -F body.md; echo 'Closes #8' > body.md"
    assert hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys) is None


@pytest.mark.parametrize(
    ("body", "issue"),
    [
        ("\"$(cat <<'EOF'\nSummary\n\nCloses #8\nEOF\n)\"", 8),
        ('"$(cat <<EOF\nCloses #8\nEOF\n)"', 8),
        ("\"$(printf 'Closes #8')\"", 8),
        ("\"$(echo 'Fixes #8')\"", 8),
        ('"$(cat body8.md)"', 8),
        ('"$(< body8.md)"', 8),
    ],
)
def test_static_body_substitutions_are_read(
    body: str,
    issue: int,
    reviewed: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (reviewed / "body8.md").write_text("Closes #8\n")
    command = f"gh pr create --title x --body {body}"
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert f"issue #{issue}" in reason, reason
    post_review(reviewed, issue)
    assert hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys) is None


@pytest.mark.parametrize(
    "body",
    [
        '"$BODY"',
        '"$(cat <<EOF\nCloses #$N\nEOF\n)"',
        '"$(git log -1 --format=%B)"',
        '"Closes #7 $(date)"',
        "\"$(cat <<'EOF'\nx\nEOF\n)$(cat <<'EOF'\ny\nEOF\n)\"",
    ],
)
def test_bodies_computed_at_run_time_cannot_be_told(
    body: str, reviewed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command = f"gh pr create --title x --body {body}"
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert "cannot tell which issues" in reason, reason


@pytest.mark.parametrize("flag", ["--fill", "-f", "--fill-first", "--fill-verbose"])
def test_fill_takes_the_body_from_the_commit_messages(
    flag: str, reviewed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hook("pre-tool-use", bash(f"gh pr create {flag}", reviewed), monkeypatch, capsys) is None
    commit_file(reviewed, "more.py", message="feat: more\n\nCloses #8")
    git(reviewed, "push", "-q", "origin", "feature/7-x")
    post_review(reviewed, 7)
    reason = deny_reason(
        hook("pre-tool-use", bash(f"gh pr create {flag}", reviewed), monkeypatch, capsys)
    )
    assert "issue #8" in reason and "issue #7 has" not in reason, reason


# -- a deny that cannot tell says where the review gate stands ------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "cd $DIR && gh pr create -t x -b y",  # which checkout
        'gh pr create -t x --body "$BODY"',  # which issues
        "$TOOL pr create",  # whether it creates a PR at all
        "git switch -c feature/8-new && gh pr create -t x -b y",  # which commit
    ],
)
def test_cannot_tell_says_whether_the_review_gate_passes(
    command: str,
    reviewed: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert "issue #7" in reason and "passes: the same pull request" in reason, reason
    commit_file(reviewed, "unreviewed.py")
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed), monkeypatch, capsys))
    assert "does not pass either" in reason and "gate new review --issue 7" in reason, reason


def test_cannot_tell_outside_an_issue_branch_says_how_to_name_the_issue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "topic")
    reason = deny_reason(hook("pre-tool-use", bash("$TOOL pr create", repo), monkeypatch, capsys))
    assert "no issue to gate" in reason and "Closes #N" in reason, reason
