"""A small, careful client for OpenAI-compatible chat completions.

Structured output: JSON-schema output when the server supports it, JSON mode with the
schema in the prompt when it does not, validated with pydantic, one repair turn. Retries
are ours (tenacity), never the SDK's (`max_retries=0`), so they cannot multiply: exponential
back-off with full jitter, Retry-After / retry-after-ms honoured, no retry where retrying
cannot help (`insufficient_quota`, 4xx other than 408/409/429), a timeout on every call,
and a bound on attempts and on total time. Every failure ends as one `LLMError` whose
`user_message` can be shown to anyone; the API key never reaches a log or a message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any, Self, TypeVar, cast

import httpx
import openai
from openai import AsyncOpenAI
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
)

import prompts

from .errors import LLMError
from .models import Usage
from .settings import Settings
from .untrusted import clean

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
Messages = list[dict[str, str]]

# USD per million tokens (input, output) for OpenAI's own API; the longest matching prefix
# wins, so "gpt-4o-mini-2024-07-18" is priced as gpt-4o-mini. Unknown names cost None.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "chatgpt-4o": (5.00, 15.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o1-mini": (1.10, 4.40),
    "o1": (15.00, 60.00),
    "o3-mini": (1.10, 4.40),
    "o3": (2.00, 8.00),
    "o4-mini": (1.10, 4.40),
    "gpt-4-turbo": (10.00, 30.00),
    "gpt-4": (30.00, 60.00),
    "gpt-3.5-turbo": (0.50, 1.50),
}
# How much room a truncated ("finish_reason": "length") answer gets on its one retry.
LENGTH_RETRY_FACTOR = 2
MAX_COMPLETION_CEILING = 16_000
# Answers with no JSON that open like this are refusals, not malformed output.
_REFUSAL = re.compile(
    r"^\W*(i'?m sorry|i am sorry|sorry[,.]|i apologi[sz]e|i can(?:not|'t|’t)|i'?m unable|"
    r"i am unable|i won'?t|i will not|as an ai\b|unfortunately,? i can)",
    re.IGNORECASE,
)
# Longest answer text we read: far above MAX_COMPLETION_CEILING tokens, far below harm.
MAX_ANSWER_CHARS = 400_000
# Statuses with which servers reject a response_format they do not support: 400 and 422
# (OpenAI-style validation), 500 (llama-cpp-python's server wraps its validation error).
_FORMAT_REJECTION_STATUSES = (400, 422, 500)


def price_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Cost of tokens on OpenAI's API for known models; None for anything else."""
    name = model.removeprefix("openai/")
    match = max((p for p in PRICES if name.startswith(p)), key=len, default=None)
    if match is None:
        return None
    cost_in, cost_out = PRICES[match]
    return round((prompt_tokens * cost_in + completion_tokens * cost_out) / 1_000_000, 6)


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A JSON schema OpenAI's strict mode accepts: every property required, no extras.

    Defaults and titles are dropped (strict mode rejects defaults; titles are noise).
    """
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


def _header_seconds(exc: BaseException) -> float | None:
    """The server's own wait hint: retry-after-ms (OpenAI) or Retry-After in seconds."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            continue  # an HTTP date: rare for APIs, back off normally
    return None


def _is_quota(exc: BaseException) -> bool:
    """`insufficient_quota` is a 429 that no amount of waiting fixes."""
    if getattr(exc, "code", None) == "insufficient_quota":
        return True
    body = getattr(exc, "body", None)
    return "insufficient_quota" in json.dumps(body, default=str)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, (openai.APIConnectionError, TimeoutError)):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        if _is_quota(exc):
            return False
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def _user_message(exc: BaseException, model: str) -> str:
    if isinstance(exc, openai.APIStatusError):
        if _is_quota(exc):
            return "The AI service's quota is used up."
        if exc.status_code == 429:
            return "The AI service is rate-limiting requests."
        if exc.status_code in (401, 403):
            return "The AI service rejected the API key."
        if exc.status_code == 404:
            return f"The AI service does not offer the model {model!r}."
        if exc.status_code >= 500:
            return f"The AI service had an error (HTTP {exc.status_code})."
        return f"The AI service refused the request (HTTP {exc.status_code})."
    if isinstance(exc, (openai.APITimeoutError, TimeoutError)):
        return "The AI service did not answer in time."
    if isinstance(exc, openai.APIConnectionError):
        return "The AI service could not be reached."
    if isinstance(exc, (ValueError, RecursionError)):
        return "The AI service sent something that is not an API answer (check OPENAI_BASE_URL)."
    return "The AI service failed."


