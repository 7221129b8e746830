"""bot.llm.LLMClient over real HTTP against tests/fake_llm.py: structured output, repair,
truncation, refusals, the retry policy and usage."""

from __future__ import annotations

import json
import logging
import time

import pytest
from pydantic import BaseModel

from bot.errors import LLMError
from bot.llm import LLMClient, price_usd, strict_schema
from tests.fake_llm import FakeLLM, error, fake_llm, hang, reject_json_schema, reply  # noqa: F401


class Verdict(BaseModel):
    answer: str
    score: int
    tags: list[str]
    note: str | None


VALID = {"answer": "yes", "score": 3, "tags": ["a"], "note": None}
MESSAGES = [{"role": "system", "content": "You judge."}, {"role": "user", "content": "Judge."}]


@pytest.fixture
def client_for(make_settings):
    clients: list[LLMClient] = []

    def factory(server: FakeLLM, **overrides) -> LLMClient:
        values = dict(openai_base_url=server.url, llm_backoff_base=0.01, llm_timeout=2.0,
                      llm_total_timeout=10.0, llm_max_attempts=4)
        values.update(overrides)
        client = LLMClient(make_settings(**values))
        clients.append(client)
        return client

    yield factory


async def test_valid_answer_uses_a_strict_json_schema(fake_llm, client_for) -> None:
    fake_llm.push(reply(VALID, prompt_tokens=120, completion_tokens=30))
    result, usage = await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert result == Verdict(**VALID)
    assert (usage.llm_calls, usage.prompt_tokens, usage.completion_tokens) == (1, 120, 30)
    assert usage.cost_usd is None  # a self-hosted server: no price
    body = fake_llm.requests[0].json
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]
    assert schema["strict"] is True
    assert schema["schema"]["additionalProperties"] is False
    assert set(schema["schema"]["required"]) == {"answer", "score", "tags", "note"}
    assert body["max_tokens"] == 300


def test_strict_schema_requires_every_field_and_forbids_extras() -> None:
    from bot.llm_analyzer import LLMAnalysis

    schema = strict_schema(LLMAnalysis)

    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for item in node:
                yield from objects(item)

    found = list(objects(schema))
    assert len(found) >= 6
    for node in found:
        assert node["additionalProperties"] is False
        assert set(node["required"]) == set(node["properties"])
    assert "default" not in json.dumps(schema)


async def test_invalid_json_gets_one_repair_turn(fake_llm, client_for) -> None:
    fake_llm.push(reply('{"answer": "yes", "score": '), reply(VALID))
    result, usage = await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert result.answer == "yes"
    assert usage.llm_calls == 2
    repair = fake_llm.requests[1].messages
    assert repair[-2] == {"role": "assistant", "content": '{"answer": "yes", "score": '}
    assert "could not be used" in repair[-1]["content"]


async def test_schema_violation_is_repaired_with_the_validation_error(fake_llm, client_for) -> None:
    fake_llm.push(reply({"answer": "yes", "score": "high"}), reply(VALID))
    result, _ = await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert result.score == 3
    assert "score" in fake_llm.requests[1].messages[-1]["content"]


async def test_invalid_twice_raises_llm_error(fake_llm, client_for) -> None:
    fake_llm.push(reply("not json at all"), reply("{still not"))
    with pytest.raises(LLMError, match="could not be read"):
        await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert len(fake_llm.requests) == 2


async def test_code_fences_and_reasoning_tags_are_tolerated(fake_llm, client_for) -> None:
    fake_llm.push(reply("<think>{maybe}</think>\n```json\n" + json.dumps(VALID) + "\n```"))
    result, _ = await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert result.answer == "yes"


async def test_cut_off_answer_is_retried_with_a_larger_cap(fake_llm, client_for) -> None:
    fake_llm.push(reply('{"answer": "ye', finish_reason="length"), reply(VALID))
    result, usage = await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert result.answer == "yes"
    assert [r.max_tokens for r in fake_llm.requests] == [300, 600]
    assert usage.llm_calls == 2


async def test_cut_off_twice_fails(fake_llm, client_for) -> None:
    fake_llm.push(reply('{"a', finish_reason="length"), reply('{"an', finish_reason="length"))
    with pytest.raises(LLMError, match="cut off"):
        await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert len(fake_llm.requests) == 2


