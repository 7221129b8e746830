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
import random
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.exc import SQLAlchemyError
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    InvalidToken,
    NetworkError,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter, Application, Defaults
from telegram.request import HTTPXRequest, RequestData

from . import dbcheck, logsafe
from .jobs.runtime import runtime_of
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


# Methods that change nothing when repeated: a timeout after the request went out is retried.
IDEMPOTENT = frozenset({"editMessageText", "editMessageReplyMarkup", "answerCallbackQuery",
                        "sendChatAction", "getChatMember", "getMe", "setMyCommands",
                        "deleteWebhook", "setWebhook"})
# httpx errors raised before the request reached the server: always safe to repeat.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def is_transient(endpoint: str, error: TelegramError) -> bool:
    """Whether a failed Bot API call should be tried again.

    A 5xx answer (PTB's plain NetworkError without a transport cause) and a connection that
    never opened are retried for every method; a timeout or a dropped connection after the
    request went out only for idempotent methods, so a card is never sent twice.
    """
    if isinstance(error, BadRequest) or not isinstance(error, NetworkError):
        return False  # 400, 401/404, 403, 409 and 429 (the limiter's own) are answers, not luck
    cause = error.__cause__
    if isinstance(cause, _NOT_SENT):
        return True
    if isinstance(error, TimedOut) or isinstance(cause, httpx.HTTPError):
        return endpoint in IDEMPOTENT
    # An HTTP 5xx (or a status PTB has no class for), its body JSON (no cause) or a proxy's
    # HTML page (a TelegramError cause: the body did not parse). Anything else is unknown.
    return cause is None or isinstance(cause, TelegramError)


class CredbotRateLimiter(AIORateLimiter):
    """AIORateLimiter whose budget goes to messages, and which also outlasts a Bot API hiccup.

    Telegram's flood limits are about messages; metering chat actions and callback answers
    as well would halve the messages a busy bot can send. They still get the 429 retries.
    A 502 from the Bot API (or a connection that would not open) is retried a few times with
    jittered exponential back-off, like 429s are: one bad answer must not lose a card.
    """

    UNMETERED = frozenset({"sendChatAction", "answerCallbackQuery", "getChatMember"})

    def __init__(self, *, max_retries: int = 3, transient_retries: int = 3,
                 transient_backoff: float = 0.5) -> None:
        super().__init__(max_retries=max_retries)
        self.transient_retries = transient_retries
        self.transient_backoff = transient_backoff

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> Any:
        if endpoint in self.UNMETERED:
            data = {}
        for attempt in range(self.transient_retries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data,
                                                     rate_limit_args)
            except TelegramError as exc:
                if attempt == self.transient_retries or not is_transient(endpoint, exc):
                    raise
                delay = self.transient_backoff * 2 ** attempt * random.uniform(0.75, 1.25)
                log.warning("%s failed (%s: %s); retry %d of %d in %.1f s", endpoint,
                            type(exc).__name__, exc, attempt + 1, self.transient_retries, delay)
                # Outside the limiter's slot: a retry waiting here holds up no other chat.
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises


class TokenRejected(NetworkError):
    """getUpdates and getMe both refused the token: polling must end, and the process too."""


class PollingConflict(NetworkError):
    """Telegram keeps answering getUpdates with 409 Conflict: another process polls this
    token (only one may), so this one ends instead of fighting it for updates."""


