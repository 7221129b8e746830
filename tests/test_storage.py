"""bot/storage.py on a real SQLite file and on the real PostgreSQL at 127.0.0.1:5432."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Article, ArticleInfo, Rating, Report
from bot.storage import (ChatSettings, QuotaLimits, QuotaReached, Storage, cache_key_for_text,
                         cache_key_for_url, utcnow)

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _postgres_schema() -> str | None:
    """A fresh schema for this test, or None when PostgreSQL is not reachable."""
    try:
        import asyncpg

        conn = await asyncio.wait_for(
            asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test"), timeout=3)
    except Exception:  # noqa: BLE001 - any failure means "not available here"
        return None
    schema = f"credbot_test_{uuid.uuid4().hex[:12]}"
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.close()
    return schema


async def _drop_schema(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test")
    await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def storage(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        store = Storage(f"sqlite+aiosqlite:///{tmp_path / 'state.db'}")
        await store.init()
        yield store
        await store.close()
        return
    schema = await _postgres_schema()
    if schema is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, db test)")
    store = Storage(PG_URL, schema=schema)
    await store.init()
    try:
        yield store
    finally:
        await store.close()
        await _drop_schema(schema)


def _report(language: str = "en", *, llm_error: str | None = None, score: int = 2) -> Report:
    return Report(analyzer="llm" if llm_error is None else "offline", language=language,
                  article=ArticleInfo(word_count=3), summary="A summary.",
                  rating=Rating.from_score(score, "Because."), llm_error=llm_error)


ARTICLE = Article(text="Some article text that is long enough.", title="T")
LIMITS = QuotaLimits(user_per_hour=2, user_per_day=5, chat_per_hour=3, chat_per_day=10)


async def test_tables_are_created_on_first_start_and_init_is_idempotent(storage: Storage) -> None:
    await storage.init()
    assert await storage.count_rows(1) == 0


async def test_report_round_trips_with_article_text(storage: Storage) -> None:
    report_id = await storage.save_report(10, cache_key_for_text(ARTICLE.text), ARTICLE, _report())
    stored = await storage.get_report(report_id, 10)
    assert stored is not None
    assert stored.article.text == ARTICLE.text
    assert stored.report.rating.score == 2


async def test_report_is_only_visible_to_its_own_chat(storage: Storage) -> None:
    report_id = await storage.save_report(10, None, ARTICLE, _report())
    assert await storage.get_report(report_id, 11) is None


async def test_cached_report_found_by_key_and_language_from_any_chat(storage: Storage) -> None:
    key = cache_key_for_url("https://example.org/a")
    await storage.save_report(10, key, ARTICLE, _report("en"))
    hit = await storage.cached_report(key, "en", max_age=timedelta(days=1))
    assert hit is not None and hit.chat_id == 10
    assert await storage.cached_report(key, "de", max_age=timedelta(days=1)) is None
    assert await storage.cached_report(cache_key_for_url("https://example.org/b"), "en",
                                       max_age=timedelta(days=1)) is None


async def test_fallback_report_after_llm_failure_is_not_reused(storage: Storage) -> None:
    key = cache_key_for_url("https://example.org/down")
    await storage.save_report(10, key, ARTICLE, _report(llm_error="The AI service failed."))
    assert await storage.cached_report(key, "en", max_age=timedelta(days=1)) is None


def test_text_cache_key_ignores_whitespace_and_case() -> None:
    assert cache_key_for_text("Hello   World\n") == cache_key_for_text("hello world")
    assert cache_key_for_text("hello world") != cache_key_for_text("hello there")


async def test_messages_map_to_their_report_and_thread_keeps_order(storage: Storage) -> None:
    report_id = await storage.save_report(10, None, ARTICLE, _report())
    await storage.link_message(10, 500, report_id, "card")
    await storage.link_message(10, 502, report_id, "answer")
    assert await storage.report_for_message(10, 500) == report_id
    assert await storage.report_for_message(10, 502) == report_id
    assert await storage.report_for_message(11, 500) is None
    await storage.add_thread_message(report_id, 10, "user", "Who is the source?")
    await storage.add_thread_message(report_id, 10, "assistant", "An anonymous one.")
    thread = await storage.thread(report_id, 10)
    assert [(m.role, m.text) for m in thread] == [("user", "Who is the source?"),
                                                  ("assistant", "An anonymous one.")]


async def test_chat_settings_default_then_update(storage: Storage) -> None:
    assert await storage.chat_settings(7) == ChatSettings(chat_id=7)
    updated = await storage.update_chat_settings(7, autocheck=True, threshold=2, language="de")
    assert (updated.autocheck, updated.threshold, updated.language) == (True, 2, "de")
    again = await storage.update_chat_settings(7, user_per_hour=1)
    assert again.autocheck and again.user_per_hour == 1
    with pytest.raises(ValueError):
        await storage.update_chat_settings(7, nonsense=1)


async def test_concurrent_settings_changes_of_a_new_chat_both_apply(storage: Storage) -> None:
    for chat_id in range(20, 30):
        await asyncio.gather(storage.update_chat_settings(chat_id, autocheck=True),
                             storage.update_chat_settings(chat_id, threshold=2))
        stored = await storage.chat_settings(chat_id)
        assert (stored.autocheck, stored.threshold) == (True, 2)


async def test_quota_counts_and_refuses_past_the_user_hourly_limit(storage: Storage) -> None:
    now = datetime(2030, 1, 1, 10, 30)
    await storage.consume_quota(1, 100, LIMITS, now=now)
    await storage.consume_quota(1, 100, LIMITS, now=now)
    with pytest.raises(QuotaReached) as caught:
        await storage.consume_quota(1, 100, LIMITS, now=now)
    assert (caught.value.scope, caught.value.period, caught.value.limit) == ("user", "hour", 2)
    assert caught.value.resets_at == datetime(2030, 1, 1, 11, 0)
    # The refused check was rolled back, for the user and for the chat.
    assert await storage.quota_used("user", 1, "hour", now=now) == 2
    assert await storage.quota_used("chat", 100, "hour", now=now) == 2
    # The next hour is a new window.
    await storage.consume_quota(1, 100, LIMITS, now=now + timedelta(hours=1))


async def test_chat_quota_is_shared_by_its_users(storage: Storage) -> None:
    now = datetime(2030, 1, 1, 10, 0)
    for user in (1, 2, 3):
        await storage.consume_quota(user, 100, LIMITS, now=now)
    with pytest.raises(QuotaReached) as caught:
        await storage.consume_quota(4, 100, LIMITS, now=now)
    assert caught.value.scope == "chat"


async def test_concurrent_checks_never_overshoot_a_quota(storage: Storage) -> None:
    now = datetime(2030, 1, 2, 10, 0)
    limits = QuotaLimits(user_per_hour=100, user_per_day=100, chat_per_hour=5, chat_per_day=100)

    async def one(user: int) -> bool:
        try:
            await storage.consume_quota(user, 200, limits, now=now)
            return True
        except QuotaReached:
            return False

    results = await asyncio.gather(*(one(u) for u in range(12)))
    assert sum(results) == 5
    assert await storage.quota_used("chat", 200, "hour", now=now) == 5


def test_chat_quotas_can_lower_but_never_raise_the_operator_limits(make_settings) -> None:
    settings = make_settings(user_checks_per_hour=10, chat_checks_per_day=50)
    chat = ChatSettings(chat_id=1, user_per_hour=3, chat_per_day=1000)
    limits = QuotaLimits.effective(settings, chat)
    assert limits.user_per_hour == 3
    assert limits.chat_per_day == 50


async def test_retention_purge_deletes_old_content_and_keeps_settings(storage: Storage) -> None:
    report_id = await storage.save_report(10, "text:x", ARTICLE, _report())
    await storage.link_message(10, 1, report_id, "card")
    await storage.add_thread_message(report_id, 10, "user", "q")
    await storage.update_chat_settings(10, autocheck=True)
    assert (await storage.purge_expired(30)).total == 0
    counts = await storage.purge_expired(30, now=utcnow() + timedelta(days=31))
    assert (counts.reports, counts.messages, counts.thread) == (1, 1, 1)
    assert await storage.get_report(report_id, 10) is None
    assert (await storage.chat_settings(10)).autocheck


async def test_forget_deletes_only_that_chat_and_keeps_the_quota(storage: Storage) -> None:
    mine = await storage.save_report(10, "text:x", ARTICLE, _report())
    theirs = await storage.save_report(20, "text:x", ARTICLE, _report())
    await storage.link_message(10, 1, mine, "card")
    await storage.add_thread_message(mine, 10, "user", "q")
    await storage.update_chat_settings(10, autocheck=True)
    await storage.consume_quota(1, 10, LIMITS)
    assert await storage.forget_chat(10) >= 4
    assert await storage.count_rows(10) == 0
    assert await storage.chat_settings(10) == ChatSettings(chat_id=10)
    # The counters hold no content and must outlive /forget, or it would reset the limits.
    assert await storage.quota_used("chat", 10, "hour") == 1
    assert await storage.quota_used("user", 1, "hour") == 1
    assert await storage.get_report(theirs, 20) is not None


async def test_a_limit_of_zero_is_no_limit(storage: Storage, make_settings) -> None:
    operator = make_settings(user_checks_per_hour=0, user_checks_per_day=0,
                             chat_checks_per_hour=0, chat_checks_per_day=0)
    limits = QuotaLimits.effective(operator, ChatSettings(chat_id=1))
    assert limits == QuotaLimits(0, 0, 0, 0)
    now = datetime(2030, 1, 3, 10, 0)
    for _ in range(5):
        await storage.consume_quota(1, 100, limits, now=now)
    assert await storage.quota_used("user", 1, "hour", now=now) == 5


def test_a_chats_own_zero_leaves_the_operators_limit(make_settings) -> None:
    limited = make_settings(user_checks_per_hour=10, user_checks_per_day=0)
    own = ChatSettings(chat_id=1, user_per_hour=0, user_per_day=7, chat_per_hour=None)
    limits = QuotaLimits.effective(limited, own)
    assert limits.user_per_hour == 10  # a chat's 0: no limit of its own, the operator's holds
    assert limits.user_per_day == 7  # the operator's unlimited, lowered by the chat


async def test_recent_card_finds_this_chats_card_for_the_same_input(storage: Storage) -> None:
    key = cache_key_for_url("https://example.org/a")
    report_id = await storage.save_report(10, key, ARTICLE, _report())
    await storage.link_message(10, 5, report_id, "answer")
    assert await storage.recent_card(10, key, utcnow() - timedelta(days=1)) is None
    await storage.link_message(10, 6, report_id, "card")
    assert await storage.recent_card(10, key, utcnow() - timedelta(days=1)) == (6, report_id)
    assert await storage.recent_card(10, key, utcnow() + timedelta(seconds=1)) is None
    assert await storage.recent_card(20, key, utcnow() - timedelta(days=1)) is None
    assert await storage.recent_card(10, cache_key_for_url("https://example.org/b"),
                                     utcnow() - timedelta(days=1)) is None


async def test_a_long_thread_is_read_back_bounded_newest_last(storage: Storage) -> None:
    report_id = await storage.save_report(10, None, ARTICLE, _report())
    for n in range(50):
        await storage.add_thread_message(report_id, 10, "user", f"q{n}")
    thread = await storage.thread(report_id, 10, limit=10)
    assert [m.text for m in thread] == [f"q{n}" for n in range(40, 50)]


async def test_a_chats_forward_origin_stays_out_of_the_shared_cache(storage: Storage) -> None:
    key = cache_key_for_text(ARTICLE.text)
    mine = await storage.save_report(10, key, ARTICLE, _report(), origin="Dana Privatperson")
    own = await storage.get_report(mine, 10)
    assert own is not None and own.origin == "Dana Privatperson"
    assert own.report.article.forwarded_from == own.article.forwarded_from == "Dana Privatperson"
    assert "Dana Privatperson" in own.report.next_steps[0]
    hit = await storage.cached_report(key, "en", max_age=timedelta(days=1))
    assert hit is not None and hit.origin is None
    assert "Dana" not in hit.report.model_dump_json() + hit.article.model_dump_json()
    # A copy for another chat keeps the original's creation time (and so its expiry).
    theirs = await storage.save_report(20, key, hit.article, hit.report,
                                       created_at=hit.created_at - timedelta(days=3))
    copy = await storage.get_report(theirs, 20)
    assert copy is not None and copy.created_at == hit.created_at - timedelta(days=3)
    assert await storage.count_rows(10) == 2  # the report and its origin
    await storage.forget_chat(10)
    assert await storage.count_rows(10) == 0


async def test_retention_deletes_a_chats_forward_origin(storage: Storage) -> None:
    await storage.save_report(10, "text:x", ARTICLE, _report(), origin="Dana Privatperson")
    counts = await storage.purge_expired(30, now=utcnow() + timedelta(days=31))
    assert counts.reports == 1 and counts.extra["origins"] == 1
    assert await storage.count_rows(10) == 0


# --- robustness: PostgreSQL restarts, U+0000, what reaches the log ----------------------------
@pytest.fixture
async def postgres_storage():
    schema = await _postgres_schema()
    if schema is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, db test)")
    store = Storage(PG_URL, schema=schema)
    await store.init()
    try:
        yield store
    finally:
        await store.close()
        await _drop_schema(schema)


@pytest.mark.postgres
async def test_a_postgres_restart_does_not_fail_the_next_check(postgres_storage: Storage) -> None:
    import asyncpg
    from sqlalchemy import text

    store = postgres_storage
    first = await store.save_report(10, "text:x", ARTICLE, _report())
    async with store.engine.connect() as conn:  # the connection the pool holds
        pid = await conn.scalar(text("SELECT pg_backend_pid()"))
    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test")
    try:  # what a server restart does to every pooled connection
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    assert await store.get_report(first, 10) is not None
    await store.consume_quota(1, 10, LIMITS)


async def test_nul_characters_in_user_and_model_text_never_break_an_insert(
        storage: Storage) -> None:
    article = Article(text="Article\x00 text that is long enough.", title="T\x00")
    report = _report()
    report.summary = "A model\x00 summary."
    report_id = await storage.save_report(10, "text:x", article, report, origin="Da\x00na")
    await storage.add_thread_message(report_id, 10, "user", "Who\x00 said it?")
    await storage.update_chat_settings(10, language="d\x00e")
    stored = await storage.get_report(report_id, 10)
    assert stored is not None and stored.origin == "Dana"
    # Reports and articles are JSON, where it travels escaped: they round-trip unchanged.
    assert (stored.article.text, stored.report.summary) == (article.text, report.summary)
    assert [m.text for m in await storage.thread(report_id, 10)] == ["Who said it?"]
    assert (await storage.chat_settings(10)).language == "de"


async def test_a_database_error_never_carries_user_text_to_the_log(
        storage: Storage, caplog: pytest.LogCaptureFixture) -> None:
    from bot.storage import ThreadRow

    report_id = await storage.save_report(10, None, ARTICLE, _report())
    async with storage.engine.begin() as conn:  # the table is gone: every insert fails
        await conn.run_sync(ThreadRow.__table__.drop)
    secret = "my secret question about my neighbour"
    with pytest.raises(Exception) as caught:
        await storage.add_thread_message(report_id, 10, "user", secret)
    logging.getLogger("credbot.test").exception("storage failed", exc_info=caught.value)
    assert "credbot_thread_messages" in str(caught.value)
    assert secret not in str(caught.value) and secret not in caplog.text
