"""Schema migrations (bot/migrations) on real SQLite files and the real PostgreSQL.

The schema main made with `create_all` before migrations, and the rows main wrote, are
snapshots in tests/data/schema/ (tests run on a clean clone, without git).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import pkgutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import bot
from bot import migrations
from bot.migrations import VERSION_TABLE, SchemaTooNewError
from bot.models import Article, ArticleInfo, Rating, Report
from bot.storage import Base, QuotaLimits, Storage, utcnow
from tests.conftest import REPO

SCHEMAS = REPO / "tests" / "data" / "schema"
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"
OLD_TABLES = ("credbot_reports", "credbot_bot_messages", "credbot_thread_messages",
              "credbot_chat_settings", "credbot_quota_counters")
TIMES = ("created_at", "updated_at", "window_start")


@dataclass
class Database:
    """One empty database: a SQLite file, or a PostgreSQL schema of this test's own."""

    dialect: str
    url: str
    schema: str | None = None

    def storage(self) -> Storage:
        return Storage(self.url, schema=self.schema)

    def engine(self) -> AsyncEngine:
        """An engine whose unqualified names and reflection both land in this database."""
        if self.schema is None:
            return create_async_engine(self.url)
        return create_async_engine(
            self.url, connect_args={"server_settings": {"search_path": self.schema}})

    async def run(self, work: Callable[[Connection], Any]) -> Any:
        engine = self.engine()
        try:
            async with engine.begin() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    async def script(self, name: str) -> None:
        """Run a snapshot's DDL (one of tests/data/schema/*.{dialect}.sql)."""
        sql = (SCHEMAS / f"{name}.{self.dialect}.sql").read_text(encoding="utf-8")
        statements = [s for s in _without_comments(sql).split(";") if s.strip()]

        def execute(conn: Connection) -> None:
            for statement in statements:
                conn.exec_driver_sql(statement)

        await self.run(execute)


def _without_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


async def _pg_schema() -> str | None:
    try:
        import asyncpg  # type: ignore[import-untyped]

        conn = await asyncio.wait_for(asyncpg.connect(PG_DSN), timeout=3)
    except Exception:  # noqa: BLE001 - any failure means "not available here"
        return None
    schema = f"credbot_test_{uuid.uuid4().hex[:12]}"
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.close()
    return schema


async def _drop(schema: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(PG_DSN)
    await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def make_database(request: pytest.FixtureRequest,
                        tmp_path: Path) -> AsyncIterator[Callable[[], Awaitable[Database]]]:
    """A factory of empty databases of the parameter's kind (some tests need two)."""
    made: list[str] = []

    async def make() -> Database:
        if request.param == "sqlite":
            return Database("sqlite", f"sqlite+aiosqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")
        schema = await _pg_schema()
        if schema is None:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, db test)")
        made.append(schema)
        return Database("postgresql", PG_URL, schema)

    yield make
    for schema in made:
        await _drop(schema)


@pytest.fixture
async def database(make_database: Callable[[], Awaitable[Database]]) -> Database:
    return await make_database()


def _every_model() -> None:
    """Import every module of the bot package, so each table registered on `Base` is known."""
    for module in pkgutil.walk_packages(bot.__path__, "bot."):
        if not module.name.startswith("bot.migrations.") and not module.name.endswith("__main__"):
            importlib.import_module(module.name)


def _differences(target: MetaData) -> Callable[[Connection], list[Any]]:
    def compare(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True})
        return list(compare_metadata(context, target))

    return compare


def _fingerprint(conn: Connection) -> dict[str, Any]:
    """Every credbot table's columns (type, nullability, default, key) and indexes, as the
    database itself reports them: stricter than the comparison of models (PostgreSQL's
    SERIAL defaults, SQLite's declared types). The version table is left out."""
    if conn.dialect.name == "sqlite":
        return _sqlite_fingerprint(conn)
    columns = conn.execute(text(
        "SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length,"
        " is_nullable, column_default FROM information_schema.columns"
        " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position")).all()
    indexes = conn.execute(text(
        "SELECT tablename, indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = current_schema() ORDER BY indexname")).all()
    schema = conn.scalar(text("SELECT current_schema()"))
    return {"columns": [tuple(c) for c in columns if c[0] != VERSION_TABLE],
            "indexes": [(t, i, d.replace(f"{schema}.", "")) for t, i, d in indexes
                        if t != VERSION_TABLE]}


