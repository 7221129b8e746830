"""What the bot remembers, in one SQL database through SQLAlchemy 2 async.

SQLite (a file) by default, PostgreSQL via asyncpg when `CREDBOT_DATABASE_URL` says so.
Stored: reports with the article text (follow-up questions need it, and the same link
checked twice is answered from here without a second LLM call), who a chat said its copy
was forwarded from, which bot message shows which report, the follow-up threads, per-chat
settings and quota counters. Everything but chat settings expires after `retention_days`;
`forget_chat` deletes all of a chat's rows but its quota counters (they hold no content,
expire in two days, and must survive /forget or it would reset the operator's limits).
Times are naive UTC so SQLite and PostgreSQL compare them the same way.

Reports are shared between chats through `cached_report`, so a report row holds only what
came from the article itself; the forward's origin lives in its own table, keyed by the
chat's report row, and is put back into the chat's view by `get_report` (`bot.origin`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import time
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (BigInteger, Boolean, DateTime, Dialect, Integer, String, Text,
                        TypeDecorator, delete, event, func, select, update)
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .errors import QuotaExceededError
from .models import Article, Report
from .origin import article_with_origin, with_origin
from .settings import Settings

if TYPE_CHECKING:
    from .jobs.flight import AdvisoryLocks


SETTINGS_TTL = 30.0  # seconds a chat's settings are cached in memory
SQLITE_START_ATTEMPTS = 6  # runs of the start-up upgrade when SQLite refuses a lock at once
THREAD_LIMIT = 40  # newest follow-up messages read back for an answer


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class _NoNul(TypeDecorator[str]):
    """Text stored without U+0000.

    PostgreSQL's text types refuse the character outright ("invalid byte sequence"), so one
    NUL in a question or a forward's name would fail the insert; it carries no meaning in
    any of our texts, so it is dropped on the way in, on every backend alike. (JSON columns
    hold it escaped as \\u0000, which text accepts, so reports round-trip unchanged.)
    """

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return value.replace("\x00", "") if value is not None else None


class SafeText(_NoNul):
    impl = Text
    cache_ok = True


class SafeString(_NoNul):
    impl = String
    cache_ok = True


class Base(DeclarativeBase):
    pass


class ReportRow(Base):
    __tablename__ = "credbot_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    cache_key: Mapped[str | None] = mapped_column(SafeString(160), index=True)
    language: Mapped[str] = mapped_column(SafeString(16))
    reusable: Mapped[bool] = mapped_column(Boolean, default=True)
    article_json: Mapped[str] = mapped_column(SafeText)
    report_json: Mapped[str] = mapped_column(SafeText)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True, default=utcnow)


class OriginRow(Base):
    """Who a chat said its copy of a report was forwarded from: that chat's data alone.

    A table of its own rather than a column: databases made before it (by `create_all`,
    which adds tables, never columns) got it at start, before migrations (0002) existed.
    """

    __tablename__ = "credbot_report_origins"

    report_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    forwarded_from: Mapped[str] = mapped_column(SafeText)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True, default=utcnow)


class BotMessageRow(Base):
    """A bot message (card or follow-up answer) and the report it belongs to."""

    __tablename__ = "credbot_bot_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(SafeString(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True, default=utcnow)


class ThreadRow(Base):
    __tablename__ = "credbot_thread_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(Integer, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[str] = mapped_column(SafeString(16))
    text: Mapped[str] = mapped_column(SafeText)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True, default=utcnow)


class ChatSettingsRow(Base):
    __tablename__ = "credbot_chat_settings"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    language: Mapped[str | None] = mapped_column(SafeString(16), nullable=True)
    autocheck: Mapped[bool] = mapped_column(Boolean, default=False)
    threshold: Mapped[int] = mapped_column(Integer, default=5)
    user_per_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_per_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    chat_per_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)
    chat_per_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class QuotaRow(Base):
    __tablename__ = "credbot_quota_counters"

    scope: Mapped[str] = mapped_column(SafeString(8), primary_key=True)  # "user" | "chat"
    subject_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    period: Mapped[str] = mapped_column(SafeString(8), primary_key=True)  # "hour" | "day"
    window_start: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


@dataclass
class ChatSettings:
    """A chat's own choices; None quota fields mean "the operator's limit"."""

    chat_id: int
    language: str | None = None
    autocheck: bool = False
    threshold: int = 5
    user_per_hour: int | None = None
    user_per_day: int | None = None
    chat_per_hour: int | None = None
    chat_per_day: int | None = None


