"""``gate hook`` run without the hook's input: ``--help``, and arguments it does not take.

Kept out of :mod:`.agent` (the fast path every tool call pays), which loads it only then.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from review_gate.hooks import agent

USAGE = """\
usage: gate hook pre-tool-use < HOOK_JSON
       gate hook stop < HOOK_JSON

Agent hooks for Claude Code and Codex (install them with `gate install claude|codex`).

  pre-tool-use  Denies creating a pull request (gh pr create/new, gh api POST .../pulls,
                curl/wget POSTs, hub pull-request, MCP create_pull_request tools) while the
                review gate fails for the issue; in a gated checkout denies `--no-verify`
                and hooksPath overrides, and Write/Edit/apply_patch/MCP file writes to the
                gate's own settings, hooks and configuration. Answers Claude Code's
                ConfigChange too (blocks a settings change that switches the gate off).
                Anything else: no output.
  stop          In a gated checkout with unreviewed work, keeps the agent working
                (at most max_stop_blocks times per session) and says what is missing.

Reads the client's hook JSON on stdin; answers with exit 0 and, when it objects, one
JSON object on stdout. It never answers "allow": silence means no objection.
"""


def usage(args: Sequence[str]) -> int:
    """``gate hook [--help]``, ``gate hook EVENT --help``, or a usage error."""
    if not args or args[0] in ("-h", "--help"):
        (sys.stdout if args else sys.stderr).write(USAGE)
        return 0 if args else 2
    event, rest = args[0], args[1:]
    if rest and all(a in ("-h", "--help") for a in rest):
        sys.stdout.write(USAGE)
        return 0
    return _usage_error(event, rest)


def _usage_error(event: str, rest: Sequence[str]) -> int:
    """Unexpected arguments. Run by hand: one error line and a hint, exit 2. Run by an
    agent client (the hook JSON on stdin): fail closed as for any unusable input."""
    shown = " ".join(rest)
    known = event in ("pre-tool-use", "stop")
    if known:
        message = f"unexpected arguments for `gate hook {event}`: {shown} (it takes none)"
        hint = f"see `gate hook {event} --help`; the hook reads the client's JSON on stdin"
    else:
        message = f"unknown hook {event!r}{f' (with {shown})' if shown else ''}"
        hint = "the hooks are `gate hook pre-tool-use` and `gate hook stop` (`gate hook --help`)"
    lines = f"gate: error: {message}\ngate: hint: {hint}\n"
    if event == "stop" and _from_client():
        # Blocking here would be a block nobody counts, which traps a Codex agent
        # forever: let the agent stop, loudly, as for any other unusable Stop input.
        sys.stderr.write(lines)
        answer = {"systemMessage": f"review-gate stop hook: {message}; not blocking ({hint})"}
        agent._emit(answer, sys.stdout)
        return 0
    # Exit 2 with a reason on stderr is a deny for both clients: pre-tool-use (and an
    # unknown event) fails closed, and by hand it is the usual one-line usage error.
    sys.stderr.write(lines)
    return 2


def _from_client() -> bool:
    """Whether an agent client is calling: something other than a terminal on stdin
    that holds input (clients always send the hook JSON; a person at a shell does not)."""
    stream = sys.stdin
    if stream is None or stream.isatty():
        return False
    from review_gate.hooks.fast_path import read_stdin

    try:
        return bool(read_stdin().strip())
    except (OSError, ValueError):
        return False
