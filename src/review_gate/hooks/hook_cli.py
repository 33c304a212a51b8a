"""What the git-hook console scripts share: a one-line-error argument parser and a guard
that turns every error into one line and an exit code, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from review_gate.errors import EXIT_INTERNAL, EXIT_USAGE, GateError


class HookParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (not argparse's usage dump)
        raise GateError(f"{message} (see {self.prog} --help)")

    def parse(self, argv: Sequence[str]) -> argparse.Namespace:
        """``parse_args``, but an unknown option is reported before a missing argument."""
        for arg in argv:
            if arg == "--":
                break
            if (
                len(arg) > 1
                and arg.startswith("-")
                and arg.split("=", 1)[0] not in (self._option_string_actions)
            ):
                self.error(f"unrecognized option: {arg}")
        return self.parse_args(argv)


_EXITS = "Exit codes: 0 pass, 1 refused/invalid, 2 usage or configuration error, "


def hook_parser(prog: str, description: str, *, epilog: str = "") -> HookParser:
    exits = _EXITS + (
        "3 tracker unreachable, 4 internal error."
        if prog == "review-gate-pre-push"
        else "4 internal error."
    )
    return HookParser(
        prog=prog,
        description=description,
        epilog=f"{epilog}\n\n{exits}" if epilog else exits,
        formatter_class=_Formatter,
        allow_abbrev=False,
    )


class _Formatter(argparse.HelpFormatter):
    """Fills each paragraph on its own and never breaks a word at a hyphen
    (``review-gate.toml``, ``gate install``)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        return "\n\n".join(
            textwrap.fill(
                " ".join(part.split()),
                width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
                break_long_words=False,
            )
            for part in text.split("\n\n")
        )


def guard(prog: str, body: Callable[[], tuple[int, list[str]]], stream: str = "stderr") -> int:
    """Run a hook body; errors become one line and an exit code, never a traceback."""
    out = sys.stdout if stream == "stdout" else sys.stderr
    try:
        code, lines = body()
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except GateError as exc:
        print(f"{prog}: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"{prog}: hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug must block, loudly, not pass
        print(
            f"{prog}: internal error: {type(exc).__name__}: {exc} (please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    for line in lines:
        print(line, file=out)
    return code
