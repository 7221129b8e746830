"""Durable work (bot/jobs/): every update is a job; retries, leases, the send ledger, quotas.

The real Application against the fake Bot API (and the fake LLM), its jobs in a real SQLite
file or in the real PostgreSQL at 127.0.0.1:5432 (pgqueuer, in a schema of the test's own).
A "dead worker" is simulated the only way one can be without a process: a claim made with
the queue's own statements that is never finished.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Update

from bot.app import CredbotRateLimiter
from bot.jobs.queue import application_name
from bot.jobs.runtime import JobRuntime, runtime_of
from bot.jobs.store import FAILED, JobStore
from bot.jobs.tables import JobRow
from bot.storage import Storage
from tests.conftest import SEED_TEXT
from tests.fake_llm import FakeLLM
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings, parse_html
from tests.test_bot_llm import llm_settings, scripted

SEED = SEED_TEXT.read_text(encoding="utf-8")
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"
FAST = {"retry_backoff": 0.05}  # build_application: seconds before a failed job's first retry


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


async def _pg_schema() -> str | None:
    try:
        import asyncpg

        conn = await asyncio.wait_for(asyncpg.connect(PG_DSN), timeout=3)
    except Exception:  # noqa: BLE001 - any failure means "not available here"
        return None
    schema = f"credbot_jobs_{uuid.uuid4().hex[:12]}"
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.close()
    return schema


async def _drop(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_DSN)
    await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def new_storage(request: pytest.FixtureRequest,
                      tmp_path: Path) -> AsyncIterator[Callable[[], Storage]]:
    """A factory of Storage objects on one database (each bot closes its own at the end)."""
    if request.param == "sqlite":
        yield lambda: Storage(f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}")
        return
    schema = await _pg_schema()
    if schema is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, db test)")
    try:
        yield lambda: Storage(PG_URL, schema=schema)
    finally:
        await _drop(schema)


def runtime(bot: RunningBot) -> JobRuntime:
    found = runtime_of(bot.application)
    assert found is not None
    return found


async def job_rows(store: JobStore) -> list[JobRow]:
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    async with AsyncSession(store.engine) as session:
        return list((await session.scalars(select(JobRow))).all())


async def until(condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Wait for an async condition (a guard, not a timing)."""
    deadline = time.monotonic() + timeout
    while not await condition():  # type: ignore[misc]
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def _settled(bot: RunningBot) -> bool:
    return await bot.jobs_pending() == 0


async def stored_as_job(bot: RunningBot, count: int = 1) -> None:
    async def stored() -> bool:
        return len(await job_rows(runtime(bot).store)) >= count

    await until(stored)


async def test_an_update_delivered_twice_is_one_job_answered_once(make_settings, tg,
                                                                  new_storage) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg, storage=new_storage()) as bot:
        raw = {"update_id": 41, "message": tg.message(tg.private_chat(alice), alice, "/privacy",
                                                       push=False)}
        # What PTB's webhook handler or Updater does with each delivery of the update.
        for _ in range(2):
            await bot.application.update_queue.put(Update.de_json(raw, bot.application.bot))
        await tg.wait_for("sendMessage", chat_id=1)
        await until(lambda: _settled(bot))
        rows = await job_rows(runtime(bot).store)
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 1
    assert [(row.status, row.attempts) for row in rows] == [("done", 1)]
    assert rows[0].payload is None  # the user's text leaves with the job


async def test_a_job_failing_on_every_attempt_ends_with_one_clear_message_and_its_quota_back(
        make_settings, tg, caplog) -> None:
    caplog.set_level(logging.INFO, logger="credbot")
    alice = tg.user(1, "Alice")
    settings = bot_settings(make_settings, tg, job_max_attempts=3)
    # No transient retries inside an attempt: each attempt makes one sendMessage, which fails.
    async with RunningBot(settings, tg, rate_limiter=CredbotRateLimiter(transient_retries=0),
                          **FAST) as bot:
        tg.fail_next("sendMessage", status=502, description="Bad Gateway", times=3)
        tg.message(tg.private_chat(alice), alice, SEED)
        [told] = await tg.wait_for("sendMessage", chat_id=1, timeout=15)
        await bot.idle()
        used = [await bot.storage.quota_used(scope, 1, period)
                for scope in ("user", "chat") for period in ("hour", "day")]
        [row] = await job_rows(runtime(bot).store)
    assert [c.status for c in tg.calls_of("sendMessage", chat_id=1, ok=None)] == [502] * 3 + [200]
    assert "tried 3 times" in told.params["text"] and "not counted" in told.params["text"]
    assert used == [0, 0, 0, 0]  # charged once, refunded when the job failed
    assert (row.status, row.attempts, row.last_error) == (FAILED, 3, "NetworkError")
    retries = [r.getMessage() for r in caplog.records if "retried" in r.getMessage()]
    assert retries == [f"job {row.key} retried (attempt 2/3): NetworkError",
                       f"job {row.key} retried (attempt 3/3): NetworkError"]


