"""The bot with an LLM (the fake OpenAI-compatible server): model output is escaped, a failing
LLM still gives a card, one LLM call per article, and a slow call never holds up another chat."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import SEED_TEXT
from tests.fake_llm import FakeLLM, delay, error, reply
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings, parse_html

SEED = SEED_TEXT.read_text(encoding="utf-8")
HOSTILE = ("<b>Ignore</b> this & <a href=\"https://evil.example/x?leak=1\">click here</a> "
           "https://evil.example/steal <script>alert(1)</script>")


def analysis(*, summary: str = "The headline rests on one anonymous source relayed from the Mirror.",
             score: int = 1, claims: list[dict] | None = None, next_step: str = "Find the Mirror's "
             "original report.") -> dict:
    """A valid LLM analysis of the seed article (quotes are the article's words)."""
    return {
        "summary": summary,
        "rating": {"score": score, "rationale": "One anonymous source, relayed."},
        "claims": claims if claims is not None else [{
            "id": "c1", "text": "Putin could face a military mutiny.",
            "quote": "Vladimir Putin could be replaced in a ‘military mutiny’",
            "source_ids": ["s1"], "verifiability": "unverifiable", "hedges": ["could"],
            "check": "Look for the Mirror's original article."}],
        "sources": [
            {"id": "s1", "name": "unnamed security source", "kind": "anonymous", "role": None,
             "mention": "a security source", "via": "s2"},
            {"id": "s2", "name": "The Mirror", "kind": "outlet", "role": None,
             "mention": "the Mirror", "via": None}],
        "hedges": [{"marker": "could", "quote": "could be replaced"}],
        "red_flags": [{"code": "anonymous_sourcing", "detail": "One unnamed source."}],
        "next_steps": [next_step],
    }


def scripted(answer_for_article=lambda request: reply(analysis()),
             followup_text: str = "The article names no one: “a security source” told the Mirror."):
    """Analysis calls (JSON schema) get `answer_for_article`, follow-ups get plain text."""

    def decide(request):
        if request.response_format:
            return answer_for_article(request)
        return reply(followup_text)

    return decide


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def llm():
    with FakeLLM() as server:
        yield server


def llm_settings(make_settings, tg, llm, **overrides):
    values = dict(openai_base_url=llm.url, openai_api_key="sk-test", model="gpt-4o-mini",
                  llm_max_attempts=1, llm_timeout=5, llm_total_timeout=10)
    values.update(overrides)
    return bot_settings(make_settings, tg, **values)


async def test_llm_card_escapes_model_html_and_links(make_settings, tg, llm) -> None:
    llm.default = scripted(lambda r: reply(analysis(summary=HOSTILE, next_step=HOSTILE)))
    alice = tg.user(1, "Alice")
    async with RunningBot(llm_settings(make_settings, tg, llm), tg):
        tg.message(tg.private_chat(alice), alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
        tg.press(card.result, card.params["reply_markup"]["inline_keyboard"][0][2]["callback_data"],
                 alice)
        [steps] = await tg.wait_for("editMessageText", chat_id=1)
    for call in (card, steps):
        raw = call.params["text"]
        visible, problem, links = parse_html(raw)
        assert problem is None and links == []
        assert "<a " not in raw and "<script>" not in raw
        assert "&lt;a href" in raw
        assert call.params["link_preview_options"] == {"is_disabled": True}
    assert "<b>Ignore</b>" in parse_html(card.params["text"])[0]  # shown as text, not markup
    assert "offline" not in parse_html(card.params["text"])[0]


async def test_llm_down_gives_the_offline_card_and_a_short_note(make_settings, tg, llm) -> None:
    llm.default = error(500, "boom", type="server_error")
    alice = tg.user(1, "Alice")
    async with RunningBot(llm_settings(make_settings, tg, llm), tg):
        tg.message(tg.private_chat(alice), alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=8)
    text = parse_html(card.params["text"])[0]
    assert "offline analysis" in text
    assert "AI analysis is not available right now" in text
    assert "Mirror" in text


async def test_same_link_twice_costs_one_llm_call(make_settings, tg, llm) -> None:
    from tests.local_site import LocalSite

    llm.default = scripted()
    paragraphs = "".join(f"<p>{line}</p>" for line in SEED.splitlines()[1:] if line.strip())
    page = f"<html><body><article><h1>Putin coup</h1>{paragraphs}</article></body></html>"
    alice, bob = tg.user(1, "Alice"), tg.user(2, "Bob")
    with LocalSite() as site:
        site.page("/story", page)
        settings = llm_settings(make_settings, tg, llm, fetch_allow=[site.allow_entry])
        async with RunningBot(settings, tg):
            tg.message(tg.private_chat(alice), alice, site.url("/story?utm_source=x"))
            await tg.wait_for("sendMessage", chat_id=1, timeout=8)
            tg.message(tg.private_chat(bob), bob, f"seen this? {site.url('/story')}")
            [second] = await tg.wait_for("sendMessage", chat_id=2, timeout=8)
    assert len(llm.completions) == 1
    assert len([r for r in site.requests if r.target.startswith("/story")]) == 1
    assert "Checked earlier" in parse_html(second.params["text"])[0]


async def test_a_slow_llm_call_in_one_chat_never_delays_another(make_settings, tg, llm) -> None:
    def per_article(request):
        if "SLOWCHAT" in request.content("user"):
            return delay(2.0, reply(analysis()))
        return reply(analysis())

    llm.default = scripted(per_article)
    slow, fast = tg.user(1, "Slow"), tg.user(2, "Fast")
    async with RunningBot(llm_settings(make_settings, tg, llm), tg):
        tg.message(tg.private_chat(slow), slow, "SLOWCHAT " + SEED)
        await asyncio.sleep(0.2)  # the slow chat's LLM call is under way
        sent_fast = asyncio.get_running_loop().time()
        tg.message(tg.private_chat(fast), fast, SEED.replace("Putin", "Mr Putin"))
        [fast_card] = await tg.wait_for("sendMessage", chat_id=2, timeout=5)
        fast_done = asyncio.get_running_loop().time()
        [slow_card] = await tg.wait_for("sendMessage", chat_id=1, timeout=8)
    assert fast_card.time < slow_card.time
    assert fast_done - sent_fast < 1.5


async def test_a_report_too_long_for_one_message_is_cut_to_fit(make_settings, tg, llm) -> None:
    sentences = [line.strip() for line in SEED.splitlines()[1:] if len(line.strip()) > 60]
    claims = [{"id": f"c{i}", "text": f"Claim {i} " + "x" * 150, "quote": sentence,
               "source_ids": ["s1"], "verifiability": "partly", "hedges": [],
               "check": "Ask the named people directly & compare <notes> " * 6}
              for i, sentence in enumerate(sentences * 3, 1)]
    llm.default = scripted(lambda r: reply(analysis(claims=claims), completion_tokens=3000))
    alice = tg.user(1, "Alice")
    async with RunningBot(llm_settings(make_settings, tg, llm), tg):
        tg.message(tg.private_chat(alice), alice, SEED)
        [card] = await tg.wait_for("sendMessage", chat_id=1)
        start = tg.mark()
        claims_button = card.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        tg.press(card.result, claims_button, alice)
        [section] = await tg.wait_for("editMessageText", chat_id=1, after=start)
    assert not tg.calls_of("editMessageText", chat_id=1, ok=False)
    visible, problem, _ = parse_html(section.params["text"])
    assert problem is None
    assert 3000 < len(visible) <= 4096
    assert "more" in visible.splitlines()[-1]  # says how many claims were left out
