"""A minimal stdio MCP server with one tool, ``create_pull_request``, for e2e tests.

Run as ``python mcp_standin.py LOG``: every ``tools/call`` appends its arguments as one
JSON line to LOG (so a test sees whether the agent's call got through the hook).
Newline-delimited JSON-RPC 2.0, as the MCP stdio transport specifies.
"""

from __future__ import annotations

import json
import sys
from typing import Any

TOOL = {
    "name": "create_pull_request",
    "description": "Create a pull request",
    "inputSchema": {
        "type": "object",
        "properties": {
            k: {"type": "string"} for k in ("owner", "repo", "title", "head", "base", "body")
        },
        "required": ["title", "head"],
    },
}


def answer(request: dict[str, Any], log: str) -> dict[str, Any] | None:
    method = request.get("method")
    if "id" not in request:
        return None  # a notification
    if method == "initialize":
        result: dict[str, Any] = {
            "protocolVersion": request.get("params", {}).get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "github-standin", "version": "0"},
        }
    elif method == "tools/list":
        result = {"tools": [TOOL]}
    elif method == "tools/call":
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(request["params"].get("arguments", {})) + "\n")
        result = {"content": [{"type": "text", "text": "https://example.test/pull/1"}]}
    else:
        return {
            "jsonrpc": "2.0",
            "id": request["id"],
            "error": {"code": -32601, "message": f"no method {method}"},
        }
    return {"jsonrpc": "2.0", "id": request["id"], "result": result}


def main() -> None:
    log = sys.argv[1]
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = answer(json.loads(line), log)
        if reply is not None:
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
