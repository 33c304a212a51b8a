"""GitHub Actions over the REST API, through PyGithub (no hand-rolled HTTP).

Two PyGithub clients share the token and API URL of the GitHub tracker: one retries 5xx
answers and secondary rate limits as the tracker does (every read, cancel), one never
retries — for ``POST .../dispatches`` only, because a retried dispatch whose first
answer was lost could start a second run for one claim. A failed dispatch is resolved by
*looking* (:meth:`find_run`) before dispatching again (:mod:`.actions`).

Reads of a run are conditional (``If-None-Match`` with the last ``ETag``): an unchanged
run answers 304, which GitHub does not count against the rate limit.
"""

from __future__ import annotations

import io
import json
import os
import urllib.parse
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from review_gate.config import Config
from review_gate.errors import GateError, IssueNotFound, TrackerError
from review_gate.records import Issue
from review_gate.trackers.github import (
    GitHubTracker,
    api_url,
    issue_from_json,
    resolve_repo,
    resolve_token,
)

WORKFLOW = "review-gate-worker.yml"
MAX_ARCHIVE = 200 * 1024 * 1024  # bytes of a log or artifact archive read at most


class DispatchAnswer(NamedTuple):
    run_id: int | None  # None: GitHub answered 204 (no run details)
    run_url: str | None  # API URL of the run
    html_url: str | None


