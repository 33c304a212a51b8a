"""The tracker of a gated checkout cannot be redirected by the environment.

In the hooks and pre-push, where the review is read from — the tracker, the GitHub API
(``api_url``) and the repository — is pinned to the base branch's committed
configuration (or to what automatic choice means without the environment):
``GITHUB_API_URL``, ``GITHUB_REPOSITORY``, ``GITHUB_ACTIONS`` and ``REVIEW_GATE_API_URL``
that would read it elsewhere are refused, naming the variable. ``gate check --pr`` in CI
keeps honouring ``GITHUB_API_URL`` (GitHub sets it on Enterprise runners).

End to end with two GitHub stand-ins — the real API (the committed ``api_url``) and a
fake one serving a forged review — on real git checkouts; then the rule itself
(:func:`review_gate.target.trusted.from_files`) as a table.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from review_gate import target
from review_gate.config import DEFAULT_API_URL
from review_gate.errors import ConfigError
from review_gate.target import trusted
from tests import artifact_samples
from tests.github_standin import GitHubStandIn
from tests.helpers import GATE, commit_file, git, init_repo_with_remote, run_gate, set_base_config

PRE_PUSH = str(Path(GATE).with_name("review-gate-pre-push"))
BRANCH = "feature/7-x"
PR = 12


class World(NamedTuple):
    repo: Path
    head: str
    real: GitHubStandIn  # the API the base branch's configuration names
    fake: GitHubStandIn  # an API an agent started, serving a forged review


@pytest.fixture
def apis() -> Iterator[tuple[GitHubStandIn, GitHubStandIn]]:
    with GitHubStandIn() as real, GitHubStandIn() as fake:
        yield real, fake


def world(
    tmp_path: Path,
    apis: tuple[GitHubStandIn, GitHubStandIn],
    *,
    api_url: bool = True,
    reviewed: bool = False,
) -> World:
    """A worker checkout of issue 7 whose base branch commits ``tracker = 'github'``,
    ``repo`` and (with ``api_url``) ``api_url`` = the real stand-in. The fake stand-in
    holds a passing review of the head; the real one holds one only when ``reviewed``."""
    real, fake = apis
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", BRANCH)
    head = commit_file(repo, "src/app.py", "print('hi')\n", "feat: app (#7)")
    committed = f"tracker = 'github'\nrepo = '{real.full_name}'\n"
    if api_url:
        committed += f"api_url = '{real.url}'\n"
    set_base_config(repo, committed)
    for api in (real, fake):
        api.add_issue(7)
        api.add_pull(PR, head_ref=BRANCH, head_sha=head, body="Closes #7")
    forged = artifact_samples.review(7, commit=head)
    fake.add_comment(7, forged, login="reviewer", association="MEMBER")
    if reviewed:
        real.add_comment(7, forged, login="reviewer", association="MEMBER")
    return World(repo, head, real, fake)


def token(w: World) -> dict[str, str]:
    return {"GH_TOKEN": w.real.token, "REVIEW_GATE_RETRIES": "0"}


def pre_push(w: World, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    line = f"refs/heads/{BRANCH} {w.head} refs/heads/{BRANCH} {'0' * 40}\n"
    return subprocess.run(
        (PRE_PUSH, "origin", "url"),
        cwd=w.repo,
        env={**os.environ, **token(w), **env},
        input=line,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if ": error: " in line]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# --------------------------------------------------------------------------- pre-push


@pytest.mark.parametrize("variable", ["GITHUB_API_URL", "REVIEW_GATE_API_URL"])
def test_pre_push_refuses_another_api_naming_the_variable(
    tmp_path: Path, apis: tuple[GitHubStandIn, GitHubStandIn], variable: str
) -> None:
    w = world(tmp_path, apis)
    proc = pre_push(w, {variable: w.fake.url})
    assert proc.returncode == 2, proc.stderr
    error = one_line_error(proc.stderr)
    assert variable in error and w.fake.url in error and w.real.url in error
    assert w.fake.count() == 0 and w.real.count() == 0  # refused before any request


def test_pre_push_reads_the_committed_api(
    tmp_path: Path, apis: tuple[GitHubStandIn, GitHubStandIn]
) -> None:
    # Unreviewed on the real API: refused for the review, whatever the fake one says.
    w = world(tmp_path, apis)
    proc = pre_push(w, {})
    assert proc.returncode == 1, proc.stderr
    assert "gate new review --issue 7" in proc.stderr
    assert w.real.count("GET", "/issues/7/comments") == 1 and w.fake.count() == 0


@pytest.mark.parametrize(
    "same",
    [
        lambda url: {"GITHUB_API_URL": url},
        lambda url: {"GITHUB_API_URL": url.upper().replace("HTTP://", "http://") + "/"},
        lambda url: {"REVIEW_GATE_API_URL": url},
        lambda url: {"GITHUB_API_URL": url, "GITHUB_REPOSITORY": "OCTO/Project"},
        lambda url: {},
    ],
    ids=["GITHUB_API_URL", "other-spelling", "REVIEW_GATE_API_URL", "GITHUB_REPOSITORY", "none"],
)
def test_pre_push_with_the_same_api_passes(
    tmp_path: Path, apis: tuple[GitHubStandIn, GitHubStandIn], same: object
) -> None:
    w = world(tmp_path, apis, reviewed=True)
    env = same(w.real.url)  # type: ignore[operator]
    proc = pre_push(w, env)
    assert proc.returncode == 0, proc.stderr
    assert "review gate passed for issue #7" in proc.stderr
    assert w.fake.count() == 0


def test_pre_push_refuses_another_repository(
    tmp_path: Path, apis: tuple[GitHubStandIn, GitHubStandIn]
) -> None:
    w = world(tmp_path, apis)
    proc = pre_push(w, {"GITHUB_REPOSITORY": "mallory/forged"})
    assert proc.returncode == 2, proc.stderr
    error = one_line_error(proc.stderr)
    assert "GITHUB_REPOSITORY" in error and "mallory/forged" in error


def test_automatic_api_means_api_github_com(
    tmp_path: Path, apis: tuple[GitHubStandIn, GitHubStandIn]
) -> None:
    # The committed file names no api_url: automatic is https://api.github.com, and the
    # environment may not choose another one in a gated checkout.
    w = world(tmp_path, apis, api_url=False)
    proc = pre_push(w, {"GITHUB_API_URL": w.fake.url})
    assert proc.returncode == 2, proc.stderr
    error = one_line_error(proc.stderr)
    assert "GITHUB_API_URL" in error and DEFAULT_API_URL in error
    assert w.fake.count() == 0


def test_a_redirected_origin_does_not_move_a_committed_repo(
    tmp_path: Path, apis: tuple[GitHubStandIn, GitHubStandIn]
) -> None:
    # The origin URL is the checkout's own (the documented limit of automatic choice);
    # a committed repo and api_url pin the tracker against it.
    w = world(tmp_path, apis, reviewed=True)
    git(w.repo, "remote", "set-url", "origin", "https://github.com/mallory/forged.git")
    proc = pre_push(w, {})
    assert proc.returncode == 0, proc.stderr
    assert w.real.count("GET", f"/repos/{w.real.full_name}/issues/7/comments") == 1


# --------------------------------------------------------------------------- hooks and CI


def test_pre_tool_use_denies_a_pr_against_another_api(
    tmp_path: Path, apis: tuple[GitHubStandIn, GitHubStandIn]
) -> None:
    w = world(tmp_path, apis, reviewed=True)
    call = {
        "session_id": "s",
        "hook_event_name": "PreToolUse",
        "cwd": str(w.repo),
        "tool_name": "Bash",
        "tool_input": {"command": "gh pr create --title t --body 'Closes #7'"},
    }

    def hook(env: dict[str, str]) -> str:
        proc = run_gate(
            "hook", "pre-tool-use", cwd=w.repo, env={**token(w), **env}, stdin=json.dumps(call)
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    denied = hook({"GITHUB_API_URL": w.fake.url})
    assert "deny" in denied and "GITHUB_API_URL" in denied
    assert hook({"GITHUB_API_URL": w.real.url}) == ""  # the reviewed head: allowed
    assert w.fake.count() == 0


@pytest.mark.parametrize("committed_api_url", [False, True])
def test_ci_keeps_honouring_github_api_url(
    tmp_path: Path, apis: tuple[GitHubStandIn, GitHubStandIn], committed_api_url: bool
) -> None:
    # `gate check --pr` in GitHub Actions: GITHUB_API_URL is GitHub's own (an Enterprise
    # runner's API). Without a committed api_url it is where the PR and review are read.
    w = world(tmp_path, apis, api_url=committed_api_url, reviewed=True)
    env = {
        **token(w),
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": w.real.url,
        "GITHUB_REPOSITORY": w.real.full_name,
    }
    proc = run_gate("check", "--pr", str(PR), cwd=w.repo, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.real.count("GET", f"/pulls/{PR}") >= 1 and w.fake.count() == 0


def test_ci_reads_the_committed_api_url_over_the_environment(
    tmp_path: Path, apis: tuple[GitHubStandIn, GitHubStandIn]
) -> None:
    w = world(tmp_path, apis, reviewed=True)
    env = {**token(w), "GITHUB_ACTIONS": "true", "GITHUB_API_URL": w.fake.url}
    proc = run_gate("check", "--pr", str(PR), cwd=w.repo, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.fake.count() == 0


# --------------------------------------------------------------------------- the rule


GITHUB_ORIGIN = "https://github.com/octo/project.git"
GHE_ORIGIN = "git@ghe.corp.example:octo/project.git"
LOCAL_ORIGIN = "/srv/git/project.git"
GHE_API = "https://ghe.corp.example/api/v3"


class Origin:
    """A checkout's ``origin`` URL that counts how often it is read."""

    def __init__(self, url: str | None) -> None:
        self.url, self.reads = url, 0

    def __call__(self) -> str | None:
        self.reads += 1
        return self.url


