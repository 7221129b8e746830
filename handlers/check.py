"""Checking an article: forwards, pasted text, links, captions, `/check`, and group autocheck.

update -> CheckInput -> (cached report | quota -> engine) -> card with buttons -> stored.
The same article checked again (any chat, same language) is answered from storage,
and the same article checked by several chats at once is analysed once. So the engine
only ever sees the article itself: who a chat's message was forwarded from is stored with
that chat and added to its own card at the edge (`bot.origin`), never shared.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.engine import analyze, load_article
from bot.errors import CredbotError, FetchError, InputError
from bot.i18n import t
from bot.models import Article, Report
from bot.origin import with_origin
from bot.render import card_html
from bot.storage import (ChatSettings, QuotaLimits, QuotaReached, StoredReport, Storage,
                         cache_key_for_text, cache_key_for_url)
from bot.urls import canonical_url

from . import followup
from .common import (CheckInput, Services, chat_language, esc, extract_input, first_link,
                     is_private, reply_html, requester_id, services, strip_command, typing)

log = logging.getLogger("credbot.handlers.check")
CARD_LIMIT = 1000


@dataclass
class Outcome:
    report_id: int
    report: Report
    cached: bool


def error_text(exc: CredbotError, language: str) -> str:
    """A typed engine error as the user's one sentence, in their language where we can."""
    if isinstance(exc, QuotaReached):
        return t(language, f"quota_{exc.scope}", limit=exc.limit, period=t(language, exc.period),
                 time=f"{exc.resets_at:%H:%M}")
    if isinstance(exc, FetchError):
        return t(language, "fetch_error", message=exc.user_message)
    if isinstance(exc, InputError):
        return t(language, "input_error", message=exc.user_message)
    return exc.user_message


def card_message(report: Report, language: str, *, cached: bool = False) -> str:
    """The card in HTML, with a short note when the LLM failed or the report is a repeat."""
    text = card_html(report, limit=CARD_LIMIT)
    if report.llm_error:
        text += "\n\n<i>" + esc(t(language, "llm_failed",
                                  reason=report.llm_error.rstrip(". "))) + "</i>"
    if cached:
        text += "\n<i>" + esc(t(language, "cached")) + "</i>"
    return text


