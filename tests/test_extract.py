"""bot.extract through the full fetcher: benchmark pages, metadata, Telegram post previews."""

from __future__ import annotations

import json

import pytest

from bot.errors import NotAnArticleError
from bot.extract import html_article
from bot.fetch import fetch_article
from tests.conftest import SHARED
from tests.local_site import LocalSite, Response

BENCHMARK = SHARED / "extraction-benchmark"

# (page id prefix, title, opening words of the body, author, date) read from the saved pages.
PAGES = [
    ("04a6711caa7c", "Opinion | Republicans Are Following Trump to Nowhere",
     "Americans have gone to the polls four times this month", "Jamelle Bouie", "2019-11-19"),
    ("0d46122928b6", "Nadal keeps Spain alive against Russia in Davis Cup Finals",
     "MADRID — Rafael Nadal kept Spain’s hopes alive", "Associated Press", "2019-11-19"),
    ("39d5c43beb60", "Beijing tariff demands may expand US-China trade deal",
     'A "phase one" trade deal between the United States and China', "Reuters", "2019-11-20"),
    ("1f765c487806", "Royal Self-Indicting Arrogance",
     "Prince Andrew, the nearly 60-year-old younger brother", None, "2019-11-18"),
    ("3252222e61fe", "A Fantástica Loja dos Materiais Educativos - Como Educar Seus Filhos",
     None, "Carlos Nadalim", "2018-08-23"),
]


@pytest.fixture(scope="module")
def benchmark_site():
    if not (BENCHMARK / "ground-truth.json").exists():
        pytest.skip(f"the extraction benchmark is not at {BENCHMARK}")
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    with LocalSite() as site:
        for prefix, *_ in PAGES:
            key = next(key for key in truth if key.startswith(prefix))
            raw = (BENCHMARK / "html" / f"{key}.html.gz").read_bytes()
            site.add(f"/{prefix}", Response(raw, 200, {"Content-Type": "text/html",
                                                        "Content-Encoding": "gzip"}))
        yield site


@pytest.mark.parametrize("prefix, title, opening, author, date", PAGES)
async def test_benchmark_pages_yield_title_body_and_metadata(
        prefix, title, opening, author, date, benchmark_site, make_settings) -> None:
    settings = make_settings(fetch_allow=[benchmark_site.allow_entry])
    article = await fetch_article(benchmark_site.url(f"/{prefix}"), settings)
    assert article.title == title
    if opening:
        assert article.text.startswith(opening)
    assert len(article.text.split()) > 150
    assert article.author == author or author is None
    assert article.published == date
    assert article.language in ("en", "pt")


async def test_portuguese_page_is_labelled_portuguese(benchmark_site, make_settings) -> None:
    settings = make_settings(fetch_allow=[benchmark_site.allow_entry])
    article = await fetch_article(benchmark_site.url("/3252222e61fe"), settings)
    assert article.language == "pt"
    assert "O prof. Carlos Nadalim apresenta" in article.text


ARTICLE = """<html lang="de-DE"><head><title>Rat stimmt für Bibliothek</title>
<link rel="canonical" href="https://news.example/rat-bibliothek?utm_source=feed&amp;fbclid=abc">
<meta name="author" content="Erika Muster"><meta property="article:published_time" content="2024-03-05T10:00:00Z">
<meta property="og:site_name" content="Beispiel Nachrichten"></head>
<body><article><h1>Rat stimmt für Bibliothek</h1>{body}</article></body></html>"""
PARAGRAPH = ("<p>Der Stadtrat hat am Dienstag die Finanzierung der neuen Bibliothek beschlossen, "
             "teilte die Bürgermeisterin nach der Sitzung mit. Kritiker halten die Kosten für zu "
             "hoch und fordern eine unabhängige Prüfung.</p>")


def test_metadata_and_canonical_url_come_from_the_page() -> None:
    article = html_article(ARTICLE.format(body=PARAGRAPH * 4), "http://127.0.0.1:8000/x")
    assert article.title == "Rat stimmt für Bibliothek"
    assert article.author == "Erika Muster"
    assert article.published == "2024-03-05"
    assert article.site == "Beispiel Nachrichten"
    assert article.language == "de"
    assert article.url == "https://news.example/rat-bibliothek"
    assert article.text.startswith("Der Stadtrat hat am Dienstag")


def test_a_headline_without_body_is_not_an_article() -> None:
    with pytest.raises(NotAnArticleError) as caught:
        html_article(ARTICLE.format(body="<p>Mehr dazu bald.</p>"), "http://127.0.0.1:8000/x")
    assert "Paste the article's text" in caught.value.user_message


TELEGRAM_POST = """<!DOCTYPE html><html><head><title>Telegram Widget</title></head><body>
<div class="tgme_widget_message_wrap js-widget_message_wrap">
 <div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="citynews/4512">
  <div class="tgme_widget_message_bubble">
   <div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name"
     href="https://t.me/citynews"><span dir="auto">City News</span></a></div>
   <div class="tgme_widget_message_forwarded_from accent_color">Forwarded from
     <a class="tgme_widget_message_forwarded_from_name" href="https://t.me/mayoroffice/77"><span>Mayor's Office</span></a></div>
   <a class="tgme_widget_message_reply" href="https://t.me/citynews/4500">
     <div class="tgme_widget_message_text js-message_reply_text" dir="auto">An older post quoted here</div></a>
   <div class="tgme_widget_message_text js-message_text" dir="auto">The council approved the library
     budget tonight.<br/>Sources in the mayor's office say construction starts in May.</div>
   <div class="tgme_widget_message_footer compact js-message_footer">
    <div class="tgme_widget_message_info short js-message_info">
     <span class="tgme_widget_message_views">12.4K</span><span class="copyonly"> views</span>
     <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/citynews/4512">
      <time datetime="2024-05-14T18:02:11+00:00" class="time">18:02</time></a></span>
    </div></div></div></div></div></body></html>"""


async def test_a_telegram_post_link_is_read_through_its_public_preview(make_settings) -> None:
    with LocalSite() as site:
        site.page("/citynews/4512", TELEGRAM_POST)

        async def resolver(host: str, port: int) -> list[str]:
            assert host == "t.me"
            return ["127.0.0.1"]

        settings = make_settings(fetch_allow=[f"t.me:{site.port}"])
        article = await fetch_article(f"http://t.me:{site.port}/s/citynews/4512?single",
                                      settings, resolver=resolver)
    assert site.requests[0].target == "/citynews/4512?embed=1&mode=tme"
    assert article.text == ("The council approved the library budget tonight.\n"
                            "Sources in the mayor's office say construction starts in May.")
    assert article.author == "City News"
    assert article.forwarded_from == "Mayor's Office"
    assert article.published == "2024-05-14"
    assert article.url == f"http://t.me:{site.port}/citynews/4512"


async def test_a_missing_telegram_post_says_so(make_settings) -> None:
    with LocalSite() as site:
        site.page("/citynews/1", "<html><body><div class='tgme_widget_message_error'>"
                                 "Post not found</div></body></html>")

        async def resolver(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        settings = make_settings(fetch_allow=[f"t.me:{site.port}"])
        with pytest.raises(NotAnArticleError) as caught:
            await fetch_article(f"http://t.me:{site.port}/citynews/1", settings, resolver=resolver)
    assert "Telegram post was not found" in caught.value.user_message


async def test_a_private_telegram_channel_link_is_explained_without_fetching(make_settings) -> None:
    with pytest.raises(NotAnArticleError) as caught:
        await fetch_article("https://t.me/c/1234567/89", make_settings())
    assert "private Telegram channel" in caught.value.user_message
