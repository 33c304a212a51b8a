"""The ``--max-*`` budget options of ``gate dispatch spawn`` (docs/dispatch.md, "Budgets").

Each overrides one key of ``[dispatch.budget]`` for the worker being started; the
command passes what was given to ``SpawnRequest.budget`` (:mod:`review_gate.dispatch.budget`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def budget_options(func: F) -> F:
    """Add ``--max-turns``, ``--max-minutes``, ``--max-tokens``, ``--max-cost-usd`` and
    ``--budget-soft`` to a command."""
    options = [
        click.option(
            "--max-turns",
            type=click.IntRange(min=1),
            metavar="N",
            help="Turn budget: tool calls (and the agent stream's turns) before the worker "
            "must hand over (default: [dispatch.budget] turns, 100).",
        ),
        click.option(
            "--max-minutes",
            type=click.FloatRange(min=0, min_open=True),
            metavar="M",
            help="Wall-clock budget in minutes (default: [dispatch.budget] minutes, none).",
        ),
        click.option(
            "--max-tokens",
            type=click.IntRange(min=1),
            metavar="N",
            help="Token budget, where the agent's JSON stream reports tokens (default: "
            "[dispatch.budget] tokens, none).",
        ),
        click.option(
            "--max-cost-usd",
            type=click.FloatRange(min=0, min_open=True),
            metavar="USD",
            help="Cost budget in US dollars, where the agent's stream reports cost (Claude "
            "Code, at its end) (default: [dispatch.budget] cost_usd, none).",
        ),
        click.option(
            "--budget-soft",
            type=click.FloatRange(min=0, max=1, min_open=True),
            metavar="FRACTION",
            help="Share of any budget at which the worker is told to write a HANDOVER "
            "(default: [dispatch.budget] soft, 0.85).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def budget_flags(values: dict[str, Any]) -> dict[str, Any]:
    """The budget options that were given, for ``SpawnRequest.budget``."""
    from review_gate.dispatch.budget import FLAGS

    return {k: values[k] for k in FLAGS if values.get(k) is not None}
