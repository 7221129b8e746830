"""Hostile or odd updates, end to end: edits, forged button data, names that reorder text."""

from __future__ import annotations

import pytest

from tests.conftest import SEED_TEXT
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings, parse_html

SEED = SEED_TEXT.read_text(encoding="utf-8")
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


def cards(tg: FakeTelegram, chat_id: int) -> list:
    return [c for c in tg.calls_of("sendMessage", chat_id=chat_id) if c.params.get("reply_markup")]


async def test_editing_a_check_command_does_not_run_a_second_check(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg) as bot:
        command = tg.message(tg.private_chat(alice), alice, "/check " + SEED)
        await tg.wait_for("sendMessage", chat_id=1, where=lambda c: bool(c.params.get("reply_markup")))
        tg.edit(command, "/check " + SEED.replace("Putin", "Putin,"))
        tg.edit(command, "/check " + SEED.replace("Putin", "Putin;"))
        other = tg.message(tg.private_chat(alice), alice, "hello")
        tg.edit(other, "/help")  # an edit into a command is no command either
        await bot.idle()
    assert len(cards(tg, 1)) == 1
    sent = [c.text for c in tg.calls_of("sendMessage", chat_id=1)]
    assert len(sent) == 2  # the card, and the friendly line for "hello"; nothing for the edits


@pytest.mark.parametrize("data", [
    "cb:99999999999999999999:claims",     # over 2^63: OverflowError in the database driver
    "cb:9223372036854775807:claims",      # over PostgreSQL's INTEGER
    "cb:-1:claims", "cb:1:delete", "cb:1", "cb::claims", "cb:1:claims:extra", "cb:١:claims",
    "something else",
])
async def test_forged_button_data_gets_a_short_answer_not_an_error(make_settings, tg, caplog,
                                                                    data) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg) as bot:
        tg.message(tg.private_chat(alice), alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
        start = tg.mark()
        tg.press(card.result, data, alice)
        [answer] = await tg.wait_for("answerCallbackQuery", after=start)
        await bot.idle()
    assert "no longer works" in answer.params["text"]
    assert "Something went wrong" not in answer.params["text"]
    assert not [r for r in caplog.records if r.name == "credbot.errors"]
    assert not tg.calls_of("editMessageText")


async def test_bidi_overrides_and_controls_in_a_forward_origin_never_reach_the_card(
        make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    channel = tg.channel(-100500, f"Daily{BIDI}\x00\x1b[31m News\u202e moc.live")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(tg.private_chat(alice), alice, SEED,
                   forward_origin={"type": "channel", "chat": channel, "message_id": 7,
                                   "date": 1700000000})
        [card] = await tg.wait_for("sendMessage", chat_id=1)
    text = parse_html(card.params["text"])[0]
    assert "Daily[31m News moc.live" in text
    assert not set(BIDI + "\x00\x1b") & set(card.params["text"])
