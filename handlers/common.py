"""What every handler needs: the app's services, the chat's language, safe replies, input parsing.

Handlers stay thin: this module turns a Telegram message into what the engine takes (text
or a link, plus who it was forwarded from), and sends HTML that Telegram will accept (every
outside string escaped, never over 4,096 characters, link previews off by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import (
    Chat,
    Message,
    MessageEntity,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.engine import link_of
from bot.i18n import resolve_language
from bot.llm import LLMClient
from bot.render import clip_html, safe_text, split_html
from bot.settings import Settings
from bot.storage import ChatSettings, Storage
from bot.text import word_count

log = logging.getLogger("credbot.handlers")
T = TypeVar("T")

TELEGRAM_LIMIT = 4096
# Fewer words than this, and no link, is a chat message rather than something to check.
MIN_ARTICLE_WORDS = 12
ADMISSION = 4  # concurrent pre-analysis database steps
TYPING_EVERY = 4.5  # seconds; Telegram shows a chat action for about five


@dataclass
class Services:
    """The long-lived pieces handlers share, kept in `application.bot_data`."""

    settings: Settings
    storage: Storage
    llm: LLMClient | None = None
    inflight: dict[str, asyncio.Future[Any]] = field(default_factory=dict)
    # The database steps before an analysis, a few at a time: in a burst, checks then reach
    # the LLM in arrival order instead of all crawling through the pool together.
    admission: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(ADMISSION))
    _publishing: weakref.WeakValueDictionary[int, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary)

    def publishing(self, chat_id: int) -> asyncio.Lock:
        """Held while a bot message is sent and recorded in a chat.

        Only that short step is serialised per chat (never the slow analysis), so a reply to
        a message the bot has just sent always finds it recorded.
        """
        lock = self._publishing.get(chat_id)
        if lock is None:
            lock = self._publishing[chat_id] = asyncio.Lock()
        return lock

    async def single_flight(self, key: str, make: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """Run `make()` once per key at a time; concurrent callers share the result.

        Returns (result, shared): `shared` is True for callers that waited on another's run.
        Two people posting the same link at once cost one fetch and one LLM call.
        """
        running = self.inflight.get(key)
        if running is not None:
            return await asyncio.shield(running), True
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.inflight[key] = future
        try:
            result = await make()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters (if any) get it, else nobody logs it
            raise
        else:
            future.set_result(result)
            return result, False
        finally:
            self.inflight.pop(key, None)


SERVICES_KEY = "credbot"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]


def esc(text: str) -> str:
    """Escaped for Telegram HTML, without bidi overrides or control characters (see
    bot.render.safe_text): model and article text reach chats only through here or render."""
    return html.escape(safe_text(text), quote=False)


def fit_html(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    """Text that Telegram accepts in one message: cut inside a line when need be, never
    inside a tag or an entity, open tags closed, an ellipsis at the cut.

    The raw length bounds the displayed length (tags and entities only shrink it), so a
    text that fits here fits in Telegram. Several messages: `reply_long_html`.
    """
    return clip_html(text, limit)


def is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == ChatType.PRIVATE


async def chat_language(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        chat_settings: ChatSettings | None = None) -> str:
    """The chat's chosen language, else the sender's Telegram language, else the default."""
    svc = services(context)
    if chat_settings is None and update.effective_chat is not None:
        chat_settings = await svc.storage.chat_settings(update.effective_chat.id)
    user = update.effective_user
    return resolve_language(chat_settings.language if chat_settings else None,
                            user.language_code if user else None, svc.settings.language)


def requester_id(update: Update) -> int:
    """Who a quota counts against: the person who asked.

    A message sent as a chat (a channel, or an anonymous admin as the group) carries a
    stand-in account (Channel_Bot, GroupAnonymousBot, Telegram), not its owner. It counts
    for the person when Telegram names one, else for the chat it was sent in: counting for
    the channel would give each of someone's channels a quota of its own.
    """
    telegram_service = 777000  # "Telegram", sender of a linked channel's automatic forwards
    message = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    person = user is not None and not user.is_bot and user.id != telegram_service
    if message is not None and message.sender_chat is not None and not person:
        return chat.id if chat is not None else message.sender_chat.id
    if user is not None:
        return user.id
    return chat.id if chat is not None else 0


async def reply_html(message: Message, text: str, **kwargs: Any) -> Message:
    """Reply in the message's chat (and thread), quoting it when it still exists."""
    return await message.get_bot().send_message(
        chat_id=message.chat_id, text=fit_html(text), message_thread_id=message.message_thread_id
        if message.is_topic_message else None,
        reply_parameters=ReplyParameters(message_id=message.message_id,
                                         allow_sending_without_reply=True),
        **kwargs)


