"""`credbot worker` (a process that only works jobs) and `credbot status` (how the queue is).

A worker has no webhook and does not poll: it opens the database, installs nothing but what
a start installs, works jobs until SIGTERM or SIGINT, then drains (bounded by
`CREDBOT_DRAIN_TIMEOUT`) and exits 0. So receiving (`credbot run --no-worker`, any number
behind a load balancer) and analysing (`credbot worker`, as many as the LLM budget allows)
scale separately. Failures at start are one line and an exit code, as for `credbot run`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from telegram.error import InvalidToken, NetworkError

from .. import dbcheck, logsafe
from ..settings import Settings
from ..storage import Storage, utcnow
from .store import Counts, JobStore

EXIT_OK, EXIT_UNREACHABLE, EXIT_CONFIG = 0, 1, 2


def run_worker(settings: Settings) -> int:
    """`credbot worker`: work jobs until a stop signal. Blocks."""
    from ..app import DropInvalidToken, build_application, start_failure

    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token.strip():
        print("credbot: TELEGRAM_BOT_TOKEN is not set (workers send the replies).",
              file=sys.stderr)
        return EXIT_CONFIG
    logsafe.install(settings)
    trouble = dbcheck.problem(settings.database_url)
    if trouble:
        print(f"credbot: {trouble}", file=sys.stderr)
        return EXIT_UNREACHABLE
    application = build_application(settings, worker=True)
    for handler in logging.getLogger().handlers:
        handler.addFilter(DropInvalidToken())
    try:
        asyncio.run(_work(application))
    except (InvalidToken, SQLAlchemyError, NetworkError) as exc:
        return start_failure(exc, settings)
    return EXIT_OK


async def _work(application: Any) -> None:
    """The Application's life without an updater: init, work until a signal, drain, close."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await application.initialize()
    try:
        await application.post_init(application)  # storage, retention, the worker itself
        try:
            await stop.wait()
        finally:
            await application.post_stop(application)  # drain
    finally:
        await application.shutdown()
        await application.post_shutdown(application)


# --- credbot status -------------------------------------------------------------------------
def status(settings: Settings, *, as_json: bool = False) -> int:
    """`credbot status [--json]`: queue depth, oldest queued job, live workers, failures.
    0, or 1 with one line when the database cannot be read."""
    trouble = dbcheck.problem(settings.database_url)
    if trouble:
        print(f"credbot: {trouble}", file=sys.stderr)
        return EXIT_UNREACHABLE
    try:
        counts = asyncio.run(read_counts(settings))
    except SQLAlchemyError as exc:
        print(f"credbot: the database failed ({dbcheck.reason(exc)}).", file=sys.stderr)
        return EXIT_UNREACHABLE
    oldest = (max(0.0, (utcnow() - counts.oldest_queued).total_seconds())
              if counts.oldest_queued is not None else 0.0)
    figures = {"queued": counts.queued, "running": counts.running,
               "oldest_queued_age": round(oldest, 1), "workers": counts.workers,
               "failed_last_hour": counts.failed_last_hour}
    if as_json:
        print(json.dumps(figures))
    else:
        print(f"queued: {counts.queued}" + (f" (oldest {oldest:.0f} s)" if counts.queued else ""))
        print(f"running: {counts.running}")
        print(f"workers alive: {counts.workers}")
        print(f"failed in the last hour: {counts.failed_last_hour}")
    return EXIT_OK


async def read_counts(settings: Settings) -> Counts:
    """The figures, or zeros for a database no credbot has started on yet (nothing is
    created: `status` only reads)."""
    empty = Counts(queued=0, running=0, oldest_queued=None, failed_last_hour=0, workers=0)
    url = make_url(settings.database_url)
    if (url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
            and not Path(url.database).expanduser().exists()):
        return empty
    storage = Storage.from_settings(settings)
    try:
        async with storage.engine.connect() as conn:
            known = await conn.run_sync(lambda sync: inspect(sync).has_table("credbot_jobs"))
        if not known:
            return empty
        return await JobStore(storage).counts(settings.job_lease)
    finally:
        await storage.close()
