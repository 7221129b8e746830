"""Where updates enter: PTB's update queue, made durable.

PTB's Updater (polling) and webhook handler both `await application.update_queue.put(update)`
before acknowledging the update to Telegram, and the webhook turns an exception there into a
500 (Telegram delivers again) while polling keeps its offset before the update (it is fetched
again). So `put` is the one place where "the update is safe" can be made true: it writes the
job and returns, and never feeds PTB's in-process dispatcher (workers run the jobs).
Anything that is not an Update (PTB's own stop signal) goes through the plain queue.
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

    `enqueue` is set by the job runtime once the database is open; `bot_id` makes the key
    (`bot_id:update_id`, unique per bot, the same when Telegram redelivers).
    """

    def __init__(self) -> None:
        super().__init__()
        self.enqueue: Any = None  # async (NewJob) -> bool
        self.bot_id: int = 0

    async def put(self, item: Any) -> None:
        if not isinstance(item, Update):
            await super().put(item)
            return
        if self.enqueue is None:
            raise JobStoreUnavailable("the job queue is not open yet")
        described = describe(item)
        job = NewJob(key=job_key(self.bot_id, item.update_id), kind=described.kind,
                     chat_id=described.chat_id, payload=described.payload)
        try:
            new = await self.enqueue(job)
        except Exception as exc:  # noqa: BLE001 - whatever the database raised: not stored
            log.warning("update %s could not be stored as a job (%s); Telegram will deliver "
                        "it again", item.update_id, type(exc).__name__)
            raise JobStoreUnavailable(f"update {item.update_id} was not stored "
                                      f"({type(exc).__name__})") from None
        if not new:
            log.info("update %s is already a job (delivered again); not stored twice",
                     item.update_id)
