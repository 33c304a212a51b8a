"""``gate config show``: every key, its value and its source, in the three views (the
working tree, the hooks' policy, a ref), on real repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review_gate.cli import main
from review_gate.config_values import FIELDS, display_name
from tests.helpers import commit_file, git, init_repo_with_remote, run_gate

BASE = 'require_commit = true\nretries = 5\n[trust]\nreview = ["OWNER", "@review-bot"]\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone whose main (pushed) commits BASE, on a worker branch whose working tree
    has a looser .review-gate.toml."""
    repo, _ = init_repo_with_remote(tmp_path)
    commit_file(repo, ".review-gate.toml", BASE, "chore: configure review-gate")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    (repo / ".review-gate.toml").write_text("require_commit = false\nretries = 1\n")
    return repo


def _json(repo: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    proc = run_gate("config", "show", "--format", "json", "-C", str(repo), *args, cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    return data


def _key(data: dict[str, object], key: str) -> dict[str, object]:
    keys = data["keys"]
    assert isinstance(keys, dict)
    entry: dict[str, object] = keys[key]
    return entry


def test_worktree_view_values_and_sources(repo: Path) -> None:
    data = _json(repo, env={"REVIEW_GATE_TRACKER_DEADLINE": "7"})
    own = str(repo / ".review-gate.toml")
    assert data["view"] == "worktree" and data["config_ref"] is None
    assert data["config_file"] == own
    assert _key(data, "require_commit") == {"value": False, "source": own}
    assert _key(data, "retries") == {"value": 1, "source": own}
    assert _key(data, "tracker_deadline") == {
        "value": 7.0,
        "source": "env REVIEW_GATE_TRACKER_DEADLINE",
    }
    assert _key(data, "protected_branches") == {"value": ["main", "master"], "source": "default"}
    assert _key(data, "issue") == {"value": None, "source": "default"}
    assert data["notes"] == []


def test_json_lists_every_key_as_a_file_spells_it(repo: Path) -> None:
    data = _json(repo)
    assert set(data) == {"view", "description", "config_file", "config_ref", "keys", "notes"}
    keys = data["keys"]
    assert isinstance(keys, dict)
    assert list(keys) == [display_name(name) for name in FIELDS]
    assert "trust.review" in keys and "trust_review" not in keys


def test_hooks_view_is_the_base_branch_committed_policy(repo: Path) -> None:
    data = _json(repo, "--hooks")
    assert data["view"] == "hooks"
    assert data["config_file"] == "origin/main:.review-gate.toml"
    assert "base branch origin/main" in str(data["description"])
    assert _key(data, "require_commit") == {
        "value": True,
        "source": "origin/main:.review-gate.toml",
    }
    assert _key(data, "trust.review")["value"] == ["OWNER", "@review-bot"]
    assert _key(data, "tracker") == {"value": "local", "source": "automatic (the origin remote)"}
    # the working tree's looser file is named, and said to be unused
    notes = data["notes"]
    assert isinstance(notes, list) and len(notes) == 1
    assert "require_commit true -> false" in notes[0] and "not used" in notes[0]
    assert "tracker" not in notes[0]


def test_hooks_view_takes_a_tightening_variable(repo: Path) -> None:
    data = _json(repo, "--hooks", env={"REVIEW_GATE_REQUIRE_DISTINCT_REVIEWER": "1"})
    assert _key(data, "require_distinct_reviewer") == {
        "value": True,
        "source": "env REVIEW_GATE_REQUIRE_DISTINCT_REVIEWER",
    }


def test_hooks_view_refuses_a_loosening_variable_as_the_hooks_do(repo: Path) -> None:
    proc = run_gate(
        "config", "show", "--hooks", cwd=repo, env={"REVIEW_GATE_REQUIRE_COMMIT": "false"}
    )
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("gate: error: this checkout is gated")
    assert "REVIEW_GATE_REQUIRE_COMMIT" in lines[0] and len(lines) == 2


def test_ref_view(repo: Path) -> None:
    data = _json(repo, "--ref", "origin/main")
    assert data["view"] == "ref" and data["config_ref"] == "origin/main"
    assert _key(data, "retries") == {"value": 5, "source": "origin/main:.review-gate.toml"}


def test_text_output_names_the_view_and_each_source(repo: Path) -> None:
    proc = run_gate("config", "show", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("# the working tree's configuration")
    assert "`gate config show --hooks`" in lines[0]
    own = str(repo / ".review-gate.toml")
    assert any(line.split() == ["require_commit", "=", "false", "#", own] for line in lines), lines
    assert any(line.startswith("issue ") and "(not set)  # default" in line for line in lines)
    hooks = run_gate("config", "show", "--hooks", cwd=repo)
    assert hooks.stdout.startswith("# the policy the git and agent hooks use here: base branch")
    assert "# note: the checkout's" in hooks.stdout
    assert '"@review-bot"' in hooks.stdout


def test_hooks_view_outside_a_checkout_says_so(tmp_path: Path) -> None:
    data = _json(tmp_path, "--hooks")
    assert data["view"] == "hooks" and "not a git checkout" in str(data["description"])
    assert data["config_file"] is None


@pytest.mark.parametrize(
    ("args", "setup", "message"),
    [
        (("--ref", "nope"), None, "config ref 'nope' is not a commit"),
        (("--ref", "-x"), None, "is not a valid git revision"),
        (("--hooks", "--ref", "main"), None, "--hooks and --ref are two different views"),
        (("--format", "yaml"), None, "Invalid value for '--format'"),
        ((), "retries = [\n", "not valid TOML"),
        ((), "retries = -1\n", "must not be negative"),
        ((), "bogus = 1\n", "unknown key 'bogus'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    repo: Path,
    args: tuple[str, ...],
    setup: str | None,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if setup is not None:
        (repo / ".review-gate.toml").write_text(setup)
    assert main(["config", "show", "-C", str(repo), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0].startswith("gate: error: ") and message in lines[0], captured.err
    assert len(lines) <= 2 and "Traceback" not in captured.err


def test_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "-C", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--hooks" in out and "--ref REF" in out and "--format [text|json]" in out
    assert main(["--help"]) == 0
    assert "  config" in capsys.readouterr().out
