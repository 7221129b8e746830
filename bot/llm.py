"""A small, careful client for OpenAI-compatible chat completions.

One structured call per article: JSON-schema output when the server supports it, JSON mode
with the schema in the prompt when it does not, validated with pydantic, one repair turn.
Retries are ours (tenacity), never the SDK's (`max_retries=0`), so they cannot multiply:
exponential back-off with jitter, Retry-After honoured, no retry where retrying cannot help
(`insufficient_quota`, 4xx other than 408/409/429), and a bound on attempts and total time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from typing import Any, TypeVar

import httpx
import openai
from openai import AsyncOpenAI
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_after_delay

import prompts

from .errors import LLMError
from .models import Usage
from .settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)

# USD per million tokens (input, output), longest matching prefix wins.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o4-mini": (1.10, 4.40),
    "o3-mini": (1.10, 4.40),
    "o3": (2.00, 8.00),
    "gpt-4-turbo": (10.00, 30.00),
    "gpt-3.5-turbo": (0.50, 1.50),
}


def price_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Cost of a call for known OpenAI models; None for anything else (self-hosted, unknown)."""
    match = max((p for p in PRICES if model.startswith(p)), key=len, default=None)
    if match is None:
        return None
    cost_in, cost_out = PRICES[match]
    return round((prompt_tokens * cost_in + completion_tokens * cost_out) / 1_000_000, 6)


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A JSON schema OpenAI's strict mode accepts: every property required, no extras."""
    schema = model.model_json_schema()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("default", None)
            node.pop("title", None)
            if node.get("type") == "object" and "properties" in node:
                node["required"] = list(node["properties"])
                node["additionalProperties"] = False
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(schema)
    return schema


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    if headers.get("retry-after-ms"):
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            return None
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _is_quota(exc: BaseException) -> bool:
    code = getattr(exc, "code", None)
    body = getattr(exc, "body", None)
    return code == "insufficient_quota" or "insufficient_quota" in json.dumps(body, default=str)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError, asyncio.TimeoutError)):
        return True
    if isinstance(exc, openai.APIStatusError):
        if _is_quota(exc):
            return False
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def _user_message(exc: BaseException) -> str:
    if isinstance(exc, openai.APIStatusError):
        if _is_quota(exc):
            return "The AI service's quota is used up."
        if exc.status_code == 429:
            return "The AI service is rate-limiting requests."
        if exc.status_code in (401, 403):
            return "The AI service rejected the API key."
        if exc.status_code >= 500:
            return f"The AI service had an error (HTTP {exc.status_code})."
        return f"The AI service refused the request (HTTP {exc.status_code})."
    if isinstance(exc, (openai.APITimeoutError, asyncio.TimeoutError, TimeoutError)):
        return "The AI service did not answer in time."
    if isinstance(exc, openai.APIConnectionError):
        return "The AI service could not be reached."
    return "The AI service failed."


class _Wait:
    """Exponential back-off with full jitter, or the server's Retry-After when it gives one."""

    def __init__(self, base: float, cap: float) -> None:
        self.base = base
        self.cap = cap

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = _retry_after(exc) if exc else None
        if hinted is not None:
            return min(hinted, self.cap)
        return random.uniform(0, min(self.cap, self.base * 2 ** (state.attempt_number - 1)))


