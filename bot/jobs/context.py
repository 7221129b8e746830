"""The job an update is being handled for, visible to everything that runs on its behalf.

A contextvar, because the code that needs it is far from the worker: the send ledger sits
in the Bot API request path (`bot.jobs.ledger`), the quota charge in storage, the failure
decision in PTB's error handler. asyncio copies context into tasks, so the "typing…" task
of a check sees its job too.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field

from telegram.error import BadRequest, Forbidden, InvalidToken

# Failure notices take their own place in the ledger, so a job tells its user at most once
# that it failed, whichever attempt (or the worker that gave up on it) says so.
NOTICE_SEQ = 1_000_000

# Telegram's answers to the request itself: sent again, the same request gets the same answer
# ("chat not found", "bot was blocked by the user"), so the job ends at once.
PERMANENT = (BadRequest, Forbidden, InvalidToken)


@dataclass
class JobContext:
    """One attempt at one job."""

    key: str
    attempt: int  # 1 for the first; counted when the attempt starts
    max_attempts: int
    failure: BaseException | None = None
    retry: bool = False  # the failure is worth another attempt (decided in `failed`)
    told: bool = False  # the user has been told this job failed (or cannot be told)
    sends: int = 0
    _notice: bool = field(default=False, repr=False)

    @property
    def last(self) -> bool:
        return self.attempt >= self.max_attempts

    def next_seq(self) -> int:
        """The ledger position of the next message this attempt sends (the same message gets
        the same position on every attempt, as handlers send in a fixed order)."""
        if self._notice:
            return NOTICE_SEQ
        self.sends += 1
        return self.sends

    def failed(self, error: BaseException) -> bool:
        """Record a handler's failure; True if the job will be tried again (then the user is
        not told yet), False if this was the last word (then the caller tells the user)."""
        self.failure = error
        self.retry = not self.last and not isinstance(error, PERMANENT)
        return self.retry

    @contextlib.contextmanager
    def notice(self) -> Iterator[None]:
        """Messages sent inside are the job's failure notice (one per job, ever)."""
        self._notice = True
        try:
            yield
        finally:
            self._notice = False


_current: contextvars.ContextVar[JobContext | None] = contextvars.ContextVar(
    "credbot_job", default=None)


def current() -> JobContext | None:
    """The job being worked in this task, or None (outside a worker: CLI, tests of parts)."""
    return _current.get()


def current_key() -> str | None:
    job = _current.get()
    return job.key if job is not None else None


@contextlib.contextmanager
def working_on(job: JobContext) -> Iterator[JobContext]:
    token = _current.set(job)
    try:
        yield job
    finally:
        _current.reset(token)


@contextlib.contextmanager
def notice() -> Iterator[None]:
    """`JobContext.notice` for the current job, if any."""
    job = _current.get()
    if job is None:
        yield
        return
    with job.notice():
        yield
