"""Quotas do what they say, end to end over real HTTP: 0 is unlimited, every card and every
follow-up answer counts for the person who asked, /forget keeps the counters, and a group is
pointed to a card it already has instead of getting it again."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import SEED_TEXT
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings, parse_html
from tests.test_bot_buttons import eventually

SEED = SEED_TEXT.read_text(encoding="utf-8")
OTHER = SEED.replace("Putin", "The president")
GROUP = -100300
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel",
               "username": "Channel_Bot"}


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


def is_card(call) -> bool:
    return "Credibility" in parse_html(call.params["text"])[0]


async def settle(tg: FakeTelegram) -> None:
    """Wait until the bot has fetched updates twice more: all it was sent has been handled."""
    start = tg.mark()
    await tg.wait_for("getUpdates", after=start, count=2, timeout=8)


async def test_a_limit_of_zero_means_unlimited(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    chat = tg.private_chat(alice)
    settings = bot_settings(make_settings, tg, user_checks_per_hour=0, user_checks_per_day=0,
                            chat_checks_per_hour=0, chat_checks_per_day=0)
    async with RunningBot(settings, tg):
        for text in (SEED, OTHER, SEED):
            start = tg.mark()
            tg.message(chat, alice, text)
            [answer] = await tg.wait_for("sendMessage", chat_id=1, after=start)
            assert is_card(answer), answer.params["text"]
        start = tg.mark()
        tg.message(chat, alice, "/settings")
        [summary] = await tg.wait_for("sendMessage", chat_id=1, after=start)
    assert "∞/hour and ∞/day per person" in summary.params["text"]
    assert "0 or “default”" in summary.params["text"]


async def test_a_chats_own_zero_keeps_the_operators_limit(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    chat = tg.private_chat(alice)
    async with RunningBot(bot_settings(make_settings, tg, user_checks_per_hour=1), tg):
        tg.message(chat, alice, "/settings quota user hour 0")
        [saved] = await tg.wait_for("sendMessage", chat_id=1)
        start = tg.mark()
        tg.message(chat, alice, SEED)
        tg.message(chat, alice, OTHER)
        answers = await tg.wait_for("sendMessage", chat_id=1, after=start, count=2)
    assert "1/hour" in saved.params["text"]
    assert sorted(is_card(a) for a in answers) == [False, True]


async def test_the_same_article_again_counts_like_any_card(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    chat = tg.private_chat(alice)
    async with RunningBot(bot_settings(make_settings, tg, user_checks_per_hour=1), tg):
        tg.message(chat, alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
        start = tg.mark()
        for _ in range(3):
            tg.message(chat, alice, SEED)
        refusals = await tg.wait_for("sendMessage", chat_id=1, after=start, count=3)
        await settle(tg)
    assert is_card(card)
    assert all("limit of 1 checks per hour" in r.params["text"] for r in refusals)
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 4


async def test_autocheck_cards_a_link_posted_many_times_once(make_settings, tg) -> None:
    from tests.local_site import LocalSite
    from tests.test_bot_group import article_page

    group = tg.group_chat(GROUP)
    admin, alice = tg.user(2, "Admin"), tg.user(1, "Alice")
    tg.set_member(GROUP, admin["id"], "creator")
    with LocalSite() as site:
        site.page("/story", article_page())
        settings = bot_settings(make_settings, tg, fetch_allow=[site.allow_entry],
                                chat_checks_per_hour=1)
        async with RunningBot(settings, tg):
            tg.message(group, admin, "/autocheck on")
            await tg.wait_for("sendMessage", chat_id=GROUP)
            start = tg.mark()
            tg.message(group, alice, f"look {site.url('/story')}")
            [card] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start, timeout=10)
            for n in range(3):  # one at a time, then a burst: no second card either way
                tg.message(group, alice, f"again {site.url('/story')} #{n}")
                await settle(tg)
            for n in range(6):
                tg.message(group, alice, f"and again {site.url('/story')} #{n}")
            await settle(tg)
            await asyncio.sleep(0.3)
    assert is_card(card)
    assert len(tg.calls_of("sendMessage", chat_id=GROUP)) == 2  # "/autocheck on" and one card


async def test_a_group_asking_again_for_a_carded_link_gets_a_pointer(make_settings, tg) -> None:
    from tests.local_site import LocalSite
    from tests.test_bot_group import article_page

    group = tg.group_chat(GROUP)
    alice, bob = tg.user(1, "Alice"), tg.user(2, "Bob")
    with LocalSite() as site:
        site.page("/story", article_page())
        settings = bot_settings(make_settings, tg, fetch_allow=[site.allow_entry])
        async with RunningBot(settings, tg) as bot:
            tg.message(group, alice, "/check " + site.url("/story"))
            [card] = await tg.wait_for("sendMessage", chat_id=GROUP, timeout=10)
            start = tg.mark()
            tg.message(group, bob, "/check " + site.url("/story") + "?utm_source=x")
            [pointer] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
            # A reply to the pointer asks about the same article, as a reply to the card does.
            start = tg.mark()
            tg.message(group, bob, "Who is the source?", reply_to=pointer.result)
            [answer] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
            used = await bot.storage.quota_used("chat", GROUP, "hour")
    assert is_card(card)
    assert pointer.params["reply_parameters"]["message_id"] == card.result["message_id"]
    assert "checked this here" in pointer.params["text"]
    assert not is_card(answer) and "checked this here" not in answer.params["text"]
    assert used == 2  # the card and the answer; the pointer is free


async def test_posting_as_different_channels_shares_one_quota(make_settings, tg) -> None:
    group = tg.group_chat(GROUP)
    first, second = tg.channel(-1007, "My first channel"), tg.channel(-1008, "My second one")
    settings = bot_settings(make_settings, tg, user_checks_per_hour=1)
    async with RunningBot(settings, tg):
        tg.message(group, CHANNEL_BOT, "/check " + SEED, sender_chat=first)
        [card] = await tg.wait_for("sendMessage", chat_id=GROUP)
        start = tg.mark()
        tg.message(group, CHANNEL_BOT, "/check " + OTHER, sender_chat=second)
        [refusal] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
    assert is_card(card)
    assert "reached your limit of 1 checks per hour" in refusal.params["text"]


async def test_forget_does_not_reset_the_quota(make_settings, tg) -> None:
    group = tg.group_chat(GROUP)
    alice, bob, admin = tg.user(1, "Alice"), tg.user(2, "Bob"), tg.user(3, "Admin")
    tg.set_member(GROUP, admin["id"], "administrator")
    async with RunningBot(bot_settings(make_settings, tg, chat_checks_per_hour=1), tg):
        tg.message(group, alice, "/check " + SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=GROUP)
        start = tg.mark()
        tg.message(group, admin, "/forget")
        [done] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
        start = tg.mark()
        tg.message(group, bob, "/check " + OTHER)
        [refusal] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
    assert is_card(card) and "deleted" in done.params["text"]
    assert "This chat has reached its limit of 1 checks per hour" in refusal.params["text"]


async def test_offline_follow_up_answers_count_against_the_quota(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    chat = tg.private_chat(alice)
    async with RunningBot(bot_settings(make_settings, tg, user_checks_per_hour=3), tg) as bot:
        tg.message(chat, alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
        replies = []
        for question in ("Who is the source?", "Is it verified?", "And the Mirror?"):
            start = tg.mark()
            tg.message(chat, alice, question, reply_to=card.result)
            [reply] = await tg.wait_for("sendMessage", chat_id=1, after=start)
            replies.append(reply.params["text"])
        report_id = await bot.storage.report_for_message(1, card.result["message_id"])
        thread = await eventually(lambda: _thread_size(bot, report_id), 4)
    assert ["limit of 3 checks per hour" in r for r in replies] == [False, False, True]
    assert thread == 4  # two questions and two answers


async def _thread_size(bot: RunningBot, report_id: int) -> int:
    return len(await bot.storage.thread(report_id, 1))