class ActionsClient:
    """The Actions endpoints of one repository."""

    def __init__(
        self,
        repo: str,
        *,
        token: str | None,
        api: str,
        timeout: float = 10.0,
        retries: int = 3,
        workflow: str = WORKFLOW,
    ) -> None:
        self.workflow = workflow
        # reads, cancels: the tracker's client, its retries and its error messages
        self.reads = GitHubTracker(repo, token=token, api_url=api, timeout=timeout,
                                   retries=retries)  # fmt: skip
        # dispatches: never retried blindly
        self.writes = GitHubTracker(repo, token=token, api_url=api, timeout=timeout, retries=0)
        self.repo = repo
        self._etags: dict[str, tuple[str, Any]] = {}  # url -> (etag, last body)
        self.requests = 0  # requests sent (for bench/dispatch_remote.py)

    @classmethod
    def from_config(
        cls, config: Config, environ: Mapping[str, str] | None = None, cwd: str = "."
    ) -> ActionsClient:
        env = os.environ if environ is None else environ
        base = api_url(config.api_url, env)
        return cls(
            resolve_repo(config.repo, cwd, env),
            token=resolve_token(env, base),
            api=base,
            timeout=config.request_timeout,
            retries=config.retries,
        )

    def close(self) -> None:
        self.reads.close()
        self.writes.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.reads.api_url}/repos/{self.repo}{path}"

    def _json(
        self,
        client: GitHubTracker,
        verb: str,
        path: str,
        what: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], Any]:
        self.requests += 1
        with client.translate_errors(what):
            headers, data = client.requester.requestJsonAndCheck(
                verb, self._url(path), parameters=params, input=body
            )
        return headers, data

    def _conditional(self, path: str, what: str, params: dict[str, Any] | None = None) -> Any:
        """GET with ``If-None-Match``: an unchanged answer is the cached body (a 304)."""
        key = path + "?" + urllib.parse.urlencode(sorted((params or {}).items()))
        cached = self._etags.get(key)
        headers = {"If-None-Match": cached[0]} if cached else None
        self.requests += 1
        with self.reads.translate_errors(what):
            status, answer_headers, raw = self.reads.requester.requestJson(
                "GET", self._url(path), params, headers
            )
        if status == 304 and cached is not None:
            return cached[1]
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        if status >= 400:
            from github import GithubException

            with self.reads.translate_errors(what):
                raise GithubException(status, data, answer_headers)
        etag = {k.lower(): v for k, v in answer_headers.items()}.get("etag")
        if etag:
            self._etags[key] = (etag, data)
        return data

    def _download(self, path: str, what: str) -> bytes:
        """An archive: the API answers 302 with a short-lived signed URL on GitHub's blob
        storage (another host), fetched without the token."""
        import requests

        self.requests += 1
        with self.reads.translate_errors(what):
            status, headers, raw = self.reads.requester.requestJson("GET", self._url(path))
        location = {k.lower(): v for k, v in headers.items()}.get("location")
        if status != 302 or not location:
            try:
                data = json.loads(raw) if raw else None
            except ValueError:
                data = None
            from github import GithubException

            with self.reads.translate_errors(what):
                raise GithubException(status, data, headers)
        buffer = io.BytesIO()
        try:
            with requests.get(location, timeout=self.reads.timeout, stream=True) as answer:
                answer.raise_for_status()
                for chunk in answer.iter_content(65536):
                    buffer.write(chunk)
                    if buffer.tell() > MAX_ARCHIVE:
                        raise TrackerError(f"{what} is larger than {MAX_ARCHIVE} bytes")
        except requests.RequestException as exc:
            raise TrackerError(f"could not download {what}: {type(exc).__name__}") from None
        return buffer.getvalue()

    # -- endpoints --------------------------------------------------------------------------

    def dispatch(self, ref: str, inputs: Mapping[str, str]) -> DispatchAnswer:
        """``POST .../actions/workflows/{file}/dispatches`` with ``return_run_details``."""
        body = {"ref": ref, "inputs": dict(inputs), "return_run_details": True}
        _, data = self._json(
            self.writes, "POST", f"/actions/workflows/{self.workflow}/dispatches",
            f"the dispatch of {self.workflow}", body,
        )  # fmt: skip
        if isinstance(data, Mapping) and isinstance(data.get("workflow_run_id"), int):
            return DispatchAnswer(
                data["workflow_run_id"], str(data.get("run_url")), str(data.get("html_url"))
            )
        return DispatchAnswer(None, None, None)

    def runs(self, created_since: str | None = None) -> Iterator[dict[str, Any]]:
        """The workflow's ``workflow_dispatch`` runs, newest first (conditional pages)."""
        params: dict[str, Any] = {"event": "workflow_dispatch", "per_page": 100}
        if created_since:
            params["created"] = f">={created_since}"
        page = 1
        while True:
            data = self._conditional(
                f"/actions/workflows/{self.workflow}/runs",
                f"the runs of {self.workflow}",
                {**params, "page": page},
            )
            items = data.get("workflow_runs", []) if isinstance(data, Mapping) else []
            yield from (item for item in items if isinstance(item, dict))
            total = data.get("total_count", 0) if isinstance(data, Mapping) else 0
            if len(items) < 100 or page * 100 >= total:
                return
            page += 1

    def find_run(self, worker_id: str, created_since: str | None = None) -> dict[str, Any] | None:
        """The run whose run-name carries ``worker_id`` (the workflow's ``run-name``)."""
        for run in self.runs(created_since):
            title = f" {run.get('display_title') or run.get('name') or ''} "
            if f" {worker_id} " in title:
                return run
        return None

    def recent_runs(self, pages: int) -> dict[int, dict[str, Any]]:
        """The newest ``pages`` x 100 ``workflow_dispatch`` runs, by id: one conditional
        request a page (the URLs never change, so an idle poll is all 304s)."""
        found: dict[int, dict[str, Any]] = {}
        for page in range(1, pages + 1):
            data = self._conditional(
                f"/actions/workflows/{self.workflow}/runs",
                f"the runs of {self.workflow}",
                {"event": "workflow_dispatch", "per_page": 100, "page": page},
            )
            items = data.get("workflow_runs", []) if isinstance(data, Mapping) else []
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("id"), int):
                    found[item["id"]] = item
            if len(items) < 100:
                break
        return found

    def comments_since(self, since: str) -> list[dict[str, Any]]:
        """Every comment of the repository's issues updated at or after ``since``
        (``GET /issues/comments?since=``, oldest update first), as GitHub sends them."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {"since": since, "sort": "updated", "direction": "asc", "per_page": 100,
                      "page": page}  # fmt: skip
            data = self._conditional("/issues/comments", "the repository's comments", params)
            chunk = [item for item in data or [] if isinstance(item, dict)]
            items += chunk
            if len(chunk) < 100:
                return items
            page += 1

    def issue(self, number: int) -> Issue:
        """``GET /issues/{n}`` (conditional: an unchanged issue costs a 304)."""
        return issue_from_json(self._conditional(f"/issues/{number}", f"issue #{number}"))

    def get_run(self, run_id: int) -> dict[str, Any] | None:
        """``GET /actions/runs/{id}`` (conditional); None when the run is gone."""
        try:
            data = self._conditional(f"/actions/runs/{run_id}", f"workflow run {run_id}")
        except IssueNotFound:
            return None
        return data if isinstance(data, dict) else None

    def cancel(self, run_id: int, *, force: bool = False) -> bool:
        """``POST /actions/runs/{id}/cancel`` (or ``force-cancel``); False when GitHub
        answers 409 (the run is no longer cancellable: it has completed)."""
        verb = "force-cancel" if force else "cancel"
        try:
            self._json(self.reads, "POST", f"/actions/runs/{run_id}/{verb}",
                       f"the {verb} of workflow run {run_id}")  # fmt: skip
        except TrackerError as exc:
            if "409" in str(exc):
                return False
            raise
        return True

    def run_log(self, run_id: int) -> str:
        """The run's log archive (``GET /actions/runs/{id}/logs``), its files joined."""
        data = self._download(f"/actions/runs/{run_id}/logs", f"the log of workflow run {run_id}")
        return "".join(
            f"==> {name} <==\n{text}\n" for name, text in _unzip_text(data, f"run {run_id}")
        )

    def artifacts(self, run_id: int) -> list[dict[str, Any]]:
        _, data = self._json(self.reads, "GET", f"/actions/runs/{run_id}/artifacts",
                             f"the artifacts of workflow run {run_id}")  # fmt: skip
        items = data.get("artifacts", []) if isinstance(data, Mapping) else []
        return [item for item in items if isinstance(item, dict)]

    def artifact_zip(self, artifact_id: int) -> bytes:
        return self._download(
            f"/actions/artifacts/{artifact_id}/zip", f"workflow artifact {artifact_id}"
        )


def _unzip_text(data: bytes, what: str) -> list[tuple[str, str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [
                (info.filename, archive.read(info).decode("utf-8", "replace"))
                for info in archive.infolist()
                if not info.is_dir()
            ]
    except (zipfile.BadZipFile, OSError) as exc:
        raise GateError(f"the archive of {what} is not a zip file: {exc}") from None
