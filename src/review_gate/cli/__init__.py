"""The ``gate`` command line: a click group whose subcommands load on first use.

Subcommands live in their own modules (``review_gate.cli.<name>``) and only parse
arguments, call one library function, and print what it returns. Every command
returns its exit code; :func:`main` runs the group through ``review_gate.errors.handle``,
which turns errors into one line on stderr and the exit codes of the contract.
"""

from __future__ import annotations

import difflib
import importlib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from review_gate import __version__
from review_gate.errors import EXIT_PASS, EXIT_USAGE, UsageError, handle


class LazyGroup(click.Group):
    """A group whose subcommands are ``"module:attribute"`` strings imported when used."""

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module_name, attr = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            if not isinstance(command, click.Command):  # pragma: no cover - wiring error
                raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
            return command
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    lazy={
        "validate": "review_gate.cli.validate:validate",
        "new": "review_gate.cli.validate:new",
        "schema": "review_gate.cli.validate:schema",
        "issue": "review_gate.cli.issue:issue",
        "check": "review_gate.cli.check:check",
        "hook": "review_gate.cli.hook:hook",
        "install": "review_gate.cli.install:install",
        "uninstall": "review_gate.cli.install:uninstall",
        "doctor": "review_gate.cli.doctor:doctor",
        "dispatch": "review_gate.cli.dispatch:dispatch",
        "completion": "review_gate.cli.completion:completion",
        "config": "review_gate.cli.config:config",
    },
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="review-gate")
def cli() -> None:
    """review-gate: make coding agents prove their work was reviewed.

    \b
    Exit codes: 0 pass/valid, 1 gate failed or artifact invalid,
    2 usage or configuration error, 3 tracker unreachable (fail closed),
    4 internal error (a bug: please report it).
    """


_F = TypeVar("_F", bound=Callable[..., Any])


def cwd_option(
    help: str = "The checkout (default: the current directory).", metavar: str | None = None
) -> Callable[[_F], _F]:
    """The ``-C/--cwd DIR`` option every command that works on a checkout takes."""
    return click.option(
        "-C",
        "--cwd",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=".",
        metavar=metavar,
        help=help,
    )


def format_option(help: str = "Output format.") -> Callable[[_F], _F]:
    """The ``--format text|json`` option of every reporting command (``fmt`` parameter)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=help,
    )


def issue_number(ctx: click.Context, param: click.Parameter, value: Any) -> int | None:
    """Click callback: an issue number written ``7`` or ``#7`` (as ``gate check --issue``)."""
    if value is None:
        return None
    text = str(value).strip().removeprefix("#")
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        raise click.BadParameter(
            f"{value!r} is not an issue number (a positive number: 7 or #7)", ctx, param
        )
    return int(text)


def _command_path(args: Sequence[str]) -> str:
    """``gate issue show`` from the leading command names of ``args``."""
    path: list[str] = ["gate"]
    command: click.Command = cli
    ctx = click.Context(cli, info_name="gate")
    for arg in args:
        if not isinstance(command, click.Group) or arg.startswith("-"):
            break
        found = command.get_command(ctx, arg)
        if found is None:
            break
        path.append(arg)
        command = found
    return " ".join(path)


def _usage_error(exc: click.UsageError, args: Sequence[str]) -> UsageError:
    """Click's usage error as ours: the message, and a hint naming the help to read."""
    message = exc.format_message().strip()
    ctx = exc.ctx
    # Some parser errors carry no context: work the command out from the arguments.
    path = ctx.command_path if ctx is not None else _command_path(args)
    unknown = re.fullmatch(r"No such command '(.+)'\.", message)
    if unknown and ctx is not None and isinstance(ctx.command, click.Group):
        names = ctx.command.list_commands(ctx)
        close = difflib.get_close_matches(unknown.group(1), names, n=1)
        if close:
            message += f" Did you mean {close[0]!r}?"
        return UsageError(message, hint=f"commands: {', '.join(names)} (see `{path} --help`)")
    return UsageError(message, hint=f"see `{path} --help`")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``gate`` with ``argv`` and return the exit code (never raises)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return handle("gate", lambda: _run(args))


def _run(args: list[str]) -> int:
    """Run the click group; click's own exceptions become ours (see ``errors.handle``)."""
    try:
        result = cli.main(args=args, prog_name="gate", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:  # click's name for Ctrl-C (or EOF) inside a command
        raise KeyboardInterrupt from None
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()  # a bare group (`gate`, `gate issue`): its help, on stderr
        return EXIT_USAGE
    except click.UsageError as exc:
        raise _usage_error(exc, args) from None
    except click.ClickException as exc:
        raise UsageError(exc.format_message()) from None
    return int(result or EXIT_PASS)
