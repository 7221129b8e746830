"""Where updates enter: PTB's update queue, made durable.

PTB's Updater (polling) and webhook handler both `await application.update_queue.put(update)`
before acknowledging the update to Telegram, and the webhook turns an exception there into a
500 (Telegram delivers again) while polling keeps its offset before the update (it is fetched
again). So the queue is the one place where "the update is safe" can be made true: updates
become jobs there (for polling, by the time the next getUpdates goes out), and never feed
PTB's in-process dispatcher (workers run the jobs). Anything that is not an Update (PTB's
own stop signal) goes through the plain queue.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.error import NetworkError

from .store import NewJob

log = logging.getLogger("credbot.jobs")


class JobStoreUnavailable(NetworkError):
    """An update could not be stored as a job. A NetworkError, so PTB's polling loop retries
    (the offset stays before the update) and a webhook answers 500 (Telegram redelivers)."""


def job_key(bot_id: int, update_id: int) -> str:
    return f"{bot_id}:{update_id}"


def describe(update: Update) -> NewJob:
    """The job for an update (its JSON is the payload a worker rebuilds it from)."""
    kind = next((name for name in Update.ALL_TYPES if getattr(update, name, None) is not None),
                "update")
    chat = update.effective_chat
    return NewJob(key="", kind=kind, chat_id=chat.id if chat is not None else None,
                  payload=update.to_json())


class DurableUpdateQueue(asyncio.Queue[Any]):
    """`Application.update_queue` whose `put(update)` stores a job (see the module docstring).

    Webhook: each `put` stores its job before it returns (the 200 follows). Long polling:
    Telegram forgets updates only when a getUpdates call carries an offset past them, so the
    jobs of one batch are kept here and stored together, in one transaction, by `flush`,
    which the polling connection (bot.app.PollingRequest) awaits before each getUpdates goes
    out; if storing fails, that call is not made (the offset is never sent) and the batch is
    stored on the retry. One transaction per batch instead of one per update: a burst of a
    hundred messages is one write, not a hundred queued behind the workers' writes.

    `enqueue` is set by the job runtime once the database is open; `bot_id` makes the key
    (`bot_id:update_id`, unique per bot, the same when Telegram redelivers).
    """

    def __init__(self) -> None:
        super().__init__()
        self.enqueue: Any = None  # async (list[NewJob]) -> list[bool]
        self.bot_id: int = 0
        self.polling = False  # set by the first flush: updates come by getUpdates
        self._batch: list[NewJob] = []

    async def put(self, item: Any) -> None:
        if not isinstance(item, Update):
            await super().put(item)
            return
        described = describe(item)
        job = NewJob(key=job_key(self.bot_id, item.update_id), kind=described.kind,
                     chat_id=described.chat_id, payload=described.payload)
        if self.polling:
            self._batch.append(job)  # stored by flush, before the offset moves past it
            return
        await self._store([job])

    async def flush(self) -> None:
        """Store the jobs of the polled batch (before the next getUpdates confirms them)."""
        self.polling = True
        if self._batch:
            batch = list(self._batch)
            await self._store(batch)
            del self._batch[:len(batch)]

    async def _store(self, jobs: list[NewJob]) -> None:
        if self.enqueue is None:
            raise JobStoreUnavailable("the job queue is not open yet")
        try:
            stored = await self.enqueue(jobs)
        except Exception as exc:  # noqa: BLE001 - whatever the database raised: not stored
            log.warning("%d update(s) could not be stored as jobs (%s); Telegram will deliver "
                        "them again", len(jobs), type(exc).__name__)
            raise JobStoreUnavailable(f"{len(jobs)} update(s) not stored "
                                      f"({type(exc).__name__})") from None
        for job, new in zip(jobs, stored, strict=True):
            if not new:
                log.info("update %s is already a job (delivered again); not stored twice",
                         job.key)