async def test_refusal_field_is_a_clear_error(fake_llm, client_for) -> None:
    fake_llm.push(reply(None, refusal="I can't help with that."))
    with pytest.raises(LLMError, match="declined") as caught:
        await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert "help" in (caught.value.detail or "")
    assert len(fake_llm.requests) == 1


async def test_refusal_in_plain_words_is_not_sent_for_repair(fake_llm, client_for) -> None:
    fake_llm.push(reply("I'm sorry, but I can't assist with analysing this article."))
    with pytest.raises(LLMError, match="declined"):
        await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert len(fake_llm.requests) == 1


async def test_429_waits_for_retry_after_then_succeeds(fake_llm, client_for) -> None:
    fake_llm.push(error(429, "slow down", type="requests", code="rate_limit_exceeded",
                        headers={"Retry-After": "1"}), reply(VALID))
    result, usage = await client_for(fake_llm, llm_backoff_base=0).complete_json(
        MESSAGES, Verdict, max_tokens=300)
    assert result.answer == "yes"
    first, second = fake_llm.requests
    assert second.time - first.time >= 0.95
    assert usage.llm_calls == 1  # only answers are counted; the 429 cost nothing


async def test_retry_after_ms_is_preferred(fake_llm, client_for) -> None:
    fake_llm.push(error(429, headers={"retry-after-ms": "300", "Retry-After": "30"}), reply(VALID))
    await client_for(fake_llm, llm_backoff_base=0).complete_json(MESSAGES, Verdict, max_tokens=300)
    first, second = fake_llm.requests
    assert 0.25 <= second.time - first.time < 5


async def test_insufficient_quota_is_not_retried(fake_llm, client_for) -> None:
    fake_llm.push(error(429, "You exceeded your current quota", type="insufficient_quota",
                        code="insufficient_quota"))
    with pytest.raises(LLMError, match="quota"):
        await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert len(fake_llm.requests) == 1


async def test_server_errors_are_retried_until_success(fake_llm, client_for) -> None:
    fake_llm.push(error(500, type="server_error"), error(502), error(503), reply(VALID))
    result, _ = await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert result.answer == "yes"
    assert len(fake_llm.requests) == 4


