"""Who holds an issue: WORKER records in the tracker, and the local pid records.

The tracker is the source of truth (docs/dispatch.md: state lives in the tracker, not in workers).
An issue's WORKER records are read in gate order (created_at, then id):

- an *assignment* ``{"assigned": true, "worker_id": ...}`` is a claim;
- a *release* ``{"assigned": false, ...}`` ends the claim of its ``worker_id``, or of
  every earlier claim when it names none (the seeds' release carries no id);
- a claim not yet released is *active*; among active claims the earliest wins.

On disk there are only pid records and logs, under ``<git-common-dir>/review-gate/
workers/``: ``<worker_id>.json`` (pid, process start time, argv, ...), ``.log``,
``.prompt.md``, ``.exit`` (when the agent ended, written by its supervisor). They serve
process management on this host and nothing else.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from review_gate.gates.common import TrustPolicy, comment_order, find_artifacts
from review_gate.records import Comment
from review_gate.trackers.base import Tracker


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def rfc3339(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object) -> datetime.datetime | None:
    """An RFC 3339 string as an aware datetime, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


@dataclasses.dataclass(frozen=True)
class Claim:
    """One assignment record and the comment holding it."""

    comment: Comment
    data: dict[str, Any]

    @property
    def worker_id(self) -> str:
        return str(self.data.get("worker_id", ""))

    @property
    def attempt(self) -> int:
        value = self.data.get("attempt", 1)
        return value if isinstance(value, int) and value >= 1 else 1

    @property
    def host(self) -> str | None:
        value = self.data.get("host")
        return value if isinstance(value, str) else None

    @property
    def pid(self) -> int | None:
        value = self.data.get("pid")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def worktree(self) -> str:
        return str(self.data.get("worktree", ""))

    @property
    def branch(self) -> str | None:
        value = self.data.get("branch")
        return value if isinstance(value, str) else None

    @property
    def agent(self) -> str | None:
        value = self.data.get("agent")
        return value if isinstance(value, str) else None

    @property
    def orchestration(self) -> str | None:
        """The ``gate dispatch run`` loop that posted (or adopted) the claim."""
        value = self.data.get("orchestration")
        return value if isinstance(value, str) and value else None

    @property
    def role(self) -> str:
        """implement | review | research; a claim naming none (or another) implements."""
        value = self.data.get("role")
        return value if value in ("implement", "review", "research") else "implement"

    @property
    def assigned_at(self) -> datetime.datetime | None:
        return parse_time(self.data.get("assigned_at"))

    @property
    def heartbeat_at(self) -> datetime.datetime | None:
        """The last sign of life: the heartbeat, else the assignment time."""
        return parse_time(self.data.get("heartbeat_at")) or self.assigned_at


@dataclasses.dataclass(frozen=True)
class Release:
    comment: Comment
    data: dict[str, Any]

    @property
    def worker_id(self) -> str | None:
        value = self.data.get("worker_id")
        return value if isinstance(value, str) else None

    @property
    def reason(self) -> str | None:
        value = self.data.get("reason")
        return value if isinstance(value, str) else None


@dataclasses.dataclass(frozen=True)
class IssueClaims:
    """Every WORKER record of one issue, interpreted."""

    claims: tuple[Claim, ...]  # every assignment, oldest first
    releases: tuple[Release, ...]
    active: tuple[Claim, ...]  # assignments not released, oldest first
    released: dict[str, Release]  # worker_id -> the release that ended its claim

    @property
    def latest(self) -> Claim | None:
        return self.claims[-1] if self.claims else None

    @property
    def holder(self) -> Claim | None:
        """The winning claim: the earliest active one."""
        return self.active[0] if self.active else None

    @property
    def attempts(self) -> int:
        return max((c.attempt for c in self.claims), default=0)

    def _ended(self, reason: str) -> int:
        # Releases that ended a claim, each counted once: a second release of a worker
        # already released (two loops, one stale read) is no second failure.
        return len({r.comment.id for r in self.released.values() if r.reason == reason})

    def failures(self) -> int:
        """Attempts that ended in failure (releases with reason ``failed``)."""
        return self._ended("failed")

    def handovers(self) -> int:
        return self._ended("handover")

    def claim_of(self, worker_id: str) -> Claim | None:
        for claim in self.claims:
            if claim.worker_id == worker_id:
                return claim
        return None


