"""``gate hook pre-tool-use|stop``, listed in ``gate --help``.

The console script does not come here: ``review_gate._entry`` sends ``gate hook ...``
straight to :func:`review_gate.hooks.fast_path.run` without importing click, because the
hook runs on every tool call. These commands exist so that ``gate --help`` lists the
hooks and ``python -m review_gate`` paths through click behave the same.
"""

from __future__ import annotations

import click

from review_gate.hooks import agent


@click.group(short_help="The agent hooks (stdin: the client's hook JSON).")
def hook() -> None:
    """Agent hooks for Claude Code and Codex (stdin: the client's hook JSON).

    Install them with `gate install claude` or `gate install codex`.
    """


@hook.command(
    "pre-tool-use",
    short_help="Deny PR creation while the review gate fails.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
def pre_tool_use() -> int:
    """Deny PR creation while the review gate fails, and hook bypasses in a gated checkout.

    Silent (exit 0) when there is no objection; never answers "allow".
    """
    return agent.main(["pre-tool-use"])


@hook.command(
    "stop",
    short_help="Keep the agent working while its work is unreviewed.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
def stop() -> int:
    """Keep the agent working while its work is unreviewed (bounded per session)."""
    return agent.main(["stop"])
