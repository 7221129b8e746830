"""End to end over real HTTP: the real Application, the fake Bot API, the fake LLM, a local site.

Checking articles: forwards of every origin, pasted text, links, captions, what is not an
article, the LLM path, the LLM down, Telegram's 429 and its 4,096-character limit, and
concurrency between chats.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import SEED_TEXT
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings, parse_html

SEED = SEED_TEXT.read_text(encoding="utf-8")


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


def assert_safe_message(call) -> None:
    """Every bot message: HTML parse mode, link previews off, no links in the markup."""
    assert call.params.get("parse_mode") == "HTML"
    assert call.params.get("link_preview_options") == {"is_disabled": True}
    _, problem, links = parse_html(call.params["text"])
    assert problem is None and links == []


async def test_forwarded_seed_article_gets_a_card_naming_the_channel(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    channel = tg.channel(-1001, "Daily Rumours", "dailyrumours")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        start = tg.mark()
        tg.message(tg.private_chat(alice), alice, SEED, forward_origin={
            "type": "channel", "date": 1700000000, "chat": channel, "message_id": 77})
        [card] = await tg.wait_for("sendMessage", chat_id=1, after=start)
    assert_safe_message(card)
    text, _, _ = parse_html(card.params["text"])
    assert "1/5" in text
    assert "anonymous" in text.lower() and "Mirror" in text
    assert "Daily Rumours (@dailyrumours)" in text
    buttons = [b["callback_data"] for row in card.params["reply_markup"]["inline_keyboard"]
               for b in row]
    assert [b.split(":")[2] for b in buttons] == ["claims", "sources", "next", "report"]
    # Work was shown before the card: a chat action first.
    methods = [c.method for c in tg.calls_of(chat_id=1)]
    assert methods.index("sendChatAction") < methods.index("sendMessage")


@pytest.mark.parametrize("origin, expected", [
    ({"type": "user", "date": 1, "sender_user": {"id": 5, "is_bot": False, "first_name": "Bob",
                                                  "last_name": "Stone", "username": "bobs"}},
     "Bob Stone (@bobs)"),
    ({"type": "hidden_user", "date": 1, "sender_user_name": "Hidden Person"}, "Hidden Person"),
    ({"type": "chat", "date": 1, "sender_chat": {"id": -300, "type": "supergroup",
                                                  "title": "Neighbours"},
      "author_signature": "admin"}, "Neighbours (admin)"),
])
async def test_every_forward_origin_is_named_in_the_card(make_settings, tg, origin, expected) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(tg.private_chat(alice), alice, SEED, forward_origin=origin)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
    assert expected in parse_html(card.params["text"])[0]


async def test_media_post_with_a_caption_is_checked(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    caption = SEED[:1000].rsplit(" ", 1)[0]
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(tg.private_chat(alice), alice, caption=caption, photo=True)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
    assert "Credibility" in parse_html(card.params["text"])[0]


@pytest.mark.parametrize("kind", ["sticker", "voice", "photo", "two_words", "unknown_command"])
async def test_things_that_are_not_articles_get_one_friendly_line(make_settings, tg, kind) -> None:
    alice = tg.user(1, "Alice")
    chat = tg.private_chat(alice)
    async with RunningBot(bot_settings(make_settings, tg), tg):
        if kind == "two_words":
            tg.message(chat, alice, "hello there")
        elif kind == "unknown_command":
            tg.message(chat, alice, "/frobnicate")
        else:
            tg.message(chat, alice, **{kind: True})
        [answer] = await tg.wait_for("sendMessage", chat_id=1)
        await asyncio.sleep(0.2)
    assert "forward me a post" in answer.params["text"]
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 1
    assert "Traceback" not in answer.params["text"]


async def test_language_follows_the_telegram_language_code(make_settings, tg) -> None:
    ivan = tg.user(2, "Ivan", language_code="ru")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(tg.private_chat(ivan), ivan, "привет")
        [answer] = await tg.wait_for("sendMessage", chat_id=2)
        tg.message(tg.private_chat(ivan), ivan, SEED)
        [_, card] = await tg.wait_for("sendMessage", chat_id=2, count=2)
    assert "перешлите пост" in answer.params["text"]
    assert "Достоверность" in card.params["text"]


async def test_a_link_with_text_around_it_is_fetched_and_checked(make_settings, tg) -> None:
    from tests.local_site import LocalSite

    paragraphs = "".join(f"<p>{line}</p>" for line in SEED.splitlines()[1:] if line.strip())
    page = (f"<html><head><title>Putin facing military coup</title></head><body><article>"
            f"<h1>Putin 'facing military coup' over latest nuke threats</h1>{paragraphs}"
            f"</article></body></html>")
    alice = tg.user(1, "Alice")
    with LocalSite() as site:
        site.page("/news/putin-coup", page)
        settings = bot_settings(make_settings, tg, fetch_allow=[site.allow_entry])
        async with RunningBot(settings, tg):
            tg.message(tg.private_chat(alice), alice,
                       f"look at this {site.url('/news/putin-coup')} !!")
            [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=10)
    text = parse_html(card.params["text"])[0]
    assert "Credibility" in text and "Mirror" in text


async def test_a_link_to_a_private_address_is_refused_in_one_sentence(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(tg.private_chat(alice), alice, "http://169.254.169.254/latest/meta-data")
        [answer] = await tg.wait_for("sendMessage", chat_id=1)
    assert "private" in answer.params["text"].lower() or "network" in answer.params["text"].lower()
    assert "Credibility" not in answer.params["text"]


async def test_telegram_429_during_the_reply_is_waited_out_and_delivered(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.fail_next("sendMessage", status=429, retry_after=1)
        tg.message(tg.private_chat(alice), alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=6)
    refused = tg.calls_of("sendMessage", chat_id=1, ok=False)
    assert [c.status for c in refused] == [429]
    assert card.time - refused[0].time >= 1.0
    assert "Credibility" in card.params["text"]


def album(tg: FakeTelegram, chat, sender, group_id: str, captions: list[str | None]) -> None:
    """An album as Telegram sends it: one photo message per part, sharing a media_group_id."""
    for caption in captions:
        part = tg.message(chat, sender, caption=caption, photo=True, push=False)
        part["media_group_id"] = group_id
        tg.push_update({"message": part})


async def album_settled(tg: FakeTelegram) -> None:
    """Long enough for every part to be handled and any waiting part to have decided."""
    from handlers.albums import ALBUM_QUIET

    start = tg.mark()
    await tg.wait_for("getUpdates", after=start, count=2, timeout=8)
    await asyncio.sleep(ALBUM_QUIET * 2.5)


@pytest.mark.parametrize("caption_at", [0, 9])
async def test_an_album_with_a_captioned_article_gets_one_card_and_nothing_else(
        make_settings, tg, caption_at) -> None:
    alice = tg.user(1, "Alice")
    caption = SEED[:1000].rsplit(" ", 1)[0]
    captions: list[str | None] = [None] * 10
    captions[caption_at] = caption
    async with RunningBot(bot_settings(make_settings, tg), tg):
        album(tg, tg.private_chat(alice), alice, "album-1", captions)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
        await album_settled(tg)
    assert "Credibility" in parse_html(card.params["text"])[0]
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 1


async def test_an_album_without_a_caption_gets_one_friendly_line(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        album(tg, tg.private_chat(alice), alice, "album-2", [None] * 10)
        [answer] = await tg.wait_for("sendMessage", chat_id=1)
        await album_settled(tg)
        # A second album is a new thing sent: it gets its own line.
        album(tg, tg.private_chat(alice), alice, "album-3", [None] * 3)
        await album_settled(tg)
    assert "forward me a post" in answer.params["text"]
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 2
