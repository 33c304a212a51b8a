"""`gate install actions`: the shipped worker workflow, valid for actionlint and GitHub's
workflow schema, installed idempotently, drift reported by --check, hand edits kept."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from review_gate.install import actions
from tests.action_test import _actionlint
from tests.helpers import init_repo, run_gate

TARGET = Path(".github/workflows/review-gate-worker.yml")


def _workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(actions.shipped())
    return data


def test_shipped_workflow_passes_actionlint(tmp_path: Path) -> None:
    path = tmp_path / "review-gate-worker.yml"
    path.write_text(actions.rendered())
    assert _actionlint(path) == []
    # ... and actionlint does read it: a step output that does not exist is caught
    path.write_text(actions.rendered().replace("steps.app-token.outputs", "steps.app-tokn.outputs"))
    assert any('"app-tokn" is not defined' in str(f["message"]) for f in _actionlint(path))


def test_shipped_workflow_matches_githubs_schema(tmp_path: Path) -> None:
    path = tmp_path / "review-gate-worker.yml"
    path.write_text(actions.rendered())
    checker = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "check-jsonschema"
    argv = [str(checker), "--builtin-schema", "vendor.github-workflows"]
    proc = subprocess.run([*argv, str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path.write_text(
        actions.rendered().replace("cancel-in-progress: false", "cancel-in-progress: 7")
    )
    assert subprocess.run([*argv, str(path)], capture_output=True).returncode == 1


def test_workflow_has_what_a_worker_run_needs() -> None:
    flow = _workflow()
    dispatch = flow[True]["workflow_dispatch"]  # YAML 1.1 reads the key `on` as True
    assert set(dispatch["inputs"]) == {
        "issue", "worker_id", "attempt", "agent", "base", "branch", "deadline_minutes",
        "token_secret", "review_gate_version",
    }  # fmt: skip
    # the token is named, never passed: inputs are visible in the run's event payload
    assert dispatch["inputs"]["token_secret"]["default"] == "REVIEW_GATE_TOKEN"
    assert "secrets.REVIEW_GATE_TOKEN" not in actions.shipped()
    assert "secrets[inputs.token_secret]" in actions.shipped()
    assert "prompt" not in json.dumps(dispatch["inputs"]).lower().replace("deadline", "")
    assert "${{ inputs.worker_id }}" in flow["run-name"]
    assert flow["concurrency"] == {
        "group": "review-gate-issue-${{ inputs.issue }}",
        "cancel-in-progress": False,
    }
    assert flow["permissions"] == {"contents": "read", "issues": "write", "actions": "read"}
    job = flow["jobs"]["worker"]
    assert job["timeout-minutes"] == 360
    steps = {s.get("name", s.get("uses")): s for s in job["steps"]}
    assert "gate dispatch worker run" in steps["Run the worker"]["run"]
    assert steps["Report the cancellation"]["if"] == "cancelled()"
    assert steps["Report the failure"]["if"] == "failure()"
    assert "gate dispatch worker save" in steps["Save unpushed work (git bundle + patch)"]["run"]
    upload = steps["Upload the worker's log and saved work"]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["name"] == "review-gate-${{ inputs.worker_id }}"
    # inputs reach the shell only through the environment, never spliced into a script
    for step in job["steps"]:
        assert "${{" not in step.get("run", ""), step


def test_install_is_idempotent_and_check_reports_drift(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    missing = run_gate("install", "actions", "--check", cwd=repo)
    assert missing.returncode == 1 and "is not installed" in missing.stdout
    assert not (repo / TARGET).exists()
    first = run_gate("install", "actions", "--format", "json", cwd=repo)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["state"] == "installed"
    written = (repo / TARGET).read_text()
    assert written.endswith(actions.shipped()) and actions.pristine(written)
    again = run_gate("install", "actions", cwd=repo)
    assert again.returncode == 0 and "is up to date" in again.stdout
    assert (repo / TARGET).read_text() == written
    assert run_gate("install", "actions", "--check", cwd=repo).returncode == 0
    # a hand edit: --check shows the drift, install refuses to overwrite it
    edited = written.replace("timeout-minutes: 360", "timeout-minutes: 120")
    (repo / TARGET).write_text(edited)
    drift = run_gate("install", "actions", "--check", cwd=repo)
    assert drift.returncode == 1 and "differs from review-gate's workflow" in drift.stdout
    assert (
        "-    timeout-minutes: 120" in drift.stdout and "+    timeout-minutes: 360" in drift.stdout
    )
    refused = run_gate("install", "actions", cwd=repo)
    assert refused.returncode == 1 and "edited by hand" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert (repo / TARGET).read_text() == edited  # nothing lost
    forced = run_gate("install", "actions", "--force", cwd=repo)
    assert forced.returncode == 0, forced.stderr
    assert (repo / TARGET).read_text() == written
    assert (repo / TARGET).with_name("review-gate-worker.yml.orig").read_text() == edited


def test_an_earlier_unedited_copy_is_updated(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    older = actions.rendered(actions.shipped().replace("retention-days: 14", "retention-days: 7"))
    (repo / TARGET).parent.mkdir(parents=True)
    (repo / TARGET).write_text(older)
    assert actions.pristine(older)
    result = run_gate("install", "actions", "--format", "json", cwd=repo)
    assert json.loads(result.stdout)["state"] == "updated"
    assert (repo / TARGET).read_text() == actions.rendered()


def test_outside_a_checkout(tmp_path: Path) -> None:
    proc = run_gate("install", "actions", cwd=tmp_path)
    assert proc.returncode == 2 and "is not inside a git repository" in proc.stderr


@pytest.mark.parametrize("subdir", ["src", "src/deep"])
def test_from_a_subdirectory_writes_at_the_top(tmp_path: Path, subdir: str) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / subdir).mkdir(parents=True)
    assert run_gate("install", "actions", cwd=repo / subdir).returncode == 0
    assert (repo / TARGET).is_file() and not (repo / subdir / TARGET).exists()
