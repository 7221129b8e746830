"""Groups and chat administration end to end: /check as a reply, /autocheck and who may use it,
quotas, /settings, /privacy, /forget, and retention."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import SEED_TEXT
from tests.fake_llm import FakeLLM, reply
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings, parse_html
from tests.test_bot_buttons import button
from tests.test_bot_llm import analysis, llm_settings, scripted

SEED = SEED_TEXT.read_text(encoding="utf-8")
GROUP = -100200
ANON_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


# A well-sourced story (named people, bodies and a document): the rule-based reading agrees
# with a model that rates it 4/5, so the card keeps the model's score.
SOURCED = """The city council voted 31 to 9 on Tuesday to approve a new budget for the bus network, according to the council's published minutes.
"This budget keeps every route running and adds night buses on six lines," said Maria Keller, the council's transport chair, at a press conference after the vote.
The transport authority said in a statement that fares would stay at their current level until March.
Opposition leader Tom Brandt told reporters that the plan relied on a grant the national government has not yet confirmed.
A report by the city's audit office, published in May, found that ridership had grown by 12 percent since 2022."""


def article_page(title: str = "Putin coup", body: str | None = None) -> str:
    lines = body.splitlines() if body is not None else SEED.splitlines()[1:]
    paragraphs = "".join(f"<p>{line}</p>" for line in lines if line.strip())
    return f"<html><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"


async def test_check_as_a_reply_in_a_group_answers_under_the_article(make_settings, tg) -> None:
    group = tg.group_chat(GROUP)
    alice, bob = tg.user(1, "Alice"), tg.user(2, "Bob")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        # With privacy mode on the bot never sees the post itself, only the reply to it.
        post = tg.message(group, alice, SEED, push=False)
        tg.message(group, bob, "/check", reply_to=post)
        [card] = await tg.wait_for("sendMessage", chat_id=GROUP)
    assert card.params["reply_parameters"]["message_id"] == post["message_id"]
    assert "Credibility" in parse_html(card.params["text"])[0]


async def test_plain_group_messages_are_ignored_without_autocheck(make_settings, tg) -> None:
    group = tg.group_chat(GROUP)
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(group, alice, "see https://example.org/story and this two words")
        tg.message(group, alice, "/help")
        await tg.wait_for("sendMessage", chat_id=GROUP)
    assert len(tg.calls_of("sendMessage", chat_id=GROUP)) == 1  # only the /help answer


async def test_autocheck_is_refused_for_a_member_and_allowed_for_an_admin(make_settings, tg) -> None:
    group = tg.group_chat(GROUP)
    member, admin = tg.user(1, "Member"), tg.user(2, "Admin")
    tg.set_member(GROUP, admin["id"], "administrator")
    async with RunningBot(bot_settings(make_settings, tg), tg) as bot:
        tg.message(group, member, "/autocheck on")
        [refusal] = await tg.wait_for("sendMessage", chat_id=GROUP)
        assert not (await bot.storage.chat_settings(GROUP)).autocheck
        start = tg.mark()
        tg.message(group, admin, "/autocheck on")
        [accepted] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
        assert (await bot.storage.chat_settings(GROUP)).autocheck
    assert "Only this group's admins" in refusal.params["text"]
    assert "Autocheck is on" in accepted.params["text"]
    assert "Make me an admin" in accepted.params["text"]  # privacy mode on, bot not an admin
    asked = {c.params["user_id"] for c in tg.calls_of("getChatMember")}
    assert {member["id"], admin["id"]} <= asked


async def test_an_anonymous_admin_posting_as_the_group_counts_as_admin(make_settings, tg) -> None:
    group = tg.group_chat(GROUP)
    async with RunningBot(bot_settings(make_settings, tg), tg) as bot:
        tg.message(group, ANON_BOT, "/autocheck on", sender_chat=group)
        [accepted] = await tg.wait_for("sendMessage", chat_id=GROUP)
        assert (await bot.storage.chat_settings(GROUP)).autocheck
    assert "Autocheck is on" in accepted.params["text"]


async def test_autocheck_replies_to_links_at_or_below_the_threshold(make_settings, tg) -> None:
    from tests.local_site import LocalSite

    group = tg.group_chat(GROUP)
    alice, admin = tg.user(1, "Alice"), tg.user(2, "Admin")
    tg.set_member(GROUP, admin["id"], "creator")

    def by_title(request):
        score = 4 if "Solid story" in request.content("user") else 1
        return reply(analysis(score=score))

    with FakeLLM() as llm, LocalSite() as site:
        llm.default = scripted(by_title)
        site.page("/weak", article_page("Weak story"))
        site.page("/solid", article_page("Solid story", SOURCED))
        settings = llm_settings(make_settings, tg, llm, fetch_allow=[site.allow_entry])
        async with RunningBot(settings, tg):
            tg.message(group, admin, "/autocheck on")
            tg.message(group, admin, "/settings threshold 2")
            await tg.wait_for("sendMessage", chat_id=GROUP, count=2)
            start = tg.mark()
            tg.message(group, alice, f"Solid one: {site.url('/solid')}")
            weak = tg.message(group, alice, f"wow {site.url('/weak')} really?")
            [card] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start, timeout=8)
            await tg.wait_for("sendChatAction", chat_id=GROUP, after=start, count=2)
    assert card.params["reply_parameters"]["message_id"] == weak["message_id"]
    assert "1/5" in parse_html(card.params["text"])[0]
    assert len(llm.completions) == 2  # both were checked; only the weak one was answered


