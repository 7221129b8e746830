"""The worker: claimed jobs become `application.process_update` calls, with retries.

One attempt = rebuild the `Update` from the job's JSON, run the bot's handlers on it inside
a job context (`bot.jobs.context`), then write down what happened:

- no failure: the job is done;
- a failure worth another try (not Telegram's own "no" to the request, attempts left): it
  goes back to the queue with back-off, logged as "job X retried (attempt n/N): ErrorType",
  and the user hears nothing yet;
- the last failure: the error handler has told the user (one message per job, ever: see
  `JobContext.notice`); the job is failed and its quota charge refunded;
- a job claimed for more attempts than allowed (the earlier ones crashed: attempts are
  counted when they start) is not run again: the user gets one clear message, the quota
  back, and the job is failed.

Stopping (SIGTERM) drains: no new claims, up to `CREDBOT_DRAIN_TIMEOUT` seconds for the
running jobs, then the rest are cancelled and given back to the queue (their attempt not
counted), so another worker, or this one after a restart, takes them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from ..settings import Settings
from ..storage import Storage, utcnow
from .context import JobContext, working_on
from .ingress import DurableUpdateQueue
from .queue import JobQueue, Outcome, PgQueue, SqlQueue
from .store import DONE, FAILED, WORKER_LOST, Claimed, JobStore

log = logging.getLogger("credbot.jobs")

RETRY_BACKOFF = 2.0  # seconds before a job's first retry; doubles, with jitter
SERVE_RETRY, SERVE_RETRY_MAX = 1.0, 30.0  # seconds before restarting a failed queue loop
MAINTAIN_EVERY = 3600.0  # seconds between purges of the job history
RUNTIME_KEY = "credbot_jobs"  # application.bot_data key of the JobRuntime

# notify(update, application, attempts): tell the user a job failed for good.
Notify = Callable[[Update, Application, int], Awaitable[None]]
Refund = Callable[[str], Awaitable[Any]]


def show_job_warnings() -> None:
    """Retries, hand-backs and give-ups are what an operator reads the log for, so they are
    shown at the command line's default level (errors only) too; -v shows everything."""
    if log.level == logging.NOTSET and log.getEffectiveLevel() > logging.WARNING:
        log.setLevel(logging.WARNING)


def make_queue(store: JobStore, settings: Settings) -> JobQueue:
    """pgqueuer on PostgreSQL, the table queue elsewhere (SQLite)."""
    kind = PgQueue if store.dialect == "postgresql" else SqlQueue
    return kind(store, lease=settings.job_lease, jobs=settings.worker_jobs)


