"""What a server or model sends cannot break a check: over real HTTP against tests/fake_llm.py,
a deeply nested answer or body ends as an LLMError (and the engine's offline card), and a
server that rejects json_schema with a 500 (llama-cpp-python) is switched to json_object at
once, without retries, for the rest of the client's life."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from bot.engine import check
from bot.errors import LLMError
from bot.llm import LLMClient, parse_json, strip_reasoning
from tests.conftest import SEED_TEXT
from tests.fake_llm import (
    FakeLLM,
    Response,
    error,
    llama_cpp_rejects_json_schema,
    reject_json_schema,
    reply,
)
from tests.test_engine import seed_analysis

SEED = SEED_TEXT.read_text(encoding="utf-8")
MESSAGES = [{"role": "system", "content": "You judge."}, {"role": "user", "content": "Judge."}]
VALID = {"answer": "yes", "score": 3}
DEEP = 100_000


class Verdict(BaseModel):
    answer: str
    score: int


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


@pytest.fixture
def settings_for(make_settings):
    def factory(server: FakeLLM, **overrides):
        values = {"openai_base_url": server.url, "llm_backoff_base": 0.01, "llm_timeout": 5.0,
                  "llm_total_timeout": 20.0, "llm_max_attempts": 4}
        values.update(overrides)
        return make_settings(**values)

    return factory


def nested(depth: int) -> str:
    return '{"summary": ' + "[" * depth + "]" * depth + "}"


async def test_deeply_nested_json_from_the_model_falls_back_to_the_offline_card(
        llm, settings_for) -> None:
    llm.push(reply(nested(DEEP)), reply('{"answer": ' + "{" * DEEP))
    report = await check(SEED, settings_for(llm))
    assert report.analyzer == "offline"
    assert report.llm_error and "could not be read" in report.llm_error
    assert report.sources and report.rating.score == 1
    assert len(llm.completions) == 2  # the answer, then its one repair turn


async def test_a_deeply_nested_response_body_is_a_clear_llm_error(llm, settings_for) -> None:
    llm.push(Response(body=b'{"choices": ' + b"[" * DEEP + b"]" * DEEP + b"}"))
    async with LLMClient(settings_for(llm)) as client:
        with pytest.raises(LLMError, match="not an API answer"):
            await client.complete_json(MESSAGES, Verdict, max_tokens=300)


def test_every_way_an_answer_can_be_wrong_is_a_value_error() -> None:
    for content in (nested(DEEP), "{" * DEEP, "[" * DEEP + "{}", '{"answer": "x"}',
                    '{"answer": "x", "score": ' + "9" * 5000 + "}", "x" * 500_000):
        with pytest.raises(ValueError):
            parse_json(content, Verdict)


def test_reasoning_blocks_are_removed_even_when_unclosed_or_repeated() -> None:
    assert strip_reasoning("<think>a</think>{1}<THINK>b</Think>{2}") == "{1}{2}"
    assert strip_reasoning("{1}<think>" * 3) == "{1}"
    assert strip_reasoning("<think>" * 50_000 + "</think>{x}") == "{x}"


async def test_a_500_that_rejects_json_schema_switches_to_json_object_without_retries(
        llm, settings_for) -> None:
    llm.default = llama_cpp_rejects_json_schema(reply(VALID))
    async with LLMClient(settings_for(llm, llm_max_attempts=4)) as client:
        first, _ = await client.complete_json(MESSAGES, Verdict, max_tokens=300)
        second, _ = await client.complete_json(MESSAGES, Verdict, max_tokens=300)
    assert first.answer == second.answer == "yes"
    # One json_schema request, never retried; the choice is kept for the next call.
    assert [r.response_format for r in llm.completions] == ["json_schema", "json_object",
                                                             "json_object"]


@pytest.mark.parametrize("status", [400, 422, 500])
async def test_a_rejected_response_format_is_recognised_by_status_and_message(
        llm, settings_for, status: int) -> None:
    llm.default = reject_json_schema(reply(VALID), status=status,
                                     message="Invalid value for 'response_format.type'")
    async with LLMClient(settings_for(llm)) as client:
        await client.complete_json(MESSAGES, Verdict, max_tokens=300)
    assert [r.response_format for r in llm.completions] == ["json_schema", "json_object"]


async def test_an_ordinary_500_is_retried_and_not_taken_for_a_rejection(llm, settings_for) -> None:
    llm.push(error(500, "CUDA out of memory", type="server_error"), reply(VALID))
    async with LLMClient(settings_for(llm)) as client:
        await client.complete_json(MESSAGES, Verdict, max_tokens=300)
        assert client.json_mode == "json_schema"
    assert [r.response_format for r in llm.completions] == ["json_schema", "json_schema"]


async def test_forced_json_schema_mode_says_what_to_set_after_one_request(
        llm, settings_for) -> None:
    llm.default = llama_cpp_rejects_json_schema(reply(VALID))
    async with LLMClient(settings_for(llm, llm_json_mode="json_schema")) as client:
        with pytest.raises(LLMError, match="CREDBOT_LLM_JSON_MODE=json_object"):
            await client.complete_json(MESSAGES, Verdict, max_tokens=300)
    assert len(llm.completions) == 1


async def test_the_engine_gets_an_llm_report_from_a_llama_cpp_server(llm, settings_for) -> None:
    llm.default = llama_cpp_rejects_json_schema(reply(seed_analysis()))
    report = await check(SEED, settings_for(llm))
    assert report.analyzer == "llm" and report.llm_error is None
    assert [r.response_format for r in llm.completions] == ["json_schema", "json_object"]
    assert '"additionalProperties":false' in llm.completions[1].content("system")


BAD = "\u202e\u2066\x00\x07\x1b\u202a\u2069\x9b\u202c\x7f"


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


async def test_model_strings_reach_the_report_clean_and_bounded(llm, settings_for) -> None:
    def dirty(text: str, repeat: int = 60) -> str:
        return f"{BAD}{text}{BAD} " + (text + " ") * repeat

    answer = seed_analysis()
    answer["summary"] = dirty("The headline rests on one anonymous source.")
    answer["rating"]["rationale"] = dirty("One anonymous source.")
    answer["next_steps"] = [dirty("Find the Mirror's original report.")] * 40
    answer["red_flags"][0]["detail"] = dirty("One unnamed source.")
    answer["claims"][1]["quote"] = dirty("An invented quote")  # ungrounded: stays model text
    answer["claims"][1]["check"] = dirty("Ask the Kremlin.")
    answer["claims"] = answer["claims"] * 20
    mirror = next(s for s in answer["sources"] if s["id"] == "m")
    mirror["name"] = dirty("The Mirror")
    mirror["role"] = dirty("tabloid newspaper")
    llm.push(reply(answer))
    report = await check(SEED, settings_for(llm))
    assert report.analyzer == "llm"
    for text in strings(report.model_dump()):
        assert not set(text) & set(BAD), repr(text[:80])
    assert "The headline rests" in report.summary and len(report.summary) <= 1000
    assert len(report.rating.rationale) <= 400
    assert 0 < len(report.next_steps) <= 6 and all(len(s) <= 300 for s in report.next_steps)
    assert all(len(f.detail) <= 300 for f in report.red_flags)
    assert len(report.claims) <= 12
    assert all(len(c.quote) <= 600 and len(c.check) <= 400 for c in report.claims)
    mirror_source = next(s for s in report.sources if s.mention == "the Mirror")
    assert "The Mirror" in mirror_source.name and len(mirror_source.name) <= 120
    assert mirror_source.role and len(mirror_source.role) <= 160
