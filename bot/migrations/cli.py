"""`credbot db upgrade`: apply the migrations now, without starting the bot.

Every start does the same (`Storage.init`); the command is for deployments that migrate as
a step of their own, before new instances start. Problems are one line and exit 1.
"""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy.exc import SQLAlchemyError

from .. import dbcheck
from ..settings import Settings
from ..storage import Storage


def db_upgrade(settings: Settings) -> int:
    """Bring the database of `CREDBOT_DATABASE_URL` to the newest revision; say which."""
    trouble = dbcheck.problem(settings.database_url)
    if trouble:
        print(f"credbot: {trouble}", file=sys.stderr)
        return 1
    try:
        revision = asyncio.run(_upgrade(settings))
    except SQLAlchemyError as exc:  # e.g. no right to create tables: the reason, no password
        print(f"credbot: the migration failed ({dbcheck.reason(exc)}).", file=sys.stderr)
        return 1
    print(f"The database is at revision {revision}, the newest.")
    return 0


async def _upgrade(settings: Settings) -> str:
    store = Storage.from_settings(settings)
    try:
        return await store.init()
    finally:
        await store.close()
