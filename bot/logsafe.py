"""Secrets never reach a log line, a traceback or stderr.

The bot token sits in every Bot API URL, the openai SDK's HTTP logger prints
`OPENAI_BASE_URL` with its password, and an exception's text can carry any of them. A
filter on the message alone misses the traceback (formatted later, by the handler), and a
filter on a handler misses handlers added afterwards. So redaction happens where every
record is made: a LogRecord factory that formats the message, the exception and the stack
once, redacts them, and hands handlers text that is already clean. Uncaught exceptions
(`sys.excepthook`, `threading.excepthook`) are redacted too.

What is secret: the bot token (and its part after the colon), `OPENAI_API_KEY`,
`TELEGRAM_WEBHOOK_SECRET`, and the password of every configured URL
(`OPENAI_BASE_URL`, `CREDBOT_DATABASE_URL`, `CREDBOT_FETCH_PROXY`,
`TELEGRAM_API_BASE_URL`), as written and percent-decoded. Any `scheme://user:password@`
in a line loses its password whatever it is.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from .settings import Settings

REDACTED = "<redacted>"
# Shorter values cannot be told from ordinary words; in URLs the pattern below covers them.
MIN_SECRET = 4
_URL_PASSWORD = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@]*:)[^@\s/]+@")

_secrets: set[str] = set()
_ordered: list[str] = []  # longest first, so a secret containing another goes whole
_installed = False


def secrets_of(settings: Settings) -> set[str]:
    """Every secret value the settings hold, in the spellings a log line may show."""
    values: set[str] = set()
    for secret in (settings.telegram_bot_token, settings.openai_api_key,
                   settings.telegram_webhook_secret):
        value = secret.get_secret_value() if secret is not None else ""
        if value:
            values |= {value, quote(value, safe=""), value.split(":", 1)[-1]}
    for url in (settings.openai_base_url, settings.database_url, settings.fetch_proxy,
                settings.telegram_api_base_url):
        try:
            password = urlsplit(url or "").password
        except ValueError:
            password = None
        if password:
            values |= {password, unquote(password), quote(unquote(password), safe="")}
    return {value for value in values if len(value) >= MIN_SECRET}


def add_secrets(values: Iterable[str]) -> None:
    global _ordered
    _secrets.update(value for value in values if len(value) >= MIN_SECRET)
    _ordered = sorted(_secrets, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every known secret, and every password in a URL, replaced."""
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _URL_PASSWORD.sub(r"\1" + REDACTED + "@", text) if "@" in text else text


def _clean(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string is logging's to report, not ours
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def _excepthook(kind: type[BaseException], value: BaseException,
                tb: TracebackType | None) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    sys.stderr.write(redact(f"Exception in thread {getattr(args.thread, 'name', '?')}:\n{text}"))


def install(settings: Settings) -> None:
    """Redact this configuration's secrets from every log record and uncaught traceback.

    Idempotent; secrets from several calls (tests build many bots) all stay redacted.
    """
    global _installed
    add_secrets(secrets_of(settings))
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _clean(record)
        return record

    logging.setLogRecordFactory(factory)
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