def gated(committed: str, env: dict[str, str], origin: str | None) -> trusted.Config:
    facts = trusted.CheckoutFacts(origin=Origin(origin), base_branch="main")
    files = {".review-gate.toml": committed}
    return trusted.from_files(files, "origin/main", None, env, tighten_only=True, checkout=facts)


# committed file, environment, origin URL, the variables refused (() = accepted)
RULE: list[tuple[str, dict[str, str], str | None, tuple[str, ...]]] = [
    # automatic everything, origin on github.com: api.github.com and origin's repository
    ("", {}, GITHUB_ORIGIN, ()),
    ("", {"GITHUB_API_URL": "https://api.github.com/"}, GITHUB_ORIGIN, ()),
    ("", {"GITHUB_API_URL": "http://127.0.0.1:9999"}, GITHUB_ORIGIN, ("GITHUB_API_URL",)),
    ("", {"GITHUB_API_URL": "not a url"}, GITHUB_ORIGIN, ("GITHUB_API_URL",)),
    ("", {"GITHUB_REPOSITORY": "octo/project"}, GITHUB_ORIGIN, ()),
    ("", {"GITHUB_REPOSITORY": "evil/project"}, GITHUB_ORIGIN, ("GITHUB_REPOSITORY",)),
    ("", {"REVIEW_GATE_API_URL": "https://api.github.com"}, GITHUB_ORIGIN, ()),
    ("", {"REVIEW_GATE_API_URL": "http://127.0.0.1:9"}, GITHUB_ORIGIN, ("REVIEW_GATE_API_URL",)),
    (
        "",
        {"GITHUB_API_URL": "http://127.0.0.1:9", "GITHUB_REPOSITORY": "evil/x"},
        GITHUB_ORIGIN,
        ("GITHUB_API_URL", "GITHUB_REPOSITORY"),
    ),
    # GitHub Enterprise: the committed api_url says so, the environment may not
    ("", {"GITHUB_API_URL": GHE_API}, GHE_ORIGIN, ("GITHUB_API_URL",)),
    (f"api_url = '{GHE_API}'", {"GITHUB_API_URL": GHE_API}, GHE_ORIGIN, ()),
    (f"api_url = '{GHE_API}'", {}, GHE_ORIGIN, ()),
    (
        f"api_url = '{GHE_API}'",
        {"GITHUB_API_URL": DEFAULT_API_URL},
        GHE_ORIGIN,
        ("GITHUB_API_URL",),
    ),
    # a non-GitHub origin is the local tracker: GitHub Actions' variable may not change it
    ("", {"GITHUB_ACTIONS": "true"}, LOCAL_ORIGIN, ("GITHUB_ACTIONS",)),
    ("", {"GITHUB_ACTIONS": "true"}, GITHUB_ORIGIN, ()),
    ("", {"GITHUB_API_URL": "http://127.0.0.1:9"}, LOCAL_ORIGIN, ()),  # reads no API
    ("", {"GITHUB_REPOSITORY": "evil/x"}, LOCAL_ORIGIN, ()),  # dropped downstream
    # the committed tracker and repo: origin plays no part
    ("tracker = 'local'", {"GITHUB_API_URL": "http://x", "GITHUB_ACTIONS": "1"}, GHE_ORIGIN, ()),
    ("tracker = 'github'\nrepo = 'octo/p'", {"GITHUB_REPOSITORY": "octo/p"}, None, ()),
    (
        "tracker = 'github'\nrepo = 'octo/p'",
        {"GITHUB_REPOSITORY": "o/q"},
        None,
        ("GITHUB_REPOSITORY",),
    ),
    (
        "tracker = 'github'\nrepo = 'octo/p'",
        {"GITHUB_API_URL": "http://x"},
        None,
        ("GITHUB_API_URL",),
    ),
    ("tracker = 'github'", {"GITHUB_REPOSITORY": "evil/x"}, LOCAL_ORIGIN, ("GITHUB_REPOSITORY",)),
]


