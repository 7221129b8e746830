"""Exactly one card per check: what a job sent is recorded, and a retry gets it back.

A job can be attempted more than once (its worker died, a database step failed after the
card went out), and every attempt runs the handler from the start. Every Bot API call goes
through PTB's rate limiter with its endpoint, so the ledger sits there, wrapped around
whatever limiter the bot uses (the per-process one or the Redis-shared one): inside a job,
each message-creating call takes the next position (`seq`) in the job; if an earlier attempt
already sent that message, Telegram's stored answer is returned without calling Telegram
(PTB rebuilds the `Message` from it, so the handler carries on with the real message id);
else the call is made and its answer recorded.

Handlers send a job's messages in a fixed order (card, then nothing; or several parts of a
long answer in turn), which is what makes "the n-th message" the same message on every
attempt. Edits, chat actions and callback answers are not recorded: repeating them changes
nothing a user sees twice.

The window that cannot be closed: a crash after Telegram accepted a message and before the
ledger row is written (one local INSERT, milliseconds) makes the next attempt send it again.
Telegram offers no idempotency key for sendMessage, so no design can close it; this one
narrows it to that INSERT.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import BaseRateLimiter

from .context import current
from .store import JobStore

log = logging.getLogger("credbot.jobs")

# Methods that put a new message in a chat. Repeating them posts again.
MESSAGE_CREATING = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendVideo",
                              "sendAnimation", "sendAudio", "sendVoice", "sendSticker",
                              "sendPoll", "sendLocation", "sendContact", "copyMessage",
                              "copyMessages", "forwardMessage", "forwardMessages",
                              "sendMediaGroup"})
# What identifies a sent message; the text stays out of the ledger (and out of the database).
_KEPT = ("message_id", "date", "message_thread_id", "from")


def trimmed(result: Any) -> Any:
    """Telegram's answer with only what rebuilding a `Message` (and replying to it) needs."""
    if isinstance(result, list):
        return [trimmed(item) for item in result]
    if not isinstance(result, dict) or "message_id" not in result:
        return result
    kept = {name: result[name] for name in _KEPT if name in result}
    chat = result.get("chat")
    if isinstance(chat, dict):
        kept["chat"] = {"id": chat.get("id"), "type": chat.get("type")}
    return kept


def _first_message(result: Any) -> dict[str, Any] | None:
    if isinstance(result, list):
        result = result[0] if result else None
    return result if isinstance(result, dict) and "message_id" in result else None


class LedgerRateLimiter(BaseRateLimiter[Any]):
    """The bot's rate limiter (`inner`), with a send ledger in front for jobs.

    Composition rather than a subclass, so it wraps any limiter. `store` is set once the
    application's storage exists (build_application); until then, and outside jobs, every
    call goes straight to `inner`.
    """

    def __init__(self, inner: BaseRateLimiter[Any], store: JobStore | None = None) -> None:
        self.inner = inner
        self.store = store

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: Any) -> Any:
        job = current()
        if job is None or self.store is None or endpoint not in MESSAGE_CREATING:
            return await self.inner.process_request(callback, args, kwargs, endpoint, data,
                                                    rate_limit_args)
        seq = job.next_seq()
        if job.attempt > 1:  # nothing can be recorded for a first attempt
            earlier = await self.store.sent(job.key, seq)
            if earlier is not None:
                log.info("job %s: message %d was sent by an earlier attempt; not sent again",
                         job.key, seq)
                return earlier
        result = await self.inner.process_request(callback, args, kwargs, endpoint, data,
                                                  rate_limit_args)
        message = _first_message(result)
        chat_id = data.get("chat_id")
        await self.store.record_send(
            job.key, seq, chat_id if isinstance(chat_id, int) else None,
            int(message["message_id"]) if message is not None else None, trimmed(result))
        return result