class PollingRequest(HTTPXRequest):
    """The getUpdates connection, which tells a rejected token from a passing 401/404.

    PTB raises InvalidToken for any 401 or 404 and its polling loop then stops for good,
    while `run_polling` keeps the process alive doing nothing (so no supervisor restarts
    it). A proxy or a Bot API restart can answer 404 once; a revoked token is refused by
    getMe as well. So on a 401/404 the token is re-checked with getMe: still accepted, the
    answer becomes a NetworkError that the polling loop retries with back-off; refused,
    `on_rejected` runs (run_bot stops the application and exits non-zero).

    A 409 Conflict means another getUpdates with this token is running: Telegram answers the
    older of two long polls with 409. One can pass (the previous process's last poll, a
    restart); `CONFLICTS` in a row mean another poller, and `on_conflict` runs (run_bot
    says so in one line and exits non-zero). Until then a 409 is a retried NetworkError.
    """

    CONFLICTS = 3  # 409 answers in a row that mean "another process polls this token"

    def __init__(self, on_rejected: Callable[[], None] | None = None,
                 on_conflict: Callable[[], None] | None = None) -> None:
        super().__init__(connection_pool_size=1)  # what PTB builds for getUpdates
        self.on_rejected = on_rejected
        self.rejected = False
        self.on_conflict = on_conflict
        self.conflicts = 0
        self.conflict = False
        # Awaited before each getUpdates goes out: the durable update queue stores the last
        # batch there, before this call's offset tells Telegram it may forget it (bot.jobs).
        self.before_poll: Callable[[], Awaitable[None]] | None = None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: ODVInput[float] = DEFAULT_NONE,
                         write_timeout: ODVInput[float] = DEFAULT_NONE,
                         connect_timeout: ODVInput[float] = DEFAULT_NONE,
                         pool_timeout: ODVInput[float] = DEFAULT_NONE) -> tuple[int, bytes]:
        if self.before_poll is not None:
            await self.before_poll()
        code, payload = await super().do_request(url, method, request_data, read_timeout,
                                                 write_timeout, connect_timeout, pool_timeout)
        self.conflicts = self.conflicts + 1 if code == 409 else 0
        if code == 409:
            if self.conflicts >= self.CONFLICTS and not self.conflict:
                self.conflict = True
                if self.on_conflict is not None:
                    self.on_conflict()
            raise (PollingConflict if self.conflict else NetworkError)(
                f"getUpdates answered HTTP 409 Conflict ({self.conflicts} in a row)")
        if code not in (401, 404):
            return code, payload
        if self.rejected or not await self._token_accepted(url):
            if not self.rejected:
                self.rejected = True
                if self.on_rejected is not None:
                    self.on_rejected()
            raise TokenRejected(f"Telegram rejected the bot token (HTTP {code})")
        raise NetworkError(f"getUpdates answered HTTP {code} but getMe accepts the token")

    async def _token_accepted(self, url: str) -> bool:
        """getMe's verdict on the token; a network failure is no verdict, so True (retry)."""
        try:
            code, _ = await super().do_request(url.rsplit("/", 1)[0] + "/getMe", "POST")
        except TelegramError:
            return True
        return code not in (401, 404)


class DropInvalidToken(logging.Filter):
    """PTB logs start-up failures (a rejected token, an unreachable Bot API) with a traceback;
    `run_bot` says each in one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        message = record.getMessage()
        return (not isinstance(error, (InvalidToken, TokenRejected, PollingConflict))
                and "Invalid token" not in message
                and not message.startswith("Network Retry Loop (Bootstrap"))


def quiet_url_loggers() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs carry the token: even redacted,
    a line per long poll is noise."""
    httpx_logger = logging.getLogger("httpx")
    httpx_logger.setLevel(max(logging.WARNING, httpx_logger.getEffectiveLevel()))


def build_application(settings: Settings, *, storage: Storage | None = None,
                      rate_limiter: AIORateLimiter | None = None,
                      polling_request: PollingRequest | None = None, worker: bool = True,
                      retry_backoff: float | None = None) -> Application:
    """The configured Application; `storage` may be passed in (tests share one).

    Updates become jobs (bot.jobs): PTB's update queue stores them, the rate limiter carries
    the send ledger, and with `worker` this process also works the jobs (`credbot run
    --no-worker` receives only). `retry_backoff`: seconds before a failed job's first retry.
    """
    from handlers import SERVICES_KEY, Services, register

    from .jobs.ingress import DurableUpdateQueue
    from .jobs.ledger import LedgerRateLimiter
    from .jobs.runtime import attach
    from .ratelimit import rate_limiter_for

    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    ingress = DurableUpdateQueue()
    polling = polling_request or PollingRequest()
    polling.before_poll = ingress.flush
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(LedgerRateLimiter(rate_limiter or rate_limiter_for(settings)))
        .update_queue(ingress)
        .get_updates_request(polling)
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
    logsafe.install(settings)
    quiet_url_loggers()
    application = builder.build()
    services = application.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        storage=storage or Storage.from_settings(settings),
        llm=LLMClient(settings) if settings.llm_configured else None,
    )
    register(application)
    attach(application, services.storage, settings, worker=worker, retry_backoff=retry_backoff)
    return application


