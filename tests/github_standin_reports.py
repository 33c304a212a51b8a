"""The stand-in's check-run and commit-status endpoints (what ``gate check --report`` writes).

Every request body is validated against GitHub's documented request schema
(``tests/github_api_reports.json``, extracted from GitHub's published OpenAPI description)
and refused with 422 and the first error when it does not match, as GitHub refuses a
malformed request; the answers are GitHub's documented examples with the fields that
matter overridden.

``PATCH /check-runs/{id}`` (appending annotations beyond the first 50) is not in that
extract: its ``output`` is checked against the ``output`` schema of the create operation,
which GitHub documents as the same object, and it answers in the create operation's shape.

A check run needs a GitHub App token: with ``gh.app_token = False`` the stand-in answers
403 "You must authenticate via a GitHub App." as GitHub does for a personal token.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema

REPORT_API = json.loads(
    Path(__file__).with_name("github_api_reports.json").read_text(encoding="utf-8")
)
_Answer = tuple[int, Any, dict[str, str]]


def _error(message: str) -> dict[str, str]:
    return {"message": message, "documentation_url": "https://docs.github.com/rest"}


def request_errors(op: str, body: Any) -> list[str]:
    """Why ``body`` is not a valid request of ``op`` (empty: it is)."""
    schema = REPORT_API[op]["requestBody"]["schema"]
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
        for e in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    ]


def _output_errors(output: Any) -> list[str]:
    schema = REPORT_API["checks__create"]["requestBody"]["schema"]["properties"]["output"]
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"output/{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(output)
    ]


def _example(op: str) -> Any:
    return copy.deepcopy(REPORT_API[op]["responses"]["201"]["example"])


def check_run_create(handler: Any, query: Any, payload: Any, owner: str, repo: str) -> _Answer:
    gh = handler.gh
    if not gh.app_token:
        return 403, _error("You must authenticate via a GitHub App."), {}
    errors = request_errors("checks__create", payload)
    if errors:
        return 422, _error(f"Invalid request: {errors[0]}"), {}
    run_id = 5000 + len(gh.check_runs) + 1
    run = _example("checks__create")
    output = payload.get("output") or {}
    run.update(
        id=run_id,
        node_id=f"CR_{run_id}",
        name=payload["name"],
        head_sha=payload["head_sha"],
        external_id=payload.get("external_id", ""),
        url=f"{gh.url}/repos/{gh.full_name}/check-runs/{run_id}",
        html_url=f"https://github.com/{gh.full_name}/runs/{run_id}",
        details_url=payload.get("details_url"),
        status=payload.get("status", "completed" if "conclusion" in payload else "queued"),
        conclusion=payload.get("conclusion"),
    )
    run["output"] = {
        **run["output"],
        "title": output.get("title"),
        "summary": output.get("summary"),
        "text": output.get("text"),
        "annotations_count": len(output.get("annotations", [])),
    }
    run["pull_requests"] = []
    gh.check_runs[run_id] = {**run, "_annotations": list(output.get("annotations", []))}
    return 201, run, {"Location": run["url"]}


def check_run_update(
    handler: Any, query: Any, payload: Any, run_id: str, owner: str, repo: str
) -> _Answer:
    gh = handler.gh
    stored = gh.check_runs.get(int(run_id))
    if stored is None:
        return 404, _error("Not Found"), {}
    if not isinstance(payload, dict):
        return 422, _error("Invalid request: the body is not an object"), {}
    errors = _output_errors(payload.get("output", {}))
    if errors:
        return 422, _error(f"Invalid request: {errors[0]}"), {}
    output = payload.get("output") or {}
    added = list(output.get("annotations", []))
    stored["_annotations"].extend(added)  # GitHub appends annotations on update
    stored["output"] = {
        **stored["output"],
        **{k: output[k] for k in ("title", "summary", "text") if k in output},
        "annotations_count": len(stored["_annotations"]),
    }
    return 200, {k: v for k, v in stored.items() if k != "_annotations"}, {}


def status_create(
    handler: Any, query: Any, payload: Any, sha: str, owner: str, repo: str
) -> _Answer:
    gh = handler.gh
    errors = request_errors("repos__create-commit-status", payload)
    if errors:
        return 422, _error(f"Invalid request: {errors[0]}"), {}
    status_id = len(gh.statuses) + 1
    status = _example("repos__create-commit-status")
    status.update(
        id=status_id,
        node_id=f"SC_{status_id}",
        url=f"{gh.url}/repos/{gh.full_name}/statuses/{sha}",
        state=payload["state"],
        description=payload.get("description"),
        target_url=payload.get("target_url"),
        context=payload.get("context", "default"),
    )
    gh.statuses.append({**status, "_sha": sha})
    return 201, status, {"Location": status["url"]}


# (verb, path after /repos/{owner}/{repo}, handler)
ROUTES = [
    ("POST", r"/check-runs", check_run_create),
    ("PATCH", r"/check-runs/(?P<run_id>\d+)", check_run_update),
    ("POST", r"/statuses/(?P<sha>[0-9a-fA-F]{4,40})", status_create),
]
