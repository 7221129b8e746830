"""bot.fetch under hostile or broken servers: every case ends with one clear sentence, in time.

All pages are served over real HTTP by tests.local_site on 127.0.0.1, reached through the
allowlist (CREDBOT_FETCH_ALLOW), exactly as a public site would be reached.
"""

from __future__ import annotations

import gzip
import time

import brotli
import pytest

from bot.errors import FetchError, NotAnArticleError
from bot.extract import CONSENT, NO_ARTICLE, PAYWALL
from bot.fetch import decode_body, fetch_article
from tests.local_site import LocalSite, Response

PARAGRAPH = ("<p>The city council voted on Tuesday to fund the new library, the mayor said in a "
             "statement published after the meeting. Opponents said the cost was too high and "
             "asked for an independent review of the budget.</p>")
ARTICLE = ("<html><head><title>Council votes on the new library</title></head><body><article>"
           f"<h1>Council votes on the new library</h1>{PARAGRAPH * 5}</article></body></html>")

RUSSIAN = ("Городской совет во вторник проголосовал за финансирование новой библиотеки, "
           "сообщил мэр в заявлении, опубликованном после заседания. Противники заявили, "
           "что стоимость слишком высока, и потребовали независимой проверки бюджета.")
JAPANESE = ("市議会は火曜日、新しい図書館の建設費を承認したと市長が会見後の声明で明らかにした。"
            "反対派は費用が高すぎると主張し、予算の独立した検証を求めている。")


def _page(title: str, paragraph: str, *, head: str = "", repeat: int = 5) -> str:
    body = "".join(f"<p>{paragraph}</p>" for _ in range(repeat))
    return (f"<html><head>{head}<title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{body}</article></body></html>")


@pytest.fixture
def site():
    with LocalSite() as local:
        yield local


@pytest.fixture
def settings(make_settings, site):
    return make_settings(fetch_allow=[site.allow_entry], fetch_timeout=2.0, fetch_max_bytes=100_000)


async def _fails(url: str, settings, kind: type[FetchError] = FetchError) -> str:
    started = time.monotonic()
    with pytest.raises(kind) as caught:
        await fetch_article(url, settings)
    assert time.monotonic() - started < settings.fetch_timeout + 2.0  # within the deadline
    return caught.value.user_message


async def test_a_normal_article_is_fetched(site, settings) -> None:
    site.page("/story", ARTICLE)
    article = await fetch_article(site.url("/story?utm_source=tg&id=7"), settings)
    assert article.title == "Council votes on the new library"
    assert article.text.startswith("The city council voted on Tuesday")
    assert article.url == site.url("/story?id=7")
    assert site.requests[0].headers["user-agent"].startswith("Mozilla/5.0")


async def test_an_oversized_body_is_refused(site, settings) -> None:
    site.page("/huge", ARTICLE + "<!--" + "x" * 200_000 + "-->")
    assert await _fails(site.url("/huge"), settings) == "The page is too large (over 100 kB)."


async def test_a_gzip_bomb_stops_at_the_cap(site, settings) -> None:
    site.add("/bomb", Response(gzip.compress(b"<html>" + b" " * 30_000_000), 200,
                               {"Content-Type": "text/html", "Content-Encoding": "gzip"}))
    assert await _fails(site.url("/bomb"), settings) == "The page is too large (over 100 kB)."


async def test_a_brotli_bomb_stops_at_the_cap(site, settings) -> None:
    site.add("/bomb", Response(brotli.compress(b"<html>" + b" " * 30_000_000), 200,
                               {"Content-Type": "text/html", "Content-Encoding": "br"}))
    assert await _fails(site.url("/bomb"), settings) == "The page is too large (over 100 kB)."


async def test_a_gzipped_page_is_decoded(site, settings) -> None:
    site.gzipped("/story", ARTICLE.encode())
    article = await fetch_article(site.url("/story"), settings)
    assert article.text.startswith("The city council voted")


async def test_a_body_dripping_one_byte_a_second_hits_the_deadline(site, make_settings) -> None:
    site.drip("/slow", ARTICLE.encode(), interval=1.0)
    settings = make_settings(fetch_allow=[site.allow_entry], fetch_timeout=1.5)
    assert await _fails(site.url("/slow"), settings) == "The site did not answer in 1.5 s."


async def test_a_server_that_never_answers_hits_the_deadline(site, make_settings) -> None:
    site.hang("/never")
    settings = make_settings(fetch_allow=[site.allow_entry], fetch_timeout=1.0)
    assert await _fails(site.url("/never"), settings) == "The site did not answer in 1 s."


@pytest.mark.parametrize("content_type", ["video/mp4", "application/pdf", "image/png",
                                          "application/json", "application/octet-stream"])
async def test_wrong_content_types_are_not_articles(content_type: str, site, settings) -> None:
    site.page("/file", b"\x00\x01binary", content_type=content_type)
    message = await _fails(site.url("/file"), settings, NotAnArticleError)
    assert message == f"The page is not an article ({content_type})."


async def test_binary_data_labelled_as_html_is_not_an_article(site, settings) -> None:
    site.page("/fake", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, content_type="text/html")
    message = await _fails(site.url("/fake"), settings, NotAnArticleError)
    assert message == "The page is not an article (it holds binary data)."


@pytest.mark.parametrize("status, message", [
    (404, "The page was not found (HTTP 404)."),
    (410, "The page was not found (HTTP 410)."),
    (403, "The site refused to show the page (HTTP 403). Paste the article's text instead."),
    (503, "The site had an error (HTTP 503). Try again later."),
])
async def test_http_errors_get_their_own_sentence(status: int, message: str, site, settings) -> None:
    site.page("/gone", "<html><body>error</body></html>", status=status)
    assert await _fails(site.url("/gone"), settings) == message


