"""The stand-in's Actions endpoints answer in GitHub's documented shapes
(tests/github_api_actions.json) and refuse what GitHub refuses."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import jsonschema
import pytest

from tests.github_standin import GitHubStandIn
from tests.github_standin_actions import ACTIONS_API, actions
from tests.github_standin_test import call

REPO = "/repos/octo/project"
DISPATCH = f"{REPO}/actions/workflows/review-gate-worker.yml/dispatches"
INPUTS = {"issue": "7", "worker_id": "worker-1-7", "branch": "feature/7-x"}


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as server:
        yield server


def _valid(op: str, status: str, body: object) -> None:
    jsonschema.Draft202012Validator(ACTIONS_API[op]["responses"][status]["schema"]).validate(body)


def test_dispatch_list_get_cancel_in_documented_shapes(gh: GitHubStandIn) -> None:
    body = {"ref": "main", "inputs": INPUTS, "return_run_details": True}
    status, _, answer = call(gh, DISPATCH, method="POST", body=body)
    assert status == 200
    _valid("actions__create-workflow-dispatch", "200", answer)
    run_id = answer["workflow_run_id"]
    status, headers, listing = call(gh, f"{REPO}/actions/workflows/review-gate-worker.yml/runs")
    assert status == 200 and listing["total_count"] == 1
    _valid("actions__list-workflow-runs", "200", listing)
    assert listing["workflow_runs"][0]["display_title"] == (
        "review-gate worker-1-7 (issue #7, attempt 1)"
    )
    status, headers, run = call(gh, f"{REPO}/actions/runs/{run_id}")
    _valid("actions__get-workflow-run", "200", run)
    again, _, _ = call(
        gh, f"{REPO}/actions/runs/{run_id}", headers={"If-None-Match": headers["ETag"]}
    )
    assert again == 304
    status, _, answer = call(gh, f"{REPO}/actions/runs/{run_id}/cancel", method="POST", body={})
    assert status == 202
    _valid("actions__cancel-workflow-run", "202", answer)
    status, _, answer = call(gh, f"{REPO}/actions/runs/{run_id}/cancel", method="POST", body={})
    assert status == 409
    _valid("actions__cancel-workflow-run", "409", answer)
    actions(gh).add_artifact(run_id, "review-gate-worker-1-7", {"a.txt": "a"})
    status, _, arts = call(gh, f"{REPO}/actions/runs/{run_id}/artifacts")
    _valid("actions__list-workflow-run-artifacts", "200", arts)
    connection = http.client.HTTPConnection(gh.url.removeprefix("http://"), timeout=10)
    artifact = arts["artifacts"][0]["id"]
    connection.request("GET", f"{REPO}/actions/artifacts/{artifact}/zip",
                       headers={"Authorization": f"token {gh.token}"})  # fmt: skip
    answer = connection.getresponse()
    assert answer.status == 302 and answer.getheader("Location", "").startswith("http://127.0.0.1:")
    connection.close()


def test_204_without_run_details(gh: GitHubStandIn) -> None:
    status, _, answer = call(gh, DISPATCH, method="POST", body={"ref": "main", "inputs": INPUTS})
    assert (status, answer) == (204, None)
    actions(gh).run_details = False
    body = {"ref": "main", "inputs": INPUTS, "return_run_details": True}
    assert call(gh, DISPATCH, method="POST", body=body)[0] == 204
    assert len(actions(gh).runs) == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"inputs": INPUTS}, "'ref' is a required property"),
        (
            {"ref": "main", "inputs": {**INPUTS, "prompt": "x"}},
            'Unexpected inputs provided: ["prompt"]',
        ),
        ({"ref": "main", "inputs": {"issue": "7"}}, "Required input 'worker_id' not provided"),
        (
            {"ref": "main", "inputs": {**INPUTS, "agent": "gpt"}},
            "not in the list of allowed values",
        ),
    ],
)
def test_bad_dispatches_are_refused(
    gh: GitHubStandIn, body: dict[str, object], message: str
) -> None:
    status, _, answer = call(gh, DISPATCH, method="POST", body=body)
    assert status == 422 and message in answer["message"], answer
    assert actions(gh).runs == {}


def test_unknown_workflow_is_404(gh: GitHubStandIn) -> None:
    path = f"{REPO}/actions/workflows/other.yml/dispatches"
    assert call(gh, path, method="POST", body={"ref": "main"})[0] == 404


def test_repository_comments_since(gh: GitHubStandIn) -> None:
    gh.add_issue(7)
    gh.add_issue(8)
    gh.add_comment(7, "old", created_at="2026-01-01T00:00:00Z")
    gh.add_comment(8, "new", created_at="2026-02-01T00:00:00Z")
    status, _, items = call(gh, f"{REPO}/issues/comments?since=2026-01-15T00:00:00Z&sort=updated")
    assert status == 200 and [c["body"] for c in items] == ["new"]
    _valid("issues__list-comments-for-repo", "200", items)