async def test_quota_reached_gets_a_clear_message(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    chat = tg.private_chat(alice)
    settings = bot_settings(make_settings, tg, user_checks_per_hour=1)
    async with RunningBot(settings, tg):
        tg.message(chat, alice, SEED)
        await tg.wait_for("sendMessage", chat_id=1)
        start = tg.mark()
        tg.message(chat, alice, SEED.replace("Putin", "The president"))
        [refusal] = await tg.wait_for("sendMessage", chat_id=1, after=start)
    assert "limit of 1 checks per hour" in refusal.params["text"]
    assert "Try again after" in refusal.params["text"]


async def test_group_quota_set_by_an_admin_limits_the_chat(make_settings, tg) -> None:
    group = tg.group_chat(GROUP)
    alice, bob, admin = tg.user(1, "Alice"), tg.user(2, "Bob"), tg.user(3, "Admin")
    tg.set_member(GROUP, admin["id"], "administrator")
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(group, admin, "/settings quota chat hour 1")
        [saved] = await tg.wait_for("sendMessage", chat_id=GROUP)
        start = tg.mark()
        tg.message(group, alice, "/check " + SEED)
        await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
        start = tg.mark()
        tg.message(group, bob, "/check " + SEED.replace("Putin", "He"))
        [refusal] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
    assert "Saved" in saved.params["text"] and "1/hour" in saved.params["text"]
    assert "This chat has reached its limit of 1 checks per hour" in refusal.params["text"]


async def test_settings_summary_for_anyone_changes_for_admins_only(make_settings, tg) -> None:
    group = tg.group_chat(GROUP)
    member = tg.user(1, "Member")
    async with RunningBot(bot_settings(make_settings, tg), tg) as bot:
        tg.message(group, member, "/settings")
        [summary] = await tg.wait_for("sendMessage", chat_id=GROUP)
        start = tg.mark()
        tg.message(group, member, "/settings language de")
        [refusal] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
        assert (await bot.storage.chat_settings(GROUP)).language is None
    assert "threshold: 5/5" in summary.params["text"]
    assert "Only this group's admins" in refusal.params["text"]


async def test_chat_language_setting_overrides_the_user_language(make_settings, tg) -> None:
    alice = tg.user(1, "Alice", language_code="en")
    chat = tg.private_chat(alice)
    async with RunningBot(bot_settings(make_settings, tg), tg):
        tg.message(chat, alice, "/settings language de")
        await tg.wait_for("sendMessage", chat_id=1)
        start = tg.mark()
        tg.message(chat, alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1, after=start)
    assert "Glaubwürdigkeit" in parse_html(card.params["text"])[0]


async def test_privacy_says_what_is_stored_and_for_how_long(make_settings, tg) -> None:
    alice = tg.user(1, "Alice")
    async with RunningBot(bot_settings(make_settings, tg, retention_days=12), tg):
        tg.message(tg.private_chat(alice), alice, "/privacy")
        [answer] = await tg.wait_for("sendMessage", chat_id=1)
    assert "12 days" in answer.params["text"] and "/forget" in answer.params["text"]


async def test_forget_is_for_admins_in_groups_and_deletes_the_chat_data(make_settings, tg) -> None:
    group = tg.group_chat(GROUP)
    member, admin = tg.user(1, "Member"), tg.user(2, "Admin")
    tg.set_member(GROUP, admin["id"], "administrator")
    async with RunningBot(bot_settings(make_settings, tg), tg) as bot:
        tg.message(group, member, "/check " + SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=GROUP)
        start = tg.mark()
        tg.message(group, member, "/forget")
        [refusal] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
        assert await bot.storage.count_rows(GROUP) > 0
        start = tg.mark()
        tg.message(group, admin, "/forget")
        [done] = await tg.wait_for("sendMessage", chat_id=GROUP, after=start)
        assert await bot.storage.count_rows(GROUP) == 0
        start = tg.mark()
        tg.message(group, member, "why?", reply_to=card.result)
        await tg.wait_for("getUpdates", after=start, count=2)
    assert "Only this group's admins" in refusal.params["text"]
    assert "I deleted everything" in done.params["text"]
    assert not tg.calls_of("sendMessage", chat_id=GROUP)[3:]  # no follow-up on forgotten data


async def test_retention_purges_old_reports_when_the_bot_starts(make_settings, tg, tmp_path) -> None:
    alice = tg.user(1, "Alice")
    settings = bot_settings(make_settings, tg, retention_days=30)
    async with RunningBot(settings, tg) as bot:
        tg.message(tg.private_chat(alice), alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
    database = settings.database_url.split("///", 1)[1]
    with sqlite3.connect(database) as db:  # 31 days pass
        for table in ("credbot_reports", "credbot_bot_messages", "credbot_thread_messages"):
            db.execute(f"UPDATE {table} SET created_at = datetime(created_at, '-31 days')")
    async with RunningBot(settings, tg) as bot:
        assert await bot.storage.count_rows(1) == 0
        start = tg.mark()
        tg.press(card.result, button(card.result, "sources"), alice)
        [answer] = await tg.wait_for("answerCallbackQuery", after=start)
    assert "no longer stored" in answer.params["text"]
