"""A total deadline around a tracker's calls: the longest a gate waits for its tracker.

A per-request timeout does not bound a call. A server that trickles its answer a byte
at a time never lets a read time out, retries add up, and a ``Retry-After`` may ask for
a minute. :class:`DeadlineTracker` runs every call of the tracker it wraps on one worker
thread (the local tracker's SQLite connection belongs to the thread that opened it) and
waits for it at most what is left of the budget. The budget is shared: the time spent
inside the calls adds up. Past it the call raises :class:`TrackerDeadline` (exit 3), so
the gate fails closed, and every later call raises it at once. The abandoned call goes
on in its daemon thread until its own timeouts end it or the process exits; gates only
read, so nothing is left half-done.

Gates open their tracker through :func:`review_gate.target.tracker.open_tracker` with
``read_only=True``, which wraps it in one of these with ``tracker_deadline`` seconds.
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from review_gate.errors import TrackerDeadline
from review_gate.records import Comment, Issue, PullRequest
from review_gate.trackers.base import Tracker

SETTING = "tracker_deadline"  # the configuration key that sets the budget
_WHAT = {
    "get_issue": "issue #{}",
    "issue_exists": "issue #{}",
    "list_comments": "the comments of issue #{}",
    "export_comments": "the comments of issue #{}",
    "get_pull": "pull request #{}",
    "post_comment": "a comment on issue #{}",
    "edit_comment": "comment {}",
    "permission": "the permission of {}",
}


class _Job:
    """One call handed to the worker thread, and its outcome."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # handed to the waiting caller, who raises it
            self.error = exc
        finally:
            self.done.set()


class _Worker:
    """One daemon thread running jobs in order; it ends after :meth:`stop` (or with the
    process), and a job submitted later starts it again. It holds no reference to the
    :class:`DeadlineTracker`, so a tracker no longer used is collected, and its
    finalizer stops the thread."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._name = name
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: _Job) -> _Job:
        with self._lock:
            self._jobs.put(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
        return job

    def stop(self, last: Callable[[], Any] | None) -> None:
        """Run ``last`` (closing the tracker on its own thread), then end the thread."""
        if self._thread is None:
            return
        if last is not None:
            self._jobs.put(_Job(last, (), {}))
        self._jobs.put(None)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is not None:
                job.run()
                continue
            with self._lock:  # stopped: end, unless a job came in after the stop
                if self._jobs.empty():
                    self._thread = None
                    return


class DeadlineTracker:
    """``inner`` with every call bounded by one shared budget of ``seconds``."""

    def __init__(self, inner: Tracker, seconds: float) -> None:
        self._inner = inner
        self.name = inner.name
        self.seconds = seconds
        self._spent = 0.0
        self._stuck = False  # a call outlived the budget: the worker is still busy with it
        self._worker = _Worker(f"{inner.name}-tracker")
        close = getattr(inner, "close", None)
        self._finalizer = weakref.finalize(
            self, self._worker.stop, close if callable(close) else None
        )

    @property
    def inner(self) -> Tracker:
        """The tracker this one bounds."""
        return self._inner

    def __getattr__(self, attr: str) -> Any:
        # Anything else the wrapped tracker offers (``repo``, ``path``, ``ping``): values as
        # they are, methods under the same deadline.
        value = getattr(self._inner, attr)
        if not callable(value):
            return value

        def bounded(*args: Any, **kwargs: Any) -> Any:
            return self._call(attr, value, args, kwargs)

        return bounded

    # -- the Tracker protocol ---------------------------------------------------------------

    def get_issue(self, number: int) -> Issue:
        result: Issue = self._call("get_issue", self._inner.get_issue, (number,))
        return result

    def issue_exists(self, number: int) -> bool | None:
        result: bool | None = self._call("issue_exists", self._inner.issue_exists, (number,))
        return result

    def list_issues(self, *, labels: Sequence[str] = (), state: str = "open") -> list[Issue]:
        kwargs = {"labels": labels, "state": state}
        result: list[Issue] = self._call("list_issues", self._inner.list_issues, (), kwargs)
        return result

    def list_comments(self, number: int) -> list[Comment]:
        result: list[Comment] = self._call("list_comments", self._inner.list_comments, (number,))
        return result

    def post_comment(self, number: int, body: str) -> Comment:
        result: Comment = self._call("post_comment", self._inner.post_comment, (number, body))
        return result

    def edit_comment(self, comment_id: int, body: str) -> Comment:
        result: Comment = self._call("edit_comment", self._inner.edit_comment, (comment_id, body))
        return result

    def get_pull(self, number: int) -> PullRequest:
        result: PullRequest = self._call("get_pull", self._inner.get_pull, (number,))
        return result

    def permission(self, login: str) -> str | None:
        result: str | None = self._call("permission", self._inner.permission, (login,))
        return result

    def close(self) -> None:
        """Close the wrapped tracker on its worker thread (after a call still running
        there, without waiting for it) and end the thread."""
        self._finalizer()

    # -- the worker -------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        left = self.seconds - self._spent
        if self._stuck or left <= 0:
            raise self._late(method, args)
        started = time.monotonic()
        job = self._worker.submit(_Job(fn, args, kwargs or {}))
        finished = job.done.wait(left)
        self._spent += time.monotonic() - started
        if not finished:
            self._stuck = True
            raise self._late(method, args)
        if job.error is not None:
            raise job.error
        return job.value

    def _late(self, method: str, args: tuple[Any, ...]) -> TrackerDeadline:
        pattern = _WHAT.get(method)
        what = pattern.format(args[0]) if pattern and args else method.replace("_", " ")
        return TrackerDeadline(
            f"the {self.name} tracker did not answer within the gate's deadline of "
            f"{self.seconds:g}s ({SETTING}), reading {what}; the gate stays closed",
            hint="find out why the tracker is slow or stalled and run again (a server that "
            "sends its answer a byte at a time never times out a single request), or raise "
            f"{SETTING} in the base branch's .review-gate.toml",
        )
