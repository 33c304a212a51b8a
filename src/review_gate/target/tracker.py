"""Which tracker a gate decision reads: the export file given, the configured one, or
``github`` for a GitHub-hosted origin (or in GitHub Actions), else ``local``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from review_gate import git
from review_gate.config import Config
from review_gate.errors import NotAGitRepository
from review_gate.trackers.base import Tracker


def _host(url: str) -> str | None:
    """The host of an https/ssh URL or of an scp-like ``git@host:owner/repo``."""
    url = url.strip()
    if "://" in url:
        try:
            return (urlsplit(url).hostname or "").lower() or None
        except ValueError:  # e.g. an unclosed [IPv6] bracket: no host we could match
            return None
    match = re.match(r"^(?:[^@/]+@)?([^:/]+):", url)
    return match.group(1).lower() if match else None


def hosted_tracker(origin_url: str | None, api_urls: Iterable[str | None] = ()) -> str:
    """``github`` when the ``origin`` URL is on github.com or on the host of one of
    ``api_urls`` (a GitHub Enterprise API, ``https://HOST/api/v3`` or ``https://api.HOST``),
    else ``local``. Reads nothing but its arguments."""
    host = _host(origin_url) if origin_url else None
    if host is None:
        return "local"
    hosts = {"github.com"}
    for api in api_urls:
        api_host = _host(api) if api else None
        if api_host:
            hosts.add(api_host)
            hosts.add(api_host.removeprefix("api."))
    return "github" if host in hosts or host.endswith(".github.com") else "local"


def auto_tracker(
    cwd: Path, environ: Mapping[str, str] | None = None, api_url: str | None = None
) -> str:
    """``github`` when running in GitHub Actions or when origin is hosted on GitHub
    (github.com, the host of the configuration's ``api_url``, or of ``GITHUB_API_URL``
    for GitHub Enterprise), else ``local``. In a gated checkout the environment does not
    choose: :mod:`review_gate.target.trusted` pins the tracker with
    :func:`hosted_tracker` instead."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS"):
        return "github"
    url = git.remote_url("origin", cwd) if Path(cwd).is_dir() else None
    return hosted_tracker(url, (api_url, env.get("GITHUB_API_URL")))


def open_tracker(
    config: Config,
    *,
    cwd: Path,
    comments_file: Path | None = None,
    comments_text: str | None = None,
    environ: Mapping[str, str] | None = None,
    read_only: bool = False,
    common_dir: Path | None = None,
) -> Tracker:
    """The tracker to read: an export (``comments_text`` read from stdin, or
    ``comments_file``), else ``config.tracker``, else :func:`auto_tracker`.

    ``read_only``: a gate only reads (the local tracker then creates nothing and refuses
    writes), and every call of the tracker shares one total deadline,
    ``config.tracker_deadline`` (:mod:`review_gate.trackers.deadline`); ``common_dir``: the
    repository's git common dir, when already known."""
    from review_gate.trackers.export import ExportTracker

    env = os.environ if environ is None else environ
    export_repo = config.repo or env.get("GITHUB_REPOSITORY", "").strip() or None
    if comments_text is not None:
        return ExportTracker.from_text(comments_text, "<stdin>", repo=export_repo)
    if comments_file is not None:
        return ExportTracker(Path(comments_file), repo=export_repo)
    name = config.tracker or auto_tracker(Path(cwd), environ, config.api_url)
    if name == "local":
        from review_gate.trackers.local import FILENAME, STATE_DIR, LocalTracker

        if common_dir is not None:
            local = LocalTracker(common_dir / STATE_DIR / FILENAME, read_only=read_only)
            return _bounded(local, config, read_only)
        try:
            local = LocalTracker.for_checkout(Path(cwd), read_only=read_only)
        except NotAGitRepository as exc:
            raise NotAGitRepository(
                exc.message,
                hint="the local tracker lives in a git checkout: run inside one (or pass -C DIR), "
                "read an export with --comments FILE, or use --tracker github",
            ) from None
        return _bounded(local, config, read_only)
    from review_gate.trackers.github import GitHubTracker

    remote = GitHubTracker.from_config(config, cwd=Path(cwd), environ=environ)
    return _bounded(remote, config, read_only)


def _bounded(tracker: Tracker, config: Config, read_only: bool) -> Tracker:
    """A gate's tracker (``read_only``) under its total deadline; any other as it is."""
    if not read_only:
        return tracker
    from review_gate.trackers.deadline import DeadlineTracker

    return DeadlineTracker(tracker, config.tracker_deadline)


def repo_name(
    config: Config, tracker: Tracker | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """``owner/name`` of this repository where it is known without asking git: the
    configuration, the GitHub tracker's, ``GITHUB_REPOSITORY``."""
    env = os.environ if environ is None else environ
    if config.repo:
        return config.repo
    own = getattr(tracker, "repo", None)
    if isinstance(own, str) and own:
        return own
    return env.get("GITHUB_REPOSITORY", "").strip() or None
