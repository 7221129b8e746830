"""Is the database usable? Asked once at start, so `credbot run` says what is wrong in one line.

Without it, a SQLite file in a missing folder, an unwritable `-wal`/`-shm` file or a
PostgreSQL server that is down surfaces as a 130–190-line SQLAlchemy traceback from deep
inside the first query (and an unwritable `-shm` file that SQLite maps read-only can kill
the process with SIGBUS, no log line at all). Every check names the place and the
reason and never the password.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from . import logsafe

CONNECT_TIMEOUT = 10.0  # seconds for the one test connection to a database server
# SQLite's companions of a database file: each must be writable if it exists.
SQLITE_SIBLINGS = ("", "-wal", "-shm", "-journal")


def problem(database_url: str, *, timeout: float = CONNECT_TIMEOUT) -> str | None:
    """None when the database can be used; else one sentence saying what is wrong."""
    try:
        url = make_url(database_url)
    except (ArgumentError, ValueError):
        return "CREDBOT_DATABASE_URL is not a database URL (e.g. sqlite+aiosqlite:///credbot.db)."
    if url.get_backend_name() == "sqlite":
        return sqlite_problem(url.database)
    return server_problem(url, timeout=timeout)


def sqlite_problem(database: str | None) -> str | None:
    """The folder must exist and take new files (SQLite makes its journal there); the file
    and its -wal/-shm/-journal companions, where present, must be writable regular files."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).expanduser().absolute()
    folder = path.parent
    if not folder.exists():
        return f"the database folder {folder} does not exist (CREDBOT_DATABASE_URL)."
    if not folder.is_dir():
        return f"{folder} is not a folder (CREDBOT_DATABASE_URL)."
    try:  # os.access would say yes to root; only a real write tells
        with tempfile.TemporaryFile(dir=folder, prefix=".credbot-check-"):
            pass
    except OSError as exc:
        return f"cannot create files in the database folder {folder} ({reason(exc)})."
    for suffix in SQLITE_SIBLINGS:
        candidate = path.with_name(path.name + suffix)
        if not os.path.lexists(candidate):
            continue
        if not candidate.is_file():
            return f"the database file {candidate} is not a regular file."
        try:
            os.close(os.open(candidate, os.O_RDWR))
        except OSError as exc:
            return f"cannot write the database file {candidate} ({reason(exc)})."
    return None


def server_problem(url: URL, *, timeout: float = CONNECT_TIMEOUT) -> str | None:
    """Connect once (own event loop: the bot's is not made yet); the error in one line."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(_connect(url, timeout))
    finally:
        loop.close()


async def _connect(url: URL, timeout: float) -> str | None:
    from sqlalchemy.ext.asyncio import create_async_engine

    where = f"{url.host or 'localhost'}{f':{url.port}' if url.port else ''}/{url.database or ''}"
    try:
        engine = create_async_engine(url)
    except Exception as exc:  # noqa: BLE001 - a missing driver, a bad option: say it, don't crash
        return f"cannot use the database at {where} ({reason(exc)})."
    try:
        async with asyncio.timeout(timeout), engine.connect():
            return None
    except TimeoutError:
        return f"the database at {where} did not answer within {timeout:g} s."
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises, one line
        return f"cannot connect to the database at {where} ({reason(exc)})."
    finally:
        await engine.dispose()


def reason(exc: BaseException) -> str:
    """The innermost cause, first line, without the password or SQLAlchemy's link."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return logsafe.redact(first)[:200]
