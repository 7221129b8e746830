"""bot.urls: finding the link in a message, canonical forms, Telegram post links."""

from __future__ import annotations

import pytest

from bot.urls import canonical_url, find_url, is_private_telegram_link, telegram_preview_url


@pytest.mark.parametrize(
    "message, expected",
    [
        ("https://example.com/news/1", "https://example.com/news/1"),
        ("Is this true?? https://example.com/a?id=3 pls check", "https://example.com/a?id=3"),
        ("see (https://en.wikipedia.org/wiki/Foo_(bar)).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("look at this: bbc.co.uk/news/world-123 !!", "https://bbc.co.uk/news/world-123"),
        ("www.example.org, read it", "https://www.example.org"),
        ("t.me/citynews/4512", "https://t.me/citynews/4512"),
        ("Смотри новости.рф/статья/1", "https://новости.рф/статья/1"),
        ("first example.com/a then https://other.org/b", "https://example.com/a"),
        ("«https://example.com/x»", "https://example.com/x"),
        ("HTTP://Example.com/Path", "HTTP://Example.com/Path"),
    ],
)
def test_find_url_returns_the_first_link(message: str, expected: str) -> None:
    assert find_url(message) == expected


@pytest.mark.parametrize(
    "message",
    ["", "no link in here", "write to me at someone@example.com", "e.g. this or i.e. that",
     "the file notes.txt is attached", "version 1.2.3 is out", "https:// broken"],
)
def test_find_url_ignores_text_that_is_not_a_link(message: str) -> None:
    assert find_url(message) is None


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://example.com/a?utm_source=tg&utm_medium=social&id=5&fbclid=X1#comments",
         "https://example.com/a?id=5"),
        ("https://example.com/a?gclid=1&yclid=2&mc_cid=3&mc_eid=4&igshid=5&ref_src=6&_ga=7",
         "https://example.com/a"),
        ("HTTPS://News.Example.COM:443/a?b=%20c", "https://news.example.com/a?b=%20c"),
        ("http://example.com:8080", "http://example.com:8080/"),
        ("https://example.com/a?page=2&UTM_Campaign=x", "https://example.com/a?page=2"),
    ],
)
def test_canonical_url_drops_tracking_and_noise(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["https://t.me/citynews/4512", "https://t.me/s/citynews/4512", "https://telegram.me/citynews/4512",
     "https://t.me/citynews/4512?embed=1", "https://t.me/citynews/4512?single&utm_source=x"],
)
def test_telegram_post_links_have_one_canonical_form(url: str) -> None:
    assert canonical_url(url) == "https://t.me/citynews/4512"
    assert telegram_preview_url(url) == "https://t.me/citynews/4512?embed=1&mode=tme"


def test_only_post_links_get_a_telegram_preview() -> None:
    assert telegram_preview_url("https://t.me/citynews") is None
    assert telegram_preview_url("https://example.com/citynews/4512") is None


def test_private_channel_links_are_recognised() -> None:
    assert is_private_telegram_link("https://t.me/c/1234567/89")
    assert not is_private_telegram_link("https://t.me/citynews/89")
