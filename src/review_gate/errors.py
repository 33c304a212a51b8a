"""The exceptions of review-gate, its exit codes, and the one handler every entry point uses.

Exit codes are a contract (docs/cli.md, Conventions): 0 pass/valid, 1 gate failed or
artifact invalid, 2 usage or configuration error, 3 tracker unreachable (fail
closed), 4 internal error (a bug in review-gate; never a pass), 130 interrupted.

Every console entry point (``gate``, ``review-gate-pre-push``, ``review-gate-commit-msg``,
``review-gate-validate``) runs its body through :func:`handle`, which turns whatever the
body raises into one line on stderr and one of these codes, never a traceback. The agent
hooks (``gate hook ...``) are the exception: a crash there must become a deny, which
:mod:`review_gate.hooks.agent` arranges itself.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # keeps `typing` out of the hook's import path
if TYPE_CHECKING:
    from collections.abc import Callable

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C


class GateError(Exception):
    """An error a user can act on: printed as one line (plus a hint), never a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(GateError):
    """Bad arguments or input files."""


class ConfigError(GateError):
    """Invalid configuration; the message names the file and the key."""


class NotAGitRepository(GateError):
    """The command needs a git checkout and none was found."""


class IssueNotFound(GateError):
    """The tracker has no such issue (or pull request)."""


class TrackerError(GateError):
    """The tracker answered, but refused or could not do what was asked."""


class TrackerUnavailable(GateError):
    """The tracker could not be reached (or kept rate-limiting) after retries: fail closed."""

    exit_code = EXIT_UNREACHABLE


class TrackerReadOnly(TrackerError):
    """The tracker can be read but not written (a read-only file system or directory)."""


class TrackerCorrupt(TrackerError):
    """The tracker's storage is damaged: nothing is read from it or written to it."""


class TrackerNewerSchema(TrackerError):
    """The tracker was written by a newer review-gate: reads go on, writes are refused."""


class TrackerDiskFull(TrackerUnavailable):
    """The disk holding the tracker is full: nothing was written (exit 3, like unreachable)."""


class TrackerDeadline(TrackerUnavailable):
    """The tracker did not answer within the gate's total deadline: fail closed (exit 3)."""


class CalledProcessError(GateError):
    """A subprocess failed; the message carries the command, its code and its output."""

    def __init__(self, cmd: tuple[str, ...], returncode: int, stdout: str, stderr: str) -> None:
        self.cmd = cmd
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        detail = (stderr or stdout).strip().splitlines()
        tail = f": {detail[-1]}" if detail else ""
        super().__init__(f"command {' '.join(cmd)!r} exited {returncode}{tail}")


class Refused(GateError):
    """The dispatcher will not do it (an issue is held, a worker runs, work would be lost)."""

    exit_code = EXIT_FAIL


class StartFailed(UsageError):
    """The dispatcher could not execute a worker's agent program (after the checks before
    claiming the issue)."""


class CodexAppServerUnavailable(Exception):
    """The Codex app-server cannot answer (no codex, no such method, no answer): the hook
    trust falls back to review-gate's own computation (install/codex_appserver.py)."""


class SchemaCheckUndecided(Exception):
    """The fast schema check cannot decide (artifacts/_schema_check.py): the caller asks
    jsonschema instead. Internal; it never reaches :func:`handle`."""


class JobCancelled(Exception):
    """The runner cancelled a worker job (SIGTERM/SIGINT): the job step reports and saves
    the work (dispatch/backends/actions_job.py). Internal; it never reaches :func:`handle`."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


def handle(prog: str, body: Callable[[], int]) -> int:
    """Run an entry point's ``body`` and return its exit code; never raises.

    - :class:`GateError`: ``PROG: error: MESSAGE`` (and ``PROG: hint: HINT``) on stderr,
      the error's ``exit_code``;
    - Ctrl-C: ``PROG: interrupted``, :data:`EXIT_INTERRUPTED`;
    - stdout closed by its reader (``gate ... | head``): :data:`EXIT_FAIL`, quietly (a
      result nobody could read is no pass);
    - anything else is a bug: ``PROG: internal error: Type: message (please report it)``,
      :data:`EXIT_INTERNAL` (the traceback only with ``REVIEW_GATE_DEBUG`` set).
    """
    try:
        return body()
    except GateError as exc:
        report(prog, exc)
        return exc.exit_code
    except SystemExit as exc:  # argparse's --help, or a body that calls sys.exit()
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or EXIT_PASS
        _say(f"{prog}: error: {exc.code}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say(f"{prog}: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_FAIL
    except Exception as exc:  # a bug must block, loudly, not pass
        if os.environ.get("REVIEW_GATE_DEBUG"):
            import traceback

            traceback.print_exc()
        _say(f"{prog}: internal error: {type(exc).__name__}: {exc} (please report it)")
        if not os.environ.get("REVIEW_GATE_DEBUG"):
            _say(f"{prog}: hint: set REVIEW_GATE_DEBUG=1 to see the traceback")
        return EXIT_INTERNAL


def report(prog: str, exc: GateError) -> None:
    """Print ``exc`` the way :func:`handle` does: an error line and an optional hint line."""
    _say(f"{prog}: error: {exc.message}")
    if exc.hint:
        _say(f"{prog}: hint: {exc.hint}")


def _say(line: str) -> None:
    import contextlib

    with contextlib.suppress(OSError, ValueError):  # stderr gone too: the exit code tells
        print(line, file=sys.stderr, flush=True)


def _drop_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush of the unwritten
    output does not fail again (the recipe of the Python docs, "Note on SIGPIPE")."""
    import contextlib

    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
