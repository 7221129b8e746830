"""The database's schema history: Alembic migrations, applied at every start.

`Base.metadata.create_all` only creates missing tables; it cannot add a column or an index
to a database that already holds data, nor change a type. So every change to the tables is
a small, numbered, hand-written migration in `versions/` (0001 is the schema as main made it
with `create_all` before migrations existed), and `upgrade` brings a database to the newest
one, inside one transaction: at every start (`Storage.init`) and from `credbot db upgrade`.

Alembic, because it is SQLAlchemy's own migration tool: it speaks both of our dialects, keeps
the revision in the database, and its autogenerate comparison lets a test prove that the
migrations build exactly what the models declare (tests/test_migrations.py).

A database made by `create_all` before migrations (credbot tables, no version table) is
recognised and stamped with the revision its tables match, then upgraded: no row is lost.
A database stamped by a newer credbot is refused in one sentence. Instances starting at
once on one PostgreSQL queue on an advisory lock; on SQLite the first takes the file's
write lock (BEGIN IMMEDIATE) and the others wait for it.

Adding a migration: a new file in `versions/` named after the next number
(`0003_what.py`), `down_revision` = the newest revision's id, explicit `op.*` calls (on
SQLite anything beyond adding a column or an index needs `op.batch_alter_table`), then run
tests/test_migrations.py: it fails while migrations and models disagree.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from ..errors import CredbotError

# Our own name, not Alembic's default: the database may be shared with an application that
# keeps its own `alembic_version`, whose revisions we must neither read nor touch.
VERSION_TABLE = "credbot_alembic_version"
# pg_advisory_xact_lock key every credbot instance takes around an upgrade ("credbot" in ASCII).
LOCK_KEY = 0x63726564626F74
# Databases made by create_all before migrations: the newest table present tells the revision
# (create_all added tables, never columns or indexes to existing ones). Newest first.
PRE_MIGRATION_TABLES = (
    ("credbot_report_origins", "0002_report_origins"),
    ("credbot_reports", "0001_initial"),
)


# Alembic keeps the running migration in module globals (`alembic.op`, `alembic.context`) and
# run_sync lets one event loop's upgrades interleave at every statement, so two databases
# upgraded at once by one process would mix their operations: one upgrade per loop at a time.
_ONE_AT_A_TIME: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = WeakKeyDictionary()


def one_at_a_time() -> asyncio.Lock:
    """This event loop's lock around `upgrade` (the database's own lock is taken inside)."""
    loop = asyncio.get_running_loop()
    lock = _ONE_AT_A_TIME.get(loop)
    if lock is None:
        lock = _ONE_AT_A_TIME[loop] = asyncio.Lock()
    return lock


class SchemaTooNewError(CredbotError):
    """The database was upgraded by a newer credbot: this code does not know its revision."""


def alembic_config(connection: Connection | None = None, schema: str | None = None) -> Config:
    """Alembic's configuration, built in code: no alembic.ini is needed, installed or not.

    `schema` places the version table in that schema (tests give each run a schema of its
    own and translate unqualified names into it); the connection is handed to env.py.
    """
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent))
    config.attributes["connection"] = connection
    config.attributes["schema"] = schema
    return config


def head() -> str:
    """The newest revision this code knows."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None, "bot/migrations/versions holds no migration"
    return revision


def current(connection: Connection, schema: str | None = None) -> tuple[str, ...]:
    """The revision(s) the database is stamped with; () for none."""
    return _context(connection, schema).get_current_heads()


def upgrade(connection: Connection, schema: str | None = None) -> str:
    """Bring the database to the newest revision; return it. The caller commits.

    Everything happens in the connection's one transaction, after the lock: a second
    instance waits, then finds the work done (PostgreSQL reads committed data per
    statement) and runs nothing.
    """
    _lock(connection)
    config = alembic_config(connection, schema)
    script = ScriptDirectory.from_config(config)
    context = _context(connection, schema)
    stamped = context.get_current_heads()
    if stamped:
        _known(script, stamped)
    else:
        legacy = _pre_migration_revision(connection, schema)
        if legacy is not None:
            context.stamp(script, legacy)
    command.upgrade(config, "head")
    return ",".join(current(connection, schema))


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Released at commit or rollback; every credbot instance queues here.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    elif connection.dialect.name == "sqlite" and not connection.in_transaction():
        # The write lock now, not at the first write: a second process waits here instead
        # of reading "no tables yet" and then failing to create them.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _context(connection: Connection, schema: str | None) -> MigrationContext:
    return MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE, "version_table_schema": schema})


def _known(script: ScriptDirectory, stamped: tuple[str, ...]) -> None:
    try:
        script.get_revisions(stamped)
    except (CommandError, RevisionError):  # Alembic words an unknown id as either
        raise SchemaTooNewError(
            f"the database's schema is at revision {', '.join(stamped)}, which this version of "
            f"credbot does not know (its newest is {script.get_current_head()}): upgrade "
            "credbot, or point CREDBOT_DATABASE_URL at another database.") from None


def _pre_migration_revision(connection: Connection, schema: str | None) -> str | None:
    tables = set(inspect(connection).get_table_names(schema=schema))
    for table, revision in PRE_MIGRATION_TABLES:
        if table in tables:
            return revision
    return None
