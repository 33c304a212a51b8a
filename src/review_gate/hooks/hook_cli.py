"""What the git-hook console scripts share: a one-line-error argument parser (built in
:mod:`review_gate.hooks.hook_args` when asked for), and a guard that prints a hook's
output and hands its errors to the one handler (``errors.handle``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from review_gate.errors import handle

if TYPE_CHECKING:
    from review_gate.hooks.hook_args import HookParser


def hook_parser(prog: str, description: str, *, epilog: str = "") -> HookParser:
    """The argument parser of hook ``prog`` (:mod:`review_gate.hooks.hook_args`)."""
    from review_gate.hooks import hook_args

    return hook_args.hook_parser(prog, description, epilog=epilog)


def guard(prog: str, body: Callable[[], tuple[int, list[str]]], stream: str = "stderr") -> int:
    """Run a hook body that returns ``(exit code, lines)`` and print the lines on ``stream``;
    errors go through :func:`review_gate.errors.handle` (one line, never a traceback)."""

    def run() -> int:
        code, lines = body()
        out = sys.stdout if stream == "stdout" else sys.stderr
        for line in lines:
            print(line, file=out)
        return code

    return handle(prog, run)