def _sqlite_fingerprint(conn: Connection) -> dict[str, Any]:
    names = [row[0] for row in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'credbot%'")
        if row[0] != VERSION_TABLE]
    found: dict[str, Any] = {}
    for name in sorted(names):
        columns = [tuple(c) for c in conn.exec_driver_sql(f"PRAGMA table_info('{name}')")]
        indexes = {row[1]: (row[2], [c[2] for c in conn.exec_driver_sql(
            f"PRAGMA index_info('{row[1]}')")])
            for row in conn.exec_driver_sql(f"PRAGMA index_list('{name}')")}
        found[name] = (columns, indexes)
    return found


def _old_rows() -> dict[str, list[dict[str, Any]]]:
    tables = json.loads((SCHEMAS / "main-dde5dff.rows.json").read_text(encoding="utf-8"))["tables"]
    for rows in tables.values():
        for row in rows:
            for name in TIMES:
                if name in row:
                    row[name] = datetime.fromisoformat(row[name])
            for name in ("reusable", "autocheck"):
                if name in row:
                    row[name] = bool(row[name])
    return tables


def _insert(rows: dict[str, list[dict[str, Any]]]) -> Callable[[Connection], None]:
    """Insert as the app did: ids left to the database (PostgreSQL's sequences move on)."""

    def insert(conn: Connection) -> None:
        for name, table_rows in rows.items():
            table = Table(name, MetaData(), autoload_with=conn)
            for row in table_rows:
                given = row.get("id")
                values = {k: v for k, v in row.items() if k != "id"}
                if given is None:
                    conn.execute(table.insert().values(**values))
                    continue
                made = conn.execute(table.insert().values(**values).returning(table.c.id)).scalar()
                assert made == given  # the snapshot's references (report_id) stay right

    return insert


def _dump(names: tuple[str, ...]) -> Callable[[Connection], dict[str, list[dict[str, Any]]]]:
    def dump(conn: Connection) -> dict[str, list[dict[str, Any]]]:
        found = {}
        for name in names:
            table = Table(name, MetaData(), autoload_with=conn)
            order = list(table.primary_key.columns)
            found[name] = [dict(row._mapping) for row in conn.execute(
                table.select().order_by(*order))]
        return found

    return dump


def _stamp(revision: str) -> Callable[[Connection], None]:
    def stamp(conn: Connection) -> None:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = :rev"), {"rev": revision})

    return stamp


def _upgrade_to(revision: str) -> Callable[[Connection], None]:
    def upgrade(conn: Connection) -> None:
        command.upgrade(migrations.alembic_config(conn), revision)

    return upgrade


def _report() -> Report:
    return Report(analyzer="llm", language="en", article=ArticleInfo(word_count=3),
                  summary="A summary.", rating=Rating.from_score(3, "Because."))


# --- (1) from an empty database ---------------------------------------------------------------
async def test_migrations_from_an_empty_database_build_exactly_what_the_models_declare(
        database: Database) -> None:
    _every_model()
    store = database.storage()
    try:
        assert await store.init() == migrations.head()
        assert await store.init() == migrations.head()  # a second start changes nothing
    finally:
        await store.close()
    assert await database.run(_differences(Base.metadata)) == []


async def test_revision_0001_builds_the_schema_main_made_with_create_all(
        make_database: Callable[[], Awaitable[Database]]) -> None:
    main, migrated = await make_database(), await make_database()
    await main.script("main-dde5dff")
    await migrated.run(_upgrade_to("0001_initial"))

    reflected = MetaData()
    await main.run(lambda conn: reflected.reflect(conn))
    assert sorted(reflected.tables) == sorted(OLD_TABLES)
    assert await migrated.run(_differences(reflected)) == []
    assert await migrated.run(_fingerprint) == await main.run(_fingerprint)


