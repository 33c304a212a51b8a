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
    from review_gate.shell.records import Analysis


def analyse(command: str) -> Analysis:
    """``shell.analyse(command)``, run in a forked child where the platform can fork."""
    from review_gate.shell import records

    if not hasattr(os, "fork") or len(sys._current_frames()) > 1:
        # A process with other threads (a test runner, a server calling the hook in-process)
        # is not forked: the child could wait forever on a lock one of them held at the
        # fork. The installed hook has one thread.
        from review_gate.shell import analyse as in_process

        return in_process(command)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            os.close(read_end)
            from review_gate.shell import analyse as in_process

            result = in_process(command)
            payload = marshal.dumps(tuple(tuple(tuple(r) for r in f) for f in result))
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
        return records.Analysis(undecidable=(f"the shell analysis crashed ({why})",))
    prs, tampering, undecidable, paths = marshal.loads(payload)
    return records.Analysis(
        tuple(records.PrCreation(*p) for p in prs),
        tuple(records.Tampering(*t) for t in tampering),
        tuple("".join(u) for u in undecidable),
        tuple(records.PathUse(*p) for p in paths),
    )