class LLMClient:
    """Chat completions with our retry policy, structured output and usage accounting."""

    def __init__(self, settings: Settings, *, backoff_base: float = 1.0,
                 backoff_cap: float = 30.0) -> None:
        self.settings = settings
        self.model = settings.model
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        self._client = AsyncOpenAI(
            api_key=key or "not-needed",
            base_url=settings.openai_base_url,
            max_retries=0,
            timeout=httpx.Timeout(settings.llm_timeout, connect=min(10.0, settings.llm_timeout)),
        )
        self._json_mode = settings.llm_json_mode if settings.llm_json_mode != "auto" else "json_schema"
        self._auto = settings.llm_json_mode == "auto"
        self._wait = _Wait(backoff_base, backoff_cap)
        self._on_openai = not settings.openai_base_url or "api.openai.com" in settings.openai_base_url
        self.usage = Usage()

    async def aclose(self) -> None:
        await self._client.close()

    # --- plumbing -----------------------------------------------------------
    async def _create(self, **kwargs: Any) -> Any:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.llm_max_attempts)
            | stop_after_delay(self.settings.llm_total_timeout),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            reraise=True,
            before_sleep=lambda s: log.warning(
                "LLM call failed (%s); retry %d", type(s.outcome.exception()).__name__,
                s.attempt_number),
        )
        async for attempt in retrying:
            with attempt:
                response = await self._client.chat.completions.create(model=self.model, **kwargs)
        self._count(response)
        return response

    def _count(self, response: Any) -> None:
        self.usage.llm_calls += 1
        usage = getattr(response, "usage", None)
        if usage:
            self.usage.prompt_tokens += usage.prompt_tokens or 0
            self.usage.completion_tokens += usage.completion_tokens or 0
        if self._on_openai:
            self.usage.cost_usd = price_usd(self.model, self.usage.prompt_tokens,
                                            self.usage.completion_tokens)

    async def _guarded(self, coro: Any) -> Any:
        try:
            async with asyncio.timeout(self.settings.llm_total_timeout):
                return await coro
        except LLMError:
            raise
        except (openai.OpenAIError, asyncio.TimeoutError, TimeoutError, httpx.HTTPError) as exc:
            raise LLMError(_user_message(exc), detail=f"{type(exc).__name__}: {exc}") from exc

    # --- public ---------------------------------------------------------------
    async def complete_text(self, messages: list[dict[str, str]], *, max_tokens: int) -> str:
        """Plain text completion (follow-up answers)."""

        async def run() -> str:
            response = await self._create(messages=messages, max_tokens=max_tokens)
            choice = response.choices[0]
            if getattr(choice.message, "refusal", None):
                raise LLMError("The AI model declined to answer.", detail=choice.message.refusal)
            return (choice.message.content or "").strip()

        return await self._guarded(run())

    async def complete_json(self, messages: list[dict[str, str]], schema: type[T], *,
                            max_tokens: int) -> T:
        """A validated instance of `schema`, or LLMError."""
        return await self._guarded(self._complete_json(list(messages), schema, max_tokens))

    async def _complete_json(self, messages: list[dict[str, str]], schema: type[T],
                             max_tokens: int) -> T:
        response = await self._structured_call(messages, schema, max_tokens)
        choice = response.choices[0]
        if choice.finish_reason == "length":
            log.warning("LLM output truncated at %d tokens; retrying with more room", max_tokens)
            max_tokens = max_tokens * 2
            response = await self._structured_call(messages, schema, max_tokens)
            choice = response.choices[0]
            if choice.finish_reason == "length":
                raise LLMError("The AI model's answer was cut off.", detail="finish_reason=length")
        refusal = getattr(choice.message, "refusal", None)
        if refusal or choice.finish_reason == "content_filter":
            raise LLMError("The AI model declined to analyse this text.", detail=str(refusal))
        content = choice.message.content or ""
        try:
            return _parse(content, schema)
        except (ValueError, ValidationError) as first_error:
            log.warning("LLM output invalid, asking for a repair: %s", str(first_error)[:300])
            repair = prompts.load("repair").format(error=str(first_error)[:2000])
            messages = messages + [
                {"role": "assistant", "content": content[:20000]},
                {"role": "user", "content": repair},
            ]
            response = await self._structured_call(messages, schema, max_tokens)
            choice = response.choices[0]
            try:
                return _parse(choice.message.content or "", schema)
            except (ValueError, ValidationError) as second_error:
                raise LLMError("The AI model returned an answer that could not be read.",
                               detail=str(second_error)[:500]) from second_error

    async def _structured_call(self, messages: list[dict[str, str]], schema: type[BaseModel],
                               max_tokens: int) -> Any:
        if self._json_mode == "json_schema":
            response_format = {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "strict": True,
                                "schema": strict_schema(schema)},
            }
            try:
                return await self._create(messages=messages, max_tokens=max_tokens,
                                          response_format=response_format)
            except openai.BadRequestError as exc:
                if not (self._auto and _mentions_response_format(exc)):
                    raise
                log.warning("Server rejects json_schema; using json_object with the schema in the prompt")
                self._json_mode = "json_object"
        return await self._create(
            messages=_with_schema(messages, schema), max_tokens=max_tokens,
            response_format={"type": "json_object"},
        )


def _mentions_response_format(exc: openai.BadRequestError) -> bool:
    text = f"{exc} {json.dumps(exc.body, default=str)}".lower()
    return any(word in text for word in ("response_format", "json_schema", "structured", "schema"))


def _with_schema(messages: list[dict[str, str]], schema: type[BaseModel]) -> list[dict[str, str]]:
    """JSON mode: put the schema in the system message (it says nothing of the article)."""
    note = ("\n\nReply with one JSON object only, matching this JSON schema exactly:\n"
            + json.dumps(strict_schema(schema), separators=(",", ":")))
    out = [dict(m) for m in messages]
    if out and out[0]["role"] == "system":
        out[0]["content"] += note
    else:
        out.insert(0, {"role": "system", "content": note.strip()})
    return out


def _parse(content: str, schema: type[T]) -> T:
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("{"):] if "{" in text else text
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ValueError("the answer holds no JSON object")
    return schema.model_validate(json.loads(text[start:end + 1]))
