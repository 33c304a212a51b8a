"""The published pre-commit manifest (.pre-commit-hooks.yaml), tested like
check-jsonschema tests its own: pre-commit's validation of the file, every hook id
run (its `entry`, as pre-commit would call it) on positive and negative examples,
and every id documented in the README.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from pre_commit.clientlib import load_config, load_manifest

from tests import artifact_samples
from tests.helpers import commit_file, git, init_repo

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MANIFEST = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
HOOKS = {hook["id"]: hook for hook in MANIFEST}
CONTRACT_IDS = {"review-gate-pre-push", "review-gate-commit-msg", "review-gate-validate"}
ZERO = "0" * 40


class Example(NamedTuple):
    """Sets up a case in ``tmp``; returns (args, cwd, extra environment)."""

    hook_id: str
    name: str
    positive: bool
    setup: Callable[[Path], tuple[list[str], Path, dict[str, str]]]


# --------------------------------------------------------------------------- examples


def _message(
    text: str, branch: str = "main"
) -> Callable[[Path], tuple[list[str], Path, dict[str, str]]]:
    def setup(tmp: Path) -> tuple[list[str], Path, dict[str, str]]:
        repo = init_repo(tmp / "repo")
        if branch != "main":
            git(repo, "checkout", "-q", "-b", branch)
        path = repo / ".git" / "COMMIT_EDITMSG"
        path.write_text(text)
        return [str(path)], repo, {}

    return setup


def _artifact(
    name: str, body: str | bytes
) -> Callable[[Path], tuple[list[str], Path, dict[str, str]]]:
    def setup(tmp: Path) -> tuple[list[str], Path, dict[str, str]]:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body)
        return [str(path)], tmp, {}

    return setup


def _push(
    local: str, remote: str, *, review: bool = False, env: dict[str, str] | None = None
) -> Callable[[Path], tuple[list[str], Path, dict[str, str]]]:
    """A push as pre-commit describes it to a pre-push hook (PRE_COMMIT_* variables)."""

    def setup(tmp: Path) -> tuple[list[str], Path, dict[str, str]]:
        from review_gate.trackers.local import LocalTracker

        repo = init_repo(tmp / "repo")
        git(repo, "checkout", "-q", "-b", local)
        sha = commit_file(repo, "app.py", "x = 1\n", "feat: app (#7)")
        tracker = LocalTracker.for_checkout(repo)
        tracker.create_issue("app", number=7)
        if review:
            tracker.post_comment(7, artifact_samples.review(7, commit=sha))
        hook_env = {
            "PRE_COMMIT_FROM_REF": ZERO,
            "PRE_COMMIT_TO_REF": sha,
            "PRE_COMMIT_LOCAL_BRANCH": f"refs/heads/{local}",
            "PRE_COMMIT_REMOTE_BRANCH": f"refs/heads/{remote}",
            "PRE_COMMIT_REMOTE_NAME": "origin",
            "PRE_COMMIT_REMOTE_URL": str(tmp / "remote.git"),
            **(env or {}),
        }
        return [], repo, hook_env

    return setup


EXAMPLES = [
    # review-gate-pre-push
    Example("review-gate-pre-push", "topic-branch", True, _push("topic", "topic")),
    Example(
        "review-gate-pre-push",
        "worker-reviewed",
        True,
        _push("feature/7-x", "feature/7-x", review=True),
    ),
    Example(
        "review-gate-pre-push", "worker-unreviewed", False, _push("feature/7-x", "feature/7-x")
    ),
    Example(
        "review-gate-pre-push", "worker-to-main", False, _push("feature/7-x", "main", review=True)
    ),
    Example(
        "review-gate-pre-push",
        "dispatcher-to-main",
        False,
        _push("topic", "main", env={"REVIEW_GATE_WORKER_ID": "worker-1701523200-7"}),
    ),
    # review-gate-commit-msg
    Example(
        "review-gate-commit-msg",
        "seed-format",
        True,
        _message("feat: add dark mode toggle (#123)\n"),
    ),
    Example(
        "review-gate-commit-msg",
        "seed-format-with-body",
        True,
        _message("fix: x (#7)\n\n- detail\n\n🤖 Worker: worker-1701523200-7\n", "feature/7-x"),
    ),
    Example(
        "review-gate-commit-msg",
        "merge",
        True,
        _message("Merge branch 'main' into feature/7-x\n", "feature/7-x"),
    ),
    Example(
        "review-gate-commit-msg", "fixup", True, _message("fixup! feat: a (#7)\n", "feature/7-x")
    ),
    Example("review-gate-commit-msg", "no-issue", False, _message("feat: add dark mode toggle\n")),
    Example("review-gate-commit-msg", "free-text", False, _message("wip\n")),
    Example(
        "review-gate-commit-msg", "wrong-issue", False, _message("feat: a (#8)\n", "feature/7-x")
    ),
    # review-gate-validate
    Example(
        "review-gate-validate", "review", True, _artifact("x.review.md", artifact_samples.review(7))
    ),
    Example(
        "review-gate-validate",
        "handover",
        True,
        _artifact(".review-gate/handover.md", artifact_samples.handover(7)),
    ),
    Example(
        "review-gate-validate",
        "worker",
        True,
        _artifact(
            ".review-gate/worker.md", artifact_samples.worker_assignment("worker-1701523200-7")
        ),
    ),
    Example(
        "review-gate-validate",
        "review-crlf",
        True,
        _artifact("crlf.review.md", artifact_samples.review(7, newline="\r\n")),
    ),
    Example(
        "review-gate-validate",
        "unaddressed-is-valid-but-bad-status",
        False,
        _artifact("bad.review.md", artifact_samples.review(7, status="MAYBE")),
    ),
    Example(
        "review-gate-validate",
        "unterminated",
        False,
        _artifact("u.review.md", "<!-- REVIEW:START -->\n"),
    ),
    Example(
        "review-gate-validate", "no-artifact", False, _artifact("none.review.md", "prose only\n")
    ),
    Example("review-gate-validate", "binary", False, _artifact("b.review.md", b"\x00\xff\xfe")),
]


def test_every_hook_has_positive_and_negative_examples() -> None:
    for hook_id in HOOKS:
        kinds = {e.positive for e in EXAMPLES if e.hook_id == hook_id}
        assert kinds == {True, False}, hook_id


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.hook_id}:{e.name}")
def test_hook_examples(example: Example, tmp_path: Path) -> None:
    hook = HOOKS[example.hook_id]
    args, cwd, env = example.setup(tmp_path)
    entry = shlex.split(hook["entry"])
    cmd = [str(BIN / entry[0]), *entry[1:], *hook["args"], *args]
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output
    if example.positive:
        assert proc.returncode == 0, output
    else:
        assert proc.returncode == 1, output
        assert output.strip()  # a refusal always says why


# --------------------------------------------------------------------------- the manifest


def test_manifest_ids_are_the_contract() -> None:
    assert set(HOOKS) == CONTRACT_IDS
    assert len(MANIFEST) == len(HOOKS)  # no duplicate ids


def test_manifest_stages_and_shapes() -> None:
    push = HOOKS["review-gate-pre-push"]
    assert push["stages"] == ["pre-push"]
    assert push["always_run"] is True and push["pass_filenames"] is False
    assert HOOKS["review-gate-commit-msg"]["stages"] == ["commit-msg"]
    # at commit time (and by hand), never again at push or on the commit message
    assert HOOKS["review-gate-validate"]["stages"] == ["pre-commit", "manual"]
    for hook in MANIFEST:
        # language python: `pre-commit try-repo` / install from a clone builds it
        assert hook["language"] == "python"
        assert hook["name"] and hook["description"]


def test_manifest_entries_are_our_console_scripts() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for hook in MANIFEST:
        entry = shlex.split(hook["entry"])[0]
        assert scripts[entry].startswith("review_gate.hooks."), entry
        assert (BIN / entry).exists(), entry


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("notes/7.review.md", True),
        ("x.review.md", True),
        (".review-gate/handover.md", True),
        (".review-gate/nested/worker.md", True),
        ("README.md", False),
        ("docs/review.md", False),
        ("x.review.md.bak", False),
        ("src/.review-gate/x.md", False),
        (".review-gate.toml", False),
    ],
)
def test_validate_files_pattern(path: str, matches: bool) -> None:
    assert bool(re.search(HOOKS["review-gate-validate"]["files"], path)) is matches


def test_install_wires_the_hook_type_of_every_stage() -> None:
    """`gate install git` has pre-commit install the git hook type each id runs at, so no
    hook of the manifest sits at a stage nothing triggers."""
    from review_gate.install.git import HOOK_TYPE_OF, pre_commit_hook_types

    installed = set(pre_commit_hook_types(set(HOOKS)))
    for hook_id, hook in HOOKS.items():
        assert HOOK_TYPE_OF[hook_id] in hook["stages"], hook_id
        assert HOOK_TYPE_OF[hook_id] in installed, hook_id
    assert "pre-commit" not in pre_commit_hook_types({"review-gate-pre-push"})


def test_own_pre_commit_config_is_valid() -> None:
    config = load_config(str(ROOT / ".pre-commit-config.yaml"))
    ids = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format", "mypy", "review-gate-validate"} <= ids
    for repo in config["repos"]:
        assert repo["repo"] == "local"  # CI has no network beyond package indexes
        for hook in repo["hooks"]:
            command = shlex.split(hook["entry"])[0]
            assert (ROOT / command).exists() or (BIN / Path(command).name).exists(), command


def test_readme_documents_every_hook_id() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(hook_id for hook_id in HOOKS if hook_id not in readme)
    assert not missing, f"README.md does not document: {', '.join(missing)}"
