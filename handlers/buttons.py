"""The card's inline buttons: Claims / Sources / Next steps expand in place, Back returns,
Report sends the full JSON report as a file."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import ClassVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.i18n import t
from bot.render import section_html
from bot.storage import report_json_bytes

from .check import card_keyboard, card_message
from .common import chat_language, fit_html, services

log = logging.getLogger("credbot.handlers.buttons")
SECTIONS = {"claims": "claims", "sources": "sources", "next": "next_steps"}
PATTERN = r"^cb:"  # ours; CardButton.unpack decides what is valid


@dataclass(frozen=True)
class CardButton:
    """What a card's button carries: "cb:<report id>:<action>", parsed in one place.

    Callback data comes back from the client, and a modified client can send anything, so
    it is parsed strictly: ASCII digits only (Python's int() takes "١"), no sign, an id a
    report row can have (INTEGER, int4 in PostgreSQL: a larger one is an OverflowError or a
    DataError in the driver), a known action. Anything else is None, and gets a short answer.
    """

    report_id: int
    action: str

    ACTIONS: ClassVar[frozenset[str]] = frozenset({"claims", "sources", "next", "back", "report"})
    MAX_ID: ClassVar[int] = 2**31 - 1
    _FORM: ClassVar[re.Pattern[str]] = re.compile(r"cb:([0-9]{1,10}):([a-z]{1,16})")

    def pack(self) -> str:
        return f"cb:{self.report_id}:{self.action}"

    @classmethod
    def unpack(cls, data: str | None) -> CardButton | None:
        match = cls._FORM.fullmatch(data or "")
        if match is None or match.group(2) not in cls.ACTIONS:
            return None
        report_id = int(match.group(1))
        return cls(report_id, match.group(2)) if 0 < report_id <= cls.MAX_ID else None


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    pressed = CardButton.unpack(query.data)
    language = await chat_language(update, context)
    if pressed is None:
        await query.answer(t(language, "button_unknown"), show_alert=True)
        return
    action = pressed.action
    message = query.message
    chat = update.effective_chat
    stored = None
    if chat is not None and message is not None:
        stored = await services(context).storage.get_report(pressed.report_id, chat.id)
    if stored is None or chat is None or message is None:
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
            t(language, "btn_back"), callback_data=CardButton(stored.id, "back").pack())]])
    try:
        await context.bot.edit_message_text(chat_id=chat.id, message_id=message.message_id,
                                            text=fit_html(text), reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # a double tap is not an error
            raise


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Data that is not ours at all still gets an answer (else the client spins a while)."""
    if update.callback_query is not None:
        await update.callback_query.answer(t(await chat_language(update, context),
                                             "button_unknown"), show_alert=True)
