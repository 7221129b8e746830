"""The Telegram bot: a python-telegram-bot `Application` built from `Settings`.

Handlers live in the `handlers` package and stay thin; this module wires them up the way
PTB's own examples do, and adds what a public bot needs: HTML and no link previews by
default on every message, `AIORateLimiter` (flood limits respected, a 429 waited out and
the message still sent), concurrent updates (a slow LLM call in one chat never holds up
another), storage set up on start with retention enforced on start and every hour, and
the commands registered with Telegram. `TELEGRAM_API_BASE_URL` points PTB's `base_url` at
a self-hosted Bot API server (or the tests' fake); the token is appended as PTB does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import sys
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import AIORateLimiter, Application, Defaults

from .llm import LLMClient
from .settings import Settings
from .storage import Storage

log = logging.getLogger("credbot.app")

EXIT_OK = 0
EXIT_CONFIG = 2
EXIT_UNREACHABLE = 1
RETENTION_EVERY = 3600.0  # seconds between retention purges
CONCURRENT_UPDATES = 256
COMMANDS: tuple[tuple[str, str], ...] = (
    ("check", "Check an article: reply to a message, or /check <link>"),
    ("settings", "Language, autocheck threshold and quotas for this chat"),
    ("autocheck", "Groups: check every link posted (on/off, admins)"),
    ("privacy", "What is stored and for how long"),
    ("forget", "Delete everything stored about this chat"),
    ("help", "What this bot does"),
)


class CredbotRateLimiter(AIORateLimiter):
    """AIORateLimiter whose budget goes to messages, not to "typing…" or button acks.

    Telegram's flood limits are about messages; metering chat actions and callback answers
    as well would halve the messages a busy bot can send. They still get the 429 retries.
    """

    UNMETERED = frozenset({"sendChatAction", "answerCallbackQuery", "getChatMember"})

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> Any:
        if endpoint in self.UNMETERED:
            data = {}
        return await super().process_request(callback, args, kwargs, endpoint, data,
                                             rate_limit_args)


class RedactToken(logging.Filter):
    """Never let the bot token reach a log line (httpx logs request URLs, which hold it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token and self.token in record.getMessage():
            record.msg = record.getMessage().replace(self.token, "<token>")
            record.args = None
        return True


class DropInvalidToken(logging.Filter):
    """PTB logs start-up failures (a rejected token, an unreachable Bot API) with a traceback;
    `run_bot` says each in one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        message = record.getMessage()
        return (not isinstance(error, InvalidToken) and "Invalid token" not in message
                and not message.startswith("Network Retry Loop (Bootstrap"))


def install_redaction(token: str) -> None:
    """Filter the token out of the root handlers and of the loggers that see URLs."""
    targets: list[Any] = list(logging.getLogger().handlers)
    targets += [logging.getLogger(name) for name in
                ("httpx", "httpcore", "telegram", "telegram.ext", "credbot", "asyncio")]
    for target in targets:
        if not any(isinstance(f, RedactToken) and f.token == token for f in target.filters):
            target.addFilter(RedactToken(token))
    # httpx logs every request URL at INFO, and Bot API URLs carry the token.
    httpx_logger = logging.getLogger("httpx")
    httpx_logger.setLevel(max(logging.WARNING, httpx_logger.getEffectiveLevel()))


def build_application(settings: Settings, *, storage: Storage | None = None,
                      rate_limiter: AIORateLimiter | None = None) -> Application:
    """The configured Application; `storage` may be passed in (tests share one)."""
    from handlers import SERVICES_KEY, Services, register

    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(rate_limiter or CredbotRateLimiter(max_retries=3))
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url.rstrip("/")
        builder = builder.base_url(base if base.endswith("/bot") or "{token}" in base
                                   else base + "/bot")
        builder = builder.base_file_url(base.removesuffix("/bot") + "/file/bot")
    install_redaction(settings.telegram_bot_token.get_secret_value())
    application = builder.build()
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        storage=storage or Storage.from_settings(settings),
        llm=LLMClient(settings) if settings.llm_configured else None,
    )
    register(application)
    return application


async def _post_init(application: Application) -> None:
    from handlers import SERVICES_KEY

    svc = application.bot_data[SERVICES_KEY]
    await svc.storage.init()
    await _purge(svc)
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    application.bot_data["credbot_retention"] = asyncio.create_task(_retention_loop(svc))


async def _purge(svc: Any) -> None:
    counts = await svc.storage.purge_expired(svc.settings.retention_days)
    if counts.total:
        log.info("retention: deleted %d reports, %d message links, %d thread messages",
                 counts.reports, counts.messages, counts.thread)


async def _retention_loop(svc: Any, every: float = RETENTION_EVERY) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await _purge(svc)
        except Exception:  # noqa: BLE001 - a failed purge is retried next hour, never fatal
            log.exception("retention purge failed")


async def _post_stop(application: Application) -> None:
    task = application.bot_data.pop("credbot_retention", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _post_shutdown(application: Application) -> None:
    from handlers import SERVICES_KEY

    svc = application.bot_data.get(SERVICES_KEY)
    if svc is None:
        return
    if svc.llm is not None:
        await svc.llm.aclose()
    await svc.storage.close()


@contextlib.asynccontextmanager
async def running(application: Application, *, poll_timeout: float = 10.0,
                  poll_interval: float = 0.0) -> AsyncIterator[Application]:
    """Run the bot with long polling inside an existing event loop (tests, benchmarks).

    The same steps as `Application.run_polling`, which owns its own loop and signals.
    """
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.updater.start_polling(timeout=poll_timeout, poll_interval=poll_interval,
                                                allowed_updates=Update.ALL_TYPES)
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def run_bot(settings: Settings, *, webhook_url: str | None = None, listen: str = "0.0.0.0",
            port: int = 8443) -> int:
    """`credbot run`: long polling, or a webhook when `webhook_url` is given. Blocks."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token.strip():
        print("credbot: TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather and put it "
              "in the environment or .env.", file=sys.stderr)
        return EXIT_CONFIG
    application = build_application(settings)
    for handler in logging.getLogger().handlers:
        handler.addFilter(DropInvalidToken())
    try:
        if webhook_url:
            secret = (settings.telegram_webhook_secret.get_secret_value()
                      if settings.telegram_webhook_secret else secrets.token_urlsafe(32))
            # Telegram posts to webhook_url, so listen on its path; the secret header is checked.
            application.run_webhook(listen=listen, port=port, webhook_url=webhook_url,
                                    url_path=urlsplit(webhook_url).path.lstrip("/"),
                                    secret_token=secret, allowed_updates=Update.ALL_TYPES)
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        print("credbot: Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather.",
              file=sys.stderr)
        return EXIT_CONFIG
    except NetworkError:
        where = settings.telegram_api_base_url or "api.telegram.org"
        print(f"credbot: cannot reach the Telegram Bot API at {urlsplit(where).netloc or where}. "
              "Check the network and TELEGRAM_API_BASE_URL.", file=sys.stderr)
        return EXIT_UNREACHABLE
    return EXIT_OK
