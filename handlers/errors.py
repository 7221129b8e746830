"""The last line of defence: log the failure with the update's context, tell the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.app import TokenRejected
from bot.i18n import resolve_language, t

from .common import esc, reply_html, services

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
    log.error("failed handling %s: %s", describe(update), type(error).__name__,
              exc_info=error)
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    user = update.effective_user
    language = resolve_language(None, user.language_code if user else None,
                                services(context).settings.language)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t(language, "error"), show_alert=True)
        elif update.effective_message is not None:
            await reply_html(update.effective_message, esc(t(language, "error")))
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", type(exc).__name__)
