"""``gate check --report check-run|status``: the verdict posted on the head commit, through
PyGithub, to the GitHub stand-in, which validates every request body against GitHub's
documented request schema and answers in the documented response shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from review_gate.check_report import (
    ANNOTATIONS_PER_REQUEST,
    Outcome,
    check_run_requests,
    status_request,
)
from tests import artifact_samples as samples
from tests.github_standin import Fault, GitHubStandIn
from tests.github_standin_reports import REPORT_API, request_errors
from tests.helpers import run_gate

HEAD = "d" * 40


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as server:
        server.add_issue(7)
        server.add_pull(12, head_ref="feature/7-x", head_sha=HEAD, body="Closes #7")
        yield server


def _gate(gh: GitHubStandIn, cwd: Path, *args: str, **env: str) -> Any:
    return run_gate("check", "--pr", "12", *args, cwd=cwd, env={**gh.env(), **env})


def _response_schema(op: str) -> dict[str, Any]:
    schema: dict[str, Any] = REPORT_API[op]["responses"]["201"]["schema"]
    return schema


def _only_run(gh: GitHubStandIn) -> dict[str, Any]:
    assert len(gh.check_runs) == 1, gh.check_runs
    return next(iter(gh.check_runs.values()))


# -- check runs -------------------------------------------------------------------------------


def test_failing_gate_posts_a_failed_check_run_with_annotations(
    gh: GitHubStandIn, tmp_path: Path
) -> None:
    body = samples.review(7, commit=HEAD).replace("| Scope | MINOR |", "| Scope | [SCOPE] |")
    gh.add_comment(7, body)
    proc = _gate(gh, tmp_path, "--report", "check-run")
    assert proc.returncode == 1, proc.stderr
    assert "posted check run review-gate (fail) on dddddddddddd in octo/project" in proc.stdout
    run = _only_run(gh)
    assert (run["name"], run["head_sha"], run["conclusion"]) == ("review-gate", HEAD, "failure")
    assert run["output"]["title"] == "failed: issue #7 (1 reason)"
    assert "### review-gate: failed" in run["output"]["summary"]
    failures = [a for a in run["_annotations"] if a["annotation_level"] == "failure"]
    assert len(failures) == 1
    (failure,) = failures
    assert failure["path"] == "issues/7/comments/1001"
    assert failure["title"] == "review gate (issue #7): review-invalid"
    assert "unfilled template placeholder [SCOPE]" in failure["message"]
    assert "Fix: replace it with the real value" in failure["message"]
    # on the line of the REVIEW comment that holds the placeholder
    assert failure["start_line"] == failure["end_line"] == 8
    assert "[SCOPE]" in body.splitlines()[failure["start_line"] - 1]
    assert failure["raw_details"].endswith("#issuecomment-1001")


def test_passing_gate_posts_success(gh: GitHubStandIn, tmp_path: Path) -> None:
    gh.add_comment(7, samples.review(7, commit=HEAD))
    proc = _gate(gh, tmp_path, "--report", "check-run")
    assert proc.returncode == 0, proc.stderr
    run = _only_run(gh)
    assert (run["conclusion"], run["status"]) == ("success", "completed")
    assert run["output"]["title"] == "passed: issue #7"
    assert all(a["annotation_level"] == "notice" for a in run["_annotations"])


def test_more_than_50_annotations_go_in_batches(gh: GitHubStandIn, tmp_path: Path) -> None:
    # 120 REVIEWs by an untrusted author: each is a note (an annotation) on its comment
    gh.add_comments(7, [samples.review(7, commit=HEAD)] * 120, login="mallory", association="NONE")
    proc = _gate(gh, tmp_path, "--report", "check-run")
    assert proc.returncode == 1, proc.stderr
    run = _only_run(gh)
    ignored = [a for a in run["_annotations"] if "mallory" in a["message"]]
    assert len(ignored) == 120
    assert len({a["path"] for a in ignored}) == 120  # one per comment
    total = len(run["_annotations"])
    assert run["output"]["annotations_count"] == total
    assert gh.count("POST", "/check-runs") == 1
    assert gh.count("PATCH", "/check-runs/") == -(-total // 50) - 1 >= 2
    assert all(r.status in (200, 201) for r in gh.requests)


def test_tracker_unreachable_is_could_not_evaluate_never_a_pass(
    gh: GitHubStandIn, tmp_path: Path
) -> None:
    gh.add_comment(7, samples.review(7, commit=HEAD))  # would pass, if it could be read
    gh.fail(*(Fault(502, path="/comments") for _ in range(10)))
    proc = _gate(gh, tmp_path, "--report", "check-run", "--report-sha", HEAD)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "gate: error: GitHub answered 502" in proc.stderr
    run = _only_run(gh)
    assert run["conclusion"] == "action_required"  # not neutral: neutral passes a required check
    assert run["output"]["title"] == "could not evaluate"
    assert "The gate stays closed" in run["output"]["summary"]
    assert run["details_url"]  # action_required links to where to act


def test_could_not_evaluate_links_the_workflow_run(gh: GitHubStandIn, tmp_path: Path) -> None:
    gh.fail(*(Fault(502, path="/comments") for _ in range(10)))
    env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "octo/project",
        "GITHUB_RUN_ID": "42",
    }
    proc = _gate(gh, tmp_path, "--report", "check-run", **env)
    assert proc.returncode == 3
    run = _only_run(gh)
    assert run["details_url"] == "https://github.com/octo/project/actions/runs/42"


def test_without_an_app_token_check_runs_are_refused_with_the_next_step(
    gh: GitHubStandIn, tmp_path: Path
) -> None:
    gh.app_token = False
    gh.add_comment(7, samples.review(7, commit=HEAD))
    proc = _gate(gh, tmp_path, "--report", "check-run")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == (
        "gate: error: GitHub refused to create a check run in octo/project "
        "(403 You must authenticate via a GitHub App.)"
    )
    assert "use --report status" in lines[1] and "Traceback" not in proc.stderr


# -- commit statuses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unaddressed", "code", "state"), [(0, 0, "success"), (1, 1, "failure")], ids=["pass", "fail"]
)
def test_status_with_an_ordinary_token(
    gh: GitHubStandIn, tmp_path: Path, unaddressed: int, code: int, state: str
) -> None:
    gh.app_token = False
    gh.add_comment(7, samples.review(7, commit=HEAD, unaddressed=unaddressed))
    proc = _gate(gh, tmp_path, "--report", "status")
    assert proc.returncode == code, proc.stderr
    (status,) = gh.statuses
    assert (status["_sha"], status["state"], status["context"]) == (HEAD, state, "review-gate")
    assert len(status["description"]) <= 140


def test_status_could_not_evaluate_is_error(gh: GitHubStandIn, tmp_path: Path) -> None:
    gh.fail(*(Fault(502, path="/comments") for _ in range(10)))
    proc = _gate(gh, tmp_path, "--report", "status")
    assert proc.returncode == 3
    (status,) = gh.statuses
    assert (status["state"], status["description"]) == ("error", "could not evaluate")
    assert status["_sha"] == HEAD  # the PR was read, so its head is known


def test_could_not_evaluate_without_a_commit_says_so(gh: GitHubStandIn, tmp_path: Path) -> None:
    gh.fail(*(Fault(502, path="/pulls/") for _ in range(10)))  # not even the PR head
    proc = _gate(gh, tmp_path, "--report", "status")
    assert proc.returncode == 3
    assert gh.statuses == []
    error, hint = proc.stderr.splitlines()
    assert error.startswith("gate: error: GitHub answered 502")
    assert hint.startswith("gate: hint: ") and hint.endswith(
        "nothing was posted with --report (--report status: no commit to post on (the head "
        "being gated is unknown; pass --report-sha SHA))"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--report", "comment"), "--report must be one of check-run, status, got 'comment'"),
        (("--report-sha", HEAD), "--report-sha needs --report check-run|status"),
    ],
)
def test_report_usage_errors(
    gh: GitHubStandIn, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    proc = _gate(gh, tmp_path, *args)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == f"gate: error: {message}"
    assert gh.check_runs == {} and gh.statuses == []


def test_report_without_a_token(gh: GitHubStandIn, tmp_path: Path) -> None:
    gh.add_comment(7, samples.review(7, commit=HEAD))
    env = {**gh.env(), "GH_TOKEN": "", "GITHUB_TOKEN": "", "PATH": "/usr/bin:/bin"}
    proc = run_gate(
        "check", "--issue", "7", "--head", HEAD, "--report", "status", cwd=tmp_path, env=env
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "--report needs a GitHub token" in proc.stderr


# -- request bodies and answers against GitHub's documented shapes ----------------------------


def _outcome(verdict: str, annotations: int) -> Outcome:
    items = tuple(
        {
            "path": "issues/7",
            "start_line": 1,
            "end_line": 1,
            "annotation_level": "failure",
            "message": f"reason {i}",
        }
        for i in range(annotations)
    )
    return Outcome(verdict, "t", "s", items)


@pytest.mark.parametrize("count", [0, 1, 50, 51, 120])
def test_check_run_requests_are_documented_shapes(count: int) -> None:
    create, *updates = check_run_requests(_outcome("fail", count), HEAD, None)
    assert request_errors("checks__create", create) == []
    batches = [create["output"]["annotations"]] + [u["output"]["annotations"] for u in updates]
    assert all(len(b) <= ANNOTATIONS_PER_REQUEST for b in batches)
    assert sum(len(b) for b in batches) == count
    assert len(batches) == max(1, -(-count // ANNOTATIONS_PER_REQUEST))


@pytest.mark.parametrize(("verdict", "state"), [("pass", "success"), ("error", "error")])
def test_status_requests_are_documented_shapes(verdict: str, state: str) -> None:
    body = status_request(_outcome(verdict, 0), "https://example.com/run")
    assert request_errors("repos__create-commit-status", body) == []
    assert body["state"] == state


def test_stand_in_refuses_what_github_would(gh: GitHubStandIn) -> None:
    assert request_errors("checks__create", {"name": "x", "head_sha": HEAD, "status": "completed"})
    assert request_errors("repos__create-commit-status", {"state": "passed"})
    too_many = check_run_requests(_outcome("fail", 51), HEAD, None)[0]
    too_many["output"]["annotations"] = list(_outcome("fail", 51).annotations)
    assert any("annotations" in e for e in request_errors("checks__create", too_many))


def test_answers_match_the_documented_response_schemas(gh: GitHubStandIn, tmp_path: Path) -> None:
    import urllib.request

    from tests.github_standin import TOKEN

    def post(path: str, body: dict[str, Any], method: str = "POST") -> tuple[int, Any]:
        request = urllib.request.Request(
            f"{gh.url}/repos/octo/project{path}",
            data=json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"token {TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())

    create, update = check_run_requests(_outcome("fail", 60), HEAD, "https://example.com/run")
    code, run = post("/check-runs", create)
    assert code == 201
    jsonschema.Draft202012Validator(_response_schema("checks__create")).validate(run)
    code, updated = post(f"/check-runs/{run['id']}", update, method="PATCH")
    assert code == 200 and updated["output"]["annotations_count"] == 60
    jsonschema.Draft202012Validator(_response_schema("checks__create")).validate(updated)
    code, status = post(f"/statuses/{HEAD}", status_request(_outcome("pass", 0), None))
    assert code == 201
    jsonschema.Draft202012Validator(_response_schema("repos__create-commit-status")).validate(
        status
    )
