"""``gate completion bash|zsh|fish``: the shell script that completes ``gate`` commands."""

from __future__ import annotations

import click

#: The variable the completion script sets when it asks ``gate`` for completions.
COMPLETE_VAR = "_GATE_COMPLETE"


@click.command(short_help="Print the shell completion script for bash, zsh or fish.")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> int:
    """Print the completion script for SHELL; load it from your shell's startup file.

    \b
    bash: eval "$(gate completion bash)"             in ~/.bashrc
    zsh:  eval "$(gate completion zsh)"              in ~/.zshrc
    fish: gate completion fish > ~/.config/fish/completions/gate.fish
    """
    from click.shell_completion import get_completion_class

    from review_gate.cli import cli

    cls = get_completion_class(shell)
    assert cls is not None  # click ships all three
    click.echo(cls(cli, {}, "gate", COMPLETE_VAR).source())
    return 0
