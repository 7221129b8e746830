"""Hedging and rumour markers, as written, with the sentence they stand in."""

from __future__ import annotations

import re

from ..models import Hedge
from . import lexicon as lx
from .segment import Sentence

_HEDGE = re.compile(r"\b(?:" + "|".join(lx.RUMOUR_HEDGES + lx.UNCERTAINTY_HEDGES) + r")\b", re.I)


# Each hedge carries its whole sentence, so a hostile text of thousands of "may x" would
# make a report hundreds of times its size. The most hedged of 230 real articles has 34.
MAX_HEDGES = 200


def find_hedges(sentences: list[Sentence]) -> tuple[list[Hedge], dict[int, list[str]]]:
    """The hedges to report (the first MAX_HEDGES) and every marker by sentence index."""
    hedges: list[Hedge] = []
    by_sentence: dict[int, list[str]] = {}
    seen: set[tuple[str, int]] = set()
    for sentence in sentences:
        for match in _HEDGE.finditer(sentence.text):
            marker = match.group(0)
            if marker.lower().startswith(("may ", "may")) and re.match(r"may\b", marker) is None:
                continue
            if re.match(r"(?:may|could|might)\s+(?:not\s+)?(?:comment|respond)", marker, re.I):
                continue
            if (
                marker.lower() in ("claim", "claims")
                and _after_determiner(sentence.text, match.start())
                and not _THAT_OR_OF.match(sentence.text, match.end())
            ):
                continue  # "the claim had no merit": a noun, not a hedge on what follows
            if (marker.lower(), sentence.index) in seen:
                continue
            seen.add((marker.lower(), sentence.index))
            if len(hedges) < MAX_HEDGES:
                hedges.append(Hedge(marker=marker, quote=sentence.text))
            by_sentence.setdefault(sentence.index, []).append(marker)
    return hedges, by_sentence


_DETERMINER_BEFORE = re.compile(
    r"\b(?:the|this|that|these|those|a|his|her|their|its|such)\s+$", re.IGNORECASE
)
_THAT_OR_OF = re.compile(r"\s+(?:that|of)\b")


def _after_determiner(text: str, end: int) -> bool:
    """Whether text[:end] ends with a determiner and a space ('the claim'), looking only at
    the last word before `end` rather than searching the whole sentence before it."""
    word_end = end
    while word_end > 0 and text[word_end - 1].isspace():
        word_end -= 1
    if word_end == end:
        return False
    # "these" is the longest determiner; two more characters hold the word boundary.
    return bool(_DETERMINER_BEFORE.search(text, max(0, word_end - 7), end))


def is_rumour(marker: str) -> bool:
    return bool(lx.RUMOUR_WORDS.search(marker))
