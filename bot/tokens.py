"""Token counting and article truncation that work with no network at all.

`tiktoken.get_encoding` downloads its BPE files on first use, which fails on a fresh or
air-gapped machine. The two encodings current OpenAI models use ship inside the package
(`bot/encodings/*.tiktoken.gz`). We run tiktoken's own constructors from
`tiktoken_ext.openai_public` with their file loader swapped for one that reads the bundled
copy and checks it against the sha256 tiktoken itself expects, so the pattern, the special
tokens and the hash are tiktoken's, not a copy of ours that could drift.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import types
from functools import cache
from importlib.resources import files

import tiktoken
import tiktoken.model
from tiktoken_ext import openai_public  # type: ignore[import-untyped]

BUNDLED = ("cl100k_base", "o200k_base")
FALLBACK_ENCODING = "o200k_base"
TRUNCATION_MARK = "[…]"

# A paragraph "carries an attribution" when it says who said or reported something.
_ATTRIBUTION = re.compile(
    r"\b(said|says|say|told|tells|according to|sources?|spokes(?:man|woman|person)|"
    r"reported|reports|reportedly|claimed|claims|confirmed|denied|warned|insisted|added|"
    r"stated|statement|study|survey|report|posted|tweeted|wrote|quoted|cited|alleged)\b",
    re.IGNORECASE,
)


def _bundled_ranks(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
    """Stand-in for `tiktoken.load.load_tiktoken_bpe`: read the bundled file, never the URL."""
    name = blobpath.rsplit("/", 1)[-1].removesuffix(".tiktoken")
    if name not in BUNDLED:
        raise LookupError(f"encoding {name} is not bundled with credbot")
    raw = gzip.decompress((files("bot") / "encodings" / f"{name}.tiktoken.gz").read_bytes())
    if expected_hash and hashlib.sha256(raw).hexdigest() != expected_hash:
        raise RuntimeError(f"the bundled {name} encoding does not match tiktoken's hash")
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@cache
def encoding(name: str) -> tiktoken.Encoding:
    """The named bundled encoding, built by tiktoken's own constructor without network."""
    if name not in BUNDLED:
        raise LookupError(f"encoding {name} is not bundled with credbot")
    constructor = openai_public.ENCODING_CONSTRUCTORS[name]
    # A copy of the constructor whose globals see our loader: nothing shared is patched.
    offline = types.FunctionType(
        constructor.__code__,
        {**constructor.__globals__, "load_tiktoken_bpe": _bundled_ranks},
        constructor.__name__,
    )
    return tiktoken.Encoding(**offline())


def encoding_name_for_model(model: str) -> str:
    """The bundled encoding for a model name.

    Known OpenAI names go through tiktoken's own table (o200k for gpt-4o, 4.1, 4.5, 5, o1,
    o3, o4; cl100k for gpt-4, 3.5 and embeddings). "provider/model" names are looked up by
    their last part. Unknown names -- self-hosted Llama, Qwen, Mistral... -- get o200k:
    their own tokenizers are not available offline, and o200k's large multilingual
    vocabulary counts close to modern tokenizers, so budgets stay about right. Encodings
    we do not bundle map to the nearest one we do (gpt-oss's harmony is o200k plus special
    tokens; the old r50k/p50k models are closest to cl100k).
    """
    name = model.strip().rsplit("/", 1)[-1]
    try:
        found = tiktoken.model.encoding_name_for_model(name)
    except KeyError:
        return FALLBACK_ENCODING
    if found in BUNDLED:
        return found
    return "o200k_base" if found.startswith("o200k") else "cl100k_base"


def encoding_for_model(model: str) -> tiktoken.Encoding:
    return encoding(encoding_name_for_model(model))


def count_tokens(text: str, model: str = "gpt-4o-mini") -> int:
    """Tokens `text` costs for `model`. Special-token look-alikes count as plain text."""
    return len(encoding_for_model(model).encode(text, disallowed_special=()))


def _priority(index: int, paragraph: str) -> int:
    """0 headline and lede, 1 attributed paragraphs, 2 the rest."""
    if index < 2:
        return 0
    return 1 if _ATTRIBUTION.search(paragraph) else 2


def truncate_article(text: str, budget: int, model: str = "gpt-4o-mini") -> tuple[str, bool]:
    """Fit `text` into `budget` tokens, keeping what carries the sourcing.

    The headline and the lede come first, then the paragraphs with attributions (who said
    what is what the analysis is about), then the rest while room remains; kept paragraphs
    stay in their original order, with TRUNCATION_MARK where text was cut.
    Returns (text, truncated).
    """
    enc = encoding_for_model(model)

    def cost(value: str) -> int:
        return len(enc.encode(value, disallowed_special=()))

    if cost(text) <= budget:
        return text, False
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    costs = [cost(p) + 1 for p in paragraphs]  # +1 for the newline joining them
    order = sorted(range(len(paragraphs)), key=lambda i: (_priority(i, paragraphs[i]), i))
    mark = cost("\n" + TRUNCATION_MARK)
    chosen: set[int] = set()
    used = mark  # nothing kept yet: one cut mark
    for i in order:
        # Keeping i splits its gap (one more mark), ends a one-paragraph gap (one fewer) or
        # shortens a gap (same); the article's ends count as kept.
        left = i == 0 or i - 1 in chosen
        right = i == len(paragraphs) - 1 or i + 1 in chosen
        marks = -1 if left and right else 1 if not (left or right) else 0
        if used + costs[i] + marks * mark <= budget:
            chosen.add(i)
            used += costs[i] + marks * mark
    result = _assemble(paragraphs, chosen)
    total = cost(result)
    # Cut marks between kept paragraphs cost tokens too: drop the least important until it fits.
    for i in reversed(order):
        if total <= budget or len(chosen) <= 1:
            break
        if i in chosen:
            chosen.discard(i)
            result = _assemble(paragraphs, chosen)
            total = cost(result)
    if not chosen or total > budget:  # one giant paragraph: keep its beginning
        ids = enc.encode(text, disallowed_special=())
        room = max(budget - mark, 1)
        head = enc.decode(ids[:room])
        while room > 1 and cost(head + "\n" + TRUNCATION_MARK) > budget:
            room -= 1
            head = enc.decode(ids[:room])
        return head.rstrip() + "\n" + TRUNCATION_MARK, True
    return result, True


def _assemble(paragraphs: list[str], chosen: set[int]) -> str:
    out: list[str] = []
    for i, paragraph in enumerate(paragraphs):
        if i in chosen:
            out.append(paragraph)
        elif not out or out[-1] != TRUNCATION_MARK:
            out.append(TRUNCATION_MARK)
    return "\n".join(out)


def head_tokens(text: str, budget: int, model: str = "gpt-4o-mini") -> str:
    """The beginning of `text` that fits in `budget` tokens, with "…" when it was cut.

    For short untrusted fields (a question, a chat message) where the start is what counts;
    the text is clipped by characters first, so a huge field costs no more than a small one.
    """
    enc = encoding_for_model(model)
    head = text[: budget * 8]  # no token is longer than this in any encoding we ship
    ids = enc.encode(head, disallowed_special=())
    if len(ids) <= budget and len(head) == len(text):
        return text
    return enc.decode(ids[: max(budget - 1, 0)]).rstrip() + "…"