async def test_attempts_are_bounded(fake_llm, client_for) -> None:
    with pytest.raises(LLMError, match="HTTP 500"):
        await client_for(fake_llm, llm_max_attempts=3).complete_json(
            MESSAGES, Verdict, max_tokens=300)
    assert len(fake_llm.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_client_errors_are_not_retried(fake_llm, client_for, status: int) -> None:
    fake_llm.push(error(status, "nope"))
    with pytest.raises(LLMError):
        await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert len(fake_llm.requests) == 1


@pytest.mark.parametrize("status", [408, 409])
async def test_408_and_409_are_retried(fake_llm, client_for, status: int) -> None:
    fake_llm.push(error(status), reply(VALID))
    await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert len(fake_llm.requests) == 2


async def test_a_slow_call_times_out_and_is_retried(fake_llm, client_for) -> None:
    fake_llm.push(hang(5), reply(VALID))
    started = time.monotonic()
    result, _ = await client_for(fake_llm, llm_timeout=0.3).complete_json(
        MESSAGES, Verdict, max_tokens=300)
    assert result.answer == "yes"
    assert len(fake_llm.requests) == 2
    assert time.monotonic() - started < 3


async def test_total_time_is_bounded(fake_llm, client_for) -> None:
    fake_llm.default = hang(5)
    started = time.monotonic()
    with pytest.raises(LLMError, match="in time"):
        await client_for(fake_llm, llm_timeout=0.3, llm_total_timeout=1.0,
                         llm_max_attempts=10).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert time.monotonic() - started < 2.5


async def test_retry_after_beyond_the_total_budget_gives_up_at_once(fake_llm, client_for) -> None:
    fake_llm.push(error(429, headers={"Retry-After": "20"}))
    started = time.monotonic()
    with pytest.raises(LLMError, match="rate-limiting"):
        await client_for(fake_llm, llm_total_timeout=2.0).complete_json(
            MESSAGES, Verdict, max_tokens=300)
    assert time.monotonic() - started < 1.5
    assert len(fake_llm.requests) == 1


async def test_json_schema_rejection_falls_back_to_json_object_for_good(fake_llm, client_for) -> None:
    fake_llm.default = reject_json_schema(reply(VALID))
    client = client_for(fake_llm)
    result, _ = await client.complete_json(MESSAGES, Verdict, max_tokens=300)
    assert result.answer == "yes"
    await client.complete_json(MESSAGES, Verdict, max_tokens=300)
    assert [r.response_format for r in fake_llm.requests] == ["json_schema", "json_object", "json_object"]
    fallback = fake_llm.requests[1]
    assert '"additionalProperties":false' in fallback.content("system")
    assert "JSON" in fallback.content("system")
    assert fallback.content("user") == "Judge."


async def test_json_object_mode_can_be_forced(fake_llm, client_for) -> None:
    fake_llm.push(reply(VALID))
    await client_for(fake_llm, llm_json_mode="json_object").complete_json(
        MESSAGES, Verdict, max_tokens=300)
    assert fake_llm.requests[0].response_format == "json_object"


async def test_other_400s_do_not_trigger_the_fallback(fake_llm, client_for) -> None:
    fake_llm.push(error(400, "context length exceeded", code="context_length_exceeded"))
    with pytest.raises(LLMError, match="HTTP 400"):
        await client_for(fake_llm).complete_json(MESSAGES, Verdict, max_tokens=300)
    assert len(fake_llm.requests) == 1


async def test_the_api_key_is_never_logged_or_shown(fake_llm, client_for, caplog) -> None:
    secret = "sk-test-credbot-0123456789abcdef"
    fake_llm.push(error(401, f"Incorrect API key provided: {secret}", code="invalid_api_key"))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(LLMError) as caught:
        await client_for(fake_llm, openai_api_key=secret).complete_json(
            MESSAGES, Verdict, max_tokens=300)
    assert fake_llm.requests[0].headers["authorization"] == f"Bearer {secret}"
    assert "rejected the API key" in caught.value.user_message
    assert secret not in caught.value.user_message
    assert secret not in (caught.value.detail or "")
    assert secret not in caplog.text


async def test_complete_text_returns_the_answer_and_its_usage(fake_llm, client_for) -> None:
    fake_llm.push(reply("  The article does not say.  ", prompt_tokens=40, completion_tokens=7))
    client = client_for(fake_llm)
    text, usage = await client.complete_text(MESSAGES, max_tokens=100)
    assert text == "The article does not say."
    assert (usage.prompt_tokens, usage.completion_tokens) == (40, 7)
    assert "response_format" not in fake_llm.requests[0].json
    assert client.usage.llm_calls == 1


async def test_complete_text_keeps_a_cut_off_answer_marked(fake_llm, client_for) -> None:
    fake_llm.push(reply("Part one", finish_reason="length"), reply("Part one and", finish_reason="length"))
    text, usage = await client_for(fake_llm).complete_text(MESSAGES, max_tokens=100)
    assert text == "Part one and…"
    assert usage.llm_calls == 2


def test_prices_for_known_models_only() -> None:
    assert price_usd("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert price_usd("gpt-4o-2024-08-06", 1_000_000, 0) == pytest.approx(2.5)
    assert price_usd("llama3.1:8b", 1000, 1000) is None


def test_cost_is_reported_for_openai_models(make_settings) -> None:
    client = LLMClient(make_settings(openai_api_key="sk-x", model="gpt-4o-mini"))
    assert client.on_openai

    class _U:
        prompt_tokens, completion_tokens = 1_000_000, 0

    class _R:
        usage = _U()

    from bot.models import Usage

    tally = Usage()
    client._count(_R(), tally)
    assert tally.cost_usd == pytest.approx(0.15)


async def test_a_non_api_answer_is_a_clear_error(fake_llm, client_for) -> None:
    from tests.fake_llm import Response

    fake_llm.push(Response(body=b"<html>captive portal</html>"), Response(body={"choices": []}))
    client = client_for(fake_llm)
    with pytest.raises(LLMError, match="OPENAI_BASE_URL"):
        await client.complete_json(MESSAGES, Verdict, max_tokens=300)
    with pytest.raises(LLMError, match="empty"):
        await client.complete_json(MESSAGES, Verdict, max_tokens=300)


async def test_unreachable_server_is_retried_then_reported(make_settings) -> None:
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = LLMClient(make_settings(openai_base_url=f"http://127.0.0.1:{port}/v1",
                                     llm_backoff_base=0.01, llm_max_attempts=2))
    with pytest.raises(LLMError, match="could not be reached"):
        await client.complete_json(MESSAGES, Verdict, max_tokens=300)
