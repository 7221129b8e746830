"""The card's inline buttons: Claims / Sources / Next steps expand in place, Back returns,
Report sends the full JSON report as a file."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ReplyParameters, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.i18n import t
from bot.render import section_html
from bot.storage import report_json_bytes

from .check import card_keyboard, card_message
from .common import chat_language, fit_html, services

log = logging.getLogger("credbot.handlers.buttons")
SECTIONS = {"claims": "claims", "sources": "sources", "next": "next_steps"}
PATTERN = r"^cb:\d+:(claims|sources|next|back|report)$"


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    _, raw_id, action = query.data.split(":")
    message = query.message
    chat = update.effective_chat
    language = await chat_language(update, context)
    stored = None
    if chat is not None and message is not None:
        stored = await services(context).storage.get_report(int(raw_id), chat.id)
    if stored is None:
        await query.answer(t(language, "report_gone"), show_alert=True)
        return
    await query.answer()
    report = stored.report
    if action == "report":
        await context.bot.send_document(
            chat_id=chat.id, document=InputFile(report_json_bytes(report),
                                                filename=f"credbot-report-{stored.id}.json"),
            caption=t(language, "report_caption"),
            reply_parameters=ReplyParameters(message_id=message.message_id,
                                             allow_sending_without_reply=True))
        return
    if action == "back":
        text, markup = card_message(report, language), card_keyboard(stored.id, language)
    else:
        text = section_html(report, SECTIONS[action])  # type: ignore[arg-type]
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(
            t(language, "btn_back"), callback_data=f"cb:{stored.id}:back")]])
    try:
        await context.bot.edit_message_text(chat_id=chat.id, message_id=message.message_id,
                                            text=fit_html(text), reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # a double tap is not an error
            raise