async def reply_long_html(message: Message, text: str, *, max_parts: int = 4,
                          **kwargs: Any) -> list[Message]:
    """Reply with a text too long for one message as several, in order (a long follow-up
    answer). Each part is valid HTML on its own; `kwargs` (e.g. a keyboard) go with the last.
    """
    parts = split_html(text, TELEGRAM_LIMIT, max_parts=max_parts) or [text]
    sent = []
    for i, part in enumerate(parts):
        sent.append(await reply_html(message, part, **(kwargs if i == len(parts) - 1 else {})))
    return sent


@contextlib.asynccontextmanager
async def typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" at once and keep it up until the block ends (long LLM calls)."""

    async def keep() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await context.bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(keep())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# --- what a message asks us to check ------------------------------------------------------
@dataclass
class CheckInput:
    source: str  # text or a URL, as bot.engine.load_article takes it
    url: str | None
    forwarded_from: str | None


def origin_name(message: Message) -> str | None:
    """Who a forwarded message came from, in words, for the card."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        user = origin.sender_user
        return f"{user.full_name} (@{user.username})" if user.username else user.full_name
    if isinstance(origin, MessageOriginHiddenUser):
        return origin.sender_user_name
    if isinstance(origin, MessageOriginChat):
        name = origin.sender_chat.title or origin.sender_chat.full_name or "a group"
        return f"{name} ({origin.author_signature})" if origin.author_signature else name
    if isinstance(origin, MessageOriginChannel):
        name = origin.chat.title or "a channel"
        if origin.chat.username:
            name += f" (@{origin.chat.username})"
        return name
    return None


def message_text(message: Message) -> str:
    return message.text or message.caption or ""


def hidden_links(message: Message) -> list[str]:
    """Links behind words (text_link entities), which the text alone does not show."""
    entities = message.parse_entities([MessageEntity.TEXT_LINK]) if message.text else \
        message.parse_caption_entities([MessageEntity.TEXT_LINK])
    return [entity.url for entity in entities if entity.url]


def strip_command(text: str, bot_username: str | None) -> str:
    """Drop a leading /command (and @botname) and any mention of the bot."""
    stripped = text.strip()
    if stripped.startswith("/"):
        stripped = stripped.split(maxsplit=1)[1] if " " in stripped or "\n" in stripped else ""
    if bot_username:
        stripped = stripped.replace(f"@{bot_username}", " ")
    return stripped.strip()


def extract_input(message: Message, *, bot_username: str | None = None,
                  text: str | None = None) -> CheckInput | None:
    """The article or link a message carries, or None when there is nothing to check.

    A message that is essentially a link (a few words around it are fine) is a link; a
    long text is the article itself, even if it contains links; a short text whose words
    hide a link (text_link) is that link.
    """
    body = strip_command(message_text(message) if text is None else text, bot_username)
    forwarded_from = origin_name(message)
    url = link_of(body) if body else None
    if url:
        return CheckInput(url, url, forwarded_from)
    if word_count(body) >= MIN_ARTICLE_WORDS:
        return CheckInput(body, None, forwarded_from)
    links = hidden_links(message)
    if links:
        return CheckInput(links[0], links[0], forwarded_from)
    return None


def first_link(message: Message) -> str | None:
    """Any link in the message, for autocheck in groups ("check every link posted")."""
    from bot.urls import find_url

    return find_url(message_text(message)) or next(iter(hidden_links(message)), None)
