"""Run a composite action's steps the way a GitHub runner does, for tests.

Reads ``action.yml``, resolves the inputs (``with:`` values over the evaluated defaults),
and runs each step in order: ``run:`` steps with ``bash --noprofile --norc -eo pipefail``
in ``$GITHUB_WORKSPACE``, with the runner's environment (``GITHUB_*``, ``RUNNER_*``), a
fresh ``$GITHUB_OUTPUT`` per step, ``$GITHUB_ENV`` / ``$GITHUB_PATH`` carried to later
steps and one ``$GITHUB_STEP_SUMMARY``. ``${{ }}`` expressions are evaluated for the
forms the action uses: context paths (``inputs.x``, ``github.event.pull_request.number``,
``steps.id.outputs.name``), string literals and ``||``.

The one step that does not run for real is ``actions/setup-python``: it answers with the
Python of the machine running the tests (``python-path``), as the real action answers
with the one it installed. Any other ``uses:`` step is refused.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_PATH = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*")


class StepRun(NamedTuple):
    name: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


class ActionRun(NamedTuple):
    returncode: int  # of the first failing step, else 0
    steps: list[StepRun]
    outputs: dict[str, str]  # the action's outputs
    summary: str  # $GITHUB_STEP_SUMMARY
    inputs: dict[str, str]

    @property
    def log(self) -> str:
        return "\n".join(f"## {s.name}\n{s.stdout}{s.stderr}" for s in self.steps)


def evaluate(text: str, contexts: Mapping[str, Any]) -> str:
    """Replace every ``${{ expr }}`` in ``text``."""
    return _EXPR.sub(lambda m: _as_string(_expression(m.group(1), contexts)), text)


def _expression(expr: str, contexts: Mapping[str, Any]) -> Any:
    value: Any = None
    for operand in (part.strip() for part in expr.split("||")):
        if operand.startswith("'") and operand.endswith("'"):
            value = operand[1:-1].replace("''", "'")
        elif _PATH.fullmatch(operand):
            value = contexts
            for key in operand.split("."):
                value = value.get(key) if isinstance(value, Mapping) else None
        else:
            raise ValueError(f"expression not supported by the test runner: {expr!r}")
        if value not in (None, "", False, 0):
            return value
    return value


def _as_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def parse_file_commands(text: str) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIMITER`` blocks ($GITHUB_OUTPUT, $GITHUB_ENV)."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if line:
            name, value = line.split("=", 1)
            values[name] = value
        i += 1
    return values


def run_action(
    action_dir: Path,
    *,
    with_: Mapping[str, str],
    github: Mapping[str, Any],
    workspace: Path,
    temp: Path,
    env: Mapping[str, str],
    timeout: float = 600,
) -> ActionRun:
    """Run the composite action in ``action_dir`` as one workflow step ``uses:`` it.

    ``github`` is the github context (event, event_name, sha, ref, repository, server_url,
    api_url, token, run_id); ``env`` the job's environment (PATH, HOME, ...)."""
    action = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite", action["runs"]
    temp.mkdir(parents=True, exist_ok=True)
    gh_context = {**github, "action_path": str(action_dir), "workspace": str(workspace)}
    event_path = temp / "event.json"
    event_path.write_text(json.dumps(github.get("event", {})))
    contexts: dict[str, Any] = {"github": gh_context, "runner": {"os": "Linux"}}
    inputs: dict[str, str] = {}
    for name, spec in (action.get("inputs") or {}).items():
        given = with_.get(name)
        raw = given if given is not None else str(spec.get("default", ""))
        inputs[name] = evaluate(raw, contexts)
    unknown = set(with_) - set(inputs)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    contexts["inputs"] = inputs
    steps_context: dict[str, Any] = {}
    contexts["steps"] = steps_context
    summary = temp / "step_summary.md"
    summary.write_text("")
    env_file, path_file = temp / "github_env", temp / "github_path"
    env_file.write_text("")
    path_file.write_text("")
    base_env = {
        **env,
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(action_dir),
        "GITHUB_EVENT_NAME": str(github.get("event_name", "")),
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": str(github.get("repository", "")),
        "GITHUB_SHA": str(github.get("sha", "")),
        "GITHUB_REF": str(github.get("ref", "")),
        "GITHUB_BASE_REF": str(github.get("base_ref", "")),
        "GITHUB_HEAD_REF": str(github.get("head_ref", "")),
        "GITHUB_SERVER_URL": str(github.get("server_url", "https://github.com")),
        "GITHUB_API_URL": str(github.get("api_url", "https://api.github.com")),
        "GITHUB_RUN_ID": str(github.get("run_id", "1")),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ENV": str(env_file),
        "GITHUB_PATH": str(path_file),
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(temp),
    }
    runs: list[StepRun] = []
    returncode = 0
    for index, step in enumerate(action["runs"]["steps"]):
        name = step.get("name") or step.get("id") or f"step {index}"
        if "uses" in step:
            run = _uses(step, name, contexts)
        else:
            assert step.get("shell") == "bash", f"{name}: only bash steps are run here"
            run = _run_step(
                step, name, index, contexts, base_env, env_file, path_file, temp, workspace, timeout
            )
        runs.append(run)
        if "id" in step:
            steps_context[step["id"]] = {"outputs": run.outputs}
        if run.returncode != 0:
            returncode = run.returncode
            break
    outputs = {
        name: evaluate(str(spec.get("value", "")), contexts)
        for name, spec in (action.get("outputs") or {}).items()
    }
    return ActionRun(returncode, runs, outputs, summary.read_text(), inputs)


def _uses(step: Mapping[str, Any], name: str, contexts: Mapping[str, Any]) -> StepRun:
    uses = str(step["uses"])
    if not uses.startswith("actions/setup-python@"):
        raise AssertionError(f"{name}: {uses} cannot run here")
    wanted = evaluate(str((step.get("with") or {}).get("python-version", "")), contexts)
    python = getattr(sys, "_base_executable", sys.executable)  # not the tests' venv
    return StepRun(name, 0, f"(setup-python {wanted}: {python})\n", "", {"python-path": python})


def _run_step(
    step: Mapping[str, Any],
    name: str,
    index: int,
    contexts: Mapping[str, Any],
    base_env: Mapping[str, str],
    env_file: Path,
    path_file: Path,
    temp: Path,
    workspace: Path,
    timeout: float,
) -> StepRun:
    output_file = temp / f"output_{index}"
    output_file.write_text("")
    script = temp / f"step_{index}.sh"
    script.write_text(evaluate(str(step["run"]), contexts))
    added_paths = [p for p in path_file.read_text().splitlines() if p]
    env = {**base_env, **parse_file_commands(env_file.read_text())}
    env.update({k: evaluate(str(v), contexts) for k, v in (step.get("env") or {}).items()})
    env["PATH"] = os.pathsep.join([*reversed(added_paths), env.get("PATH", "")])
    env["GITHUB_OUTPUT"] = str(output_file)
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    outputs = parse_file_commands(output_file.read_text())
    return StepRun(name, proc.returncode, proc.stdout, proc.stderr, outputs)
