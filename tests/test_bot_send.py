"""Sending through a flaky Bot API: 5xx answers are retried like 429s, never lost or doubled."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.app import CredbotRateLimiter
from bot.i18n import MESSAGES, SUPPORTED
from tests.conftest import SEED_TEXT
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings

SEED = SEED_TEXT.read_text(encoding="utf-8")


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


async def until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def is_card(call) -> bool:
    return bool(call.params.get("reply_markup"))


async def test_a_card_survives_two_502s_on_send_message(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.fail_next("sendMessage", status=502, description="Bad Gateway", times=2)
        tg.message(tg.private_chat(alice), alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=20)
    assert is_card(card)
    assert [c.status for c in tg.calls_of("sendMessage", ok=None)] == [502, 502, 200]
    assert "Something went wrong" not in card.params["text"]


async def test_a_proxys_html_502_page_is_retried_too(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.fail_next("sendMessage", status=502, html_page="<html><body><h1>502 Bad Gateway</h1>"
                                                          "<hr>nginx</body></html>")
        tg.message(tg.private_chat(alice), alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=20)
    assert is_card(card)


async def test_a_bot_api_that_keeps_failing_is_tried_a_bounded_number_of_times(
        make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    limiter = CredbotRateLimiter(transient_retries=3, transient_backoff=0.01)
    async with RunningBot(bot_settings(make_settings, tg), tg, rate_limiter=limiter):
        tg.fail_next("sendMessage", status=502, description="Bad Gateway", times=8)
        tg.message(tg.private_chat(alice), alice, SEED)
        # The card (4 tries) and then the error notice (4 tries) both fail; the bot lives on.
        await until(lambda: len(tg.calls_of("sendMessage", ok=False)) >= 8)
        await asyncio.sleep(0.5)  # room for a ninth try, were there one
        tried = [c.status for c in tg.calls_of("sendMessage", ok=None)]
        start = tg.mark()
        tg.message(tg.private_chat(alice), alice, "/privacy")
        [answer] = await tg.wait_for("sendMessage", chat_id=1, after=start, timeout=20)
    assert tried == [502] * 8
    assert "What I store" in answer.params["text"]


async def test_a_bad_request_is_not_retried(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
        tg.message(tg.private_chat(alice), alice, SEED)
        [told] = await tg.wait_for("sendMessage", chat_id=1, timeout=20)
    assert [c.status for c in tg.calls_of("sendMessage", ok=None)] == [400, 200]
    assert not is_card(told)


def test_the_error_notice_claims_nothing_it_cannot_know() -> None:
    # The notice is sent when a reply could not be delivered, so "nothing was lost" is false.
    claims = ("nothing was lost", "ничего не потеряно", "нічого не втрачено", "nichts verloren",
              "no se perdió nada", "rien n'est perdu")
    for language in SUPPORTED:
        text = MESSAGES[language]["error"].lower()
        assert not any(claim in text for claim in claims), language
