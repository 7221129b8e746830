"""SQL on the job tables, the same statements on SQLite and PostgreSQL.

Every state change is one statement (an UPDATE ... RETURNING where the caller needs the row
back), so two workers can never both think they changed the same thing, and no statement
holds a transaction open across an `await` of anything but the database.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..storage import Storage, utcnow
from .tables import JobRow, JobSendRow, QuotaChargeRow, WorkerRow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ENDED = (DONE, FAILED)
# What a claim writes into last_error when the previous attempt's worker vanished mid-job.
WORKER_LOST = "WorkerLost"
# A redelivered update must still find its job: Telegram redelivers for up to a day.
KEEP_ENDED = timedelta(days=2)


@dataclass(frozen=True)
class NewJob:
    key: str
    kind: str
    chat_id: int | None
    payload: str


@dataclass(frozen=True)
class Claimed:
    """A job a worker now holds: its attempt number counts this attempt."""

    key: str
    attempt: int
    payload: str
    chat_id: int | None
    previous_error: str | None  # WORKER_LOST when the last attempt's worker died


@dataclass(frozen=True)
class Counts:
    queued: int
    running: int
    oldest_queued: datetime | None
    failed_last_hour: int
    workers: int


class JobStore:
    """The job tables, through the storage's engine (and its schema translation)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.engine = storage.engine
        self.dialect = storage.dialect

    def _insert(self, model: type[Any]) -> Any:
        from sqlalchemy.dialects import postgresql, sqlite

        return (postgresql if self.dialect == "postgresql" else sqlite).insert(model)

    # --- the life of a job -------------------------------------------------------------
    async def record(self, jobs: list[NewJob], *,
                     then: Callable[[AsyncConnection, list[NewJob]], Awaitable[None]] | None = None,
                     claim_for: tuple[str, float, int] | None = None) -> list[Claimed | None]:
        """Store new jobs in one transaction; for each, None if its key is known already (a
        redelivered update), else the job (as `Claimed`: attempt 0 unless claimed below).

        `then` runs in the same transaction with the jobs that were new (pgqueuer's enqueue),
        so a job exists in both places or in neither. `claim_for` (worker id, lease, how
        many) stores up to that many new jobs already claimed by that worker for their first
        attempt: the receiving process works them with no round through the queue, and if it
        dies their leases run out as for any claim.
        """
        now = utcnow()
        worker_id, lease, claims = claim_for or ("", 0.0, 0)
        stored: list[Claimed | None] = []
        async with self.engine.begin() as conn:
            for job in jobs:
                claimed = claims > 0
                state: dict[str, Any] = {"status": QUEUED, "attempts": 0}
                if claimed:
                    state = {"status": RUNNING, "attempts": 1, "worker_id": worker_id,
                             "lease_until": now + timedelta(seconds=lease)}
                statement = (self._insert(JobRow)
                             .values(key=job.key, kind=job.kind, chat_id=job.chat_id,
                                     payload=job.payload, run_after=now, created_at=now,
                                     updated_at=now, **state)
                             .on_conflict_do_nothing(index_elements=["key"])
                             .returning(JobRow.key))
                if (await conn.execute(statement)).first() is None:
                    stored.append(None)
                    continue
                claims -= claimed
                stored.append(Claimed(key=job.key, attempt=int(state["attempts"]),
                                      payload=job.payload, chat_id=job.chat_id,
                                      previous_error=None))
            new = [job for job, kept in zip(jobs, stored, strict=True) if kept is not None]
            if new and then is not None:
                await then(conn, new)
        return stored

    def _claim_values(self, now: datetime, worker_id: str,
                      lease_until: datetime | None) -> dict[str, Any]:
        return {"status": RUNNING, "attempts": JobRow.attempts + 1, "worker_id": worker_id,
                "lease_until": lease_until, "updated_at": now,
                # SET reads the old row: a job still "running" lost its worker.
                "last_error": case((JobRow.status == RUNNING, WORKER_LOST),
                                   else_=JobRow.last_error)}

    _RETURNED = (JobRow.key, JobRow.attempts, JobRow.payload, JobRow.chat_id, JobRow.last_error)

    async def start_attempt(self, key: str, worker_id: str) -> Claimed | None:
        """Count a new attempt at a job the queue handed us (pgqueuer); None if it already
        ended (a worker finished it but died before the queue heard so)."""
        statement = (update(JobRow)
                     .where(JobRow.key == key, JobRow.status.in_((QUEUED, RUNNING)))
                     .values(**self._claim_values(utcnow(), worker_id, None))
                     .returning(*self._RETURNED))
        async with self.engine.begin() as conn:
            row = (await conn.execute(statement)).first()
        return _claimed(row) if row is not None else None

    async def claim(self, worker_id: str, limit: int, lease: float) -> list[Claimed]:
        """Up to `limit` due jobs, oldest first: queued ones whose time has come, and running
        ones whose lease ran out (their worker died). One UPDATE ... RETURNING."""
        now = utcnow()
        due = (select(JobRow.key)
               .where(or_(and_(JobRow.status == QUEUED, JobRow.run_after <= now),
                          and_(JobRow.status == RUNNING, JobRow.lease_until < now)))
               .order_by(JobRow.created_at, JobRow.key).limit(limit))
        statement = (update(JobRow).where(JobRow.key.in_(due.scalar_subquery()))
                     .values(**self._claim_values(now, worker_id,
                                                  now + timedelta(seconds=lease)))
                     .returning(*self._RETURNED))
        async with self.engine.begin() as conn:
            rows = (await conn.execute(statement)).all()
        return sorted((_claimed(row) for row in rows), key=lambda c: c.key)

    async def renew(self, worker_id: str, keys: list[str], lease: float) -> None:
        """Extend this worker's leases on the jobs it is still working."""
        if not keys:
            return
        statement = (update(JobRow)
                     .where(JobRow.worker_id == worker_id, JobRow.status == RUNNING,
                            JobRow.key.in_(keys))
                     .values(lease_until=utcnow() + timedelta(seconds=lease)))
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def finish(self, key: str, status: str, error: str | None = None) -> None:
        """The job ended (done or failed): its update text is dropped, the key stays."""
        statement = (update(JobRow).where(JobRow.key == key)
                     .values(status=status, payload=None, lease_until=None, worker_id=None,
                             last_error=error, updated_at=utcnow()))
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def retry(self, key: str, error: str, delay: float) -> None:
        """Back in the queue after a failed attempt, due in `delay` seconds."""
        now = utcnow()
        statement = (update(JobRow).where(JobRow.key == key)
                     .values(status=QUEUED, run_after=now + timedelta(seconds=delay),
                             lease_until=None, worker_id=None, last_error=error,
                             updated_at=now))
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def release(self, key: str) -> None:
        """Back in the queue, due now, and the attempt given back: a worker that stops
        (SIGTERM) has not failed the job."""
        now = utcnow()
        statement = (update(JobRow).where(JobRow.key == key, JobRow.status == RUNNING)
                     .values(status=QUEUED, run_after=now, lease_until=None, worker_id=None,
                             attempts=case((JobRow.attempts > 0, JobRow.attempts - 1),
                                           else_=0),
                             updated_at=now))
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def next_due(self) -> datetime | None:
        """When the next job becomes claimable (a retry's time, an expiring lease), or None."""
        queued = select(func.min(JobRow.run_after)).where(JobRow.status == QUEUED)
        running = select(func.min(JobRow.lease_until)).where(JobRow.status == RUNNING)
        async with self.engine.connect() as conn:
            times = [await conn.scalar(queued), await conn.scalar(running)]
        present = [t for t in times if t is not None]
        return min(present) if present else None

    # --- the send ledger ------------------------------------------------------------------
    async def sent(self, key: str, seq: int) -> Any | None:
        """Telegram's (trimmed) answer to the message a job sent at `seq`, or None."""
        statement = select(JobSendRow.result).where(JobSendRow.job_key == key,
                                                    JobSendRow.seq == seq)
        async with self.engine.connect() as conn:
            found = await conn.scalar(statement)
        return json.loads(found) if found is not None else None

    async def record_send(self, key: str, seq: int, chat_id: int | None,
                          message_id: int | None, result: Any) -> None:
        statement = (self._insert(JobSendRow)
                     .values(job_key=key, seq=seq, chat_id=chat_id, message_id=message_id,
                             result=json.dumps(result, ensure_ascii=False),
                             created_at=utcnow())
                     .on_conflict_do_nothing(index_elements=["job_key", "seq"]))
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    # --- workers ---------------------------------------------------------------------------
    async def register_worker(self, worker_id: str, host: str, pid: int) -> None:
        """Say this worker is alive (insert, or refresh its heartbeat): at start and each beat."""
        now = utcnow()
        statement = (self._insert(WorkerRow)
                     .values(id=worker_id, host=host[:255], pid=pid, started_at=now,
                             heartbeat_at=now)
                     .on_conflict_do_update(index_elements=["id"], set_={"heartbeat_at": now}))
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def unregister_worker(self, worker_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(WorkerRow).where(WorkerRow.id == worker_id))

    # --- operations --------------------------------------------------------------------------
    async def counts(self, lease: float, *, now: datetime | None = None) -> Counts:
        """What `credbot status` shows: queue depth, oldest queued job, live workers, failures."""
        now = now or utcnow()
        by_status = (select(JobRow.status, func.count(), func.min(JobRow.created_at))
                     .where(JobRow.status.in_((QUEUED, RUNNING))).group_by(JobRow.status))
        failed = (select(func.count()).select_from(JobRow)
                  .where(JobRow.status == FAILED, JobRow.updated_at >= now - timedelta(hours=1)))
        alive = (select(func.count()).select_from(WorkerRow)
                 .where(WorkerRow.heartbeat_at >= now - timedelta(seconds=2 * lease)))
        async with self.engine.connect() as conn:
            groups = {status: (count, oldest)
                      for status, count, oldest in (await conn.execute(by_status)).all()}
            failed_count = int(await conn.scalar(failed) or 0)
            workers = int(await conn.scalar(alive) or 0)
        queued, oldest = groups.get(QUEUED, (0, None))
        return Counts(queued=int(queued), running=int(groups.get(RUNNING, (0, None))[0]),
                      oldest_queued=oldest, failed_last_hour=failed_count, workers=workers)

    async def purge(self, older_than: datetime, *, now: datetime | None = None) -> int:
        """Delete ended jobs (kept at most two days: enough to recognise a redelivery) and
        the sends and charges of jobs that no longer run; workers silent for a day."""
        now = now or utcnow()
        cutoff = max(older_than, now - KEEP_ENDED)
        live = select(JobRow.key).where(JobRow.status.in_((QUEUED, RUNNING)))
        total = 0
        async with self.engine.begin() as conn:
            for statement in (
                delete(JobRow).where(JobRow.status.in_(ENDED), JobRow.updated_at < cutoff),
                delete(JobSendRow).where(JobSendRow.created_at < cutoff,
                                         ~exists(live.where(JobRow.key == JobSendRow.job_key))),
                delete(QuotaChargeRow).where(
                    QuotaChargeRow.created_at < cutoff,
                    ~exists(live.where(JobRow.key == QuotaChargeRow.job_key))),
                delete(WorkerRow).where(WorkerRow.heartbeat_at < now - timedelta(days=1)),
            ):
                total += int(getattr(await conn.execute(statement), "rowcount", 0) or 0)
        return total


def _claimed(row: Any) -> Claimed:
    key, attempts, payload, chat_id, last_error = row
    return Claimed(key=key, attempt=int(attempts), payload=payload or "", chat_id=chat_id,
                   previous_error=last_error)
