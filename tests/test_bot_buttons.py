"""The card's buttons and follow-up questions, end to end over real HTTP."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.conftest import SEED_TEXT
from tests.fake_llm import FakeLLM
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings, parse_html
from tests.test_bot_llm import llm_settings, scripted

SEED = SEED_TEXT.read_text(encoding="utf-8")


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


async def eventually(read, expected, timeout: float = 3.0):
    """Poll an async reading until it equals `expected` (writes land just after replies)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (value := await read()) != expected and loop.time() < deadline:
        await asyncio.sleep(0.02)
    return value


def button(card, action: str) -> str:
    for row in card["reply_markup"]["inline_keyboard"]:
        for b in row:
            if b["callback_data"].endswith(":" + action):
                return b["callback_data"]
    raise AssertionError(f"no {action} button in {card['reply_markup']}")


async def test_buttons_expand_in_place_go_back_and_send_the_report(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(tg.private_chat(alice), alice, SEED)
        [card_call] = await tg.wait_for("sendMessage", chat_id=1)
        card = card_call.result
        card_text = card_call.params["text"]
        expanded = {}
        for action, title in (("claims", "Claims"), ("sources", "Sources"), ("next", "Check next")):
            start = tg.mark()
            tg.press(card, button(card, action), alice)
            [edit] = await tg.wait_for("editMessageText", chat_id=1, after=start)
            await tg.wait_for("answerCallbackQuery", after=start)
            assert edit.params["message_id"] == card["message_id"]
            assert parse_html(edit.params["text"])[0].startswith(title)
            expanded[action] = tg.current(card)
            start = tg.mark()
            tg.press(expanded[action], button(expanded[action], "back"), alice)
            [back] = await tg.wait_for("editMessageText", chat_id=1, after=start)
            assert back.params["text"] == card_text
        start = tg.mark()
        tg.press(card, button(card, "report"), alice)
        [document] = await tg.wait_for("sendDocument", chat_id=1, after=start)
    assert "Mirror" in parse_html(expanded["sources"]["text"])[0]
    name, data = document.files["document"]
    assert name.endswith(".json")
    report = json.loads(data)
    assert report["schema_version"] == 1 and report["rating"]["score"] == 1
    assert report["article"]["word_count"] > 400


async def test_a_button_on_a_forgotten_report_says_so(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg) as bot:
        tg.message(tg.private_chat(alice), alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
        await bot.storage.forget_chat(1)
        start = tg.mark()
        tg.press(card.result, button(card.result, "claims"), alice)
        [answer] = await tg.wait_for("answerCallbackQuery", after=start)
    assert "no longer stored" in answer.params["text"]
    assert not tg.calls_of("editMessageText")


async def test_offline_follow_up_answers_from_the_evidence_and_says_an_llm_is_needed(
        make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(tg.private_chat(alice), alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
        start = tg.mark()
        tg.message(tg.private_chat(alice), alice, "Who are the sources?", reply_to=card.result)
        [answer] = await tg.wait_for("sendMessage", chat_id=1, after=start)
    text = parse_html(answer.params["text"])[0]
    assert "need an AI model" in text
    assert "security source" in text and "The Mirror" in text
    assert answer.params["reply_parameters"]["message_id"] != card.result["message_id"]


async def test_llm_follow_up_is_grounded_in_article_report_and_thread(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    with FakeLLM() as llm:
        llm.default = scripted(followup_text="It rests on “a security source” who “told the "
                                             "Mirror”; it also says “Putin was seen on Mars”.")
        async with RunningBot(llm_settings(make_settings, tg, llm), tg) as bot:
            tg.message(tg.private_chat(alice), alice, SEED)
            [card] = await tg.wait_for("sendMessage", chat_id=1)
            start = tg.mark()
            tg.message(tg.private_chat(alice), alice, "Who is the source?", reply_to=card.result)
            [first] = await tg.wait_for("sendMessage", chat_id=1, after=start)
            # A reply to the bot's answer continues the same thread.
            start = tg.mark()
            tg.message(tg.private_chat(alice), alice, "And is it named anywhere?",
                       reply_to=first.result)
            [second] = await tg.wait_for("sendMessage", chat_id=1, after=start)
            thread_rows = await eventually(lambda: bot.storage.count_rows(1), 8)
    followups = [r for r in llm.completions if not r.response_format]
    assert len(followups) == 2
    system, user = followups[1].content("system"), followups[1].content("user")
    assert "untrusted" in system and "security source" not in system
    assert "Who is the source?" in user and "And is it named anywhere?" in user
    assert "<<<ARTICLE" in user and "Vladimir Putin could be replaced" in user
    assert '"rating"' in user
    text = parse_html(first.params["text"])[0]
    assert "“a security source”" in text
    assert "“Putin was seen on Mars” [not in the article]" in text
    assert parse_html(second.params["text"])[0]
    assert thread_rows == 1 + 3 + 4  # the report, card and two answers, four thread messages


async def test_replying_to_a_card_of_another_chat_or_unknown_message_is_not_a_follow_up(
        make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(tg.private_chat(alice), alice, "/help")
        [help_call] = await tg.wait_for("sendMessage", chat_id=1)
        start = tg.mark()
        tg.message(tg.private_chat(alice), alice, "ok thanks", reply_to=help_call.result)
        [answer] = await tg.wait_for("sendMessage", chat_id=1, after=start)
    assert "forward me a post" in answer.params["text"]


async def test_a_follow_up_answer_over_telegrams_limit_arrives_as_text_not_a_lone_ellipsis(
        make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    long_answer = "The article rests on one anonymous source 🙂 and nothing else. " * 90
    with FakeLLM() as llm:
        llm.default = scripted(followup_text=long_answer.strip())
        async with RunningBot(llm_settings(make_settings, tg, llm), tg):
            tg.message(tg.private_chat(alice), alice, SEED)
            [card] = await tg.wait_for("sendMessage", chat_id=1)
            start = tg.mark()
            tg.message(tg.private_chat(alice), alice, "Who is the source?", reply_to=card.result)
            [first, *_] = await tg.wait_for("sendMessage", chat_id=1, after=start)
    text = parse_html(first.params["text"])[0]
    assert text.startswith("The article rests on one anonymous source 🙂")
    assert len(text) > 3000


async def test_a_long_follow_up_answer_arrives_whole_in_parts_and_each_part_takes_replies(
        make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    sentence = "The article rests on one anonymous source and nothing else."
    long_answer = " ".join(f"{sentence} ({i})" for i in range(80))
    with FakeLLM() as llm:
        llm.default = scripted(followup_text=long_answer)
        async with RunningBot(llm_settings(make_settings, tg, llm), tg):
            tg.message(tg.private_chat(alice), alice, SEED)
            [card] = await tg.wait_for("sendMessage", chat_id=1)
            start = tg.mark()
            tg.message(tg.private_chat(alice), alice, "Who is the source?", reply_to=card.result)
            parts = await tg.wait_for("sendMessage", chat_id=1, after=start, count=2)
            shown = " ".join(parse_html(part.params["text"])[0] for part in parts)
            assert "(0)" in shown and "(79)" in shown  # nothing lost between the parts
            again = tg.mark()
            tg.message(tg.private_chat(alice), alice, "And then?", reply_to=parts[-1].result)
            [answer, *_] = await tg.wait_for("sendMessage", chat_id=1, after=again)
    assert answer.params["text"].startswith("The article rests")