class BackoffWait:
    """Exponential back-off with full jitter, or the server's Retry-After when it gives one."""

    def __init__(self, base: float, cap: float) -> None:
        self.base = base
        self.cap = cap

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = _header_seconds(exc) if exc else None
        if hinted is not None:
            return min(hinted, self.cap)
        return random.uniform(0, min(self.cap, self.base * 2 ** (state.attempt_number - 1)))


class LLMClient:
    """Chat completions with our retry policy, structured output and usage accounting.

    One client per process is fine and cheap to share between concurrent analyses: the only
    state is the cumulative `usage` and whether the server needed the JSON-mode fall-back.
    """

    def __init__(self, settings: Settings, *, backoff_cap: float = 30.0) -> None:
        self.settings = settings
        self.model = settings.model
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        self._key = key
        # Self-hosted servers need no key, but the SDK insists on one.
        self._client = AsyncOpenAI(
            api_key=key or "not-needed",
            base_url=settings.openai_base_url,
            max_retries=0,
            # The SDK normalises httpx's Timeout at run time; its stubs only name its own.
            timeout=cast(Any, httpx.Timeout(settings.llm_timeout,
                                            connect=min(10.0, settings.llm_timeout))),
        )
        mode = settings.llm_json_mode.strip().lower()
        self.json_mode = mode if mode in ("json_schema", "json_object") else "json_schema"
        self._auto = mode not in ("json_schema", "json_object")
        self._wait = BackoffWait(settings.llm_backoff_base, backoff_cap)
        base = settings.openai_base_url or ""
        self.on_openai = not base or "api.openai.com" in base
        self.usage = Usage()

    async def aclose(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- public -------------------------------------------------------------
    async def complete_text(self, messages: Messages, *, max_tokens: int) -> tuple[str, Usage]:
        """A plain-text answer (follow-up questions) and the usage of this call.

        A cut-off answer gets one retry with more room; if it is still cut off, the partial
        text is returned with an ellipsis, since part of an answer beats none.
        """
        tally = Usage()

        async def run() -> str:
            choice = await self._call(messages, tally, max_tokens=max_tokens)
            if choice.finish_reason == "length":
                choice = await self._call(messages, tally, max_tokens=self._more(max_tokens))
            self._raise_if_refused(choice, json_expected=False)
            text = clean(strip_reasoning(_content(choice)), MAX_ANSWER_CHARS, multiline=True)
            return text + "…" if choice.finish_reason == "length" else text

        return await self._guarded(run()), tally

    async def complete_json(self, messages: Messages, schema: type[T], *,
                            max_tokens: int) -> tuple[T, Usage]:
        """A validated instance of `schema` and the usage of this call, or LLMError."""
        tally = Usage()
        result = await self._guarded(self._complete_json(list(messages), schema, max_tokens, tally))
        return result, tally

    # --- structured output ----------------------------------------------------
    async def _complete_json(self, messages: Messages, schema: type[T], max_tokens: int,
                             tally: Usage) -> T:
        content = await self._structured_answer(messages, schema, max_tokens, tally)
        try:
            return parse_json(content, schema)
        except ValueError as first_error:  # pydantic's ValidationError is a ValueError
            log.warning("LLM output invalid, asking for one repair: %s", _short(first_error))
            repair = prompts.load("repair").replace("{error}", _short(first_error, 2000))
            messages = messages + [
                {"role": "assistant", "content": content[:20000]},
                {"role": "user", "content": repair},
            ]
            content = await self._structured_answer(messages, schema, max_tokens, tally)
            try:
                return parse_json(content, schema)
            except ValueError as second_error:
                raise LLMError("The AI model returned an answer that could not be read.",
                               detail=_short(second_error, 500)) from second_error

    async def _structured_answer(self, messages: Messages, schema: type[BaseModel],
                                 max_tokens: int, tally: Usage) -> str:
        """The raw JSON text of one structured answer, with cut-offs and refusals handled."""
        choice = await self._structured_call(messages, schema, max_tokens, tally)
        if choice.finish_reason == "length":
            log.warning("LLM output cut off at %d tokens; retrying with more room", max_tokens)
            choice = await self._structured_call(messages, schema, self._more(max_tokens), tally)
            if choice.finish_reason == "length":
                raise LLMError("The AI model's answer was cut off before it was complete.",
                               detail="finish_reason=length twice")
        self._raise_if_refused(choice, json_expected=True)
        return _content(choice)

    async def _structured_call(self, messages: Messages, schema: type[BaseModel],
                               max_tokens: int, tally: Usage) -> Any:
        if self.json_mode == "json_schema":
            response_format = {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "strict": True,
                                "schema": strict_schema(schema)},
            }
            try:
                # A rejected format is the same on every attempt: never retried.
                return await self._call(messages, tally, max_tokens=max_tokens,
                                        response_format=response_format,
                                        final=rejects_response_format)
            except openai.APIStatusError as exc:
                if not rejects_response_format(exc):
                    raise
                if not self._auto:
                    raise LLMError("The AI service does not accept JSON-schema output; set "
                                   "CREDBOT_LLM_JSON_MODE=json_object (or auto).",
                                   detail=self._redact(_short(exc, 500))) from None
                log.warning("The server rejects json_schema (HTTP %d); using json_object from "
                            "now on", exc.status_code)
                self.json_mode = "json_object"
        return await self._call(with_schema(messages, schema), tally, max_tokens=max_tokens,
                                response_format={"type": "json_object"})

    @staticmethod
    def _raise_if_refused(choice: Any, *, json_expected: bool) -> None:
        refusal = getattr(choice.message, "refusal", None)
        content = _content(choice).strip()
        if refusal or choice.finish_reason == "content_filter":
            raise LLMError("The AI model declined to analyse this text.",
                           detail=clean(str(refusal or "finish_reason=content_filter"), 300))
        if json_expected and "{" not in content and _REFUSAL.match(strip_reasoning(content)):
            raise LLMError("The AI model declined to analyse this text.",
                           detail=clean(content, 300))

    def _more(self, max_tokens: int) -> int:
        return min(max_tokens * LENGTH_RETRY_FACTOR, MAX_COMPLETION_CEILING)

    # --- plumbing -------------------------------------------------------------
    async def _call(self, messages: Messages, tally: Usage, *, max_tokens: int,
                    final: Callable[[BaseException], bool] | None = None,
                    **kwargs: Any) -> Any:
        """One chat completion under our retry policy; returns its first choice.

        `final` marks errors that retrying cannot change for this request, on top of the
        policy's own (a rejected response_format answers the same every time).
        """
        # OpenAI's reasoning models reject max_tokens; other servers may not know the new name.
        cap = {"max_completion_tokens" if self.on_openai else "max_tokens": max_tokens}
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.llm_max_attempts)
            | stop_before_delay(self.settings.llm_total_timeout),
            wait=self._wait,
            retry=retry_if_exception(
                lambda exc: _retryable(exc) and not (final is not None and final(exc))),
            reraise=True,
            before_sleep=self._log_retry,
        )
        completions: Any = self._client.chat.completions  # our dict messages, untyped kwargs
        async for attempt in retrying:
            with attempt:
                async with asyncio.timeout(self.settings.llm_timeout):
                    response = await completions.create(
                        model=self.model, messages=messages, **cap, **kwargs)
        self._count(response, tally)
        if not response.choices:
            raise LLMError("The AI service sent an empty answer.", detail="no choices")
        return response.choices[0]

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        status = getattr(exc, "status_code", "")
        log.warning("LLM call failed (%s %s); retry %d in %.2fs", type(exc).__name__, status,
                    state.attempt_number, state.upcoming_sleep)

    def _count(self, response: Any, tally: Usage) -> None:
        usage = getattr(response, "usage", None)
        prompt = (usage.prompt_tokens or 0) if usage else 0
        completion = (usage.completion_tokens or 0) if usage else 0
        for total in (tally, self.usage):
            total.llm_calls += 1
            total.prompt_tokens += prompt
            total.completion_tokens += completion
            if self.on_openai:
                total.cost_usd = price_usd(self.model, total.prompt_tokens,
                                           total.completion_tokens)

    async def _guarded(self, coro: Any) -> Any:
        """Bound the whole exchange in time and turn every failure into one LLMError."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.settings.llm_total_timeout):
                return await coro
        except LLMError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes one LLMError
            # Anything a server can send must end as an LLMError (the caller falls back to
            # the offline report): a 200 whose body is not JSON (a wrong OPENAI_BASE_URL, a
            # proxy page) is a ValueError, a body nested too deeply a RecursionError.
            detail = self._redact(f"{type(exc).__name__}: {_short(exc, 2000)}")
            log.warning("LLM failed after %.1fs: %s", time.monotonic() - started, detail[:500])
            raise LLMError(_user_message(exc, self.model), detail=detail) from None

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "[API key]") if self._key else text


def rejects_response_format(exc: BaseException) -> bool:
    """Whether a server refused the request's response_format, rather than failed.

    Servers without structured outputs answer json_schema with 400 or 422, or (llama-cpp-
    python's OpenAI-compatible server) a 500 wrapping the validation error; all of them name
    the field in the message. Other errors of those statuses do not.
    """
    if not isinstance(exc, openai.APIStatusError):
        return False
    if exc.status_code not in _FORMAT_REJECTION_STATUSES:
        return False
    text = f"{exc.message} {json.dumps(exc.body, default=str)}".lower()
    words = ["response_format", "response format", "json_schema", "structured output"]
    if exc.status_code != 500:
        words.append("schema")  # a 4xx about a schema can only be ours
    return any(w in text for w in words)


def with_schema(messages: Messages, schema: type[BaseModel]) -> Messages:
    """JSON mode: the schema goes in the system message (which never holds the article)."""
    note = ("\n\nReply with one JSON object only (no prose, no code fence), matching this "
            "JSON schema exactly:\n" + json.dumps(strict_schema(schema), separators=(",", ":")))
    out = [dict(m) for m in messages]
    if out and out[0]["role"] == "system":
        out[0]["content"] += note
    else:
        out.insert(0, {"role": "system", "content": note.strip()})
    return out


def strip_reasoning(text: str) -> str:
    """`text` without <think>...</think> blocks (reasoning models), in one linear pass.

    An opening tag with no closing one hides everything after it, as a stream would.
    """
    lower = text.lower()
    out: list[str] = []
    position = 0
    while (start := lower.find("<think>", position)) >= 0:
        out.append(text[position:start])
        end = lower.find("</think>", start)
        position = len(text) if end < 0 else end + len("</think>")
    out.append(text[position:])
    return "".join(out)


def parse_json(content: str, schema: type[T]) -> T:
    """Validate a model's JSON answer, tolerating code fences, reasoning tags and prose around it.

    Every way the text can be wrong (too long, no object, bad JSON, nested too deeply for
    the parser, the wrong shape) is a ValueError, so the caller's one repair turn and then
    its fall-back to the offline report cover all of them.
    """
    if len(content) > MAX_ANSWER_CHARS:
        raise ValueError(f"the answer is longer than {MAX_ANSWER_CHARS} characters")
    text = strip_reasoning(content).strip()
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ValueError("the answer holds no JSON object")
    try:
        data = json.loads(text[start:end + 1])
    except RecursionError:
        raise ValueError("the answer's JSON is nested too deeply") from None
    try:
        return schema.model_validate(data)
    except ValidationError:
        raise
    except (RecursionError, ValueError, TypeError) as exc:
        raise ValueError(f"the answer could not be validated: {_short(exc)}") from None


def _content(choice: Any) -> str:
    content = choice.message.content
    return content if isinstance(content, str) else ""


def _short(exc: BaseException, limit: int = 300) -> str:
    return str(exc)[:limit]
