"""The last line of defence: log the failure with the update's context, tell the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.app import TokenRejected
from bot.jobs import context as jobs

from .common import services
from .failures import tell

log = logging.getLogger("credbot.errors")


def describe(update: object) -> str:
    """Where it happened — update id, chat, user, kind — never message text or secrets."""
    if not isinstance(update, Update):
        return "no update"
    parts = [f"update {update.update_id}"]
    if update.effective_chat:
        parts.append(f"chat {update.effective_chat.id} ({update.effective_chat.type})")
    if update.effective_user:
        parts.append(f"user {update.effective_user.id}")
    if update.callback_query:
        parts.append(f"button {update.callback_query.data!r}")
    elif update.effective_message:
        parts.append(f"message {update.effective_message.message_id}")
    return ", ".join(parts)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, NetworkError) and not isinstance(update, Update):
        # getUpdates failed; PTB's polling loop retries it. A rejected token ends the process
        # instead (bot.app.PollingRequest), and run_bot says so in one line.
        if not isinstance(error, TokenRejected):
            log.warning("Telegram network problem (%s: %s); retrying", type(error).__name__,
                        error)
        return
    job = jobs.current()
    if job is not None and error is not None and job.failed(error):
        # Inside a job with attempts left: the worker retries it, and the user hears nothing
        # yet (bot.jobs.runtime logs the retry).
        log.warning("failed handling %s (job %s, attempt %d of %d): %s", describe(update),
                    job.key, job.attempt, job.max_attempts, type(error).__name__,
                    exc_info=error)
        return
    log.error("failed handling %s: %s", describe(update), type(error).__name__,
              exc_info=error)
    if job is not None:
        job.told = True  # told below, or there is no one to tell
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    # After retries, say it was tried more than once (and not counted against the quota).
    key, fields = ("job_failed", {"count": job.attempt}) if job and job.attempt > 1 else \
        ("error", {})
    try:
        with jobs.notice():  # a job's failure notice is sent once, whatever retries it
            await tell(update, context.bot, services(context).settings.language, key, **fields)
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", type(exc).__name__)
