"""The GitHub tracker, over PyGithub.

Budget (docs/trackers.md): listing N comments costs ceil(N/100) requests and nothing else, so the
client is lazy (no ``GET /repos/o/r`` before the request that matters), pages hold 100
items, and comments are read as raw JSON (a PyGithub ``IssueComment`` would fetch itself
again when its raw data is read). Every request has a timeout; 5xx answers and secondary
rate limits are retried with backoff by PyGithub's ``GithubRetry`` (a urllib3 ``Retry``,
which honours ``Retry-After``); what still fails is :class:`TrackerUnavailable` (exit 3).
The token goes only into PyGithub's ``Auth.Token``: no message here ever includes it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import shutil
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from review_gate import git
from review_gate.config_values import DEFAULT_API_URL, normal_api_url
from review_gate.errors import (
    ConfigError,
    GateError,
    IssueNotFound,
    TrackerError,
    TrackerUnavailable,
)
from review_gate.proc import run
from review_gate.records import Comment, Issue, PullRequest
from review_gate.trackers.export import CommentFormatError, parse_comment

if TYPE_CHECKING:
    from github.Requester import Requester

    from review_gate.config import Config

__all__ = ["DEFAULT_API_URL", "GitHubTracker", "api_url", "resolve_repo", "resolve_token"]

PER_PAGE = 100
BACKOFF_FACTOR = 0.25  # seconds; urllib3 doubles it per consecutive failure
MAX_WAIT = 60.0  # longest single wait (Retry-After, rate-limit reset) before giving up
SECONDARY_RATE_WAIT = 10.0  # wait after a secondary rate limit that names no Retry-After
GH_TIMEOUT = 5.0  # seconds for `gh auth token`
_REPO = re.compile(r"[\w.-]+/[\w.-]+")


def resolve_token(
    environ: Mapping[str, str] | None = None, api_url: str | None = None
) -> str | None:
    """GH_TOKEN, GITHUB_TOKEN, then ``gh auth token`` when ``gh`` is installed; else None."""
    env = os.environ if environ is None else environ
    for var in ("GH_TOKEN", "GITHUB_TOKEN"):
        value = env.get(var, "").strip()
        if value:
            return value
    if shutil.which("gh") is None:
        return None
    cmd = ["gh", "auth", "token"]
    host = urllib.parse.urlparse(api_url or DEFAULT_API_URL).hostname or ""
    if host and host != "api.github.com":
        cmd += ["--hostname", host]
    try:
        rc, out, _ = run(*cmd, check=False, timeout=GH_TIMEOUT)
    except GateError:  # gh vanished or hung: carry on without a token
        return None
    token = out.strip()
    return token if rc == 0 and token and not any(c.isspace() for c in token) else None


def resolve_repo(
    config_repo: str | None, cwd: str | Path = ".", environ: Mapping[str, str] | None = None
) -> str:
    """``--repo``/config/REVIEW_GATE_REPO (``config_repo``), GITHUB_REPOSITORY, then origin."""
    env = os.environ if environ is None else environ
    candidates = (
        (config_repo, "--repo / REVIEW_GATE_REPO / config"),
        (env.get("GITHUB_REPOSITORY", "").strip() or None, "GITHUB_REPOSITORY"),
    )
    for value, where in candidates:
        if value:
            if not _REPO.fullmatch(value):
                raise ConfigError(f"{where}: {value!r} does not look like owner/name")
            return value
    try:
        url = git.remote_url("origin", cwd)
    except GateError:
        url = None
    from_remote = git.repo_from_remote_url(url)
    if from_remote and _REPO.fullmatch(from_remote):
        return from_remote
    raise ConfigError(
        "no GitHub repository to use",
        hint="pass --repo OWNER/NAME, or set REVIEW_GATE_REPO, or add a GitHub origin remote",
    )


def api_url(config_url: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The GitHub API base: ``api_url`` of the configuration (``config_url``, already
    checked), else ``GITHUB_API_URL`` (GitHub Actions sets it, on Enterprise runners to the
    Enterprise API), else https://api.github.com. In a gated checkout the configuration
    always names it (:mod:`review_gate.target.trusted` pins it), so the environment
    cannot send the gate to another API there."""
    if config_url:
        return config_url
    env = os.environ if environ is None else environ
    raw = env.get("GITHUB_API_URL", "").strip()
    if not raw:
        return DEFAULT_API_URL
    url = normal_api_url(raw)
    if url is None:
        raise ConfigError(f"GITHUB_API_URL {raw!r} is not an http(s) URL")
    return url


