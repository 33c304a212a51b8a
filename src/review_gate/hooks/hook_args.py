"""The git-hook console scripts' argument parser: one-line errors, ``--help`` paragraphs
kept whole. Imported only when a hook has arguments to parse (argparse and what it pulls
in are a few milliseconds of the pre-push hook's start-up)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

from review_gate.errors import UsageError


class HookParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (not argparse's usage dump)
        raise UsageError(f"{message} (see {self.prog} --help)")

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