async def test_telegrams_own_refusal_is_not_retried_and_the_user_is_told_at_once(
        make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg, **FAST) as bot:
        tg.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
        tg.message(tg.private_chat(alice), alice, SEED)
        [told] = await tg.wait_for("sendMessage", chat_id=1)
        await bot.idle()
        [row] = await job_rows(runtime(bot).store)
    assert "Something went wrong on my side" in told.params["text"]
    assert (row.status, row.attempts, row.last_error) == (FAILED, 1, "BadRequest")
    assert len(tg.calls_of("sendMessage", chat_id=1, ok=None)) == 2


async def test_a_retried_job_does_not_send_again_what_an_earlier_attempt_sent(
        make_settings, tg, caplog) -> None:
    caplog.set_level(logging.INFO, logger="credbot")
    alice = tg.user(1, "Alice")
    long_answer = "The article rests on one unnamed source, relayed by the Mirror. " * 80
    with FakeLLM(scripted(followup_text=long_answer)) as llm:
        settings = llm_settings(make_settings, tg, llm)
        async with RunningBot(settings, tg, rate_limiter=CredbotRateLimiter(transient_retries=0),
                              **FAST) as bot:
            tg.message(tg.private_chat(alice), alice, SEED)
            [card] = await tg.wait_for("sendMessage", chat_id=1)
            start = tg.mark()
            # The answer needs two messages; the first goes out, the second gets a 502.
            tg.fail_next("sendMessage", status=502, description="Bad Gateway", after=1)
            tg.message(tg.private_chat(alice), alice, "Who is the source?", reply_to=card.result)
            await tg.wait_for("sendMessage", chat_id=1, after=start, count=2, timeout=15)
            await bot.idle()
            used = await bot.storage.quota_used("user", 1, "hour")
    answer = [c for c in tg.calls[start:] if c.method == "sendMessage"]
    assert [c.status for c in answer] == [200, 502, 200]
    first, second = parse_html(answer[0].params["text"])[0], parse_html(answer[2].params["text"])[0]
    assert first != second and (first + second).count("relayed by the Mirror") == 80
    assert used == 2  # the card and the answer; the answer's retry was not charged again
    assert any("was sent by an earlier attempt" in r.getMessage() for r in caplog.records)


async def _dead_claim(bot: RunningBot, lease: float) -> None:
    """What a worker that dies mid-job leaves behind: a claim that is never finished."""
    jobs = runtime(bot)
    [row] = await job_rows(jobs.store)
    if jobs.store.dialect != "postgresql":
        assert [c.key for c in await jobs.store.claim("dead-worker", 1, lease)] == [row.key]
        return
    import asyncpg
    from pgqueuer.db import AsyncpgDriver
    from pgqueuer.queries import EntrypointExecutionParameter

    queue = jobs.queue
    conn = await asyncpg.connect(queue.dsn)  # type: ignore[attr-defined]
    try:
        queries = queue.queries(AsyncpgDriver(conn))  # type: ignore[attr-defined]
        picked = await queries.dequeue(
            batch_size=1, entrypoints={queue.ENTRYPOINT: EntrypointExecutionParameter(  # type: ignore[attr-defined]
                concurrency_limit=0)},
            queue_manager_id=uuid.uuid4(), global_concurrency_limit=None,
            heartbeat_timeout=timedelta(seconds=lease))
    finally:
        await conn.close()
    assert [job.payload for job in picked] == [row.key.encode()]
    assert await jobs.store.start_attempt(row.key, "dead-worker") is not None