def read_claims(comments: Sequence[Comment], trusted: TrustPolicy | None) -> IssueClaims:
    """Interpret the WORKER records of an issue's comments (only trusted authors count:
    anyone may comment, and a forged claim or release must neither block nor free an
    issue)."""
    claims: list[Claim] = []
    releases: list[Release] = []
    # Keyed by comment id, not worker id: ids of older versions (``worker-<epoch>-<N>``)
    # could repeat when two dispatchers raced in the same second, and each claim must
    # stay distinct.
    active: dict[int, Claim] = {}
    released: dict[str, Release] = {}
    for found in find_artifacts(comments, "worker"):
        if trusted is not None and not trusted(found.comment):
            continue
        data = found.artifact.data
        if not isinstance(data, dict):
            continue
        assigned = data.get("assigned")
        # A trusted claim that fails the schema still counts as a claim: ignoring it
        # could start a second worker on the issue ("never on missing data alone").
        if assigned is True and isinstance(data.get("worker_id"), str) and data["worker_id"]:
            claim = Claim(found.comment, dict(data))
            claims.append(claim)
            active[found.comment.id] = claim
        elif assigned is False and found.artifact.valid:
            release = Release(found.comment, dict(data))
            releases.append(release)
            for key, claim in list(active.items()):
                if release.worker_id in (None, claim.worker_id):
                    del active[key]
                    released[claim.worker_id] = release
    ordered = sorted(active.values(), key=lambda c: comment_order(c.comment))
    return IssueClaims(tuple(claims), tuple(releases), tuple(ordered), released)


def _block(data: dict[str, Any]) -> str:
    return "<!-- WORKER:ASSIGNED -->\n```json\n" + json.dumps(data, indent=2) + "\n```\n"


def assignment_body(data: dict[str, Any]) -> str:
    """The comment body of an assignment (the seed's format, plus our optional fields)."""
    lines = [
        _block(data) + "<!-- /WORKER:ASSIGNED -->",
        "",
        "**Worker Assigned**",
        f"- **Worker ID:** `{data['worker_id']}`",
        f"- **Attempt:** {data.get('attempt', 1)}",
        f"- **Started:** {data['assigned_at']}",
        f"- **Worktree:** `{data['worktree']}`",
    ]
    if data.get("branch"):
        lines.append(f"- **Branch:** `{data['branch']}`")
    if data.get("agent"):
        lines.append(f"- **Agent:** {data['agent']} on {data.get('host', '?')}")
    lines += ["", "---", "*Dispatcher: `gate dispatch`*", ""]
    return "\n".join(lines)


def release_body(worker_id: str, reason: str, cleared_at: str, note: str = "") -> str:
    data = {"assigned": False, "cleared_at": cleared_at, "worker_id": worker_id, "reason": reason}
    lines = [
        _block(data) + "<!-- /WORKER:ASSIGNED -->",
        "",
        "**Worker Released**",
        f"- **Worker ID:** `{worker_id}`",
        f"- **Reason:** {reason}",
        f"- **Cleared:** {cleared_at}",
    ]
    if note:
        lines.append(f"- **Note:** {note}")
    lines += ["", "---", "*Dispatcher: `gate dispatch`*", ""]
    return "\n".join(lines)


def post_release(
    tracker: Tracker, issue: int, worker_id: str, reason: str, note: str = ""
) -> Comment:
    """Post the release record that ends ``worker_id``'s claim on ``issue``."""
    return tracker.post_comment(issue, release_body(worker_id, reason, rfc3339(now()), note))


def withdraw_body(worker_id: str, winner: str | None, why: str = "") -> str:
    """A claim rewritten as plain text: it lost the race to ``winner``, or (no winner) its
    agent never started because of ``why``.

    Withdrawn, not released: consumers that read "the latest WORKER record" (the worker
    gate) then still see the winner's assignment, and a start that never happened is
    neither an attempt nor a failure.
    """
    if winner is not None:
        return (
            f"**Worker claim withdrawn**\n- `{worker_id}` lost the race for this issue "
            f"to `{winner}` (the earliest active claim wins); it never started.\n"
        )
    reason = " ".join(why.split()) or "the start was interrupted"
    return (
        f"**Worker claim withdrawn**\n- `{worker_id}` never started: {reason}\n"
        "- The issue is free again; this was not an attempt.\n"
    )


