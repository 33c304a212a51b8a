"""`gate install codex --trust` and `gate doctor` against the real Codex app-server.

Codex lists its hooks with their trust status and its own hashes (`hooks/list`) and writes
trust through its config writer (`config/batchWrite`); review-gate uses that when the
installed Codex offers it, and its own copy of the hash recipe only as a labelled fallback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from review_gate.install import codex_appserver as appserver
from tests.helpers import run_gate

pytestmark = pytest.mark.e2e


@pytest.fixture
def codex_env(codex_bin: Path, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "codex-home"
    home.mkdir()
    return {"CODEX_HOME": str(home), "REVIEW_GATE_CODEX": str(codex_bin)}


def codex_findings(repo: Path, env: dict[str, str]) -> list[dict[str, object]]:
    proc = run_gate("doctor", "--format", "json", cwd=repo, env=env)
    return [f for f in json.loads(proc.stdout)["findings"] if f["area"] == "codex"]


def test_trust_through_the_app_server(
    worker_repo: Path, codex_env: dict[str, str], codex_bin: Path
) -> None:
    config = Path(codex_env["CODEX_HOME"]) / "config.toml"
    config.write_text(f'[projects."{worker_repo}"]\ntrust_level = "trusted"\n')

    proc = run_gate(
        "install", "codex", "--scope", "project", "--trust", cwd=worker_repo, env=codex_env
    )
    assert proc.returncode == 0, proc.stderr
    assert "through Codex's app-server (hooks/list, config/batchWrite)" in proc.stdout
    assert "fallback" not in proc.stdout
    # Codex itself now lists both hooks as trusted.
    environ = {**os.environ, **codex_env}
    listed = appserver.list_hooks([str(codex_bin)], worker_repo, environ=environ)
    ours = [h for h in listed if h.source_path.endswith(".codex/hooks.json")]
    assert sorted(h.event for h in ours) == ["preToolUse", "stop"]
    assert all(h.trust_status == "trusted" for h in ours), ours
    findings = codex_findings(worker_repo, codex_env)
    assert all(f["ok"] for f in findings), findings
    assert any("trusted, as Codex reports" in str(f["message"]) for f in findings)

    # Any change to a hook makes Codex distrust it; doctor says so and how to fix it.
    hooks_file = worker_repo / ".codex" / "hooks.json"
    data = json.loads(hooks_file.read_text())
    data["hooks"]["Stop"][0]["hooks"][0]["timeout"] = 31
    hooks_file.write_text(json.dumps(data))
    [bad] = [f for f in codex_findings(worker_repo, codex_env) if not f["ok"]]
    assert "stop (modified)" in str(bad["message"]) and "--trust" in str(bad["fix"])


def test_untrusted_project_says_what_is_left(worker_repo: Path, codex_env: dict[str, str]) -> None:
    proc = run_gate(
        "install", "codex", "--scope", "project", "--trust", cwd=worker_repo, env=codex_env
    )
    assert proc.returncode == 0, proc.stderr
    assert "fallback: the project is not trusted yet" in proc.stdout
    [left] = [f for f in codex_findings(worker_repo, codex_env) if not f["ok"]]
    assert "only for a trusted project" in str(left["message"])
    assert f'[projects."{worker_repo}"] trust_level = "trusted"' in str(left["fix"])