class GitHubTracker:
    """Issues, comments and pull requests of one GitHub repository."""

    name = "github"

    def __init__(
        self,
        repo: str,
        *,
        token: str | None,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = BACKOFF_FACTOR,
        max_wait: float = MAX_WAIT,
    ) -> None:
        import github  # PyGithub loads only when the GitHub tracker is used

        if not os.environ.get("REVIEW_GATE_DEBUG"):
            # PyGithub logs each retry at INFO to stderr; our errors say what happened.
            github.set_log_level(logging.WARNING)

        if not _REPO.fullmatch(repo):
            raise ConfigError(f"repository {repo!r} does not look like owner/name")
        self.repo = repo
        self.api_url = api_url
        self.timeout = timeout
        self._has_token = token is not None
        retry = github.GithubRetry(
            total=retries,
            backoff_factor=backoff,
            backoff_max=max_wait,
            secondary_rate_wait=min(SECONDARY_RATE_WAIT, max_wait),
            max_rate_limit_wait=max_wait,
            retry_after_max=max(1, int(max_wait)),
            # the last failed answer reaches PyGithub, which raises with GitHub's message
            raise_on_status=False,
            allowed_methods=frozenset({"GET", "HEAD", "POST", "PATCH"}),
        )
        self._gh = github.Github(
            auth=github.Auth.Token(token) if token else None,
            base_url=api_url,
            timeout=max(1, math.ceil(timeout)),  # PyGithub insists on an int
            per_page=PER_PAGE,
            retry=retry,
            lazy=True,
            # reads are serial anyway; GitHub asks for a pause between content-creating calls
            seconds_between_requests=None,
            seconds_between_writes=1.0,
        )
        self._repo = self._gh.get_repo(repo)

    @classmethod
    def from_config(
        cls, config: Config, *, cwd: str | Path = ".", environ: Mapping[str, str] | None = None
    ) -> GitHubTracker:
        """The repository and API URL of the configuration (``repo``, ``api_url``), else
        of the environment and checkout (:func:`resolve_repo`, :func:`api_url`); the token
        from the environment (:func:`resolve_token`)."""
        env = os.environ if environ is None else environ
        base = api_url(config.api_url, env)
        return cls(
            resolve_repo(config.repo, cwd, env),
            token=resolve_token(env, base),
            api_url=base,
            timeout=config.request_timeout,
            retries=config.retries,
        )

    def close(self) -> None:
        self._gh.close()

    # -- for the other REST and GraphQL clients of this repository (Actions, Projects) ------

    @property
    def requester(self) -> Requester:
        """PyGithub's requester of this tracker: its token, base URL, retries, timeout."""
        return self._gh.requester

    def translate_errors(self, what: str) -> contextlib.AbstractContextManager[None]:
        """A block whose PyGithub and transport failures become review-gate errors, worded
        as this tracker words them (``what`` names the thing being fetched)."""
        return self._errors(what)

    # -- errors -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Map PyGithub and transport failures to review-gate errors (never echoing secrets)."""
        import requests
        from github.GithubException import GithubException, RateLimitExceededException

        try:
            yield
        except RateLimitExceededException as exc:
            raise self._rate_limited(what, exc.headers) from None
        except GithubException as exc:
            raise self._http_error(what, exc.status, exc.data, exc.headers) from None
        except requests.exceptions.Timeout:
            raise self._unreachable(what, f"no answer within {self.timeout:g}s") from None
        except requests.exceptions.ConnectionError as exc:
            raise self._unreachable(what, _connection_reason(exc, self.timeout)) from None
        except requests.exceptions.RequestException as exc:
            raise self._unreachable(what, type(exc).__name__) from None

    def _unreachable(self, what: str, reason: str) -> TrackerUnavailable:
        return TrackerUnavailable(
            f"GitHub API at {self.api_url} unreachable for {what}: {reason}",
            hint="check the network and the API URL (api_url in the configuration, else "
            "GITHUB_API_URL), then run again; "
            "the gate stays closed until GitHub answers",
        )

    def _rate_limited(self, what: str, headers: Mapping[str, Any] | None) -> TrackerUnavailable:
        reset = (headers or {}).get("x-ratelimit-reset")
        when = f" (the limit resets at epoch {reset})" if reset else ""
        return TrackerUnavailable(
            f"GitHub rate limit hit for {what}, still limited after retries{when}",
            hint="wait for the reset and run again, or use a token with a higher limit",
        )

    def _http_error(
        self, what: str, status: int, data: Any, headers: Mapping[str, Any] | None
    ) -> GateError:
        message = data.get("message") if isinstance(data, Mapping) else None
        detail = f"{status} {message}" if isinstance(message, str) and message else str(status)
        lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
        if status == 401:
            return TrackerError(
                f"GitHub refused the credentials for {self.repo} ({detail})",
                hint="set GH_TOKEN (or GITHUB_TOKEN) to a valid token, or run `gh auth login`",
            )
        if status == 404:
            auth = "" if self._has_token else " (no token was set; private repositories need one)"
            return IssueNotFound(
                f"{what} not found in {self.repo}{auth}",
                hint="check the number and --repo" + ("" if self._has_token else "; set GH_TOKEN"),
            )
        if status == 429 or (
            status == 403
            and ("retry-after" in lowered or lowered.get("x-ratelimit-remaining") == "0")
        ):
            return self._rate_limited(what, lowered)
        if status >= 500:
            return TrackerUnavailable(
                f"GitHub answered {detail} for {what}, still failing after retries",
                hint="GitHub is having trouble; run again later (the gate stays closed)",
            )
        if status == 403:
            return TrackerError(
                f"GitHub refused access to {what} in {self.repo} ({detail})",
                hint="the token needs read access to issues and pull requests "
                "(write access to post comments)",
            )
        return TrackerError(f"GitHub rejected the request for {what} ({detail})")

    # -- raw access -------------------------------------------------------------------------

    def _paginated(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        from github.GithubObject import NonCompletableGithubObject
        from github.PaginatedList import PaginatedList

        class _Raw(NonCompletableGithubObject):  # keeps the JSON as GitHub sent it
            def _initAttributes(self) -> None:
                pass

            def _useAttributes(self, attributes: dict[str, Any]) -> None:
                pass

        pages = PaginatedList(_Raw, self._gh.requester, f"{self._repo.url}{path}", params)
        return [item.raw_data for item in pages]

    def _request(self, verb: str, path: str, body: dict[str, Any] | None = None) -> Any:
        _, data = self._gh.requester.requestJsonAndCheck(
            verb, f"{self._repo.url}{path}", input=body
        )
        return data

    def _comment(self, data: Any, what: str) -> Comment:
        try:
            return parse_comment(data)
        except CommentFormatError as exc:
            raise TrackerError(f"GitHub sent a comment of {what} that {exc}") from None

    # -- Tracker protocol -------------------------------------------------------------------

    def export_comments(self, number: int) -> list[dict[str, Any]]:
        """The issue's comments exactly as GitHub sends them, all pages joined."""
        what = f"the comments of issue #{number}"
        with self._errors(what):
            return self._paginated(f"/issues/{number}/comments")

    def list_comments(self, number: int) -> list[Comment]:
        what = f"the comments of issue #{number}"
        comments = [self._comment(item, what) for item in self.export_comments(number)]
        return sorted(comments, key=lambda c: (c.created_at, c.id))

    def get_issue(self, number: int) -> Issue:
        with self._errors(f"issue #{number}"):
            data = self._request("GET", f"/issues/{number}")
        return issue_from_json(data)

    def issue_exists(self, number: int) -> bool | None:
        try:
            self.get_issue(number)
        except IssueNotFound:
            return False
        return True

    def list_issues(self, *, labels: Sequence[str] = (), state: str = "open") -> list[Issue]:
        params: dict[str, Any] = {"state": state}
        if labels:
            params["labels"] = ",".join(labels)
        with self._errors("the issue list"):
            items = self._paginated("/issues", params)
        # GitHub lists pull requests among issues; they carry a "pull_request" key.
        return [issue_from_json(item) for item in items if "pull_request" not in item]

    def post_comment(self, number: int, body: str) -> Comment:
        what = f"issue #{number}"
        with self._errors(what):
            created = self._repo.get_issue(number).create_comment(body)
            data = created.raw_data  # complete already: no second request
        return self._comment(data, what)

    def edit_comment(self, comment_id: int, body: str) -> Comment:
        what = f"comment {comment_id}"
        with self._errors(what):
            data = self._request("PATCH", f"/issues/comments/{comment_id}", {"body": body})
        return self._comment(data, what)

    def get_pull(self, number: int) -> PullRequest:
        with self._errors(f"pull request #{number}"):
            data = self._request("GET", f"/pulls/{number}")
        try:
            return PullRequest(
                number=int(data["number"]),
                title=str(data.get("title") or ""),
                body=str(data.get("body") or ""),
                head_ref=str(data["head"]["ref"]),
                head_sha=str(data["head"]["sha"]),
                base_ref=str(data["base"]["ref"]),
                url=str(data.get("html_url") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TrackerError(f"GitHub sent pull request #{number} without {exc}") from None

    def permission(self, login: str) -> str | None:
        try:
            with self._errors(f"the permission of {login}"):
                value = self._repo.get_collaborator_permission(login)
        except (IssueNotFound, TrackerError):
            return None  # not a collaborator, or the token may not ask: cannot tell
        return value if isinstance(value, str) else None


def issue_from_json(data: Any) -> Issue:
    if not isinstance(data, Mapping):
        raise TrackerError("GitHub sent an issue that is not a JSON object")
    try:
        labels = tuple(
            str(label["name"] if isinstance(label, Mapping) else label)
            for label in data.get("labels") or ()
        )
        return Issue(
            number=int(data["number"]),
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),
            state=str(data.get("state") or "open"),
            labels=labels,
            url=str(data.get("html_url") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TrackerError(f"GitHub sent an issue without {exc}") from None


def _connection_reason(exc: BaseException, timeout: float) -> str:
    text = str(exc)
    if "Connection refused" in text or "ConnectionRefused" in text:
        return "connection refused"
    if "Name or service not known" in text or "NameResolution" in text:
        return "host name not found"
    if "timed out" in text.lower():
        return f"no answer within {timeout:g}s"
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "connection closed by the server"
    return "connection failed"