async def test_too_many_redirects_are_refused(site, settings) -> None:
    for hop in range(7):
        site.redirect(f"/r{hop}", f"/r{hop + 1}")
    site.page("/r7", ARTICLE)
    assert await _fails(site.url("/r0"), settings) == "The link redirects too many times (more than 5)."
    assert site.hits("/r6") == 0


async def test_five_redirects_are_followed(site, settings) -> None:
    for hop in range(5):
        site.redirect(f"/r{hop}", site.url(f"/r{hop + 1}") if hop % 2 else f"/r{hop + 1}")
    site.page("/r5", ARTICLE)
    article = await fetch_article(site.url("/r0"), settings)
    assert article.url == site.url("/r5")


async def test_windows_1251_page_declared_in_the_header(site, settings) -> None:
    site.page("/ru", _page("Совет и библиотека", RUSSIAN).encode("cp1251"),
              content_type="text/html; charset=windows-1251")
    article = await fetch_article(site.url("/ru"), settings)
    assert article.title == "Совет и библиотека"
    assert article.text.startswith("Городской совет во вторник")


async def test_shift_jis_page_declared_only_in_a_meta_tag(site, settings) -> None:
    html = _page("新しい図書館", JAPANESE, head='<meta charset="Shift_JIS">')
    site.page("/ja", html.encode("shift_jis"), content_type="text/html")
    article = await fetch_article(site.url("/ja"), settings)
    assert article.title == "新しい図書館"
    assert article.text.startswith("市議会は火曜日")


async def test_undeclared_cp1251_page_is_detected(site, settings) -> None:
    site.page("/ru", _page("Совет и библиотека", RUSSIAN).encode("cp1251"), content_type="text/html")
    article = await fetch_article(site.url("/ru"), settings)
    assert "проголосовал за финансирование" in article.text


def test_a_latin1_label_on_utf8_bytes_is_read_as_utf8() -> None:
    text, encoding = decode_body("Café déjà vu".encode(), "text/html; charset=ISO-8859-1")
    assert (text, encoding) == ("Café déjà vu", "utf-8")


async def test_an_empty_page_is_not_an_article(site, settings) -> None:
    site.page("/empty", b"")
    message = await _fails(site.url("/empty"), settings, NotAnArticleError)
    assert message == "The page is empty. Paste the article's text instead."


async def test_a_page_without_article_text_is_not_an_article(site, settings) -> None:
    site.page("/home", "<html><head><title>News</title></head><body><nav><a href='/a'>World</a>"
                       "<a href='/b'>Sport</a></nav><h1>Latest</h1></body></html>")
    assert await _fails(site.url("/home"), settings, NotAnArticleError) == NO_ARTICLE


async def test_a_paywall_teaser_is_recognised(site, settings) -> None:
    head = ('<script type="application/ld+json">{"@context": "https://schema.org", '
            '"@type": "NewsArticle", "headline": "Council votes", "isAccessibleForFree": false}'
            "</script>")
    teaser = _page("Council votes on the new library", "The city council voted on Tuesday to fund "
                   "the new library, the mayor said.", head=head, repeat=2)
    site.page("/premium", teaser.replace("</article>", "<div class='paywall'>Subscribe to continue "
                                                       "reading.</div></article>"))
    assert await _fails(site.url("/premium"), settings, NotAnArticleError) == PAYWALL


async def test_a_subscriber_prompt_without_markup_is_recognised(site, settings) -> None:
    teaser = _page("Council votes on the new library", "The city council voted on Tuesday to fund "
                   "the new library, the mayor said in a statement.", repeat=2)
    site.page("/premium", teaser.replace("</article>", "<p>This article is only available to "
                                                       "subscribers. Already a subscriber? Log in."
                                                       "</p></article>"))
    assert await _fails(site.url("/premium"), settings, NotAnArticleError) == PAYWALL


async def test_a_long_free_article_with_a_subscribe_banner_is_kept(site, settings) -> None:
    page = ARTICLE.replace("<body>", "<body><div>Already a subscriber? Log in.</div>")
    page = page.replace(PARAGRAPH * 5, PARAGRAPH * 12)
    site.page("/free", page)
    article = await fetch_article(site.url("/free"), settings)
    assert article.text.startswith("The city council voted")


async def test_a_consent_wall_is_recognised(site, settings) -> None:
    wall = ("<html><head><title>Before you continue</title></head><body><div class='cmp'>"
            "<h2>We value your privacy</h2><p>We and our partners use cookies and similar "
            "technologies to store and access information on your device, for personalised ads "
            "and content, ad measurement and audience insights. Some partners rely on legitimate "
            "interest. You can change your choices at any time in the privacy settings.</p>"
            "<button>Accept all</button><button>Reject all</button>"
            "<a href='/prefs'>Manage preferences</a></div></body></html>")
    site.page("/story", wall)
    assert await _fails(site.url("/story"), settings, NotAnArticleError) == CONSENT


async def test_a_plain_text_page_is_its_own_article(site, settings) -> None:
    text = ("The city council voted on Tuesday to fund the new library, the mayor said in a "
            "statement published after the meeting. Opponents said the cost was too high.")
    site.page("/story.txt", text, content_type="text/plain; charset=utf-8")
    article = await fetch_article(site.url("/story.txt"), settings)
    assert article.text == text