class Worker:
    """Works one Application's jobs from one queue (see the module docstring)."""

    def __init__(self, application: Application, queue: JobQueue, settings: Settings, *,
                 notify: Notify, refund: Refund, retry_backoff: float = RETRY_BACKOFF) -> None:
        self.application = application
        self.queue = queue
        self.store = queue.store
        self.settings = settings
        self.notify = notify
        self.refund = refund
        self.retry_backoff = retry_backoff
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.running: dict[str, asyncio.Task[None]] = {}
        self._serving: asyncio.Task[None] | None = None
        self._beating: asyncio.Task[None] | None = None
        self._stopping = False
        self._stopped = asyncio.Event()
        self._slots = asyncio.Semaphore(settings.worker_jobs)

    @property
    def active(self) -> int:
        return len(self.running)

    async def start(self) -> None:
        await self.store.register_worker(self.id, socket.gethostname(), os.getpid())
        self._serving = asyncio.create_task(self._serve(), name="credbot-worker")
        self._beating = asyncio.create_task(self._beat(), name="credbot-worker-beat")
        log.info("worker %s started (%d jobs at once)", self.id, self.settings.worker_jobs)

    async def _serve(self) -> None:
        """The queue's loop, started again if it fails or loses its connection (a database
        restart): a worker that silently stopped working would be worse than one that died."""
        wait = SERVE_RETRY
        while not self._stopping:
            try:
                await self.queue.serve(self.id, self.execute)
                trouble = "ended (its database connection was lost?)"
            except Exception as exc:  # noqa: BLE001 - logged, and the loop starts again
                trouble = f"failed ({type(exc).__name__})"
            if self._stopping:
                return
            log.error("the worker's queue loop %s; starting it again in %g s", trouble, wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), wait)
            wait = min(SERVE_RETRY_MAX, wait * 2)

    async def stop(self, timeout: float | None = None) -> None:
        """Drain: stop claiming, give running jobs `timeout` seconds, release the rest."""
        timeout = self.settings.drain_timeout if timeout is None else timeout
        self._stopping = True
        self._stopped.set()
        self.queue.stop_claiming()
        if self.running:
            log.info("draining: waiting up to %g s for %d running jobs", timeout,
                     len(self.running))
            if timeout > 0:
                await asyncio.wait(set(self.running.values()), timeout=timeout)
        left = list(self.running.values())
        for task in left:
            task.cancel()  # execute() sees it and gives the job back
        if self._serving is not None:
            try:  # the queue returns once every execute() has written its outcome
                await asyncio.wait_for(asyncio.shield(self._serving), 15.0)
            except TimeoutError:
                log.warning("the worker did not stop within 15 s of the drain")
                self._serving.cancel()
            except Exception as exc:  # noqa: BLE001 - the loop's own failure, logged
                log.warning("worker loop ended with %s", type(exc).__name__)
        if self._beating is not None:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
        with contextlib.suppress(Exception):
            await self.store.unregister_worker(self.id)
        if left:
            log.warning("handed %d running jobs back to the queue at shutdown", len(left))

    async def _beat(self) -> None:
        """Prove this worker alive (credbot status) and keep its jobs' leases (SQLite)."""
        while True:
            await asyncio.sleep(self.settings.job_lease / 3)
            try:
                await self.store.register_worker(self.id, socket.gethostname(), os.getpid())
                await self.queue.renew(self.id, list(self.running))
            except Exception as exc:  # noqa: BLE001 - the next beat tries again
                log.warning("worker heartbeat failed (%s)", type(exc).__name__)

    # --- one attempt ----------------------------------------------------------------------
    async def execute(self, claimed: Claimed) -> Outcome:
        limit = self.settings.job_max_attempts
        try:
            update = Update.de_json(json.loads(claimed.payload), self.application.bot)
        except Exception as exc:  # noqa: BLE001 - a row we cannot read is no reason to stop
            log.error("job %s: its update cannot be read (%s); dropped", claimed.key,
                      type(exc).__name__)
            await self.store.finish(claimed.key, FAILED, type(exc).__name__)
            return Outcome()
        job = JobContext(claimed.key, claimed.attempt, limit)
        if claimed.attempt > limit:
            await self._give_up(update, job, claimed.previous_error or "?")
            return Outcome()
        if claimed.previous_error == WORKER_LOST:
            log.warning("job %s retried (attempt %d/%d): %s (its worker stopped mid-job)",
                        claimed.key, claimed.attempt, limit, WORKER_LOST)
        task = asyncio.create_task(self._bounded(update, job), name=f"credbot-{claimed.key}")
        self.running[claimed.key] = task
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            self.running.pop(claimed.key, None)
        if task.cancelled():
            await self.store.release(claimed.key)
            return Outcome(retry_in=0.0, reason="released at shutdown")
        error = task.exception()
        if error is not None and job.failure is None:  # outside PTB's error handling
            log.error("job %s failed outside the handlers: %s", claimed.key,
                      type(error).__name__, exc_info=error)
            job.failed(error)
        if job.failure is None:
            await self.store.finish(claimed.key, DONE)
            return Outcome()
        reason = type(job.failure).__name__
        if job.retry:
            delay = self.retry_backoff * 2 ** (claimed.attempt - 1) * random.uniform(0.8, 1.2)
            log.warning("job %s retried (attempt %d/%d): %s", claimed.key, claimed.attempt + 1,
                        limit, reason)
            await self.store.retry(claimed.key, reason, delay)
            return Outcome(retry_in=delay, reason=reason)
        if not job.told:
            await self._tell(update, job)
        await self._fail(job, reason)
        return Outcome()

    async def _bounded(self, update: Update, job: JobContext) -> None:
        # The queue hands over at most about CREDBOT_WORKER_JOBS; this makes it exact.
        async with self._slots:
            with working_on(job):
                await self.application.process_update(update)

    async def _give_up(self, update: Update, job: JobContext, reason: str) -> None:
        log.error("job %s gave up after %d attempts (last: %s)", job.key, job.max_attempts,
                  reason)
        await self._tell(update, job)
        await self._fail(job, reason)

    async def _tell(self, update: Update, job: JobContext) -> None:
        with working_on(job), job.notice():
            try:
                await self.notify(update, self.application, job.max_attempts)
            except Exception as exc:  # noqa: BLE001 - the job still ends; say why it was quiet
                log.warning("job %s: could not tell the user it failed (%s)", job.key,
                            type(exc).__name__)
        job.told = True

    async def _fail(self, job: JobContext, reason: str) -> None:
        await self.store.finish(job.key, FAILED, reason)
        try:
            if await self.refund(job.key):
                log.info("job %s: its quota charge was refunded", job.key)
        except Exception as exc:  # noqa: BLE001 - a lost refund is logged, not retried
            log.warning("job %s: the quota refund failed (%s)", job.key, type(exc).__name__)