async def _post_init(application: Application) -> None:
    from handlers import SERVICES_KEY

    svc = application.bot_data[SERVICES_KEY]
    await svc.storage.init()
    await _purge(svc)
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    application.bot_data["credbot_retention"] = asyncio.create_task(_retention_loop(svc))
    jobs = runtime_of(application)
    if jobs is not None:  # after storage.init: the job tables exist
        await jobs.start()


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
        except Exception:
            log.exception("retention purge failed")


async def _post_stop(application: Application) -> None:
    jobs = runtime_of(application)
    if jobs is not None:  # drain: finish or release the jobs in hand (CREDBOT_DRAIN_TIMEOUT)
        await jobs.stop()
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
    jobs = runtime_of(application)
    if jobs is not None:
        await jobs.close()
    await svc.storage.close()


@contextlib.asynccontextmanager
async def running(application: Application, *, poll_timeout: float = 10.0,
                  poll_interval: float = 0.0) -> AsyncIterator[Application]:
    """Run the bot with long polling inside an existing event loop (tests, benchmarks).

    The same steps as `Application.run_polling`, which owns its own loop and signals (polling
    errors go to the error handler, as there).
    """
    updater = application.updater
    assert updater is not None, "built with an updater"

    def polling_error(error: TelegramError) -> None:
        application.create_task(application.process_error(None, error))

    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await updater.start_polling(timeout=timedelta(seconds=poll_timeout),
                                    poll_interval=poll_interval,
                                    allowed_updates=Update.ALL_TYPES, error_callback=polling_error)
        await application.start()
        try:
            yield application
        finally:
            await updater.stop()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def run_bot(settings: Settings, *, webhook_url: str | None = None, listen: str = "0.0.0.0",
            port: int = 8443, worker: bool = True) -> int:
    """`credbot run`: long polling, or a webhook when `webhook_url` is given. Blocks.

    With `worker` (the default) this process also works the jobs it receives (and any
    other's); without, it only receives them and `credbot worker` processes do the work.
    """
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token.strip():
        print("credbot: TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather and put it "
              "in the environment or .env.", file=sys.stderr)
        return EXIT_CONFIG
    logsafe.install(settings)
    trouble = dbcheck.problem(settings.database_url)
    if trouble:
        print(f"credbot: {trouble}", file=sys.stderr)
        return EXIT_UNREACHABLE
    polling = PollingRequest()
    application = build_application(settings, polling_request=polling, worker=worker)
    polling.on_rejected = application.stop_running  # run_polling returns; we exit below
    polling.on_conflict = application.stop_running
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
        if polling.rejected:
            raise InvalidToken("rejected while polling")
        if polling.conflict:
            print("credbot: another process is already polling this bot token; run one "
                  "poller, or use --webhook-url.", file=sys.stderr)
            return EXIT_CONFIG
    except (InvalidToken, SQLAlchemyError, NetworkError) as exc:
        # The database was checked above, but it can fail in between.
        return start_failure(exc, settings, when=" at start")
    return EXIT_OK


def start_failure(exc: InvalidToken | SQLAlchemyError | NetworkError, settings: Settings, *,
                  when: str = "") -> int:
    """A failure the operator can mend, as one line on stderr; the exit code to return.

    Shared by `credbot run` and `credbot worker`.
    """
    if isinstance(exc, InvalidToken):
        print("credbot: Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather.",
              file=sys.stderr)
        return EXIT_CONFIG
    if isinstance(exc, SQLAlchemyError):
        print(f"credbot: the database failed{when} ({dbcheck.reason(exc)}).", file=sys.stderr)
        return EXIT_UNREACHABLE
    where = settings.telegram_api_base_url or "api.telegram.org"
    print(f"credbot: cannot reach the Telegram Bot API at {urlsplit(where).netloc or where}. "
          "Check the network and TELEGRAM_API_BASE_URL.", file=sys.stderr)
    return EXIT_UNREACHABLE
