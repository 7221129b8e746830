"""Checking an article: forwards, pasted text, links, captions, `/check`, and group autocheck.

update -> CheckInput -> quota -> (cached report | engine) -> card with buttons -> stored.
The same article checked again (any chat, same language) is answered from storage,
and the same article checked by several chats at once is analysed once. So the engine
only ever sees the article itself: who a chat's message was forwarded from is stored with
that chat and added to its own card at the edge (`bot.origin`), never shared.

Every card counts against the asker's and the chat's quotas, cached or not. In a group, an
input already carded there within a day gets a one-line pointer to that card instead of a
second card; autocheck says nothing then (the card is already in the chat, and moderators
want fewer bot messages, not one per repost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters,
                      Update)
from telegram.ext import ContextTypes

from bot.engine import analyze, load_article
from bot.errors import CredbotError, FetchError, InputError
from bot.i18n import t
from bot.jobs import context as jobs
from bot.models import Article, Report
from bot.origin import with_origin
from bot.render import card_html
from bot.storage import (ChatSettings, QuotaLimits, QuotaReached, StoredReport, Storage,
                         cache_key_for_text, cache_key_for_url, utcnow)
from bot.urls import canonical_url

from . import albums, followup
from .common import (CheckInput, Services, chat_language, esc, extract_input, first_link,
                     fit_html, is_private, message_text, reply_html, requester_id, services,
                     strip_command, typing)

log = logging.getLogger("credbot.handlers.check")
CARD_LIMIT = 1000
REPOST_WINDOW = timedelta(days=1)  # a group's same input within this gets a pointer, not a card
# One check at a time per (group, input): a link posted twice at once still gets one card.
_same_input: weakref.WeakValueDictionary[tuple[int, str], asyncio.Lock] = \
    weakref.WeakValueDictionary()


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


async def obtain_report(svc: Services, check_input: CheckInput, key: str, *, chat_id: int,
                        user_id: int, chat_settings: ChatSettings, language: str,
                        wanted: Callable[[Report], bool] | None = None) -> Outcome | None:
    """A stored report for this input, or a new one; either way counted against the quotas.

    A stored report that `wanted` turns down (autocheck, above the chat's threshold) costs
    nothing and is neither counted nor copied: None. A new one is counted before the
    analysis, whatever it turns out to be, since that is what the quota protects.
    """
    settings = svc.settings
    async with svc.admission:
        hit = await svc.storage.cached_report(
            key, language, analyzer="llm" if settings.llm_configured else None,
            max_age=timedelta(days=settings.retention_days))
        if hit is not None and wanted is not None and not wanted(hit.report):
            return None
        await svc.storage.consume_quota(user_id, chat_id,
                                        QuotaLimits.effective(settings, chat_settings),
                                        job_key=jobs.current_key())  # once per job
    origin = check_input.forwarded_from
    if hit is not None:
        report_id = await _chat_copy(svc.storage, hit, chat_id, key, origin)
        return Outcome(report_id, with_origin(hit.report, origin), cached=True)

    async def make() -> tuple[Article, Report, int | None]:
        # No origin: the result is shared with every chat that asks at the same time. Other
        # instances asking at once wait on the flight lock, then find the report stored.
        async with svc.storage.flight(f"{key}|{language}") as waited:
            again = await svc.storage.cached_report(
                key, language, analyzer="llm" if settings.llm_configured else None,
                max_age=timedelta(days=settings.retention_days)) if waited else None
            if again is not None:
                return again.article, again.report, None
            article = await load_article(check_input.source, settings)
            report = await analyze(article, settings, language=language, client=svc.llm)
            # Saved before the lock is let go, so whoever waited finds it.
            saved = await svc.storage.save_report(chat_id, key, article, report, origin=origin)
            return article, report, saved

    (article, report, saved), shared = await svc.single_flight(f"{key}|{language}", make)
    report_id = saved if saved is not None and not shared else await svc.storage.save_report(
        chat_id, key, article, report, origin=origin)
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
    """Check, then reply with the card. Autocheck stays quiet on errors and above the threshold.

    In a group, an input carded there within `REPOST_WINDOW` gets a pointer to that card
    (autocheck: nothing) instead of a new card.
    """
    svc = services(context)
    chat_id = reply_to.chat_id
    group = not is_private(reply_to.chat)
    key = cache_key(check_input)
    same_input: contextlib.AbstractAsyncContextManager[object] = (
        _one_at_a_time(chat_id, key) if group else contextlib.nullcontext())
    async with typing(context, chat_id), same_input:
        async with svc.admission:
            chat_settings = await svc.storage.chat_settings(chat_id)
            earlier = await svc.storage.recent_card(chat_id, key, utcnow() - REPOST_WINDOW) \
                if group else None
        language = await chat_language(update, context, chat_settings)
        if earlier is not None:
            if not autocheck:
                await point_to_card(context, reply_to, *earlier, language)
            return
        threshold = chat_settings.threshold
        try:
            outcome = await obtain_report(
                svc, check_input, key, chat_id=chat_id, user_id=requester_id(update),
                chat_settings=chat_settings, language=language,
                wanted=(lambda report: report.rating.score <= threshold) if autocheck else None)
        except CredbotError as exc:
            log.info("check refused in chat %s: %s (%s)", chat_id, type(exc).__name__,
                     exc.detail or exc.user_message)
            if not autocheck:
                await reply_html(reply_to, esc(error_text(exc, language)))
            return
        if outcome is None or (autocheck and outcome.report.rating.score > threshold):
            return
        async with svc.publishing(chat_id):
            sent = await reply_html(reply_to, card_message(outcome.report, language,
                                                           cached=outcome.cached),
                                    reply_markup=card_keyboard(outcome.report_id, language))
            await svc.storage.link_message(chat_id, sent.message_id, outcome.report_id, "card")


def _one_at_a_time(chat_id: int, key: str) -> asyncio.Lock:
    lock = _same_input.get((chat_id, key))
    if lock is None:
        lock = _same_input[(chat_id, key)] = asyncio.Lock()
    return lock


async def point_to_card(context: ContextTypes.DEFAULT_TYPE, asked: Message, card_id: int,
                        report_id: int, language: str) -> None:
    """One line replying to the earlier card (Telegram shows it quoted, a tap jumps there).

    Not counted against the quotas: it costs one short message, no analysis. Replies to it
    ask about the same report, as replies to the card do.
    """
    svc = services(context)
    async with svc.publishing(asked.chat_id):
        sent = await context.bot.send_message(
            chat_id=asked.chat_id, text=fit_html(esc(t(language, "checked_here"))),
            message_thread_id=asked.message_thread_id if asked.is_topic_message else None,
            reply_parameters=ReplyParameters(message_id=card_id,
                                             allow_sending_without_reply=True))
        await svc.storage.link_message(asked.chat_id, sent.message_id, report_id, "pointer")


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
    if message.media_group_id is not None and is_private(chat):
        state = albums.album(chat.id, message.media_group_id)
        if not message_text(message).strip():

            async def unsupported() -> None:
                language = await chat_language(update, context)
                await reply_html(message, esc(t(language, "unsupported")))

            await albums.quiet_part(state, unsupported)
            return
        albums.captioned_part(state)
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
