"""Follow-up questions: a reply to a card, or to the bot's answer in that thread."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.followup import answer_question
from bot.i18n import t
from bot.jobs import context as jobs
from bot.storage import QuotaLimits, QuotaReached

from .common import (chat_language, esc, is_private, message_text, reply_html, reply_long_html,
                     requester_id, services, typing)

log = logging.getLogger("credbot.handlers.followup")


async def handle_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Answer if this message replies to one of our cards or answers; False if it does not."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return False
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return False
    svc = services(context)
    async with svc.publishing(chat.id):  # a message being sent right now gets recorded first
        report_id = await svc.storage.report_for_message(chat.id, replied.message_id)
    if report_id is None:
        return False
    chat_settings = await svc.storage.chat_settings(chat.id)
    language = await chat_language(update, context, chat_settings)
    question = message_text(message).strip()
    if not question:
        if is_private(chat):
            await reply_html(message, esc(t(language, "unsupported")))
        return True
    stored = await svc.storage.get_report(report_id, chat.id)
    if stored is None:
        await reply_html(message, esc(t(language, "report_gone")))
        return True
    async with typing(context, chat.id):
        # Every answer counts, offline ones too: each is a message in the chat and two stored
        # thread rows, so a quota is what keeps a reply loop from flooding both.
        try:
            await svc.storage.consume_quota(requester_id(update), chat.id,
                                            QuotaLimits.effective(svc.settings, chat_settings),
                                            job_key=jobs.current_key())  # once per job
        except QuotaReached as exc:
            from .check import error_text

            await reply_html(message, esc(error_text(exc, language)))
            return True
        thread = await svc.storage.thread(report_id, chat.id)
        answer = await answer_question(question, article=stored.article, report=stored.report,
                                       thread=thread, settings=svc.settings, language=language,
                                       client=svc.llm)
    text = esc(answer.text)
    if answer.llm_error:
        text += "\n\n<i>" + esc(t(language, "llm_failed",
                                  reason=answer.llm_error.rstrip(". "))) + "</i>"
    async with svc.publishing(chat.id):
        parts = await reply_long_html(message, text)
        await svc.storage.add_thread_message(report_id, chat.id, "user", question)
        await svc.storage.add_thread_message(report_id, chat.id, "assistant", answer.text)
        for sent in parts:  # a reply to any part of a long answer goes on with the thread
            await svc.storage.link_message(chat.id, sent.message_id, report_id, "answer")
    return True
