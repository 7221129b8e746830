"""One job queue interface, two backends: pgqueuer on PostgreSQL, our own table on SQLite.

Why pgqueuer (rather than procrastinate, the other maintained PostgreSQL queue): it is
asyncpg-native, the driver credbot already uses (procrastinate needs psycopg 3 as a second
driver); a worker that dies is handled by heartbeats, the lease being `heartbeat_timeout`;
jobs have dedupe keys; LISTEN/NOTIFY wakes workers the moment a job is stored; it needs
Python 3.11, as we do. Its tables are the library's and installed by the library (under an
advisory lock, so instances starting together do not race); credbot's own tables are
Alembic's (bot.migrations).

SQLite is the embedded default for one process: a queue on `credbot_jobs` itself (claims
are one UPDATE ... RETURNING with a lease; an in-process event wakes the worker on enqueue,
and a slow poll catches retries coming due, expired leases and other processes' jobs).

Either way the worker runtime (`bot.jobs.runtime`) decides what happens to a job and keeps
`credbot_jobs` up to date; a backend only hands jobs over and, on PostgreSQL, tells pgqueuer
what the runtime decided (a retry is pgqueuer's RetryRequested).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..storage import utcnow
from .store import Claimed, JobStore, NewJob

if TYPE_CHECKING:
    from pgqueuer.domain.settings import DBSettings

log = logging.getLogger("credbot.jobs")

POLL = 1.0  # seconds between looks at the SQLite table when nothing wakes the worker
CLAIM_BACKOFF = 2.0  # seconds to wait after a failed claim (the database is down)


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: ended (done or failed), or back in the queue."""

    retry_in: float | None = None  # seconds until the job may run again; None: it ended
    reason: str = ""


Execute = Callable[[Claimed], Coroutine[Any, Any, Outcome]]


class JobQueue(abc.ABC):
    """Enqueue jobs; hand claimed jobs to `execute` until told to stop."""

    def __init__(self, store: JobStore, *, lease: float, jobs: int) -> None:
        self.store = store
        self.lease = lease
        self.jobs = jobs

    async def init(self) -> None:
        """Make the queue usable (pgqueuer installs its tables)."""

    @abc.abstractmethod
    async def enqueue(self, jobs: list[NewJob]) -> list[bool]:
        """Store jobs durably, in one transaction; False for a key already known."""

    @abc.abstractmethod
    async def serve(self, worker_id: str, execute: Execute) -> None:
        """Claim jobs and run `execute` on each, at most `jobs` at once, until `stop_claiming`;
        then wait for the running ones (the runtime bounds that wait) and return."""

    @abc.abstractmethod
    def stop_claiming(self) -> None:
        """Take no new jobs; `serve` returns once the running ones are over."""

    async def renew(self, worker_id: str, keys: list[str]) -> None:
        """Keep the leases of the jobs this worker is still working."""

    async def purge(self, older_than: datetime) -> int:
        """Drop the queue's own history older than `older_than`."""
        return 0

    async def close(self) -> None:
        """Release connections."""


