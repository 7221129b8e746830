"""Single flight across instances: one analysis of an article at a time, on every instance.

`Services.single_flight` collapses the same article checked at once *within* a process.
Across processes on one PostgreSQL, a session-level advisory lock per key does it: the
first instance to take it analyses; the others wait, then find the report in the cache.

Many locks share one dedicated connection per process (a session may hold any number of
advisory locks), taken with `pg_try_advisory_lock` and retried with a short back-off,
instead of a blocking `pg_advisory_lock` per key, which would pin one connection per
article being analysed (a burst of distinct articles would exhaust the pool, and the
server's 100 connections with a few instances). A holder that dies loses its session, and
the lock with it, at once. If the lock connection itself breaks, its locks are gone; at
worst two instances analyse the same article once more (never a wrong answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("credbot.jobs")

FIRST_WAIT, MAX_WAIT = 0.02, 0.5  # seconds between tries while another instance holds a key
_TRY = text("SELECT pg_try_advisory_lock(hashtextextended(:key, 0))")
_UNLOCK = text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))")


class AdvisoryLocks:
    """Session-level advisory locks on one connection (see the module docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._conn: AsyncConnection | None = None
        self._using = asyncio.Lock()  # one statement at a time on the connection

    async def _ask(self, statement: Any, key: str) -> bool:
        async with self._using:
            if self._conn is None:
                conn = await self.engine.connect()
                # No transaction left open for the life of the process.
                self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            try:
                return bool(await self._conn.scalar(statement, {"key": key}))
            except Exception:
                broken, self._conn = self._conn, None
                with contextlib.suppress(Exception):
                    await broken.close()
                raise

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[bool]:
        """Hold `key`'s lock for the block; yields True if another session held it first."""
        waited = False
        wait = FIRST_WAIT
        while not await self._ask(_TRY, key):
            waited = True
            await asyncio.sleep(wait)
            wait = min(MAX_WAIT, wait * 2)
        try:
            yield waited
        finally:
            try:
                await asyncio.shield(self._ask(_UNLOCK, key))
            except Exception as exc:  # noqa: BLE001 - a lost connection released it anyway
                log.warning("could not release an analysis lock (%s)", type(exc).__name__)

    async def close(self) -> None:
        async with self._using:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    await self._conn.close()
                self._conn = None


@contextlib.asynccontextmanager
async def no_wait() -> AsyncIterator[bool]:
    """One process (SQLite): the in-process single flight is all there is to do."""
    yield False
