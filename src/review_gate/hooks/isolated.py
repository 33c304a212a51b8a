"""The shell analysis in a child process, so that a crash in native code is a deny.

tree-sitter is C: a crash there kills the process with a signal, and both agent clients
read a hook that dies that way as no objection. The installed hook (:func:`.agent.main`)
therefore forks before it loads the parser; the child analyses the command and sends
the result back through a pipe (``marshal``: no ``pickle``, whose import would cost the
parent ``re``). A child that dies or sends nothing makes the command undecidable, which
is a deny. In-process callers (the tests, ``gate check``) use ``shell.analyse`` directly.
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from review_gate.shell.records import Analysis


def in_child(work: Callable[[], object]) -> tuple[bool, object]:
    """``(True, work())``, computed in a forked child and sent back with ``marshal`` (so
    the result is made of str, int, bool, None, tuples, lists and dicts); ``(False, why)``
    when the child died (a crash in native code) or sent nothing. Where the platform
    cannot fork, or this process has other threads (a test runner, a server calling the
    hook in-process: the child could wait forever on a lock one of them held at the fork;
    the installed hook has one thread), ``work`` runs in this process."""
    if not hasattr(os, "fork") or len(sys._current_frames()) > 1:
        return True, work()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            os.close(read_end)
            payload = marshal.dumps((work(),))  # type: ignore[arg-type]  # see the docstring
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        payload = answer.read()
    _, status = os.waitpid(pid, 0)
    if not payload or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        why = (
            f"signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit status {os.waitstatus_to_exitcode(status)}"
        )
        return False, why
    (value,) = marshal.loads(payload)
    return True, value


def analyse(command: str) -> Analysis:
    """``shell.analyse(command)``, run in a forked child (see :func:`in_child`)."""
    from review_gate.shell import records

    def work() -> object:
        from review_gate.shell import analyse as in_process

        result = in_process(command)
        return tuple(tuple(tuple(r) for r in f) for f in result)

    done, value = in_child(work)
    if not done:
        return records.Analysis(undecidable=(f"the shell analysis crashed ({value})",))
    fields: tuple[tuple[tuple[Any, ...], ...], ...] = value  # type: ignore[assignment]
    prs, tampering, undecidable, paths = fields
    return records.Analysis(
        tuple(records.PrCreation(*p) for p in prs),
        tuple(records.Tampering(*t) for t in tampering),
        tuple("".join(u) for u in undecidable),
        tuple(records.PathUse(*p) for p in paths),
    )