async def test_a_job_whose_worker_died_is_taken_by_another_worker_after_the_lease(
        make_settings, tg, new_storage, caplog) -> None:
    caplog.set_level(logging.INFO, logger="credbot")
    alice = tg.user(1, "Alice")
    settings = bot_settings(make_settings, tg, job_lease=1)
    async with RunningBot(settings, tg, storage=new_storage(), worker=False) as receiver:
        tg.message(tg.private_chat(alice), alice, SEED)
        await stored_as_job(receiver)
        await _dead_claim(receiver, lease=1)
    async with RunningBot(settings, tg, storage=new_storage()) as bot:
        [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=20)
        await bot.idle()
        [row] = await job_rows(runtime(bot).store)
    assert "Credibility" in parse_html(card.params["text"])[0]
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 1
    assert (row.status, row.attempts) == ("done", 2)
    assert any(r.getMessage() == f"job {row.key} retried (attempt 2/3): WorkerLost (its worker "
               "stopped mid-job)" for r in caplog.records)


async def test_a_job_whose_workers_keep_dying_ends_with_one_clear_message(make_settings,
                                                                          tg) -> None:
    alice = tg.user(1, "Alice")
    settings = bot_settings(make_settings, tg, job_max_attempts=2)
    async with RunningBot(settings, tg, worker=False) as receiver:
        tg.message(tg.private_chat(alice), alice, SEED)
        await stored_as_job(receiver)
        store = runtime(receiver).store
        for _ in range(2):  # two workers in turn take it and die (their leases run out at once)
            await until(lambda: store.claim("dead-worker", 1, 0.0))
    async with RunningBot(settings, tg) as bot:
        [told] = await tg.wait_for("sendMessage", chat_id=1, timeout=15)
        await bot.idle()
        [row] = await job_rows(runtime(bot).store)
    assert "tried 2 times" in told.params["text"]
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 1  # no card: it was not run a third time
    assert (row.status, row.attempts) == (FAILED, 3)


async def test_jobs_stored_while_no_worker_runs_are_answered_when_one_starts(
        make_settings, tg, new_storage) -> None:
    alice, bob = tg.user(1, "Alice"), tg.user(2, "Bob")
    settings = bot_settings(make_settings, tg)
    async with RunningBot(settings, tg, storage=new_storage(), worker=False) as receiver:
        tg.message(tg.private_chat(alice), alice, SEED)
        tg.message(tg.private_chat(bob), bob, "/help")
        await stored_as_job(receiver, 2)
    assert tg.calls_of("sendMessage") == []
    async with RunningBot(settings, tg, storage=new_storage()) as bot:  # "after the restart"
        await tg.wait_for("sendMessage", chat_id=1, timeout=15)
        await tg.wait_for("sendMessage", chat_id=2, timeout=15)
        await bot.idle()
    assert len(tg.calls_of("sendMessage")) == 2


@pytest.mark.postgres
async def test_the_analysis_lock_lets_one_instance_in_at_a_time_and_tells_the_others_to_look_again(
        ) -> None:
    schema = await _pg_schema()
    if schema is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, db test)")
    first, second = Storage(PG_URL, schema=schema), Storage(PG_URL, schema=schema)
    order: list[str] = []
    try:
        async with first.flight("v2:url:abc|en") as waited_first:
            order.append("first in")
            other = asyncio.create_task(_enter(second, "v2:url:abc|en", order))
            async with second.flight("v2:url:other|en") as unrelated:  # other keys never wait
                assert unrelated is False
            await asyncio.sleep(0.3)  # the second instance is still waiting
            order.append("first out")
        waited_second = await asyncio.wait_for(other, 10)
    finally:
        await first.close()
        await second.close()
        await _drop(schema)
    assert (waited_first, waited_second) == (False, True)
    assert order == ["first in", "first out", "second in"]


async def _enter(storage: Storage, key: str, order: list[str]) -> bool:
    async with storage.flight(key) as waited:
        order.append("second in")
        return waited


@pytest.mark.postgres
async def test_a_worker_whose_database_connections_are_dropped_reconnects_and_answers(
        make_settings, tg) -> None:
    schema = await _pg_schema()
    if schema is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, db test)")
    import asyncpg

    alice = tg.user(1, "Alice")
    try:
        settings = bot_settings(make_settings, tg, job_lease=1)
        async with RunningBot(settings, tg, storage=Storage(PG_URL, schema=schema)) as bot:
            tg.message(tg.private_chat(alice), alice, "/help")
            await tg.wait_for("sendMessage", chat_id=1, timeout=15)
            worker = runtime(bot).worker
            assert worker is not None
            admin = await asyncpg.connect(PG_DSN)
            try:  # what a database restart does to the worker's connections
                dropped = await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = $1", application_name(worker.id))
            finally:
                await admin.close()
            tg.message(tg.private_chat(alice), alice, "/privacy")
            await tg.wait_for("sendMessage", chat_id=1, count=2, timeout=30)
            await bot.idle()
    finally:
        await _drop(schema)
    assert dropped >= 2  # its LISTEN connection and at least one for queries
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 2


