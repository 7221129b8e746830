"""A fetched page is bounded like pasted text, and a hostile one gets a sentence, not a hang.

Real HTTP to tests/local_site.py; extraction runs in bot.offload's real worker processes.
"""

from __future__ import annotations

import sys

import pytest

from bot.cli import main
from bot.engine import ArticleHead, check, load_article
from bot.errors import FetchError, NotAnArticleError
from bot.fetch import BAD_REDIRECT, fetch_page
from tests.conftest import SEED_TEXT
from tests.fake_llm import FakeLLM, analysis, claim, reply
from tests.local_site import LocalSite
from tests.test_fetch_ssrf import StubResolver

SEED = SEED_TEXT.read_text(encoding="utf-8")
PASTE = "Paste the article's text instead."
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux")


def article_page(paragraphs: list[str], title: str = "A long story") -> str:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{body}</article></body></html>")


@pytest.fixture
def site():
    with LocalSite() as local:
        yield local


@pytest.fixture
def llm():
    with FakeLLM() as server:
        yield server


# --- the input cap --------------------------------------------------------------------------

async def test_a_page_longer_than_the_input_cap_is_analysed_on_its_head_and_the_report_says_so(
        site, make_settings) -> None:
    paragraphs = [line for line in SEED.splitlines()[1:] if line.strip()]
    site.page("/long", article_page(paragraphs * 12))
    settings = make_settings(fetch_allow=[site.allow_entry], max_input_chars=10_000)

    article = await load_article(site.url("/long"), settings)
    assert isinstance(article, ArticleHead)
    assert len(article.text) <= 10_000 < article.full_chars
    assert article.text.endswith((".", "!", "?", '"', "'", "’", "”"))  # cut where text ends

    report = await check(site.url("/long"), settings)
    assert report.article.truncated
    [note] = [note for note in report.notes if "characters" in note]
    assert f"{article.full_chars:,}" in note and f"{len(article.text):,}" in note


@pytest.mark.parametrize("llm_answers", [True, False])
async def test_the_head_note_reaches_the_llm_report_and_its_fallback_once(
        site, make_settings, llm, llm_answers) -> None:
    paragraphs = [line for line in SEED.splitlines()[1:] if line.strip()]
    site.page("/long", article_page(paragraphs * 12))
    if llm_answers:
        llm.push(reply(analysis(claims=[claim(paragraphs[0][:60])])))
    settings = make_settings(fetch_allow=[site.allow_entry], max_input_chars=10_000,
                             openai_base_url=llm.url, llm_max_attempts=1)
    report = await check(site.url("/long"), settings)
    assert (report.analyzer == "llm") is llm_answers
    assert report.article.truncated
    assert len([note for note in report.notes if "were analysed" in note]) == 1


async def test_a_page_within_the_input_cap_is_analysed_whole(site, make_settings) -> None:
    paragraphs = [line for line in SEED.splitlines()[1:] if line.strip()]
    site.page("/story", article_page(paragraphs))
    report = await check(site.url("/story"), make_settings(fetch_allow=[site.allow_entry]))
    assert not report.article.truncated
    assert not any("characters" in note for note in report.notes)


# --- markup and memory bounds ---------------------------------------------------------------

async def test_a_page_of_hundreds_of_thousands_of_empty_spans_is_refused_in_one_sentence(
        site, make_settings) -> None:
    words = " ".join(SEED.split()[:200])
    page = (f"<html><body><article><p>{words}</p>{'<span></span>' * 340_000}"
            f"</article></body></html>")
    site.page("/spans", page)
    with pytest.raises(NotAnArticleError) as caught:
        await load_article(site.url("/spans"), make_settings(fetch_allow=[site.allow_entry]))
    assert "too much markup" in caught.value.user_message
    assert caught.value.user_message.endswith(PASTE)


@linux_only
async def test_extraction_runs_in_a_worker_under_its_memory_cap(site, make_settings) -> None:
    """The bot's own process has no such cap: only extraction in a capped worker refuses the
    page, and the next page is read as usual."""
    paragraph = " ".join(SEED.split())
    site.page("/huge", article_page([paragraph * (4_800_000 // len(paragraph))]))
    site.page("/story", article_page([line for line in SEED.splitlines()[1:] if line.strip()]))
    settings = make_settings(fetch_allow=[site.allow_entry], worker_memory_mb=128)
    with pytest.raises(FetchError) as caught:
        await load_article(site.url("/huge"), settings)
    assert caught.value.user_message == f"The page is too large to read. {PASTE}"
    article = await load_article(site.url("/story"), settings)
    assert "Mirror" in article.text


# --- malformed redirects --------------------------------------------------------------------

@pytest.mark.parametrize("location, message", [
    ("http:\\\\evil.example", "I could not find the site evil.example."),
    ("https:\\\\evil.example\\path", "I could not find the site evil.example."),
    ("http://xn--/", "I could not find the site xn--."),
    ("http:nowhere", "The page was not found (HTTP 404)."),
    ("//[bad", BAD_REDIRECT),
    ("http://[::1", BAD_REDIRECT),
    ("http://exa mple.example/", BAD_REDIRECT),
    ("http://example.org:99999/", BAD_REDIRECT),
])
async def test_a_malformed_redirect_gets_the_fetchers_sentence(site, make_settings, location,
                                                              message) -> None:
    site.redirect("/moved", location)
    resolver = StubResolver({})  # no name resolves: nothing leaves this machine
    with pytest.raises(FetchError) as caught:
        await fetch_page(site.url("/moved"), make_settings(fetch_allow=[site.allow_entry]),
                         resolver=resolver)
    assert caught.value.user_message == message


async def test_backslashes_in_a_redirect_are_read_as_slashes_like_a_browser(site,
                                                                           make_settings) -> None:
    site.page("/new/story", article_page(["Moved here."]))
    site.redirect("/moved", f"http:\\\\{site.host}:{site.port}\\new\\story")
    page = await fetch_page(site.url("/moved"), make_settings(fetch_allow=[site.allow_entry]))
    assert page.url == site.url("/new/story")


@pytest.mark.parametrize("location", ["//[bad", "http:nowhere"])
def test_credbot_fetch_of_a_malformed_redirect_prints_one_line(site, monkeypatch, capsys,
                                                               location) -> None:
    monkeypatch.setenv("CREDBOT_FETCH_ALLOW", site.allow_entry)
    site.redirect("/moved", location)
    assert main(["fetch", site.url("/moved")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err