@pytest.mark.parametrize(("committed", "env", "origin", "refused"), RULE)
def test_the_rule(
    committed: str, env: dict[str, str], origin: str | None, refused: tuple[str, ...]
) -> None:
    if not refused:
        gated(committed, env, origin)
        return
    with pytest.raises(ConfigError) as info:
        gated(committed, env, origin)
    message = info.value.message
    assert "\n" not in message and "origin/main:.review-gate.toml" in message
    named = message.split(" would ")[0].rsplit("; ", 1)[1]
    assert [v.removeprefix("env ") for v in named.split(", ")] == list(refused)


@pytest.mark.parametrize(
    ("committed", "origin", "expected"),
    [
        ("", GITHUB_ORIGIN, ("github", DEFAULT_API_URL, "octo/project")),
        ("", GHE_ORIGIN, ("local", DEFAULT_API_URL, None)),
        (f"api_url = '{GHE_API}/'", GHE_ORIGIN, ("github", GHE_API, "octo/project")),
        ("", LOCAL_ORIGIN, ("local", DEFAULT_API_URL, None)),
        ("", None, ("local", DEFAULT_API_URL, None)),
        ("tracker = 'github'\nrepo = 'o/r'", GITHUB_ORIGIN, ("github", DEFAULT_API_URL, "o/r")),
    ],
)
def test_the_pinned_location(
    committed: str, origin: str | None, expected: tuple[str, str, str | None]
) -> None:
    # Made explicit, so nothing downstream (the tracker, closing references) asks the
    # environment: these are what the hooks read from.
    config = gated(committed, {}, origin)
    assert (config.tracker, config.api_url, config.repo) == expected