def heartbeat(tracker: Tracker, claim: Claim, **updates: Any) -> Comment:
    """Refresh a lease: edit the assignment comment with a new ``heartbeat_at``."""
    data = {**claim.data, **updates, "heartbeat_at": rfc3339(now())}
    return tracker.edit_comment(claim.comment.id, assignment_body(data))


# Local pid records ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class WorkerRecord:
    """The pid record of a worker started on this host."""

    worker_id: str
    issue: int
    pid: int
    start_time: int | None
    boot_id: str
    host: str
    argv: tuple[str, ...]
    started_at: str
    worktree: str
    branch: str
    attempt: int
    agent: str
    log: str
    prompt_file: str
    stopped_at: str | None = None
    supervisor_pid: int | None = None  # its supervisor (the root of its process tree)
    supervisor_start: int | None = None
    orchestration: str | None = None  # the `run` loop that started it
    role: str = "implement"  # implement | review | research: what the hooks allow it
    # a review worker's test and lint commands (hooks/read_only_shell.py allows them)
    review_commands: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["argv"] = list(self.argv)
        data["review_commands"] = list(self.review_commands)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkerRecord:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["argv"] = tuple(values.get("argv", ()))
        values["review_commands"] = tuple(values.get("review_commands") or ())
        return cls(**values)


def workers_dir(state: Path) -> Path:
    path = state / "workers"
    if not path.is_dir():  # one stat; `status` asks once per worker
        path.mkdir(parents=True, exist_ok=True)
    return path


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` so that a reader sees the old file or the new one, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_record(state: Path, record: WorkerRecord) -> Path:
    path = workers_dir(state) / f"{record.worker_id}.json"
    write_json_atomic(path, record.to_json())
    return path


def load_record(state: Path, worker_id: str) -> WorkerRecord | None:
    path = workers_dir(state) / f"{worker_id}.json"
    try:
        return WorkerRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def list_records(state: Path) -> list[WorkerRecord]:
    """Every readable pid record, oldest start first (unreadable files are skipped)."""
    records: list[WorkerRecord] = []
    for path in workers_dir(state).glob("worker-*.json"):
        try:
            records.append(WorkerRecord.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            continue
    return sorted(records, key=lambda r: (r.started_at, r.worker_id))


def exit_path(state: Path, worker_id: str) -> Path:
    """Where the worker's supervisor records the agent's exit (kept like the log)."""
    return workers_dir(state) / f"{worker_id}.exit"


def read_exit(state: Path, worker_id: str) -> dict[str, Any] | None:
    """The exit record (``started_at``, ``exited_at``, ``runtime``, ``returncode``)."""
    try:
        data = json.loads((state / "workers" / f"{worker_id}.exit").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def drop_record(state: Path, worker_id: str) -> None:
    """Forget a worker's pid record (its log stays, for the audit trail)."""
    (workers_dir(state) / f"{worker_id}.json").unlink(missing_ok=True)
    drop_claimer(state, worker_id)


@dataclasses.dataclass(frozen=True)
class Claimer:
    """Who posted a claim on this host, written *before* the claim is posted and
    dropped once the pid record exists: with it a claim whose dispatcher died before
    the agent started is known for what it is (never started: no attempt, no lease to
    wait out) instead of looking like a worker that ran and vanished."""

    worker_id: str
    pid: int
    start_time: int | None
    boot_id: str
    orchestration: str | None = None
    supervisor_pid: int | None = None
    supervisor_start: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Claimer:
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in fields})


def claimer_path(state: Path, worker_id: str) -> Path:
    return workers_dir(state) / f"{worker_id}.claimer"


def save_claimer(state: Path, claimer: Claimer) -> None:
    write_json_atomic(claimer_path(state, claimer.worker_id), dataclasses.asdict(claimer))


def load_claimer(state: Path, worker_id: str) -> Claimer | None:
    try:
        data = json.loads(claimer_path(state, worker_id).read_text(encoding="utf-8"))
        return Claimer.from_json(data)
    except (OSError, ValueError, TypeError):
        return None


def drop_claimer(state: Path, worker_id: str) -> None:
    claimer_path(state, worker_id).unlink(missing_ok=True)