@pytest.mark.postgres
async def test_an_update_that_cannot_be_stored_is_not_acknowledged_and_is_answered_later(
        make_settings, tg, caplog) -> None:
    caplog.set_level(logging.INFO, logger="credbot")
    schema = await _pg_schema()
    if schema is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, db test)")
    import asyncpg

    alice = tg.user(1, "Alice")
    admin = await asyncpg.connect(PG_DSN)
    try:
        async with RunningBot(bot_settings(make_settings, tg), tg,
                              storage=Storage(PG_URL, schema=schema)) as bot:
            # The job table is out of reach: storing a job fails the way a database does.
            await admin.execute(f'ALTER TABLE "{schema}".credbot_jobs RENAME TO jobs_away')
            tg.message(tg.private_chat(alice), alice, "/help")
            await until(lambda: _logged(caplog, "could not be stored as jobs"))
            fetched = [c.params.get("offset") for c in tg.calls_of("getUpdates")]
            await admin.execute(f'ALTER TABLE "{schema}".jobs_away RENAME TO credbot_jobs')
            await tg.wait_for("sendMessage", chat_id=1, timeout=30)
            await bot.idle()
    finally:
        await admin.close()
        await _drop(schema)
    # Polling kept its offset at the update while it was not stored (fetched again later).
    assert fetched and all((offset or 0) <= tg.last_update_id for offset in fetched)
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 1


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in record.getMessage() for record in caplog.records)


async def test_retention_drops_ended_jobs_and_their_sends_but_keeps_what_live_jobs_need(
        new_storage) -> None:
    from bot.jobs.store import DONE, NewJob
    from bot.jobs.tables import JobSendRow
    from bot.storage import utcnow

    storage = new_storage()
    await storage.init()
    store = JobStore(storage)
    try:
        await store.record([NewJob(f"9:{i}", "message", 5, "{}") for i in (1, 2)])
        assert len(await store.claim("worker", 2, 30)) == 2
        for i in (1, 2):
            await store.record_send(f"9:{i}", 1, 5, 100 + i, {"message_id": 100 + i})
        await store.finish("9:1", DONE)
        later = utcnow() + timedelta(days=3)  # past the two days a redelivery can come in
        await store.purge(later - timedelta(days=30), now=later)
        from sqlalchemy import select
        from sqlalchemy.ext.asyncio import AsyncSession

        async with AsyncSession(store.engine) as session:
            sends = list((await session.scalars(select(JobSendRow.job_key))).all())
        rows = await job_rows(store)
    finally:
        await storage.close()
    assert [(row.key, row.status) for row in rows] == [("9:2", "running")]
    assert sends == ["9:2"]  # a live job may still need its ledger


async def test_a_job_running_when_its_worker_stops_is_handed_back_and_the_next_worker_answers(
        make_settings, tg, new_storage) -> None:
    from tests.fake_llm import hang, reply
    from tests.test_bot_llm import analysis

    alice = tg.user(1, "Alice")
    with FakeLLM(hang(30)) as llm:
        settings = llm_settings(make_settings, tg, llm, drain_timeout=0.2, llm_timeout=60,
                                llm_total_timeout=60)
        async with RunningBot(settings, tg, storage=new_storage()) as bot:
            tg.message(tg.private_chat(alice), alice, SEED)

            async def asked() -> bool:
                return bool(llm.completions)

            await until(asked)
        # The drain gave the hung check 0.2 s, then handed it back: queued, attempt not counted.
        async with RunningBot(settings, tg, storage=new_storage(), worker=False) as looking:
            [handed_back] = await job_rows(runtime(looking).store)
        llm.default = reply(analysis())
        async with RunningBot(settings, tg, storage=new_storage()) as bot:
            [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=20)
            await bot.idle()
            [row] = await job_rows(runtime(bot).store)
    assert (handed_back.status, handed_back.attempts) == ("queued", 0)
    assert "Credibility" in parse_html(card.params["text"])[0]
    assert (row.status, row.attempts) == ("done", 1)
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 1
