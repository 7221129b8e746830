"""The engine: article in, grounded credibility report out. Knows nothing of Telegram.

    article -> offline evidence -> (LLM -> grounding) -> Report

The offline evidence always runs: it is the report when no LLM is configured or the LLM
fails, and it grounds the LLM's report when one succeeds.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from . import evidence
from .errors import FetchError, InputError, LLMError
from .grounding import ground
from .models import Article, Report
from .settings import Settings
from .text import looks_binary, word_count

if TYPE_CHECKING:
    from .llm import LLMClient

log = logging.getLogger(__name__)

_MIN_WORDS = 5
# A message with a link and at most this many other words is about the link ("is this
# true? <url>"); a longer one is an article that happens to contain a link.
_LINK_MESSAGE_WORDS = 30


def read_input(data: bytes, settings: Settings) -> str:
    """Bytes from a file or stdin as text, or InputError with the reason.

    UTF-8 first; other encodings (a Latin-1 or Windows-1251 file) are detected with
    charset-normalizer rather than refused, since they are text all the same.
    """
    if len(data) > settings.max_input_chars * 4:
        raise InputError(_too_long(settings))
    binary = InputError("That file is not text (it looks binary). Send the article's text or a link.")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a BOM (Windows "Unicode" files)
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise binary from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in data[:8192]:
            raise binary from None
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise InputError("That file's text encoding could not be read. "
                             "Save it as UTF-8.") from None
        text = str(best)
        if looks_binary(text.encode("utf-8")):
            raise binary from None
        return text
    if looks_binary(data):
        raise binary
    return text


def _too_long(settings: Settings) -> str:
    return (f"That text is too long ({settings.max_input_chars:,} characters at most). "
            "Send the article itself, or a link to it.")


async def load_article(source: str, settings: Settings, *,
                       forwarded_from: str | None = None) -> Article:
    """Text or a link -> Article. Raises InputError / FetchError with a user message."""
    stripped = (source or "").strip()
    if not stripped:
        raise InputError("The message is empty. Send an article's text or a link to it.")
    if len(stripped) > settings.max_input_chars:
        raise InputError(_too_long(settings))
    url = link_of(stripped)
    if url:
        return await _fetch(url, settings, forwarded_from)
    if word_count(stripped) < _MIN_WORDS:
        raise InputError("That is too short to check. Send the article's text or a link to it.")
    return Article(text=stripped, forwarded_from=forwarded_from)


def link_of(text: str) -> str | None:
    """The link a message is about, when it is essentially just a link; else None."""
    from .urls import find_url

    url = find_url(text)
    if url is None:
        return None
    rest = text.replace(url, " ").replace(url.removeprefix("https://"), " ")
    return url if word_count(rest) <= _LINK_MESSAGE_WORDS else None


async def _fetch(url: str, settings: Settings, forwarded_from: str | None) -> Article:
    try:
        from .fetch import fetch_article  # the link fetcher is optional at import time
    except ImportError:
        raise FetchError("Checking links is not available in this version. "
                         "Paste the article's text instead.") from None
    article = await fetch_article(url, settings)
    if forwarded_from:
        article = article.model_copy(update={"forwarded_from": forwarded_from})
    return article


async def analyze(article: Article, settings: Settings, *, language: str | None = None,
                  offline: bool = False, client: LLMClient | None = None) -> Report:
    """The report for an article.

    The offline evidence always runs. With an LLM configured (and not `offline`), the
    model's report is grounded against the article and returned; if the LLM fails, the
    offline report comes back with `llm_error` set and a note, so callers can both show a
    useful answer and tell the user (the CLI exits 3). Pass a long-lived `client` to share
    one connection pool; otherwise one is made and closed here.
    """
    language = language or settings.language
    offline_report = evidence.analyze(article, language=language)
    if offline or not settings.llm_configured:
        return offline_report
    # Imported here: the offline path (and the CLI's start-up) never pays for the openai SDK.
    from .llm import LLMClient
    from .llm_analyzer import analyze_with_llm
    from .tokens import truncate_article

    text, truncated = truncate_article(article.text, settings.max_article_tokens, settings.model)
    own_client = client is None
    client = client or LLMClient(settings)
    try:
        report, usage = await analyze_with_llm(article, text, offline_report, client,
                                               language=language,
                                               max_tokens=settings.max_completion_tokens)
    except LLMError as exc:
        log.warning("LLM analysis failed, using the offline report: %s", exc.detail or exc)
        fallback = offline_report.model_copy(deep=True)
        fallback.notes.append(f"The AI analysis failed ({exc.user_message.rstrip('.')}); "
                              "this is the offline analysis.")
        fallback.llm_error = exc.user_message
        return fallback
    finally:
        if own_client:
            await client.aclose()
    report = ground(report, grounding_text(article), offline_report)
    report.usage = usage
    if truncated:
        report.article.truncated = True
        report.notes.append("The article was too long for the model: it read the headline, the "
                            "lede and the paragraphs with attributions, not the whole text.")
    return report


def grounding_text(article: Article) -> str:
    """The text quotes may come from: the article, with its title when the text lacks it."""
    title = (article.title or "").strip()
    if title and title not in article.text:
        return f"{title}\n{article.text}"
    return article.text


async def check(source: str | Article, settings: Settings, *, language: str | None = None,
                offline: bool = False) -> Report:
    """Python API: text, a link or an Article -> Report."""
    article = source if isinstance(source, Article) else await load_article(source, settings)
    return await analyze(article, settings, language=language, offline=offline)
