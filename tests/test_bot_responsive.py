"""One chat's heavy article never freezes the bot for the others.

The real bot long-polls the fake Bot API; a local site serves a 400 KB article written as one
paragraph (the shape that stalled every chat for minutes when the analysis ran on the event
loop). Once the site has served chat A's page, chat B asks for /help twice, each time waiting
for the answer: both answers must come before A's card, and A must still get its card.

Two round trips, not one: a bot whose loop is blocked answers a waiting /help only when the
block ends, at the same moment as it sends the card, and either may go first; a second /help
asked after that first answer always comes after the card. The plain-text page is the one
that failed before the analysis left the event loop (the HTML page's extraction then ran in
a thread, so a quick /help could slip in before the analysis began). Nothing here measures
time (bench/responsive.py does); only the order of the bot's calls is asserted.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import SEED_TEXT
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings, parse_html
from tests.local_site import LocalSite

PAGE_CHARS = 400_000
HELP_ROUNDS = 2  # round trips, each waiting for its answer before the next


def one_paragraph(chars: int = PAGE_CHARS) -> str:
    """`chars` characters of news sentences with no line break anywhere."""
    sentences = " ".join(SEED_TEXT.read_text(encoding="utf-8").split()[12:])
    parts = []
    size = 0
    while size < chars:
        parts.append(f"Part {len(parts) + 1}. {sentences}")
        size += len(parts[-1]) + 1
    return " ".join(parts)[:chars]


def as_page(paragraph: str, content_type: str) -> str:
    if content_type.startswith("text/plain"):
        return f"A very long story\n\n{paragraph}"
    return (f"<html><head><title>A very long story</title></head><body><article>"
            f"<h1>A very long story</h1><p>{paragraph}</p></article></body></html>")


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8",
                                          "text/plain; charset=utf-8"])
async def test_help_in_one_chat_is_answered_while_another_chats_long_page_is_checked(
        make_settings, tg: FakeTelegram, content_type: str) -> None:
    page = as_page(one_paragraph(), content_type)
    alice, bob = tg.user(1, "Alice"), tg.user(2, "Bob")
    with LocalSite() as site:
        site.page("/long-story", page, content_type=content_type)
        settings = bot_settings(make_settings, tg, fetch_allow=[site.allow_entry])
        async with RunningBot(settings, tg):
            tg.message(tg.private_chat(alice), alice, site.url("/long-story"))
            while site.hits("/long-story") == 0:  # A's check has reached the heavy part
                await asyncio.sleep(0.01)
            for round_ in range(1, HELP_ROUNDS + 1):
                tg.message(tg.private_chat(bob), bob, "/help")
                await tg.wait_for("sendMessage", chat_id=2, count=round_, timeout=120)
            [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=120)
    order = [call for call in tg.calls_of("sendMessage") if call.chat_id in (1, 2)]
    assert [call.chat_id for call in order] == [2] * HELP_ROUNDS + [1]
    assert "Credibility" in parse_html(card.params["text"])[0]
