"""Post a ``gate check`` verdict on a commit: a check run or a commit status (PyGithub).

``gate check --report check-run`` creates a check run named ``review-gate`` whose output
carries the summary and one annotation per reason, on the REVIEW comment's lines (the
Checks API takes at most 50 annotations per request, so the rest follow in updates of the
same run). Creating check runs needs a GitHub App token: the ``GITHUB_TOKEN`` of a workflow
is one (with ``permissions: checks: write``). ``--report status`` posts a commit status
with context ``review-gate`` and works with an ordinary token (``statuses: write``).

Three outcomes, never two: pass (``success``), fail (``failure``) and *could not evaluate*
(tracker unreachable, rate limit, configuration error): ``action_required`` for a check
run and ``error`` for a status. Not ``neutral``: GitHub counts a neutral check run as a
passing required check, and a gate that could not look must not open. docs/ci.md has the
whole contract and the maintainer's override.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from review_gate.config_values import DEFAULT_API_URL
from review_gate.errors import GateError, TrackerError, TrackerUnavailable, UsageError

if TYPE_CHECKING:
    from review_gate.check import CheckResult

CHECK_NAME = "review-gate"
REPORTS = ("check-run", "status")
ANNOTATIONS_PER_REQUEST = 50  # the Checks API's limit per create/update request
SUMMARY_MAX = 65535  # output.summary, in characters
STATUS_DESCRIPTION_MAX = 140  # GitHub cuts a status description here
CONCLUSIONS = {"pass": "success", "fail": "failure", "error": "action_required"}
STATES = {"pass": "success", "fail": "failure", "error": "error"}


class Outcome(NamedTuple):
    """What is reported, whatever the channel."""

    verdict: str  # "pass" | "fail" | "error" (could not evaluate)
    title: str
    summary: str  # markdown
    annotations: tuple[dict[str, Any], ...] = ()


def outcome_of(results: Sequence[CheckResult]) -> Outcome:
    """The outcome of an evaluated request."""
    from review_gate import report

    verdicts = [v for r in results for v in r.verdicts]
    issues = ", ".join(f"#{n}" for r in results for n in r.issues)
    failed = [v for v in verdicts if not v.passed]
    if failed:
        reasons = sum(len(v.reasons) for v in failed)
        title = f"failed: issue {issues} ({reasons} reason{'s' * (reasons != 1)})"
    else:
        title = f"passed: issue {issues}"
    return Outcome(
        "fail" if failed else "pass",
        title,
        report.step_summary(results),
        tuple(report.check_annotations(results)),
    )


def outcome_of_error(exc: GateError) -> Outcome:
    """The outcome when no verdict could be reached: *could not evaluate*, never a pass."""
    hint = f"\n\nNext step: {exc.hint}" if exc.hint else ""
    summary = (
        "### review-gate: could not evaluate\n\n"
        f"{exc.message}{hint}\n\n"
        "The gate stays closed. Re-run this check once the cause is fixed; docs/ci.md of "
        "review-gate describes the maintainer's override.\n"
    )
    return Outcome("error", "could not evaluate", summary)


def check_run_requests(outcome: Outcome, sha: str, details_url: str | None) -> list[dict[str, Any]]:
    """The body of ``POST /check-runs``, then of each ``PATCH /check-runs/{id}`` that
    appends the annotations beyond the first :data:`ANNOTATIONS_PER_REQUEST`."""
    summary = _cut(outcome.summary, SUMMARY_MAX)
    batches = [
        list(outcome.annotations[i : i + ANNOTATIONS_PER_REQUEST])
        for i in range(0, len(outcome.annotations), ANNOTATIONS_PER_REQUEST)
    ] or [[]]
    create: dict[str, Any] = {
        "name": CHECK_NAME,
        "head_sha": sha,
        "status": "completed",
        "conclusion": CONCLUSIONS[outcome.verdict],
        "output": {"title": outcome.title, "summary": summary, "annotations": batches[0]},
    }
    if details_url:
        create["details_url"] = details_url
    updates = [
        {"output": {"title": outcome.title, "summary": summary, "annotations": batch}}
        for batch in batches[1:]
    ]
    return [create, *updates]


def status_request(outcome: Outcome, target_url: str | None) -> dict[str, Any]:
    """The body of ``POST /statuses/{sha}``."""
    body: dict[str, Any] = {
        "state": STATES[outcome.verdict],
        "description": _cut(outcome.title, STATUS_DESCRIPTION_MAX),
        "context": CHECK_NAME,
    }
    if target_url:
        body["target_url"] = target_url
    return body


def run_url(environ: Mapping[str, str]) -> str | None:
    """The workflow run's page (``$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/ID``),
    when running in GitHub Actions."""
    server = environ.get("GITHUB_SERVER_URL", "").strip().rstrip("/")
    repo = environ.get("GITHUB_REPOSITORY", "").strip()
    run_id = environ.get("GITHUB_RUN_ID", "").strip()
    if server and repo and run_id.isdigit():
        return f"{server}/{repo}/actions/runs/{run_id}"
    return None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Posted(NamedTuple):
    kind: str  # "check-run" | "status"
    url: str  # the API URL of what was created
    requests: int


class GitHubReporter:
    """Creates check runs and commit statuses in one repository."""

    def __init__(
        self,
        repo: str,
        *,
        token: str | None,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 10.0,
        retries: int = 3,
    ) -> None:
        import github

        from review_gate.trackers.github import BACKOFF_FACTOR, MAX_WAIT, SECONDARY_RATE_WAIT

        if not token:
            raise UsageError(
                "--report needs a GitHub token and none was found",
                hint="set GH_TOKEN (in a workflow: GH_TOKEN: ${{ github.token }})",
            )
        if not os.environ.get("REVIEW_GATE_DEBUG"):
            github.set_log_level(logging.WARNING)
        self.repo, self.api_url, self.timeout = repo, api_url, timeout
        retry = github.GithubRetry(
            total=retries,
            backoff_factor=BACKOFF_FACTOR,
            backoff_max=MAX_WAIT,
            secondary_rate_wait=SECONDARY_RATE_WAIT,
            max_rate_limit_wait=MAX_WAIT,
            retry_after_max=int(MAX_WAIT),
            raise_on_status=False,
            allowed_methods=frozenset({"POST", "PATCH"}),
        )
        self._gh = github.Github(
            auth=github.Auth.Token(token),
            base_url=api_url,
            timeout=max(1, math.ceil(timeout)),
            retry=retry,
            lazy=True,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self._repo = self._gh.get_repo(repo)

    def close(self) -> None:
        self._gh.close()

    def post(self, kind: str, outcome: Outcome, sha: str, details_url: str | None) -> Posted:
        """Post ``outcome`` on ``sha`` as a check run or a commit status."""
        if kind == "check-run":
            return self._check_run(outcome, sha, details_url)
        body = status_request(outcome, details_url)
        with self._errors("a commit status", kind):
            status = self._repo.get_commit(sha).create_status(**body)
        return Posted(kind, str(status.url), 1)

    def _check_run(self, outcome: Outcome, sha: str, details_url: str | None) -> Posted:
        create, *updates = check_run_requests(outcome, sha, details_url)
        with self._errors("a check run", "check-run"):
            run = self._repo.create_check_run(**create)
            for update in updates:
                run.edit(output=update["output"])
        return Posted("check-run", str(run.url), 1 + len(updates))

    @contextlib.contextmanager
    def _errors(self, what: str, kind: str) -> Iterator[None]:
        import requests
        from github.GithubException import GithubException

        try:
            yield
        except GithubException as exc:
            raise _refused(what, kind, self.repo, exc.status, exc.data) from None
        except requests.exceptions.RequestException as exc:
            raise TrackerUnavailable(
                f"GitHub API at {self.api_url} unreachable while posting {what}: "
                f"{type(exc).__name__}",
                hint="nothing was posted; the required check stays missing (closed) until "
                "a re-run reaches GitHub",
            ) from None


def _refused(what: str, kind: str, repo: str, status: int, data: Any) -> GateError:
    message = data.get("message") if isinstance(data, Mapping) else None
    detail = f"{status} {message}" if isinstance(message, str) and message else str(status)
    if status >= 500 or status == 429:
        return TrackerUnavailable(f"GitHub answered {detail} while posting {what}")
    if status in (401, 403) and kind == "check-run":
        return TrackerError(
            f"GitHub refused to create {what} in {repo} ({detail})",
            hint="check runs need a GitHub App token: in a workflow, GITHUB_TOKEN with "
            "`permissions: checks: write`; with an ordinary token use --report status",
        )
    if status in (401, 403):
        return TrackerError(
            f"GitHub refused to create {what} in {repo} ({detail})",
            hint="the token needs `statuses: write` (in a workflow: permissions: statuses: write)",
        )
    if status == 422:
        return TrackerError(
            f"GitHub rejected {what} ({detail})",
            hint="is --report-sha a commit of this repository?",
        )
    return TrackerError(f"GitHub refused to create {what} in {repo} ({detail})")
