"""Token counting and article truncation that work with no network at all.

`tiktoken.get_encoding` downloads its BPE files on first use, which fails on a fresh or
air-gapped machine. The two encodings current OpenAI models use ship inside the package
(`bot/encodings/`, verified against tiktoken's own published sha256), and are built into
`tiktoken.Encoding` objects with tiktoken's exact patterns and special tokens.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from functools import cache
from importlib.resources import files

import tiktoken

_EXPECTED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
# Patterns and special tokens as in tiktoken_ext.openai_public (whose functions download).
_SPECS: dict[str, tuple[str, dict[str, int]]] = {
    "cl100k_base": (
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
         "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276},
    ),
    "o200k_base": (
        "|".join([
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]),
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
}
_CL100K_PREFIXES = ("gpt-4-", "gpt-3.5", "gpt-35", "text-embedding-", "gpt-4")
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o",
                   "gpt-oss")

_ATTRIBUTION = re.compile(
    r"\b(said|says|told|according to|source|sources|spokes\w+|reported|reports|claimed|"
    r"confirmed|warned|study|report|statement)\b",
    re.I,
)
TRUNCATION_MARK = "[…]"


@cache
def _load_ranks(name: str) -> dict[bytes, int]:
    raw = gzip.decompress((files("bot") / "encodings" / f"{name}.tiktoken.gz").read_bytes())
    if hashlib.sha256(raw).hexdigest() != _EXPECTED_SHA256[name]:
        raise RuntimeError(f"the bundled {name} encoding is corrupt")
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@cache
def encoding(name: str) -> tiktoken.Encoding:
    """The named encoding (cl100k_base or o200k_base), built from the bundled files."""
    pat_str, special_tokens = _SPECS[name]
    return tiktoken.Encoding(
        name=name,
        pat_str=pat_str,
        mergeable_ranks=_load_ranks(name),
        special_tokens=special_tokens,
    )


def encoding_name_for_model(model: str) -> str:
    """o200k for current OpenAI families, cl100k for GPT-4/3.5 and embeddings.

    Unknown names (self-hosted Llama, Qwen, Mistral...) get o200k: their own tokenizers are
    not available offline, and o200k's large vocabulary gives counts close to modern
    tokenizers across languages, so budgets stay conservative.
    """
    name = model.lower().split("/")[-1]
    if name.startswith(_O200K_PREFIXES):
        return "o200k_base"
    if name.startswith(_CL100K_PREFIXES):
        return "cl100k_base"
    return "o200k_base"


def encoding_for_model(model: str) -> tiktoken.Encoding:
    return encoding(encoding_name_for_model(model))


def count_tokens(text: str, model: str) -> int:
    return len(encoding_for_model(model).encode(text, disallowed_special=()))


def truncate_article(text: str, budget: int, model: str) -> tuple[str, bool]:
    """Fit `text` into `budget` tokens, keeping what carries the sourcing.

    Keeps the headline and the lede, then the paragraphs with attributions, then the rest,
    in the original order, with a mark where text was cut. Returns (text, truncated).
    """
    enc = encoding_for_model(model)
    if len(enc.encode(text, disallowed_special=())) <= budget:
        return text, False
    paragraphs = [p for p in re.split(r"\n+", text) if p.strip()]
    costs = [len(enc.encode(p, disallowed_special=())) + 1 for p in paragraphs]
    mark_cost = len(enc.encode(TRUNCATION_MARK)) + 1
    priority = sorted(
        range(len(paragraphs)),
        key=lambda i: (0 if i < 2 else 1 if _ATTRIBUTION.search(paragraphs[i]) else 2, i),
    )
    chosen: set[int] = set()
    used = 0
    for i in priority:
        extra = costs[i] + mark_cost
        if used + extra <= budget:
            chosen.add(i)
            used += costs[i]
    if not chosen:  # a single giant paragraph: keep its beginning
        tokens = enc.encode(paragraphs[0], disallowed_special=())[: max(budget - mark_cost, 1)]
        return enc.decode(tokens) + "\n" + TRUNCATION_MARK, True
    out: list[str] = []
    for i, paragraph in enumerate(paragraphs):
        if i in chosen:
            out.append(paragraph)
        elif not out or out[-1] != TRUNCATION_MARK:
            out.append(TRUNCATION_MARK)
    return "\n".join(out), True
