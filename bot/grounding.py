"""Hold the model to the article: its quotes must be the article's words.

Every claim quote and source mention is looked up in the article after folding quotes,
dashes, whitespace and case. A near-exact match (at least 90% of the quote's characters
matched in order, within a span of similar length) is accepted and replaced by the article's
own span; anything else is marked `grounded: false` and never shown as the article's words.
Sources whose name and mention are both absent are dropped: a source the article never
mentions is invented.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from .models import Report, Source
from .text import normalise

FUZZY_THRESHOLD = 0.9


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise char by char, keeping for each folded char the index it came from."""
    out: list[str] = []
    index: list[int] = []
    previous_space = True
    for i, ch in enumerate(text):
        folded = normalise(ch).lower() if not ch.isspace() else " "
        if folded == "" and not ch.isspace():
            continue
        if folded == " ":
            if previous_space:
                continue
            previous_space = True
        else:
            previous_space = False
        for piece in folded:
            out.append(piece)
            index.append(i)
    return "".join(out), index


def locate(quote: str, text: str) -> str | None:
    """The article's own span for `quote`, or None when the article does not say it."""
    needle = normalise(quote).lower().strip(" .\"'")
    if len(needle) < 3:
        return None
    haystack, index = _folded_with_map(text)
    position = haystack.find(needle)
    if position >= 0:
        return text[index[position]:index[position + len(needle) - 1] + 1]
    return _fuzzy(needle, haystack, index, text)


def _fuzzy(needle: str, haystack: str, index: list[int], text: str) -> str | None:
    best: tuple[float, int, int] | None = None
    for match in re.finditer(r"[^.!?\n]+[.!?]*", haystack):
        window_start = max(0, match.start() - len(needle) // 2)
        window = haystack[window_start:match.end() + len(needle) // 2]
        matcher = SequenceMatcher(None, needle, window, autojunk=False)
        blocks = [b for b in matcher.get_matching_blocks() if b.size]
        if not blocks:
            continue
        matched = sum(b.size for b in blocks)
        start, end = blocks[0].b, blocks[-1].b + blocks[-1].size
        score = matched / len(needle)
        if score >= FUZZY_THRESHOLD and 0.8 <= (end - start) / len(needle) <= 1.25:
            if best is None or score > best[0]:
                best = (score, window_start + start, window_start + end)
    if best is None:
        return None
    _, start, end = best
    return text[index[start]:index[end - 1] + 1]


def ground(report: Report, text: str, evidence: Report) -> Report:
    """Replace quotes with article spans, mark the rest, and compare kinds with the evidence."""
    report = report.model_copy(deep=True)
    for claim in report.claims:
        span = locate(claim.quote, text)
        claim.grounded = span is not None
        if span:
            claim.quote = span
    kept: list[Source] = []
    dropped: set[str] = set()
    for source in report.sources:
        span = locate(source.mention, text) or locate(source.name, text)
        if span is None:
            dropped.add(source.id)
            report.notes.append(f"Dropped a source the article does not mention: {source.name}.")
            continue
        source.mention = span
        kept.append(source)
    report.sources = kept
    for source in report.sources:
        if source.via in dropped:
            source.via = None
    for claim in report.claims:
        claim.source_ids = [s for s in claim.source_ids if s not in dropped]
    report.hedges = [h.model_copy(update={"quote": locate(h.quote, text) or h.quote})
                     for h in report.hedges if locate(h.marker, text)]
    _compare_kinds(report, evidence)
    return report


def _tokens(value: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", normalise(value).lower()) if len(w) > 2} - {
        "the", "and", "unnamed", "unidentified", "who", "with", "from"}


def _compare_kinds(report: Report, evidence: Report) -> None:
    for source in report.sources:
        words = _tokens(source.name) | _tokens(source.mention)
        for other in evidence.sources:
            if words & (_tokens(other.name) | _tokens(other.mention)):
                if other.kind != source.kind:
                    source.evidence_kind = other.kind
                    report.notes.append(
                        f"Source “{source.name}”: the model says {source.kind.replace('_', ' ')}, "
                        f"the text analysis says {other.kind.replace('_', ' ')}."
                    )
                break