class JobRuntime:
    """Everything job-related one Application has: the store, the queue, maybe a worker."""

    def __init__(self, application: Application, storage: Storage, settings: Settings, *,
                 worker: bool, notify: Notify, refund: Refund,
                 retry_backoff: float = RETRY_BACKOFF) -> None:
        self.application = application
        self.settings = settings
        self.store = JobStore(storage)
        self.queue = make_queue(self.store, settings)
        self.worker = (Worker(application, self.queue, settings, notify=notify, refund=refund,
                              retry_backoff=retry_backoff) if worker else None)
        self._maintaining: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """After storage.init: open the queue, let updates in, start the worker."""
        show_job_warnings()
        await self.queue.init()
        ingress = self.application.update_queue
        if isinstance(ingress, DurableUpdateQueue):
            ingress.bot_id = self.application.bot.id
            ingress.enqueue = self.queue.enqueue
        await self.maintain()
        self._maintaining = asyncio.create_task(self._maintain_loop())
        if self.worker is not None:
            await self.worker.start()

    async def stop(self) -> None:
        """Drain the worker (bounded by CREDBOT_DRAIN_TIMEOUT)."""
        if self._maintaining is not None:
            self._maintaining.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintaining
            self._maintaining = None
        if self.worker is not None:
            await self.worker.stop()

    async def close(self) -> None:
        await self.queue.close()

    async def maintain(self) -> None:
        """Purge ended jobs and the queue's history (retention), at start and hourly."""
        older_than = utcnow() - timedelta(days=self.settings.retention_days)
        try:
            gone = await self.store.purge(older_than)
            gone += await self.queue.purge(older_than)
        except Exception as exc:  # noqa: BLE001 - retention must not stop the bot
            log.warning("job retention failed (%s)", type(exc).__name__)
            return
        if gone:
            log.info("retention: deleted %d job rows", gone)

    async def _maintain_loop(self) -> None:
        while True:
            await asyncio.sleep(MAINTAIN_EVERY)
            await self.maintain()

    async def pending(self) -> int:
        """Jobs not yet ended (tests wait for 0 before asserting that nothing happened)."""
        counts = await self.store.counts(self.settings.job_lease)
        return counts.queued + counts.running


def runtime_of(application: Application) -> JobRuntime | None:
    found = application.bot_data.get(RUNTIME_KEY)
    return found if isinstance(found, JobRuntime) else None


def attach(application: Application, storage: Storage, settings: Settings, *, worker: bool,
           retry_backoff: float | None = None) -> JobRuntime:
    """Give a built Application its job runtime (build_application calls this): the ledger
    in its rate limiter learns where to write, and `runtime_of` finds the runtime."""
    from handlers.failures import tell_job_failed

    from .ledger import LedgerRateLimiter

    runtime = JobRuntime(application, storage, settings, worker=worker,
                         notify=tell_job_failed, refund=storage.refund,
                         retry_backoff=RETRY_BACKOFF if retry_backoff is None else retry_backoff)
    limiter = application.bot.rate_limiter
    if isinstance(limiter, LedgerRateLimiter):
        limiter.store = runtime.store
    application.bot_data[RUNTIME_KEY] = runtime
    return runtime