def card_keyboard(report_id: int, language: str) -> InlineKeyboardMarkup:
    def button(key: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(t(language, key), callback_data=f"cb:{report_id}:{action}")

    return InlineKeyboardMarkup([
        [button("btn_claims", "claims"), button("btn_sources", "sources"),
         button("btn_next", "next")],
        [button("btn_report", "report")],
    ])


def cache_key(check_input: CheckInput) -> str:
    if check_input.url:
        return cache_key_for_url(canonical_url(check_input.url))
    return cache_key_for_text(check_input.source)


async def obtain_report(svc: Services, check_input: CheckInput, *, chat_id: int, user_id: int,
                        chat_settings: ChatSettings, language: str) -> Outcome:
    """A stored report for this input, or a new one (counted against the quotas)."""
    key = cache_key(check_input)
    settings = svc.settings
    async with svc.admission:
        hit = await svc.storage.cached_report(
            key, language, analyzer="llm" if settings.llm_configured else None,
            max_age=timedelta(days=settings.retention_days))
        if hit is None:
            await svc.storage.consume_quota(user_id, chat_id,
                                            QuotaLimits.effective(settings, chat_settings))
    origin = check_input.forwarded_from
    if hit is not None:
        report_id = await _chat_copy(svc.storage, hit, chat_id, key, origin)
        return Outcome(report_id, with_origin(hit.report, origin), cached=True)

    async def make() -> tuple[Article, Report]:
        # No origin: the result is shared with every chat that asks at the same time.
        article = await load_article(check_input.source, settings)
        return article, await analyze(article, settings, language=language, client=svc.llm)

    (article, report), _shared = await svc.single_flight(f"{key}|{language}", make)
    report_id = await svc.storage.save_report(chat_id, key, article, report, origin=origin)
    return Outcome(report_id, with_origin(report, origin), cached=False)


async def _chat_copy(storage: Storage, hit: StoredReport, chat_id: int, key: str,
                     origin: str | None) -> int:
    """The chat's own row for a cached report: the hit itself when it is this chat's with the
    same origin, else a copy that keeps the original's creation time (and so its expiry)."""
    if hit.chat_id == chat_id:
        own = await storage.get_report(hit.id, chat_id)
        if own is not None and own.origin == origin:
            return hit.id
    return await storage.save_report(chat_id, key, hit.article, hit.report, origin=origin,
                                     created_at=hit.created_at)


async def run_check(update: Update, context: ContextTypes.DEFAULT_TYPE, check_input: CheckInput,
                    *, reply_to: Message, autocheck: bool = False) -> None:
    """Check, then reply with the card. Autocheck stays quiet on errors and above the threshold."""
    svc = services(context)
    chat_id = reply_to.chat_id
    async with typing(context, chat_id):
        async with svc.admission:
            chat_settings = await svc.storage.chat_settings(chat_id)
        language = await chat_language(update, context, chat_settings)
        try:
            outcome = await obtain_report(svc, check_input, chat_id=chat_id,
                                          user_id=requester_id(update),
                                          chat_settings=chat_settings, language=language)
        except CredbotError as exc:
            log.info("check refused in chat %s: %s (%s)", chat_id, type(exc).__name__,
                     exc.detail or exc.user_message)
            if not autocheck:
                await reply_html(reply_to, esc(error_text(exc, language)))
            return
    if autocheck and outcome.report.rating.score > chat_settings.threshold:
        return
    async with svc.publishing(chat_id):
        sent = await reply_html(reply_to, card_message(outcome.report, language,
                                                       cached=outcome.cached),
                                reply_markup=card_keyboard(outcome.report_id, language))
        await svc.storage.link_message(chat_id, sent.message_id, outcome.report_id, "card")


# --- entry points -------------------------------------------------------------------------
async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every non-command message: follow-up, check, autocheck, or a friendly line."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    sender = message.from_user
    if sender is not None and sender.is_bot and message.sender_chat is None:
        return  # other bots (anonymous admins post through a bot account *with* sender_chat)
    if await followup.handle_reply(update, context):
        return
    username = context.bot.username
    if is_private(chat):
        check_input = extract_input(message)
        if check_input is None:
            await reply_html(message, esc(t(await chat_language(update, context), "unsupported")))
            return
        await run_check(update, context, check_input, reply_to=message)
        return
    mentioned = bool(username) and f"@{username}".lower() in (message.text or message.caption
                                                               or "").lower()
    if mentioned:
        check_input = extract_input(message, bot_username=username)
        target = message
        if check_input is None and message.reply_to_message is not None:
            target = message.reply_to_message
            check_input = extract_input(target)
        if check_input is None:
            await reply_html(message, esc(t(await chat_language(update, context), "check_usage")))
            return
        await run_check(update, context, check_input, reply_to=target)
        return
    chat_settings = await services(context).storage.chat_settings(chat.id)
    if chat_settings.autocheck and (link := first_link(message)):
        from .common import origin_name

        await run_check(update, context, CheckInput(link, link, origin_name(message)),
                        reply_to=message, autocheck=True)


async def check_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/check <link or text>, or /check as a reply to any message."""
    message = update.effective_message
    if message is None:
        return
    arguments = strip_command(message.text or "", context.bot.username)
    target = message
    if arguments:
        check_input = extract_input(message, bot_username=context.bot.username, text=arguments)
    elif message.reply_to_message is not None:
        target = message.reply_to_message
        check_input = extract_input(target)
    else:
        await reply_html(message, esc(t(await chat_language(update, context), "check_usage")))
        return
    if check_input is None:
        await reply_html(message, esc(t(await chat_language(update, context), "nothing_to_check")))
        return
    await run_check(update, context, check_input, reply_to=target)
