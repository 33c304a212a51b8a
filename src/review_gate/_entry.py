"""Console entry point of ``gate``.

The agent hook runs on every tool call, so ``gate hook ...`` goes straight to the hook's
fast path (:mod:`review_gate.hooks.fast_path`) without importing click or anything else
heavy (the latency budget in docs/agent-hooks.md).
"""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if len(argv) >= 2 and argv[0] == "hook" and argv[1] in ("pre-tool-use", "stop"):
        from review_gate.hooks.fast_path import run

        sys.exit(run(argv[1:]))
    from review_gate.cli import main as cli_main

    sys.exit(cli_main(argv))
