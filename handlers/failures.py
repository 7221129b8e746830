"""Telling a user that their update could not be handled: a reply, or a button's alert.

Used by the error handler (a failure that is final at once) and by the job worker (a job
that failed on every attempt, or whose attempts were used up by crashes). The language is
the sender's Telegram language or the default: the chat's own setting would need the
database, which may be what failed.
"""

from __future__ import annotations

from telegram import Bot, Update
from telegram.ext import Application

from bot.i18n import resolve_language, t

from .common import SERVICES_KEY, esc, reply_html


async def tell(update: Update, bot: Bot, default_language: str, key: str, **fields: object) -> None:
    """Send message `key` in reply to the update (raises TelegramError if Telegram refuses)."""
    user = update.effective_user
    language = resolve_language(None, user.language_code if user else None, default_language)
    text = t(language, key, **fields)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await reply_html(update.effective_message, esc(text))


async def tell_job_failed(update: Update, application: Application, attempts: int) -> None:
    """The job for `update` failed on every one of its `attempts`: say so, once."""
    settings = application.bot_data[SERVICES_KEY].settings
    await tell(update, application.bot, settings.language, "job_failed", count=attempts)
