"""The engine: article in, grounded credibility report out. Knows nothing of Telegram.

    article -> offline evidence -> (LLM -> grounding) -> Report

The offline evidence always runs: it is the report when no LLM is configured or the LLM
fails, and it grounds the LLM's report when one succeeds.

The CPU-heavy steps (extraction in bot.fetch, the offline evidence and grounding here) run
in worker processes through bot.offload, each within a deadline and a memory cap, so one
long article never stalls the event loop that serves every other chat. A script that calls
`check` or `analyze` must therefore run under `if __name__ == "__main__":`, as any script
using multiprocessing must: workers are started fresh and import the main module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from . import evidence, offload
from .errors import FetchError, InputError, LLMError
from .grounding import ground
from .models import Article, Report
from .settings import Settings
from .text import looks_binary, word_count

if TYPE_CHECKING:
    from .llm import LLMClient

log = logging.getLogger(__name__)
T = TypeVar("T")

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


class ArticleHead(Article):
    """The head of a fetched article whose text was longer than CREDBOT_MAX_INPUT_CHARS.

    Pasted text over the limit is refused, since the sender can cut it. A page cannot be cut
    by the reader, so its head is analysed (the headline, the lede and the first paragraphs
    carry most of the sourcing) and the report says so. A subclass, so that `Article`, the
    shared model, keeps its shape; `full_chars` is the length before the cut.
    """

    full_chars: int


def head_of(text: str, limit: int) -> str:
    """At most `limit` characters from the start of `text`, ending at the last paragraph,
    sentence or word end in the final fifth of that span when there is one."""
    if len(text) <= limit:
        return text
    window = text[:limit]
    floor = limit * 4 // 5
    sentence = max(window.rfind(mark) for mark in (". ", "! ", "? ", ".\n", "!\n", "?\n"))
    for end in (window.rfind("\n"), sentence + 1 if sentence >= 0 else -1, window.rfind(" ")):
        if end >= floor:
            return window[:end].rstrip()
    return window


def capped(article: Article, settings: Settings) -> Article:
    """`article` whole when its text fits the input limit, else its ArticleHead."""
    limit = settings.max_input_chars
    if len(article.text) <= limit:
        return article
    fields = article.model_dump(exclude={"text"})
    fields.pop("full_chars", None)
    return ArticleHead(text=head_of(article.text, limit), full_chars=len(article.text), **fields)


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
    return capped(article, settings)


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
    article = capped(article, settings)  # an Article built by the caller may be any length
    offline_report = await _work(settings, evidence.analyze, article, language=language)
    if offline or not settings.llm_configured:
        return _with_head_note(offline_report, article)
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
        return _with_head_note(_fallback(offline_report, exc.user_message), article)
    finally:
        if own_client:
            await client.aclose()
    try:
        report = await offload.run(settings, ground, report, grounding_text(article),
                                   offline_report)
    except offload.WorkError as exc:
        # Model quotes that were not checked are never shown: the offline report stands in.
        log.warning("grounding failed, using the offline report: %s", exc)
        return _with_head_note(
            _fallback(offline_report, "The model's quotes could not be checked against the "
                                      "article."), article)
    report.usage = usage
    if truncated:
        report.article.truncated = True
        report.notes.append("The article was too long for the model: it read the headline, the "
                            "lede and the paragraphs with attributions, not the whole text.")
    return _with_head_note(report, article)


def _fallback(offline_report: Report, reason: str) -> Report:
    """The offline report, saying why the AI analysis is not shown."""
    fallback = offline_report.model_copy(deep=True)
    fallback.notes.append(f"The AI analysis failed ({reason.rstrip('.')}); "
                          "this is the offline analysis.")
    fallback.llm_error = reason
    return fallback


def _with_head_note(report: Report, article: Article) -> Report:
    """Say in the report when only the head of a long page was analysed."""
    if isinstance(article, ArticleHead):
        report.article.truncated = True
        report.notes.append(f"The page's article text has {article.full_chars:,} characters; "
                            f"only the first {len(article.text):,} were analysed.")
    return report


_WORK_FAILED = {
    "timeout": "That article took too long to analyse (over {seconds:g} s). "
               "Send a shorter part of it.",
    "memory": "That article needs more memory to analyse than I allow. "
              "Send a shorter part of it.",
    "crashed": "The analysis stopped unexpectedly. Try again, or send a shorter part of it.",
}


async def _work(settings: Settings, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """A CPU-heavy step in a worker process; a bound it hits becomes an InputError."""
    try:
        return await offload.run(settings, fn, *args, **kwargs)
    except offload.WorkError as exc:
        message = _WORK_FAILED[exc.reason].format(seconds=settings.analysis_timeout)
        raise InputError(message, detail=f"{getattr(fn, '__name__', fn)}: {exc}") from None


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
