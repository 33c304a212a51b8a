"""review_gate.hooks.pre_push, commit_msg and validate: the git hooks.

Unit tables for the pure parts, then the real console scripts in subprocesses
against real repositories and the local tracker.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from review_gate import config as config_mod
from review_gate.errors import GateError
from review_gate.hooks import commit_msg, pre_push, validate
from tests import artifact_samples
from tests.helpers import commit_file, git

BIN = Path(sys.executable).parent
SHA = "a" * 40
ZERO = "0" * 40


def script(name: str, *args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None):
    return subprocess.run(
        (str(BIN / name), *args),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def tracker(repo: Path):  # type: ignore[no-untyped-def]
    from review_gate.trackers.local import LocalTracker

    return LocalTracker.for_checkout(repo)


# --------------------------------------------------------------------------- commit-msg


@pytest.mark.parametrize(
    ("text", "branch_issue", "ok"),
    [
        ("feat: add dark mode toggle (#7)\n", None, True),
        ("fix: handle CRLF bodies (#12)\n\nBody.\n\n🤖 Worker: worker-1-12\n", 12, True),
        ("docs: x (#3)", None, True),
        ("chore: bump (#1)\r\n", None, True),
        ("# Please enter the commit message\n\ntest: cover it (#7)\n# comment\n", 7, True),
        ("refactor: split module (#7)   \n", 7, True),
        ("Merge branch 'main' into feature/7-x\n", 7, True),
        ('Revert "feat: add x (#7)"\n', 7, True),
        ("fixup! feat: add x (#7)\n", 7, True),
        ("squash! feat: add x (#7)\n", 7, True),
        ("amend! feat: add x (#7)\n", 7, True),
        ("feat: add x (#8)\n", 7, False),  # wrong issue on a worker branch
        ("feat: add x\n", None, False),  # no issue
        ("feat: add x (7)\n", None, False),
        ("feature: add x (#7)\n", None, False),  # unknown type
        ("Feat: add x (#7)\n", None, False),
        ("feat(api): add x (#7)\n", None, False),  # no scopes in the seed format
        ("feat:add x (#7)\n", None, False),
        ("feat:  (#7)\n", None, False),
        ("feat: (#7)\n", None, False),
        ("added stuff\n", None, False),
        ("", None, False),
        ("# only a comment\n\n", None, False),
        ("\n\n   \n", None, False),
        ("feat: add x (#7) trailing\n", None, False),
        ("Merged: something (#7)\n", None, False),  # not git's merge subject
        (
            "# ------------------------ >8 ------------------------\nfeat: x (#7)\n",
            None,
            False,
        ),  # everything below the scissors is the diff of `git commit -v`
    ],
)
def test_check_message(text: str, branch_issue: int | None, ok: bool) -> None:
    assert (commit_msg.check_message(text, branch_issue=branch_issue) is None) is ok


def test_subject_ignores_scissors_diff() -> None:
    text = "feat: x (#7)\n# ------------------------ >8 ------------------------\ndiff --git\n"
    assert commit_msg.subject_of(text) == "feat: x (#7)"


@pytest.mark.parametrize(
    ("branch", "message", "code", "expect"),
    [
        ("main", "feat: add x (#7)", 0, ""),
        ("feature/7-x", "feat: add x (#7)", 0, ""),
        ("feature/7-x", "feat: add x (#9)", 1, "this branch is for issue #7"),
        ("feature/7-x", "wip", 1, "feat: add dark mode toggle to settings (#7)"),
        ("main", "wip", 1, "expected: <type>: <description> (#<issue>)"),
        ("topic", "Merge branch 'x'", 0, ""),
    ],
)
def test_commit_msg_script(
    repo: Path, branch: str, message: str, code: int, expect: str, tmp_path: Path
) -> None:
    if branch != "main":
        git(repo, "checkout", "-q", "-b", branch)
    msg = tmp_path / "COMMIT_EDITMSG"
    msg.write_text(message + "\n")
    proc = script("review-gate-commit-msg", str(msg), cwd=repo)
    assert proc.returncode == code, proc.stderr
    assert expect in proc.stderr
    if code:
        assert "feat|fix|test|refactor|docs|chore" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_commit_msg_worker_pattern_from_config(repo: Path, tmp_path: Path) -> None:
    (repo / ".review-gate.toml").write_text('worker_branch_pattern = "^issue-(\\\\d+)$"\n')
    git(repo, "checkout", "-q", "-b", "issue-42")
    msg = tmp_path / "msg"
    msg.write_text("fix: y (#41)\n")
    proc = script("review-gate-commit-msg", str(msg), cwd=repo)
    assert proc.returncode == 1 and "issue #42" in proc.stderr


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        ((), "the following arguments are required"),
        (("/nonexistent/msg",), "cannot read the commit message"),
        (("a", "b"), "unrecognized arguments"),
    ],
)
def test_commit_msg_usage_errors(repo: Path, args: tuple[str, ...], expect: str) -> None:
    proc = script("review-gate-commit-msg", *args, cwd=repo)
    assert proc.returncode == 2
    assert expect in proc.stderr and "Traceback" not in proc.stderr


def test_commit_msg_binary_junk_is_refused_not_crashed(repo: Path, tmp_path: Path) -> None:
    msg = tmp_path / "msg"
    msg.write_bytes(b"\xff\xfe\x00junk\n")
    proc = script("review-gate-commit-msg", str(msg), cwd=repo)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- pre-push parsing


def test_parse_updates() -> None:
    text = (
        f"refs/heads/feature/7-x {SHA} refs/heads/feature/7-x {ZERO}\n"
        f"\nHEAD {SHA} refs/heads/main {SHA}\n"
    )
    updates = pre_push.parse_updates(text)
    assert updates == [
        pre_push.RefUpdate("refs/heads/feature/7-x", SHA, "refs/heads/feature/7-x", ZERO),
        pre_push.RefUpdate("HEAD", SHA, "refs/heads/main", SHA),
    ]
    assert not updates[0].deleting
    assert pre_push.RefUpdate("(delete)", ZERO, "refs/heads/x", SHA).deleting


@pytest.mark.parametrize("line", ["garbage", "a b c", f"refs/heads/x {SHA}"])
def test_parse_updates_rejects_malformed(line: str) -> None:
    with pytest.raises(GateError, match="pre-push input line 1"):
        pre_push.parse_updates(line)


def test_updates_from_environment(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    env = {
        "PRE_COMMIT_FROM_REF": ZERO,
        "PRE_COMMIT_TO_REF": head,
        "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main",
        "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main",
    }
    assert pre_push.updates_from_environment(env, repo) == [
        pre_push.RefUpdate("refs/heads/main", head, "refs/heads/main", ZERO)
    ]
    # pushing the root commit: pre-commit sets no TO_REF, only the branches
    del env["PRE_COMMIT_TO_REF"], env["PRE_COMMIT_FROM_REF"]
    assert pre_push.updates_from_environment(env, repo)[0].local_sha == head  # type: ignore[index]
    assert pre_push.updates_from_environment({}, repo) is None
    with pytest.raises(GateError, match="cannot resolve"):
        pre_push.updates_from_environment(
            {"PRE_COMMIT_REMOTE_BRANCH": "refs/heads/x", "PRE_COMMIT_LOCAL_BRANCH": "nope"}, repo
        )


# --------------------------------------------------------------------------- pre-push decisions
# Cases that need no tracker: protected branches, deletions, tags, other branches.


@pytest.mark.parametrize(
    ("local_ref", "remote_ref", "env", "code", "expect"),
    [
        ("refs/heads/main", "refs/heads/main", {}, 0, "not a worker push"),
        ("refs/heads/topic", "refs/heads/topic", {}, 0, "not a worker branch"),
        ("refs/heads/feature/7-x", "refs/heads/main", {}, 1, "protected branch 'main'"),
        ("refs/heads/feature/7-x", "refs/heads/master", {}, 1, "protected branch 'master'"),
        (
            "refs/heads/topic",
            "refs/heads/main",
            {"REVIEW_GATE_WORKER_ID": "w-1-7"},
            1,
            "dispatcher",
        ),
        ("refs/tags/v1", "refs/tags/v1", {"REVIEW_GATE_WORKER_ID": "w-1-7"}, 0, "not a branch"),
        # a worker branch pushed to a non-branch ref (Gerrit-style) is still gated
        ("refs/heads/feature/7-x", "refs/for/main", {}, 1, "issue #7"),
        (
            "refs/heads/feature/7-x",
            "refs/heads/release/1",
            {"REVIEW_GATE_PROTECTED_BRANCHES": "main,release/*"},
            1,
            "protected branch 'release/1'",
        ),
        (
            "refs/heads/feature/8-y",
            "refs/heads/feature/8-y",
            {"REVIEW_GATE_WORKER_ID": "w-1-7", "REVIEW_GATE_ISSUE": "7"},
            1,
            "holds issue #7",
        ),
    ],
)
def test_decide_without_tracker(
    repo: Path, local_ref: str, remote_ref: str, env: dict[str, str], code: int, expect: str
) -> None:
    config = config_mod.load(repo, environ=env)
    head = git(repo, "rev-parse", "HEAD").strip()
    decision = pre_push.decide(
        pre_push.RefUpdate(local_ref, head, remote_ref, ZERO), cwd=repo, config=config
    )
    assert decision.exit_code == code
    assert expect in "\n".join(decision.lines)
    if code:
        assert "fix:" in "\n".join(decision.lines)


def test_decide_head_resolves_to_checked_out_worker_branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    head = git(repo, "rev-parse", "HEAD").strip()
    update = pre_push.RefUpdate("HEAD", head, "refs/heads/main", head)
    decision = pre_push.decide(update, cwd=repo, config=config_mod.load(repo, environ={}))
    assert decision.exit_code == 1 and "feature/7-x" in decision.lines[0]


@pytest.mark.parametrize(
    ("remote_ref", "env", "code"),
    [
        ("refs/heads/main", {}, 1),  # protected: never deleted through the gate
        ("refs/heads/topic", {}, 0),
        ("refs/heads/feature/7-x", {}, 0),  # cleaning up a merged worker branch
        ("refs/heads/feature/7-x", {"REVIEW_GATE_WORKER_ID": "w", "REVIEW_GATE_ISSUE": "7"}, 0),
        ("refs/heads/feature/8-y", {"REVIEW_GATE_WORKER_ID": "w", "REVIEW_GATE_ISSUE": "7"}, 1),
    ],
)
def test_decide_deletion(repo: Path, remote_ref: str, env: dict[str, str], code: int) -> None:
    update = pre_push.RefUpdate("(delete)", ZERO, remote_ref, SHA)
    decision = pre_push.decide(update, cwd=repo, config=config_mod.load(repo, environ=env))
    assert decision.exit_code == code, decision.lines


def test_pre_push_function_reads_stdin(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    stdin = io.StringIO(f"refs/heads/topic {head} refs/heads/topic {ZERO}\n")
    code, lines = pre_push.pre_push(["origin", "/x"], cwd=repo, environ={}, stdin=stdin)
    assert code == 0 and "not a worker branch" in lines[0]


def test_pre_push_script_with_empty_input_passes(repo: Path) -> None:
    # git runs the hook with empty stdin when there is nothing to push
    proc = subprocess.run(
        (str(BIN / "review-gate-pre-push"), "origin", "url"),
        cwd=repo,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_pre_push_tty_raises(repo: Path) -> None:
    with pytest.raises(GateError, match="reads git's pre-push input"):
        pre_push.pre_push([], cwd=repo, environ={}, stdin=_Tty())


def test_pre_push_bad_config_refuses(repo: Path) -> None:
    # The base branch's committed configuration is the policy: a bad one refuses.
    commit_file(repo, ".review-gate.toml", "on_unreachable = 'maybe'\n", "chore: config")
    proc = script(
        "review-gate-pre-push", "origin", "x", cwd=repo, stdin=f"a {SHA} refs/heads/x {ZERO}\n"
    )
    assert proc.returncode == 2
    assert "on_unreachable" in proc.stderr and "Traceback" not in proc.stderr


def test_pre_push_ignores_the_working_trees_config(repo: Path) -> None:
    # An edit in the checkout (an agent's) neither loosens nor breaks the hook.
    (repo / ".review-gate.toml").write_text("on_unreachable = 'maybe'\n")
    proc = script(
        "review-gate-pre-push", "origin", "x", cwd=repo, stdin=f"a {SHA} refs/heads/x {ZERO}\n"
    )
    assert proc.returncode == 0, proc.stderr


def test_pre_push_malformed_stdin_refuses(repo: Path) -> None:
    proc = script("review-gate-pre-push", "origin", "x", cwd=repo, stdin="\x00\xff junk\n")
    assert proc.returncode == 2 and "pre-push input line 1" in proc.stderr


# --------------------------------------------------------------------------- pre-push gate
# The worker-branch path with the real local tracker and the real check().


@pytest.fixture
def worker_repo(repo: Path) -> tuple[Path, str]:
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    sha = commit_file(repo, "src/app.py", "print('hi')\n", "feat: add app (#7)")
    tracker(repo).create_issue("Add the app", number=7)
    return repo, sha


def _push_line(branch: str, sha: str, remote: str | None = None) -> str:
    return f"refs/heads/{branch} {sha} refs/heads/{remote or branch} {ZERO}\n"


def test_worker_push_refused_without_review(worker_repo: tuple[Path, str]) -> None:
    repo, sha = worker_repo
    proc = script(
        "review-gate-pre-push", "origin", "u", cwd=repo, stdin=_push_line("feature/7-x", sha)
    )
    assert proc.returncode == 1, proc.stderr
    assert "refused" in proc.stderr
    assert "gate new review --issue 7" in proc.stderr
    assert "fix:" in proc.stderr


def test_worker_push_passes_with_review_of_that_commit(worker_repo: tuple[Path, str]) -> None:
    repo, sha = worker_repo
    tracker(repo).post_comment(7, artifact_samples.review(7, commit=sha))
    proc = script(
        "review-gate-pre-push", "origin", "u", cwd=repo, stdin=_push_line("feature/7-x", sha)
    )
    assert proc.returncode == 0, proc.stderr
    # a new commit after the review is not covered by it
    newer = commit_file(repo, "src/more.py", "x = 1\n", "feat: more (#7)")
    proc = script(
        "review-gate-pre-push", "origin", "u", cwd=repo, stdin=_push_line("feature/7-x", newer)
    )
    assert proc.returncode == 1, proc.stderr


def test_every_ref_of_a_multi_ref_push_is_checked(worker_repo: tuple[Path, str]) -> None:
    repo, sha = worker_repo
    stdin = _push_line("topic", sha) + _push_line("feature/7-x", sha)
    proc = script("review-gate-pre-push", "origin", "u", cwd=repo, stdin=stdin)
    assert proc.returncode == 1 and "not a worker branch" in proc.stderr


def test_push_to_worker_branch_name_from_detached_head_is_gated(
    worker_repo: tuple[Path, str],
) -> None:
    repo, sha = worker_repo
    proc = script(
        "review-gate-pre-push",
        "origin",
        "u",
        cwd=repo,
        stdin=f"{sha} {sha} refs/heads/feature/7-x {ZERO}\n",
    )
    assert proc.returncode == 1


def test_unknown_issue_refuses(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature/99-x")
    sha = git(repo, "rev-parse", "HEAD").strip()
    tracker(repo)  # an empty tracker
    proc = script(
        "review-gate-pre-push", "origin", "u", cwd=repo, stdin=_push_line("feature/99-x", sha)
    )
    assert proc.returncode != 0 and "#99" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("policy", "code"), [("refuse", 3), ("allow", 0)])
def test_tracker_unreachable(repo: Path, policy: str, code: int) -> None:
    # The github tracker pointed at a closed port: unreachable, fail closed unless the base
    # branch's configuration allows it (the environment may not: it can only tighten).
    committed = (
        f"tracker = 'github'\nrepo = 'octo/project'\non_unreachable = '{policy}'\n"
        "api_url = 'http://127.0.0.1:9'\n"
    )
    commit_file(repo, ".review-gate.toml", committed, "chore: config")
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    sha = git(repo, "rev-parse", "HEAD").strip()
    env = {
        "REVIEW_GATE_RETRIES": "0",
        "REVIEW_GATE_REQUEST_TIMEOUT": "2",
        "GITHUB_API_URL": "http://127.0.0.1:9",
        "GH_TOKEN": "test-token",
    }
    proc = script(
        "review-gate-pre-push",
        "origin",
        "u",
        cwd=repo,
        stdin=_push_line("feature/7-x", sha),
        env=env,
    )
    assert proc.returncode == code, proc.stderr
    assert "unreachable" in proc.stderr
    assert "test-token" not in proc.stderr


# --------------------------------------------------------------------------- validate


def test_validate_valid_and_invalid_files(tmp_path: Path) -> None:
    good = tmp_path / "good.review.md"
    good.write_text(artifact_samples.review(7))
    bad = tmp_path / "bad.review.md"
    bad.write_text("intro\n\n" + artifact_samples.review(7, status="DONE-ISH"))
    proc = script("review-gate-validate", str(good), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = script("review-gate-validate", str(good), str(bad), cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines and all(line.startswith(f"{bad}:") for line in lines)
    assert all(int(line.split(":")[1]) >= 3 for line in lines)  # lines within the file


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"just prose\n", "no review-gate artifact found"),
        (b"<!-- REVIEW:START -->\nunterminated\n", "review"),
        (b"\xff\xfe\x00\x01", "not valid UTF-8"),
        (b"ok\x00binary", "binary file"),
        (b"", "no review-gate artifact found"),
    ],
)
def test_validate_bad_input_is_an_error_line(tmp_path: Path, content: bytes, expect: str) -> None:
    path = tmp_path / "x.review.md"
    path.write_bytes(content)
    proc = script("review-gate-validate", str(path), cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith(f"{path}:") and expect in proc.stdout
    assert "Traceback" not in proc.stderr


def test_validate_json_and_missing_file(tmp_path: Path) -> None:
    proc = script("review-gate-validate", "--format", "json", "missing.md", cwd=tmp_path)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["valid"] is False and data["files"] == 1
    assert (
        data["errors"][0]["path"] == "missing.md" and "cannot read" in data["errors"][0]["message"]
    )


def test_validate_no_files_passes_and_bad_flag_is_usage(tmp_path: Path) -> None:
    assert script("review-gate-validate", cwd=tmp_path).returncode == 0
    proc = script("review-gate-validate", "--format", "xml", cwd=tmp_path)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_main_functions_return_codes(tmp_path: Path) -> None:
    assert validate.validate_main([]) == 0
    assert commit_msg.commit_msg_main([]) == 2
    assert validate.validate_main(["--help"]) == 0


# --------------------------------------------------------------------------- arguments

SCRIPTS = ("review-gate-pre-push", "review-gate-commit-msg", "review-gate-validate")


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("review-gate-pre-push", "worker branch"),
        ("review-gate-commit-msg", "<type>: <description> (#<issue>)"),
        ("review-gate-validate", "--format {text,json}"),
    ],
)
def test_help_is_a_usage_text(name: str, says: str, flag: str, tmp_path: Path) -> None:
    # review-gate-pre-push --help used to read it as a remote name: no output, exit 0.
    proc = script(name, flag, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith(f"usage: {name} ")
    flat = " ".join(proc.stdout.split())
    assert says in flat and "Exit codes: 0 pass" in flat


@pytest.mark.parametrize("name", SCRIPTS)
@pytest.mark.parametrize(
    "args", [("--bogus",), ("--bogus", "x"), ("x", "--nope=1"), ("-q",), ("--forma=json",)]
)
def test_unknown_options_are_one_line_usage_errors(
    name: str, args: tuple[str, ...], repo: Path
) -> None:
    proc = script(name, *args, cwd=repo, stdin=f"refs/heads/main {SHA} refs/heads/main {ZERO}\n")
    bad = next(a for a in args if a.startswith("-"))
    assert proc.returncode == 2, proc
    assert proc.stderr == f"{name}: error: unrecognized option: {bad} (see {name} --help)\n"
    assert proc.stdout == ""


def test_pre_push_takes_remote_and_url_only(repo: Path) -> None:
    line = f"refs/heads/main {SHA} refs/heads/main {ZERO}\n"
    ok = script("review-gate-pre-push", "origin", "/some/url", cwd=repo, stdin=line)
    assert ok.returncode == 0 and "origin refs/heads/main" in ok.stderr
    extra = script("review-gate-pre-push", "origin", "/some/url", "x", cwd=repo, stdin=line)
    assert extra.returncode == 2 and "unrecognized arguments: x" in extra.stderr


def test_git_stdin_wins_over_pre_commit_variables(worker_repo: tuple[Path, str]) -> None:
    # Set by hand on `git push`, PRE_COMMIT_* must not replace what git says is pushed.
    repo, sha = worker_repo
    env = {
        "PRE_COMMIT_TO_REF": sha,
        "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/wip",
        "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/wip",
    }
    proc = script(
        "review-gate-pre-push",
        "origin",
        "u",
        cwd=repo,
        stdin=_push_line("feature/7-x", sha),
        env=env,
    )
    assert proc.returncode == 1, proc.stderr
    assert "feature/7-x" in proc.stderr
