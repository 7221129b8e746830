"""bot.tokens: offline encodings, model -> encoding, and sourcing-aware truncation."""

from __future__ import annotations

import socket

import pytest

from bot import tokens
from bot.tokens import TRUNCATION_MARK, count_tokens, encoding_name_for_model, truncate_article


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch):
    """Any connection attempt fails loudly, and proxies point nowhere."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://10.255.255.1:9")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "/nonexistent-credbot-cache")
    tokens.encoding.cache_clear()
    yield
    tokens.encoding.cache_clear()


def test_encodings_load_with_no_network_and_match_tiktoken(no_network) -> None:
    # Reference ids from tiktoken's own documentation of these encodings.
    assert tokens.encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert tokens.encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert tokens.encoding("o200k_base").special_tokens_set >= {"<|endoftext|>"}
    assert count_tokens("hello world", "gpt-4o-mini") == 2


def test_bundled_file_is_checked_against_tiktokens_hash() -> None:
    with pytest.raises(RuntimeError, match="hash"):
        tokens._bundled_ranks("https://x/o200k_base.tiktoken", expected_hash="0" * 64)


def test_only_bundled_encodings_are_built() -> None:
    with pytest.raises(LookupError):
        tokens.encoding("r50k_base")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("openai/gpt-4-turbo", "cl100k_base"),
        ("gpt-oss-20b", "o200k_base"),
        ("llama3.1:8b", "o200k_base"),
        ("Qwen/Qwen2.5-7B-Instruct", "o200k_base"),
        ("", "o200k_base"),
    ],
)
def test_model_names_pick_an_encoding_with_o200k_fallback(model: str, expected: str) -> None:
    assert encoding_name_for_model(model) == expected


def test_special_token_lookalikes_in_text_are_counted_as_text() -> None:
    assert count_tokens("before <|endoftext|> after", "gpt-4o") > 3


def _article() -> str:
    filler = "The weather in the valley was mild and the harvest went on as usual for weeks. " * 6
    return "\n".join([
        "Minister to resign, paper claims",
        "The finance minister will step down next month, a newspaper reported on Monday.",
        filler,
        filler,
        "A spokesperson for the ministry said the report was untrue.",
        filler,
        "Opposition leader Jane Roe told reporters she expected an announcement soon.",
        filler,
    ])


def test_short_text_is_not_truncated() -> None:
    assert truncate_article("A headline\nA lede said someone.", 100) == (
        "A headline\nA lede said someone.", False)


def test_truncation_keeps_headline_lede_and_attributions_in_order() -> None:
    text = _article()
    budget = 120
    cut, truncated = truncate_article(text, budget, "gpt-4o-mini")
    assert truncated
    assert count_tokens(cut, "gpt-4o-mini") <= budget
    kept = cut.split("\n")
    assert kept[0] == "Minister to resign, paper claims"
    assert kept[1].startswith("The finance minister")
    assert TRUNCATION_MARK in kept
    spokesperson = kept.index("A spokesperson for the ministry said the report was untrue.")
    roe = kept.index("Opposition leader Jane Roe told reporters she expected an announcement soon.")
    assert 1 < spokesperson < roe
    assert "weather in the valley" not in cut


def test_truncation_respects_budget_for_one_giant_paragraph() -> None:
    text = "word " * 5000
    cut, truncated = truncate_article(text, 300, "gpt-4")
    assert truncated
    assert cut.endswith(TRUNCATION_MARK)
    assert count_tokens(cut, "gpt-4") <= 300
