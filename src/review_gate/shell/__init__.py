"""Understand a Bash command line: does it create a pull request or switch the gate off?

``might_matter`` is the hook's fast path: pure string tests, no imports. Only when it says
True does ``analyse`` load tree-sitter-bash and look at every simple command that would
run (pipelines, lists, subshells, substitutions, ``bash -c``, ``eval``, wrappers...).

The analysis knows no checkout: the files a command changes that may be the gate's own are
reported as ``PathUse`` records, and the hook decides about them with the checkout in hand
(:mod:`.judge`, :func:`review_gate.protected.protected_reason`).

The records (``PrCreation``, ``Tampering``, ``PathUse``, ``Analysis``) load on first use, so
``from review_gate.shell import might_matter`` costs well under a millisecond.
"""

# No `from __future__ import annotations`: the hook's fast path loads this package, and the
# statement imports `__future__` at run time (hooks/fast_path.py). Hence the quoted names.
from review_gate.shell.prefilter import might_matter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from review_gate.shell.records import Analysis, PathUse, PrCreation, Tampering

__all__ = ["Analysis", "PathUse", "PrCreation", "Tampering", "analyse", "might_matter"]


def analyse(command: str, *, max_depth: int = 8) -> "Analysis":
    """Every PR creation, tamper route, file change that may touch the gate's own files, and
    undecidable construct in ``command``; never raises."""
    from review_gate.shell.records import Analysis

    if not isinstance(command, str):
        return Analysis(undecidable=("the command is not a string",))
    if not might_matter(command):
        return Analysis()
    return _analyse(command, max_depth=max_depth)


def _analyse(command: str, *, max_depth: int = 8) -> "Analysis":
    """``analyse`` without the pre-filter (the property tests compare the two)."""
    from review_gate.shell.records import Analysis
    from review_gate.shell.walker import Analyser, TooComplex

    try:
        analyser = Analyser(command, max_depth)
        if "\0" in command:
            # A NUL ends the string where the client passes it as a C string, and is
            # dropped where bash reads it as input: both readings are analysed.
            analyser.code(command.split("\0", 1)[0], 0)
            command = command.replace("\0", "")
        analyser.code(command, 0)
        return analyser.result()
    except TooComplex:
        return Analysis(undecidable=("the command is too complex to analyse in time",))
    except Exception as exc:  # fail closed: an analysis that crashed decided nothing
        return Analysis(
            undecidable=(f"internal error analysing the command ({type(exc).__name__})",)
        )


def __getattr__(name: str) -> object:
    if name in ("Analysis", "PathUse", "PrCreation", "Tampering"):
        from review_gate.shell import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