QUOTA_FIELDS = ("user_per_hour", "user_per_day", "chat_per_hour", "chat_per_day")
_SETTABLE = {f.name for f in fields(ChatSettings)} - {"chat_id"}


@dataclass
class QuotaLimits:
    """Checks allowed per window; 0 (or less) means no limit."""

    user_per_hour: int
    user_per_day: int
    chat_per_hour: int
    chat_per_day: int

    @classmethod
    def effective(cls, settings: Settings, chat: ChatSettings) -> QuotaLimits:
        """The operator's limits, lowered (never raised) by the chat's own.

        The operator's 0 means no limit, as documented. A chat's own 0 (like None) means
        "no limit of this chat's own": the operator's applies, since a chat may not raise it.
        """

        def pick(operator: int, own: int | None) -> int:
            if own is None or own <= 0:
                return operator
            return own if operator <= 0 else min(operator, own)

        return cls(
            user_per_hour=pick(settings.user_checks_per_hour, chat.user_per_hour),
            user_per_day=pick(settings.user_checks_per_day, chat.user_per_day),
            chat_per_hour=pick(settings.chat_checks_per_hour, chat.chat_per_hour),
            chat_per_day=pick(settings.chat_checks_per_day, chat.chat_per_day),
        )


class QuotaReached(QuotaExceededError):
    """Which limit was reached and when it frees up, for a translated message."""

    def __init__(self, scope: str, period: str, limit: int, resets_at: datetime) -> None:
        who = "You have" if scope == "user" else "This chat has"
        super().__init__(f"{who} reached the limit of {limit} checks per {period}. "
                         f"Try again after {resets_at:%H:%M} UTC.")
        self.scope = scope
        self.period = period
        self.limit = limit
        self.resets_at = resets_at


@dataclass
class StoredReport:
    """A stored report; from `get_report` it is the chat's own view (its origin included)."""

    id: int
    chat_id: int
    article: Article
    report: Report
    created_at: datetime
    origin: str | None = None


@dataclass
class ThreadMessage:
    role: str  # "user" | "assistant"
    text: str


@dataclass
class PurgeCounts:
    reports: int = 0
    messages: int = 0
    thread: int = 0
    quota: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.reports + self.messages + self.thread + self.quota


# Bumped when what a shared report may contain changes: rows written before version 2 could
# carry a chat's forward origin, so they are never served to another chat.
CACHE_VERSION = "v2"


def cache_key_for_url(canonical: str) -> str:
    return f"{CACHE_VERSION}:url:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def cache_key_for_text(text: str) -> str:
    folded = " ".join(text.split()).casefold()
    return f"{CACHE_VERSION}:text:" + hashlib.sha256(folded.encode("utf-8")).hexdigest()


def _window(now: datetime, period: str) -> tuple[datetime, datetime]:
    if period == "hour":
        start = now.replace(minute=0, second=0, microsecond=0)
        return start, start + timedelta(hours=1)
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


