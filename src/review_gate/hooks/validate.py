"""The validate hook: the REVIEW / HANDOVER / WORKER artifacts in markdown files."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from review_gate.errors import EXIT_FAIL, EXIT_PASS
from review_gate.hooks.hook_cli import guard, hook_parser


def validate_files(paths: Sequence[str]) -> tuple[list[dict[str, object]], int]:
    """Validate artifact files: (one record per error, number of files checked)."""
    from review_gate.artifacts.extract import extract

    errors: list[dict[str, object]] = []
    for name in paths:
        path = Path(name)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            errors.append(_error(name, 1, "", f"cannot read: {exc.strerror}", ""))
            continue
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            errors.append(_error(name, line, "", "not valid UTF-8", "save the file as UTF-8"))
            continue
        if "\0" in body:
            errors.append(_error(name, 1, "", "binary file, not markdown", ""))
            continue
        artifacts = extract(body)
        if not artifacts:
            errors.append(
                _error(
                    name,
                    1,
                    "",
                    "no review-gate artifact found (no <!-- REVIEW:START --> or similar marker)",
                    "start from `gate new review|handover|worker`",
                )
            )
        for artifact in artifacts:
            for err in artifact.errors:
                errors.append(_error(name, err.line, err.kind, err.message, err.hint))
    return errors, len(paths)


def _error(path: str, line: int, kind: str, message: str, hint: str) -> dict[str, object]:
    return {"path": path, "line": line, "kind": kind, "message": message, "hint": hint}


def validate(argv: Sequence[str]) -> tuple[int, list[str]]:
    """The validate hook as a function: (exit code, lines for stdout)."""
    parser = hook_parser(
        "review-gate-validate",
        "Validate the REVIEW / HANDOVER / WORKER artifacts in markdown files (the rules "
        "of `gate validate`): one `path:line: kind: message (fix: ...)` per error.",
        epilog="A file without any artifact is an error. Used by pre-commit (id: "
        "review-gate-validate) on files matching (\\.review\\.md$|^\\.review-gate/).",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="markdown files to validate")
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help='output format (default: text); json: {"valid", "files", "errors"}',
    )
    ns = parser.parse(argv)
    errors, count = validate_files(ns.files)
    code = EXIT_FAIL if errors else EXIT_PASS
    if ns.format == "json":
        payload = {"valid": not errors, "files": count, "errors": errors}
        return code, [json.dumps(payload, indent=2)]
    lines = []
    for e in errors:
        kind = f"{e['kind']}: " if e["kind"] else ""
        hint = f" (fix: {e['hint']})" if e["hint"] else ""
        lines.append(f"{e['path']}:{e['line']}: {kind}{e['message']}{hint}")
    return code, lines


def validate_main(argv: Sequence[str] | None = None) -> int:
    """Console script ``review-gate-validate FILE...`` (a pre-commit ``files`` hook)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return guard("review-gate-validate", lambda: validate(args), stream="stdout")