# --- (2) from the schema on main, with rows -------------------------------------------------
async def test_upgrading_the_schema_of_main_keeps_every_row_and_the_bot_works_on_it(
        make_database: Callable[[], Awaitable[Database]]) -> None:
    database, fresh = await make_database(), await make_database()
    await database.script("main-dde5dff")
    rows = _old_rows()
    assert set(rows) == set(OLD_TABLES) and all(rows.values())
    await database.run(_insert(rows))
    before = await database.run(_dump(OLD_TABLES))

    store = database.storage()
    try:
        assert await store.init() == migrations.head()
        assert await database.run(_dump(OLD_TABLES)) == before

        group, user = -1001234, 777
        old = await store.get_report(1, group)
        assert old is not None and old.report.analyzer == "offline"
        assert "Putin" in old.article.text
        assert await store.report_for_message(group, 41) == 1
        assert [m.role for m in await store.thread(1, group)] == ["user", "assistant"]
        settings = await store.chat_settings(group)
        assert (settings.language, settings.autocheck, settings.threshold,
                settings.user_per_hour) == ("de", True, 3, 5)
        window = rows["credbot_quota_counters"][0]["window_start"]
        assert await store.quota_used("user", user, "hour", now=window) == 3

        new_id = await store.save_report(group, "v2:text:new", Article(text="New text."),
                                         _report(), origin="A Channel")
        assert new_id == 3  # after the old rows, whatever the backend's id source
        new = await store.get_report(new_id, group)
        assert new is not None and new.origin == "A Channel"
        await store.update_chat_settings(group, threshold=2)
        assert (await store.chat_settings(group)).threshold == 2
        limits = QuotaLimits(user_per_hour=20, user_per_day=100, chat_per_hour=60,
                             chat_per_day=300)
        await store.consume_quota(user, group, limits, now=window)
        assert await store.quota_used("chat", group, "hour", now=window) == 4
        await store.consume_quota(user, group, limits)
        assert await store.quota_used("user", user, "day", now=utcnow()) == 1
    finally:
        await store.close()

    fresh_store = fresh.storage()
    try:
        await fresh_store.init()
    finally:
        await fresh_store.close()
    assert await database.run(_fingerprint) == await fresh.run(_fingerprint)
    assert await database.run(_differences(Base.metadata)) == []


async def test_a_database_made_after_the_origins_table_and_before_migrations_keeps_its_origins(
        database: Database) -> None:
    await database.script("main-dde5dff")
    await database.script("report-origins-before-migrations")
    rows = _old_rows()
    await database.run(_insert({"credbot_reports": rows["credbot_reports"][:1]}))
    origin = {"report_id": 1, "chat_id": -1001234, "forwarded_from": "Daily Example",
              "created_at": utcnow()}
    await database.run(_insert({"credbot_report_origins": [origin]}))

    store = database.storage()
    try:
        assert await store.init() == migrations.head()
        stored = await store.get_report(1, -1001234)
        assert stored is not None and stored.origin == "Daily Example"
    finally:
        await store.close()


# --- (3) instances starting at once ---------------------------------------------------------
# One instance, as `credbot run` starts it: says "ready", then brings the schema to head.
INSTANCE = """
import asyncio, sys
from bot.storage import Storage

async def start() -> None:
    store = Storage(sys.argv[1], schema=sys.argv[2] or None)
    print("ready", flush=True)
    try:
        print(await store.init(), flush=True)
    finally:
        await store.close()

asyncio.run(start())
"""
GUARD = 120.0  # seconds: a generous bound, so a regression fails instead of hanging


def _instances(database: Database, count: int) -> list[subprocess.Popen[str]]:
    processes = [subprocess.Popen(
        [sys.executable, "-c", INSTANCE, database.url, database.schema or ""],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)}) for _ in range(count)]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return processes


def _finished(processes: list[subprocess.Popen[str]]) -> list[str]:
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=GUARD)
        assert process.returncode == 0, err[-2000:]
        outputs.append(out.strip())
    return outputs