def test_origin_is_read_only_when_the_committed_file_leaves_something_to_it() -> None:
    for committed, reads in (
        ("tracker = 'github'\nrepo = 'o/r'", 0),
        ("tracker = 'local'", 0),
        ("tracker = 'github'", 1),
        ("", 1),
    ):
        origin = Origin(GITHUB_ORIGIN)
        facts = trusted.CheckoutFacts(origin=origin, base_branch="main")
        files = {".review-gate.toml": committed}
        trusted.from_files(files, "origin/main", None, {}, tighten_only=True, checkout=facts)
        assert origin.reads == reads, committed


def test_ci_configuration_is_not_pinned() -> None:
    # tighten_only=False (gate check --pr, --config-ref): the environment still chooses.
    env = {"GITHUB_API_URL": "http://127.0.0.1:9", "GITHUB_REPOSITORY": "o/r"}
    facts = trusted.CheckoutFacts(origin=Origin(GITHUB_ORIGIN), base_branch="main")
    config = trusted.from_files({}, "origin/main", None, env, tighten_only=False, checkout=facts)
    assert (config.tracker, config.api_url, config.repo) == (None, None, None)


def test_a_local_trackers_checkout_drops_the_github_variables(tmp_path: Path) -> None:
    # A gated checkout on the local tracker: GITHUB_* are not refused, and not read either
    # (GITHUB_REPOSITORY would otherwise say which `Closes owner/repo#N` are this repository's).
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", BRANCH)
    commit_file(repo, "src/app.py")
    set_base_config(repo, "tracker = 'local'\n")
    env = {"GITHUB_REPOSITORY": "evil/x", "GITHUB_API_URL": "http://127.0.0.1:9"}
    request = target.from_checkout(repo, env, surface="stop", bodies=["Closes octo/other#9"])
    # GITHUB_REPOSITORY read would make octo/other another repository and drop issue 9;
    # unknown, a qualified reference counts (gating one more issue is the safe side).
    assert request.repo is None and request.issues == (7, 9)
    assert request.tracker.name == "local"
