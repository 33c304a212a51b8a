"""The one exception family of review-gate and its exit codes.

Exit codes are a contract (DESIGN.md, Surfaces): 0 pass/valid, 1 gate failed or
artifact invalid, 2 usage or configuration error, 3 tracker unreachable (fail
closed), 4 internal error (a bug in review-gate; never a pass).
"""

from __future__ import annotations

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERNAL = 4


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
