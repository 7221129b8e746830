"""Hedging and rumour markers, as written, with the sentence they stand in."""

from __future__ import annotations

import re

from ..models import Hedge
from . import lexicon as lx
from .segment import Sentence

_HEDGE = re.compile(r"\b(?:" + "|".join(lx.RUMOUR_HEDGES + lx.UNCERTAINTY_HEDGES) + r")\b", re.I)


def find_hedges(sentences: list[Sentence]) -> tuple[list[Hedge], dict[int, list[str]]]:
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
            if marker.lower() in ("claim", "claims") and re.search(
                r"\b(?:the|this|that|these|those|a|his|her|their|its|such)\s+$",
                sentence.text[: match.start()], re.I,
            ) and not re.match(r"\s+(?:that|of)\b", sentence.text[match.end() :]):
                continue  # "the claim had no merit": a noun, not a hedge on what follows
            if (marker.lower(), sentence.index) in seen:
                continue
            seen.add((marker.lower(), sentence.index))
            hedges.append(Hedge(marker=marker, quote=sentence.text))
            by_sentence.setdefault(sentence.index, []).append(marker)
    return hedges, by_sentence


def is_rumour(marker: str) -> bool:
    return bool(lx.RUMOUR_WORDS.search(marker))
