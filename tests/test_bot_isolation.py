"""One chat's data never reaches another, end to end over real HTTP.

Reports are shared between chats (the same article is analysed once), so these tests drive
two chats through the real bot and look at everything the second one can see: the card, the
expanded sections, the JSON report, and at what stays in the database after /forget and
retention.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.storage import utcnow
from tests.conftest import SEED_TEXT
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings, parse_html
from tests.test_bot_buttons import button

SEED = SEED_TEXT.read_text(encoding="utf-8")
DANA = {"type": "hidden_user", "date": 1700000000, "sender_user_name": "Dana Privatperson"}


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


async def everything_shown(tg: FakeTelegram, card, user) -> tuple[str, dict]:
    """The card and its three sections as one text, and the JSON report."""
    chat_id = card["chat"]["id"]
    shown = [card["text"]]
    data = {action: button(card, action) for action in ("claims", "sources", "next", "report")}
    for action in ("claims", "sources", "next"):
        start = tg.mark()
        tg.press(card, data[action], user)
        [edit] = await tg.wait_for("editMessageText", chat_id=chat_id, after=start)
        shown.append(edit.params["text"])
    start = tg.mark()
    tg.press(card, data["report"], user)
    [document] = await tg.wait_for("sendDocument", chat_id=chat_id, after=start)
    report = document.files["document"][1].decode("utf-8")
    return "\n".join(shown) + report, json.loads(report)


def rows_mentioning(database: str, needle: str) -> list[tuple[str, tuple]]:
    """Every row of every table with `needle` in any column."""
    found = []
    with sqlite3.connect(database) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master "
                                                  "WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                if any(needle in str(value) for value in row):
                    found.append((table, row))
    return found


async def test_a_forward_origin_is_shown_only_to_the_chat_that_forwarded(make_settings,
                                                                         tg) -> None:
    alice, mallory = tg.user(1, "Alice"), tg.user(2, "Mallory")
    settings = bot_settings(make_settings, tg)
    async with RunningBot(settings, tg):
        tg.message(tg.private_chat(alice), alice, SEED, forward_origin=DANA)
        [alice_card] = await tg.wait_for("sendMessage", chat_id=1)
        _, alice_json = await everything_shown(tg, alice_card.result, alice)
        tg.message(tg.private_chat(mallory), mallory, SEED)
        [mallory_card] = await tg.wait_for("sendMessage", chat_id=2)
        mallory_sees, mallory_json = await everything_shown(tg, mallory_card.result, mallory)
    # The chat that forwarded it: named on the card, first among the next steps, in the JSON.
    assert "Dana Privatperson" in parse_html(alice_card.params["text"])[0]
    assert alice_json["article"]["forwarded_from"] == "Dana Privatperson"
    assert "Dana Privatperson" in alice_json["next_steps"][0]
    # Another chat with the same text gets the same (cached) analysis and nothing of Alice's.
    assert "Checked earlier" in parse_html(mallory_card.params["text"])[0]
    assert "Dana" not in mallory_sees
    assert mallory_json["article"]["forwarded_from"] is None
    assert mallory_json["rating"] == alice_json["rating"]


async def test_forget_removes_the_forward_origin_from_every_row(make_settings, tg) -> None:
    alice, mallory = tg.user(1, "Alice"), tg.user(2, "Mallory")
    settings = bot_settings(make_settings, tg)
    database = settings.database_url.split("///", 1)[1]
    async with RunningBot(settings, tg):
        tg.message(tg.private_chat(alice), alice, SEED, forward_origin=DANA)
        await tg.wait_for("sendMessage", chat_id=1)
        tg.message(tg.private_chat(mallory), mallory, SEED)
        await tg.wait_for("sendMessage", chat_id=2)
        assert rows_mentioning(database, "Dana")  # Alice's own, until she forgets it
        start = tg.mark()
        tg.message(tg.private_chat(alice), alice, "/forget")
        await tg.wait_for("sendMessage", chat_id=1, after=start)
    assert rows_mentioning(database, "Dana") == []


async def test_a_cached_copy_expires_with_the_report_it_was_copied_from(make_settings,
                                                                        tg) -> None:
    alice, mallory = tg.user(1, "Alice"), tg.user(2, "Mallory")
    settings = bot_settings(make_settings, tg, retention_days=30)
    database = settings.database_url.split("///", 1)[1]
    async with RunningBot(settings, tg) as bot:
        tg.message(tg.private_chat(alice), alice, SEED, forward_origin=DANA)
        await tg.wait_for("sendMessage", chat_id=1)
        async with bot.storage.engine.begin() as db:  # Alice's check was 20 days ago
            await db.execute(text("UPDATE credbot_reports "
                                  "SET created_at = datetime(created_at, '-20 days')"))
        tg.message(tg.private_chat(mallory), mallory, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=2)
        assert "Checked earlier" in parse_html(card.params["text"])[0]
        # Eleven days on, the original is past retention: so is every copy of it.
        await bot.storage.purge_expired(30, now=utcnow() + timedelta(days=11))
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM credbot_reports").fetchone() == (0,)


async def test_the_llm_never_sees_who_a_chat_forwarded_from(make_settings, tg) -> None:
    """The analysis is shared by every chat that sends the article: the model gets the article
    alone, and follow-ups in another chat never hear of the first chat's origin."""
    from tests.fake_llm import FakeLLM
    from tests.test_bot_llm import llm_settings, scripted

    alice, mallory = tg.user(1, "Alice"), tg.user(2, "Mallory")
    with FakeLLM() as llm:
        llm.default = scripted()
        async with RunningBot(llm_settings(make_settings, tg, llm), tg):
            tg.message(tg.private_chat(alice), alice, SEED, forward_origin=DANA)
            [alice_card] = await tg.wait_for("sendMessage", chat_id=1, timeout=8)
            tg.message(tg.private_chat(mallory), mallory, SEED)
            [card] = await tg.wait_for("sendMessage", chat_id=2, timeout=8)
            start = tg.mark()
            tg.message(tg.private_chat(mallory), mallory, "Who sent this around?",
                       reply_to=card.result)
            await tg.wait_for("sendMessage", chat_id=2, after=start, timeout=8)
    assert "Dana Privatperson" in parse_html(alice_card.params["text"])[0]
    assert len(llm.completions) == 2  # one analysis for both chats, one follow-up answer
    for request in llm.completions:
        assert "Dana" not in request.content("system") + request.content("user")