class SqlQueue(JobQueue):
    """The queue on `credbot_jobs` (SQLite; it would work on any SQL database)."""

    def __init__(self, store: JobStore, *, lease: float, jobs: int) -> None:
        super().__init__(store, lease=lease, jobs=jobs)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: set[asyncio.Task[Outcome]] = set()
        self._serving: tuple[str, Execute] | None = None  # (worker id, execute) while serving

    async def enqueue(self, jobs: list[NewJob]) -> list[bool]:
        serving = None if self._stopping.is_set() else self._serving
        free = self.jobs - len(self._running) if serving is not None else 0
        # Jobs this process can work now are stored claimed (the same durability) and
        # started at once: no claim round trip, no wake-up in between.
        stored = await self.store.record(
            jobs, claim_for=(serving[0], self.lease, free) if serving and free > 0 else None)
        for job in stored:
            if job is None:
                continue
            if job.attempt == 1 and serving is not None:
                self._spawn(serving[1], job)
            else:
                self._wake.set()
        return [job is not None for job in stored]

    def _spawn(self, execute: Execute, job: Claimed) -> None:
        task = asyncio.create_task(execute(job), name=f"credbot-job-{job.key}")
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Outcome]) -> None:
        self._running.discard(task)
        self._wake.set()  # a slot is free
        if not task.cancelled() and task.exception() is not None:
            log.error("job runtime failed: %s", type(task.exception()).__name__,
                      exc_info=task.exception())

    def stop_claiming(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def renew(self, worker_id: str, keys: list[str]) -> None:
        await self.store.renew(worker_id, keys, self.lease)

    async def serve(self, worker_id: str, execute: Execute) -> None:
        running = self._running
        self._serving = (worker_id, execute)
        try:
            await self._serve(worker_id, execute)
        finally:
            self._serving = None
        if running:
            await asyncio.wait(set(running))

    async def _serve(self, worker_id: str, execute: Execute) -> None:
        running = self._running
        while not self._stopping.is_set():
            self._wake.clear()  # before the claim: an enqueue from now on wakes the wait
            free = self.jobs - len(running)
            timeout = POLL
            if free > 0:
                try:
                    # A look first: an idle worker takes no write lock (SQLite has one).
                    due = await self.store.next_due()
                    if due is not None and due <= utcnow():
                        for job in await self.store.claim(worker_id, free, self.lease):
                            self._spawn(execute, job)
                        continue  # look again: more may be due, or the slots are full
                except SQLAlchemyError as exc:
                    log.warning("could not claim jobs (%s); trying again in %g s",
                                type(exc).__name__, CLAIM_BACKOFF)
                    due, timeout = None, CLAIM_BACKOFF
                if due is not None:
                    timeout = min(POLL, max(0.01, (due - utcnow()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)


class PgQueue(JobQueue):
    """pgqueuer on the storage's PostgreSQL database (see the module docstring)."""

    ENTRYPOINT = "credbot_update"
    INSTALL_LOCK = 0x63726564_6A6F6273  # pg_advisory_lock key around install ("credjobs")

    def __init__(self, store: JobStore, *, lease: float, jobs: int) -> None:
        super().__init__(store, lease=lease, jobs=jobs)
        from pgqueuer.adapters.persistence import qb
        from sqlalchemy.engine import make_url

        url = make_url(store.engine.url)
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.db = pg_settings(store.storage.schema)
        self.qbe = qb.QueryBuilderEnvironment(self.db)
        self.qbq = qb.QueryQueueBuilder(self.db)
        self._manager: Any = None
        self._stop_requested = False

    def queries(self, driver: Any) -> Any:
        """pgqueuer's queries over `driver`, with our names (schema, channel)."""
        from pgqueuer.queries import Queries

        return Queries(driver, qbe=self.qbe, qbq=self.qbq)

    async def _connect(self) -> Any:
        import asyncpg  # type: ignore[import-untyped]

        return await asyncpg.connect(self.dsn)

    async def init(self) -> None:
        """Install pgqueuer's tables, or bring them up to this pgqueuer's version; one
        instance at a time (advisory lock), so instances starting together do not race."""
        from pgqueuer.db import AsyncpgDriver

        conn = await self._connect()
        try:
            queries = self.queries(AsyncpgDriver(conn))
            await conn.execute("SELECT pg_advisory_lock($1)", self.INSTALL_LOCK)
            try:
                if await queries.schema_is_installed():
                    await queries.upgrade()
                else:
                    await queries.install()
                    log.info("installed pgqueuer's tables")
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", self.INSTALL_LOCK)
        finally:
            await conn.close()

    async def enqueue(self, jobs: list[NewJob]) -> list[bool]:
        async def into_pgqueuer(conn: AsyncConnection, new: list[NewJob]) -> None:
            from pgqueuer.db import AsyncpgDriver

            # The same connection and transaction as the credbot_jobs rows: both or neither.
            raw = await conn.get_raw_connection()
            queries = self.queries(AsyncpgDriver(raw.driver_connection))
            await queries.enqueue([self.ENTRYPOINT] * len(new), [j.key.encode() for j in new],
                                  [0] * len(new), dedupe_key=[j.key for j in new],
                                  on_conflict="skip")

        return [job is not None for job in await self.store.record(jobs, then=into_pgqueuer)]

    def stop_claiming(self) -> None:
        self._stop_requested = True
        if self._manager is not None:
            self._manager.shutdown.set()

    async def serve(self, worker_id: str, execute: Execute) -> None:
        import asyncpg  # type: ignore[import-untyped]
        from pgqueuer.db import AsyncpgPoolDriver
        from pgqueuer.qm import QueueManager
        from pgqueuer.types import Channel

        # Named, so pg_stat_activity tells which worker a connection belongs to. Three: the
        # LISTEN connection and two for pgqueuer's batched queries (dequeue, heartbeats, log);
        # every process's connections count against the server's max_connections.
        pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=3, server_settings={
            "application_name": application_name(worker_id)})
        try:
            manager = QueueManager(self.queries(AsyncpgPoolDriver(pool)),
                                   channel=Channel(self.db.channel))
            manager.register_executor(self.ENTRYPOINT, _executor(self.store, worker_id, execute))
            self._manager = manager
            if self._stop_requested:
                return
            batch = max(1, min(10, self.jobs // 2))
            await manager.run(
                dequeue_timeout=timedelta(seconds=min(5.0, self.lease / 2)),
                batch_size=batch, max_concurrent_tasks=max(self.jobs, 2 * batch),
                heartbeat_timeout=timedelta(seconds=self.lease),
                # A dead LISTEN connection ends the run; the worker starts a fresh one.
                shutdown_on_listener_failure=True)
        finally:
            self._manager = None
            await pool.close()

    async def purge(self, older_than: datetime) -> int:
        """pgqueuer keeps a log row per job state and per-second statistics for ever; both
        go with the rest of credbot's history."""
        conn = await self._connect()
        try:
            total = 0
            names = self.db.qualified
            for table in (names.queue_table_log, names.statistics_table):
                done = await conn.execute(f"DELETE FROM {table} WHERE created < $1",
                                          older_than.replace(tzinfo=UTC))  # naive UTC in, timestamptz there
                total += int(done.split()[-1]) if done.startswith("DELETE") else 0
            return total
        finally:
            await conn.close()


def application_name(worker_id: str) -> str:
    """What the worker's queue connections call themselves (PostgreSQL keeps 63 bytes)."""
    return f"credbot worker {worker_id}"[:63]


def pg_settings(schema: str | None) -> DBSettings:
    """pgqueuer's names: its defaults (or PGQUEUER_* from the environment), placed in the
    storage's schema when it has one (tests give every run a schema of its own)."""
    from pgqueuer.domain.settings import DBSettings, db_settings
    from pgqueuer.types import Channel

    if not schema:
        return db_settings()
    return DBSettings(db_schema=schema, channel=Channel(f"ch_pgqueuer_{schema}"))


def _executor(store: JobStore, worker_id: str, execute: Execute) -> Any:
    """The pgqueuer executor that hands a job to the runtime and turns the runtime's outcome
    into pgqueuer's terms. It never lets an exception through: pgqueuer deletes a job whose
    executor raised, and a job must not be lost because the database blinked."""
    from pgqueuer.errors import RetryRequested
    from pgqueuer.executors import AbstractEntrypointExecutor as Base
    from pgqueuer.executors import EntrypointExecutorParameters as Parameters

    async def unused(job: Any) -> None:  # pgqueuer wants a function; `execute` is the work
        raise AssertionError("not called")

    class Executor(Base):
        async def execute(self, job: Any, context: Any) -> None:
            key = (job.payload or b"").decode("utf-8", "replace")
            try:
                claimed = await store.start_attempt(key, worker_id)
                if claimed is None:
                    return  # ended already (its worker died before pgqueuer heard)
                outcome = await execute(claimed)
            except Exception as exc:  # noqa: BLE001 - the database; the job stays queued
                delay = min(60.0, 2.0 * 2 ** min(job.attempts, 5))
                log.warning("job %s retried in %g s: its bookkeeping failed (%s)", key, delay,
                            type(exc).__name__)
                raise RetryRequested(delay=timedelta(seconds=delay),
                                     reason=type(exc).__name__) from None
            if outcome.retry_in is not None:
                raise RetryRequested(delay=timedelta(seconds=outcome.retry_in),
                                     reason=outcome.reason)

    return Executor(Parameters(concurrency_limit=0, func=unused))
