"""``gate config show``: the effective configuration, and where each value came from.

Three views, and the output names which one it is:

- the working tree (default): ``.review-gate.toml`` / ``[tool.review-gate]`` of the
  checkout, then ``REVIEW_GATE_*`` — what ``gate`` commands run by hand read
  (``gate check --config-ref WORKTREE``, ``gate issue``, ``gate dispatch``);
- ``--hooks``: the policy the git and agent hooks use in this checkout — the base branch's
  committed configuration, the environment only tightening it, and where reviews are read
  from pinned (:func:`review_gate.target.checkout_policy`);
- ``--ref REF``: the configuration committed at REF (``gate check --config-ref REF``).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import click

from review_gate.cli import cwd_option, format_option
from review_gate.errors import EXIT_PASS, UsageError

# The ``view`` values of the JSON output (a contract: docs/cli.md).
VIEWS = ("worktree", "hooks", "ref")


class ShownConfig(NamedTuple):
    """One view of the configuration: which, why, and every key with its source."""

    view: str  # one of VIEWS
    description: str  # one sentence: which configuration this is
    config_file: str | None  # the file the file layer came from, None: none
    config_ref: str | None  # the git ref it was read at, None: the working tree
    keys: tuple[tuple[str, Any, str], ...]  # (key as a file spells it, value, source)
    notes: tuple[str, ...] = ()  # e.g. the working tree's file would loosen the hooks' policy

    def to_json(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "description": self.description,
            "config_file": self.config_file,
            "config_ref": self.config_ref,
            "keys": {key: {"value": value, "source": src} for key, value, src in self.keys},
            "notes": list(self.notes),
        }


# What a key left unset (None) means, for the text output.
_UNSET = {
    "issue": "(not set)",
    "worker_id": "(not set)",
    "trust.review": "(not set: trusted_associations + trusted_logins)",
    "trust.worker": "(not set: trusted_associations + trusted_logins)",
    "trust.handover": "(not set: trusted_associations + trusted_logins)",
}


def effective(
    cwd: Path, *, hooks: bool, ref: str | None, environ: Mapping[str, str]
) -> ShownConfig:
    """The configuration at ``cwd`` as the chosen surface resolves it (ConfigError when
    that surface would refuse it, e.g. a variable loosening a gated checkout's policy)."""
    from review_gate import config as config_mod

    if hooks:
        from review_gate.target import Repository, checkout_policy
        from review_gate.target.trusted import worktree_notes

        config, why, _ = checkout_policy(Repository(cwd), environ)
        # Compare files with files: the keys the hooks pinned automatically (tracker,
        # api_url, repo) are unset in the committed file, as in the working tree's.
        pinned: dict[str, Any] = {
            k: None for k, src in config.sources.items() if src.startswith("automatic")
        }
        notes = worktree_notes(cwd, dataclasses.replace(config, **pinned), None, environ)
        if config.config_ref is not None:
            description = (
                f"the policy the git and agent hooks use here: {why}'s committed "
                "configuration (the working tree's is not read; the environment may only "
                "tighten it)"
            )
        else:
            description = f"the policy the git and agent hooks use here: {why}"
        view = "hooks"
    elif ref is not None and ref != config_mod.WORKTREE:
        config = config_mod.load(cwd, environ=environ, ref=ref)
        description = (
            f"the configuration committed at {ref} (as `gate check --config-ref {ref}` reads "
            "it), with the environment applied"
        )
        view, notes = "ref", ()
    else:
        config = config_mod.load(cwd, environ=environ)
        description = (
            "the working tree's configuration (what `gate` commands run by hand read); "
            "the hooks use the base branch's: `gate config show --hooks`"
        )
        view, notes = "worktree", ()
    return ShownConfig(
        view, description, config.config_file, config.config_ref, _keys(config), tuple(notes)
    )


def _keys(config: Any) -> tuple[tuple[str, Any, str], ...]:
    from review_gate.config_values import FIELDS, display_name

    out = []
    for name in FIELDS:
        value = getattr(config, name)
        if isinstance(value, tuple):
            value = list(value)
        out.append((display_name(name), value, config.sources.get(name, "default")))
    return tuple(out)


def _text(shown: ShownConfig) -> list[str]:
    lines = [f"# {shown.description}"]
    at = f" at {shown.config_ref}" if shown.config_ref else ""
    lines.append(f"# file: {shown.config_file or f'none{at} (defaults)'}")
    width = max(len(key) for key, _, _ in shown.keys)
    for key, value, source in shown.keys:
        if value is None:
            shown_value = _UNSET.get(key, "(automatic)")
        else:
            shown_value = json.dumps(value, ensure_ascii=False)
        lines.append(f"{key:<{width}} = {shown_value}  # {source}")
    lines += [f"# note: {note}" for note in shown.notes]
    return lines


@click.group(short_help="Show the effective configuration.")
def config() -> None:
    """The configuration review-gate uses here (see docs/cli.md)."""


@config.command("show", short_help="Every key, its value and where it came from.")
@cwd_option()
@click.option(
    "--hooks",
    is_flag=True,
    help="Show the policy the git and agent hooks use in this checkout: the base branch's "
    "committed configuration (the environment may only tighten it).",
)
@click.option(
    "--ref",
    metavar="REF",
    help="Show the configuration committed at this git ref (as `gate check --config-ref`).",
)
@format_option("Output format (json is stable: docs/cli.md).")
def show(cwd: Path, hooks: bool, ref: str | None, fmt: str) -> int:
    """Show every configuration key, its value and where it came from.

    \b
    Sources: default, a file (/repo/.review-gate.toml, origin/main:.review-gate.toml,
    pyproject.toml [tool.review-gate]), env REVIEW_GATE_<KEY>, automatic.
    Default: the working tree's configuration (what `gate` commands run by hand read).
    """
    if hooks and ref is not None:
        raise UsageError(
            "--hooks and --ref are two different views: give one",
            hint="see `gate config show --help`",
        )
    shown = effective(cwd, hooks=hooks, ref=ref, environ=os.environ)
    if fmt == "json":
        click.echo(json.dumps(shown.to_json(), indent=2, ensure_ascii=False))
    else:
        for line in _text(shown):
            click.echo(line)
    return EXIT_PASS