async def _waiters_for_the_lock(conn: Any) -> int:
    key = migrations.LOCK_KEY
    return int(await conn.fetchval(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid = $1 AND objid = $2", key >> 32, key & 0xFFFFFFFF))


async def test_instances_starting_at_once_on_the_schema_of_main_upgrade_it_once_and_keep_it(
        database: Database, tmp_path: Path) -> None:
    """Real processes, held at the start line by a lock the test holds, then let go at once."""
    await database.script("main-dde5dff")
    await database.run(_insert(_old_rows()))
    before = await database.run(_dump(OLD_TABLES))
    count = 3
    if database.dialect == "postgresql":
        import asyncpg  # type: ignore[import-untyped]

        holder = await asyncpg.connect(PG_DSN)
        try:
            transaction = holder.transaction()
            await transaction.start()
            await holder.execute("SELECT pg_advisory_xact_lock($1)", migrations.LOCK_KEY)
            processes = _instances(database, count)
            async with asyncio.timeout(GUARD):  # every instance queues on the lock
                while await _waiters_for_the_lock(holder) < count:
                    await asyncio.sleep(0.05)
            await transaction.commit()
        finally:
            await holder.close()
    else:
        path = database.url.split("///", 1)[1]
        holder_db = sqlite3.connect(path, isolation_level=None)
        holder_db.execute("BEGIN IMMEDIATE")
        processes = _instances(database, count)
        holder_db.execute("COMMIT")
        holder_db.close()
    assert _finished(processes) == [migrations.head()] * count
    assert await database.run(_dump(OLD_TABLES)) == before
    assert await database.run(lambda conn: migrations.current(conn)) == (migrations.head(),)


async def test_storages_starting_at_once_in_one_process_all_succeed(database: Database) -> None:
    stores = [database.storage() for _ in range(4)]
    try:
        async with asyncio.timeout(GUARD):
            revisions = await asyncio.gather(*(store.init() for store in stores))
        assert revisions == [migrations.head()] * len(stores)
        report_id = await stores[0].save_report(1, None, Article(text="Text."), _report())
        assert await stores[3].get_report(report_id, 1) is not None
    finally:
        for store in stores:
            await store.close()
    assert await database.run(lambda conn: migrations.current(conn)) == (migrations.head(),)


# --- (4) a database from a newer credbot ------------------------------------------------------
async def test_a_database_at_an_unknown_revision_is_refused_in_one_line(
        database: Database) -> None:
    store = database.storage()
    try:
        await store.init()
        await database.run(_stamp("0099_from_a_newer_credbot"))
        with pytest.raises(SchemaTooNewError) as raised:
            await store.init()
    finally:
        await store.close()
    message = raised.value.user_message
    assert "\n" not in message
    assert "0099_from_a_newer_credbot" in message and "upgrade credbot" in message
    assert migrations.head() in message
    # Nothing was changed: the newer credbot's stamp is still there.
    assert await database.run(lambda conn: migrations.current(conn)) == (
        "0099_from_a_newer_credbot",)


async def test_another_applications_alembic_version_table_is_left_alone(
        database: Database) -> None:
    """The database may be shared: credbot keeps its revision in its own version table."""

    def other_app(conn: Connection) -> None:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('abc123')")

    await database.run(other_app)
    store = database.storage()
    try:
        assert await store.init() == migrations.head()
    finally:
        await store.close()
    assert await database.run(
        lambda conn: conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    ) == [("abc123",)]


# --- the command line -------------------------------------------------------------------------
def _credbot(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CREDBOT_DATABASE_URL": url, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=GUARD, check=False)


def test_credbot_db_upgrade_migrates_the_database_and_names_the_revision(tmp_path: Path) -> None:
    path = tmp_path / "credbot.db"
    url = f"sqlite+aiosqlite:///{path}"
    for _ in range(2):  # the second run finds nothing to do
        done = _credbot("db", "upgrade", url=url, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"The database is at revision {migrations.head()}, the newest."
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert set(Base.metadata.tables) <= tables


async def test_a_database_from_a_newer_credbot_stops_db_upgrade_and_run_in_one_line(
        tmp_path: Path) -> None:
    from tests.test_bot_start import one_line, run_with_database

    database = Database("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'credbot.db'}")
    store = database.storage()
    try:
        await store.init()
    finally:
        await store.close()
    await database.run(_stamp("0099_from_a_newer_credbot"))

    upgrade = await asyncio.to_thread(_credbot, "db", "upgrade", url=database.url, cwd=tmp_path)
    run = await asyncio.to_thread(run_with_database, database.url, tmp_path)
    for done in (upgrade, run):
        line = one_line(done)
        assert line.startswith("credbot: the database's schema is at revision "
                               "0099_from_a_newer_credbot"), line


async def test_two_databases_upgraded_at_once_by_one_process_each_get_their_own_tables(
        make_database: Callable[[], Awaitable[Database]]) -> None:
    """Alembic's running migration is process-global: upgrades must not mix their operations."""
    first, second = await make_database(), await make_database()
    await second.script("main-dde5dff")  # different work: one from empty, one from 0001
    stores = [first.storage(), second.storage()]
    try:
        async with asyncio.timeout(GUARD):
            revisions = await asyncio.gather(*(store.init() for store in stores))
    finally:
        for store in stores:
            await store.close()
    assert revisions == [migrations.head()] * 2
    assert await first.run(_fingerprint) == await second.run(_fingerprint)
    assert await second.run(_differences(Base.metadata)) == []