class Storage:
    """All database access. Create with `Storage.from_settings`, then `await init()`."""

    def __init__(self, url: str, *, schema: str | None = None,
                 settings_ttl: float = SETTINGS_TTL) -> None:
        # hide_parameters: errors name the statement but never the values (user text).
        options: dict[str, Any] = {"hide_parameters": True}
        self.schema = schema  # tests: unqualified tables live in this schema
        if schema:
            options["execution_options"] = {"schema_translate_map": {None: schema}}
        if url.startswith("sqlite"):
            options["connect_args"] = {"timeout": 30}
        else:
            # A pooled connection that a server restart has closed is replaced before use,
            # instead of failing the first check after the restart. (A SQLite file has no
            # server to restart, and the ping costs a round trip per checkout.)
            options["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(url, **options)
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._session = async_sessionmaker(self.engine, expire_on_commit=False)
        # Chat settings are read on every message and change rarely: cache them briefly.
        # Changes made through this object are seen at once; other processes within the TTL.
        self._settings_ttl = settings_ttl
        self._settings_cache: dict[int, tuple[float, ChatSettings]] = {}
        # Bumped on every change: a read that raced with a change is not cached.
        self._settings_changes = 0
        self._flights: AdvisoryLocks | None = None  # PostgreSQL's cross-instance locks

    @classmethod
    def from_settings(cls, settings: Settings) -> Storage:
        return cls(settings.database_url)

    async def init(self) -> str:
        """Bring the schema to this code's newest revision (`bot.migrations`); return it.

        Run at every start: an empty database gets every table, an older one its missing
        migrations with every row kept, in one transaction that instances starting at once
        take in turn. A database from a newer credbot raises `SchemaTooNewError`.
        """
        from sqlalchemy.exc import OperationalError

        from .migrations import one_at_a_time, upgrade  # Alembic loads only where needed

        for attempt in range(1, SQLITE_START_ATTEMPTS + 1):
            try:
                async with one_at_a_time(), self.engine.connect() as conn:
                    revision = await conn.run_sync(upgrade, self.schema)
                    await conn.commit()
                return revision
            except OperationalError as exc:
                # SQLite answers "database is locked" at once, without its busy timeout, where
                # waiting could deadlock (a connection switching the file to WAL, or taking
                # the write lock, while other processes start on the same file). Its advice
                # is to run the transaction again; the upgrade is one transaction.
                locked = self.dialect == "sqlite" and "locked" in str(exc.orig)
                if not locked or attempt == SQLITE_START_ATTEMPTS:
                    raise
                await asyncio.sleep(random.uniform(0.05, 0.25) * attempt)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._flights is not None:
            await self._flights.close()
        await self.engine.dispose()

    # --- reports ------------------------------------------------------------
    async def save_report(self, chat_id: int, cache_key: str | None, article: Article,
                          report: Report, *, origin: str | None = None,
                          created_at: datetime | None = None) -> int:
        """Store a chat's report; `article` and `report` must be free of the chat's origin.

        `origin` (who the chat's message was forwarded from) goes to the chat's own row.
        A chat's copy of another chat's report passes the original's `created_at`, so the
        copy expires with it instead of restarting the retention clock.
        """
        now = utcnow()
        # A fall-back offline report (the LLM failed) is not served again: next time may work.
        row = ReportRow(chat_id=chat_id, cache_key=cache_key, language=report.language,
                        reusable=report.llm_error is None, article_json=article.model_dump_json(),
                        report_json=report.model_dump_json(), created_at=created_at or now)
        async with self._session.begin() as session:
            session.add(row)
            await session.flush()
            if origin:
                session.add(OriginRow(report_id=row.id, chat_id=chat_id, forwarded_from=origin,
                                      created_at=now))
            return row.id

    async def cached_report(self, cache_key: str, language: str, *,
                            analyzer: str | None = None,
                            max_age: timedelta) -> StoredReport | None:
        """The newest reusable report for this input and language, from any chat."""
        query = (select(ReportRow)
                 .where(ReportRow.cache_key == cache_key, ReportRow.language == language,
                        ReportRow.reusable.is_(True), ReportRow.created_at >= utcnow() - max_age)
                 .order_by(ReportRow.created_at.desc()).limit(8))
        async with self._session() as session:
            for row in (await session.scalars(query)).all():
                stored = _stored(row)
                if analyzer is None or stored.report.analyzer == analyzer:
                    return stored
        return None

    async def get_report(self, report_id: int, chat_id: int) -> StoredReport | None:
        """A report as its chat sees it (with the chat's forward origin), only for that chat."""
        query = (select(ReportRow, OriginRow.forwarded_from)
                 .outerjoin(OriginRow, (OriginRow.report_id == ReportRow.id)
                            & (OriginRow.chat_id == ReportRow.chat_id))
                 .where(ReportRow.id == report_id, ReportRow.chat_id == chat_id))
        async with self._session() as session:
            found = (await session.execute(query)).first()
        if found is None:
            return None
        row, origin = found
        stored = _stored(row)
        stored.origin = origin
        stored.article = article_with_origin(stored.article, origin)
        stored.report = with_origin(stored.report, origin)
        return stored

    # --- bot messages and threads ---------------------------------------------
    async def link_message(self, chat_id: int, message_id: int, report_id: int, kind: str) -> None:
        statement = self._insert(BotMessageRow).values(
            chat_id=chat_id, message_id=message_id, report_id=report_id, kind=kind,
            created_at=utcnow())
        statement = statement.on_conflict_do_update(
            index_elements=["chat_id", "message_id"],
            set_={"report_id": report_id, "kind": kind})
        async with self._session.begin() as session:
            await session.execute(statement)

    async def report_for_message(self, chat_id: int, message_id: int) -> int | None:
        async with self._session() as session:
            row = await session.get(BotMessageRow, (chat_id, message_id))
        return row.report_id if row else None

    async def add_thread_message(self, report_id: int, chat_id: int, role: str, text: str) -> None:
        async with self._session.begin() as session:
            session.add(ThreadRow(report_id=report_id, chat_id=chat_id, role=role, text=text,
                                  created_at=utcnow()))

    async def thread(self, report_id: int, chat_id: int,
                     limit: int = THREAD_LIMIT) -> list[ThreadMessage]:
        """The newest `limit` messages of a follow-up thread, oldest first.

        Bounded: a long thread (quotas off) must not make every answer read all of it.
        """
        query = (select(ThreadRow).where(ThreadRow.report_id == report_id,
                                         ThreadRow.chat_id == chat_id)
                 .order_by(ThreadRow.id.desc()).limit(limit))
        async with self._session() as session:
            rows = (await session.scalars(query)).all()
        return [ThreadMessage(role=row.role, text=row.text) for row in reversed(rows)]

    async def recent_card(self, chat_id: int, cache_key: str,
                          since: datetime) -> tuple[int, int] | None:
        """(message id, report id) of this chat's newest card for this input sent since
        `since`, or None: a group is pointed to it instead of getting the same card again."""
        query = (select(BotMessageRow.message_id, BotMessageRow.report_id)
                 .join(ReportRow, ReportRow.id == BotMessageRow.report_id)
                 .where(BotMessageRow.chat_id == chat_id, BotMessageRow.kind == "card",
                        BotMessageRow.created_at >= since, ReportRow.chat_id == chat_id,
                        ReportRow.cache_key == cache_key)
                 .order_by(BotMessageRow.created_at.desc()).limit(1))
        async with self._session() as session:
            found = (await session.execute(query)).first()
        return (found[0], found[1]) if found else None

    # --- chat settings -----------------------------------------------------------
    async def chat_settings(self, chat_id: int) -> ChatSettings:
        cached = self._settings_cache.get(chat_id)
        if cached is not None and time.monotonic() - cached[0] < self._settings_ttl:
            return replace(cached[1])
        changes = self._settings_changes
        async with self._session() as session:
            row = await session.get(ChatSettingsRow, chat_id)
        if row is None:
            found = ChatSettings(chat_id=chat_id)
        else:
            found = ChatSettings(chat_id=chat_id, **{name: getattr(row, name) for name in _SETTABLE})
        if changes != self._settings_changes:
            return found  # changed while we read: this read may predate it, so don't keep it
        if len(self._settings_cache) > 10_000:
            self._settings_cache.clear()
        self._settings_cache[chat_id] = (time.monotonic(), found)
        return replace(found)

    def _settings_changed(self, chat_id: int) -> None:
        self._settings_changes += 1
        self._settings_cache.pop(chat_id, None)

    async def update_chat_settings(self, chat_id: int, **changes: Any) -> ChatSettings:
        unknown = set(changes) - _SETTABLE
        if unknown:
            raise ValueError(f"unknown chat settings: {sorted(unknown)}")
        defaults = {f.name: f.default for f in fields(ChatSettings) if f.name in _SETTABLE}
        # Insert-if-missing then update, both atomic: two admins changing settings of a
        # new chat at once (or two bot instances) must not collide on the primary key.
        create = (self._insert(ChatSettingsRow)
                  .values(chat_id=chat_id, updated_at=utcnow(), **defaults)
                  .on_conflict_do_nothing(index_elements=["chat_id"]))
        change = (update(ChatSettingsRow).where(ChatSettingsRow.chat_id == chat_id)
                  .values(updated_at=utcnow(), **changes))
        async with self._session.begin() as session:
            await session.execute(create)
            await session.execute(change)
        self._settings_changed(chat_id)
        return await self.chat_settings(chat_id)

    # --- quotas ------------------------------------------------------------------
    async def consume_quota(self, user_id: int, chat_id: int, limits: QuotaLimits,
                            *, now: datetime | None = None, job_key: str | None = None) -> None:
        """Count one check for the user and the chat, or raise QuotaReached and count nothing.

        A limit of 0 is no limit (the check is still counted, so a limit set later holds).

        The four counters go up in one upsert statement inside a transaction that is rolled
        back when any of them passes its limit, so concurrent checks never overshoot a quota.

        With `job_key` (the job being worked, `bot.jobs`) the charge is recorded in the same
        transaction, once: a retried job that was charged before is not charged again, and
        `refund` can take back exactly what was counted.
        """
        now = now or utcnow()
        checks = {("user", user_id, "hour"): limits.user_per_hour,
                  ("user", user_id, "day"): limits.user_per_day,
                  ("chat", chat_id, "hour"): limits.chat_per_hour,
                  ("chat", chat_id, "day"): limits.chat_per_day}
        rows = [{"scope": scope, "subject_id": subject, "period": period,
                 "window_start": _window(now, period)[0], "count": 1}
                for scope, subject, period in checks]
        insert = self._insert(QuotaRow)
        statement = insert.values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=["scope", "subject_id", "period", "window_start"],
            set_={"count": QuotaRow.count + 1},
        ).returning(QuotaRow.scope, QuotaRow.subject_id, QuotaRow.period, QuotaRow.count)
        async with self._session.begin() as session:
            if job_key is not None and not await self._charge_once(session, job_key, user_id,
                                                                   chat_id, now):
                return  # an earlier attempt of this job was counted
            for scope, subject, period, count in (await session.execute(statement)).all():
                limit = checks[(scope, subject, period)]
                if 0 < limit < count:  # raising inside begin() rolls every increment back
                    raise QuotaReached(scope, period, limit, _window(now, period)[1])

    async def _charge_once(self, session: Any, job_key: str, user_id: int, chat_id: int,
                           now: datetime) -> bool:
        """Record the job's charge; False if it had one already."""
        from .jobs.tables import QuotaChargeRow

        statement = (self._insert(QuotaChargeRow)
                     .values(job_key=job_key, user_id=user_id, chat_id=chat_id,
                             hour_start=_window(now, "hour")[0], day_start=_window(now, "day")[0],
                             refunded=False, created_at=now)
                     .on_conflict_do_nothing(index_elements=["job_key"])
                     .returning(QuotaChargeRow.job_key))
        return (await session.execute(statement)).first() is not None

    async def refund(self, job_key: str) -> bool:
        """Take back a failed job's charge (once): the four counters it raised go down.

        False when there is nothing to refund (never charged, or refunded already).
        """
        from .jobs.tables import QuotaChargeRow

        claim = (update(QuotaChargeRow)
                 .where(QuotaChargeRow.job_key == job_key, QuotaChargeRow.refunded.is_(False))
                 .values(refunded=True)
                 .returning(QuotaChargeRow.user_id, QuotaChargeRow.chat_id,
                            QuotaChargeRow.hour_start, QuotaChargeRow.day_start))
        async with self._session.begin() as session:
            charge = (await session.execute(claim)).first()
            if charge is None:
                return False
            user_id, chat_id, hour_start, day_start = charge
            for scope, subject in (("user", user_id), ("chat", chat_id)):
                for period, start in (("hour", hour_start), ("day", day_start)):
                    await session.execute(
                        update(QuotaRow)
                        .where(QuotaRow.scope == scope, QuotaRow.subject_id == subject,
                               QuotaRow.period == period, QuotaRow.window_start == start,
                               QuotaRow.count > 0)
                        .values(count=QuotaRow.count - 1))
        return True

    def flight(self, key: str) -> contextlib.AbstractAsyncContextManager[bool]:
        """Held while this instance analyses `key`, so other instances wait for its report
        instead of analysing the same article (`bot.jobs.flight`). Yields True when another
        instance held it first: the caller should look in the cache again. SQLite (one
        process) never waits."""
        from .jobs.flight import AdvisoryLocks, no_wait

        if self.dialect != "postgresql":
            return no_wait()
        if self._flights is None:
            self._flights = AdvisoryLocks(self.engine)
        return self._flights.hold(key)

    def _insert(self, model: type[Base]) -> Any:
        """INSERT with the dialect's ON CONFLICT clauses (both spell them the same)."""
        from sqlalchemy.dialects import postgresql, sqlite

        return (postgresql if self.dialect == "postgresql" else sqlite).insert(model)

    async def quota_used(self, scope: str, subject_id: int, period: str,
                         *, now: datetime | None = None) -> int:
        start, _ = _window(now or utcnow(), period)
        async with self._session() as session:
            row = await session.get(QuotaRow, (scope, subject_id, period, start))
        return row.count if row else 0

    # --- retention ------------------------------------------------------------------
    async def purge(self, older_than: datetime) -> PurgeCounts:
        """Delete everything created before `older_than` (chat settings are kept)."""
        counts = PurgeCounts()
        expired = select(ReportRow.id).where(ReportRow.created_at < older_than)
        async with self._session.begin() as session:

            async def gone(statement: Any) -> int:
                return _rows(await session.execute(statement))

            counts.extra["origins"] = await gone(delete(OriginRow).where(
                (OriginRow.created_at < older_than) | OriginRow.report_id.in_(expired)))
            counts.thread = await gone(delete(ThreadRow).where(ThreadRow.created_at < older_than))
            counts.messages = await gone(
                delete(BotMessageRow).where(BotMessageRow.created_at < older_than))
            counts.reports = await gone(delete(ReportRow).where(ReportRow.created_at < older_than))
            # Counters older than a day are never read again.
            counts.quota = await gone(
                delete(QuotaRow).where(QuotaRow.window_start < utcnow() - timedelta(days=2)))
        return counts

    async def purge_expired(self, retention_days: int, *, now: datetime | None = None) -> PurgeCounts:
        return await self.purge((now or utcnow()) - timedelta(days=retention_days))

    async def forget_chat(self, chat_id: int) -> int:
        """Delete this chat's data: reports, origins, threads, message links, settings.

        Quota counters stay: they hold no content, expire within two days, and deleting them
        would let anyone reset the operator's limits with /forget.
        """
        async with self._session.begin() as session:
            total = 0
            for statement in (
                delete(OriginRow).where(OriginRow.chat_id == chat_id),
                delete(ThreadRow).where(ThreadRow.chat_id == chat_id),
                delete(BotMessageRow).where(BotMessageRow.chat_id == chat_id),
                delete(ReportRow).where(ReportRow.chat_id == chat_id),
                delete(ChatSettingsRow).where(ChatSettingsRow.chat_id == chat_id),
            ):
                total += _rows(await session.execute(statement))
        self._settings_changed(chat_id)
        return total

    async def count_rows(self, chat_id: int) -> int:
        """How many content rows a chat has (for /privacy and tests)."""
        async with self._session() as session:
            total = 0
            for model in (ReportRow, OriginRow, BotMessageRow, ThreadRow):
                total += int(await session.scalar(
                    select(func.count()).select_from(model).where(model.chat_id == chat_id)) or 0)
        return total


def _rows(result: Any) -> int:
    """Rows a DELETE touched (typed Result objects do not declare `rowcount`)."""
    return int(getattr(result, "rowcount", 0) or 0)


def _stored(row: ReportRow) -> StoredReport:
    return StoredReport(id=row.id, chat_id=row.chat_id,
                        article=Article.model_validate_json(row.article_json),
                        report=Report.model_validate_json(row.report_json),
                        created_at=row.created_at)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while one writer commits; NORMAL skips an fsync per commit.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def report_json_bytes(report: Report) -> bytes:
    """The full report as a pretty JSON file's bytes (the Report button)."""
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2).encode("utf-8")


# The job tables live on this Base too (bot/jobs/tables.py): imported here so that every
# user of the metadata (migrations, their tests) sees them. Last, as that module imports Base.
from .jobs import tables as _job_tables  # noqa: E402, F401
