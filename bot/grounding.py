"""Hold the model to the article: its quotes must be the article's words.

Every claim quote and source mention is looked up in the article after folding quotes,
dashes, whitespace and case (`bot.text.normalise`). An exact folded match is replaced by the
article's own span. Otherwise a fuzzy match over sentence windows is tried: at least
FUZZY_THRESHOLD (90%) of the quote's characters must match in order, within an article span
of 80-125% of the quote's length. That tolerates a dropped word, a changed apostrophe or a
typo in a long quote, and rejects paraphrase and invention, which change far more than a
tenth of the characters. Anything else is `grounded: false` and never shown as the
article's words. Sources whose mention and name are both absent are dropped: a source the
article never mentions was invented.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from .models import Report, Source
from .text import normalise

FUZZY_THRESHOLD = 0.9
_SPAN_RATIO = (0.8, 1.25)
_WORD = re.compile(r"\w+")
_WORD_SHARE = 0.5
# Words that say nothing about which source is meant.
_GENERIC = {
    "the", "and", "unnamed", "unidentified", "anonymous", "who", "with", "from", "source",
    "sources", "said", "says", "told", "according", "spokesperson", "spokesman",
    "spokeswoman", "official", "officials", "people", "person", "report", "reports", "has",
    "have", "had", "was", "for", "its", "his", "her", "their", "that", "this",
}


class ArticleIndex:
    """The article folded once (lower case, plain quotes and dashes, single spaces), with a
    map from every folded character back to the original, so matches return verbatim spans."""

    def __init__(self, text: str) -> None:
        self.text = text
        out: list[str] = []
        index: list[int] = []
        previous_space = True
        for i, ch in enumerate(text):
            folded = " " if ch.isspace() else normalise(ch).lower()
            if folded == " ":
                if previous_space:
                    continue
                previous_space = True
            elif not folded:
                continue
            else:
                previous_space = False
            out.extend(folded)
            index.extend([i] * len(folded))
        self.folded = "".join(out)
        self.index = index
        self.sentences = [(m.start(), m.end()) for m in re.finditer(r"[^.!?\n]+[.!?]*", self.folded)]

    def span(self, start: int, end: int) -> str:
        """The original text behind folded[start:end]."""
        return self.text[self.index[start]:self.index[end - 1] + 1]

    def find_span(self, start: int, end: int) -> tuple[int, int]:
        return self.index[start], self.index[end - 1] + 1

    def locate(self, quote: str) -> str | None:
        """The article's own span for `quote`, or None when the article does not say it."""
        found = self.locate_position(quote)
        return self.span(*found) if found else None

    def locate_position(self, quote: str) -> tuple[int, int] | None:
        """(start, end) in the folded text of the best match for `quote`, or None."""
        needle = fold(quote)
        if len(needle) < 3:
            return None
        position = self.folded.find(needle)
        if position >= 0:
            return position, position + len(needle)
        if len(needle) < 12:  # short strings: only exact matches mean anything
            return None
        return self._fuzzy(needle)

    def _fuzzy(self, needle: str) -> tuple[int, int] | None:
        best: tuple[float, int, int] | None = None
        pad = len(needle) // 2
        needle_words = set(_WORD.findall(needle))
        for sentence_start, sentence_end in self.sentences:
            window_start = max(0, sentence_start - pad)
            window = self.folded[window_start:sentence_end + pad]
            # A 90% character match leaves most words intact: skip windows sharing few of them.
            if len(needle_words & set(_WORD.findall(window))) < _WORD_SHARE * len(needle_words):
                continue
            matcher = SequenceMatcher(None, needle, window, autojunk=False)
            # Cheap upper bounds first: most windows are nowhere near the quote.
            if matcher.real_quick_ratio() * (len(needle) + len(window)) < 2 * FUZZY_THRESHOLD * len(needle):
                continue
            if matcher.quick_ratio() * (len(needle) + len(window)) < 2 * FUZZY_THRESHOLD * len(needle):
                continue
            blocks = [b for b in matcher.get_matching_blocks() if b.size]
            if not blocks:
                continue
            score = sum(b.size for b in blocks) / len(needle)
            start, end = blocks[0].b, blocks[-1].b + blocks[-1].size
            ratio = (end - start) / len(needle)
            if score >= FUZZY_THRESHOLD and _SPAN_RATIO[0] <= ratio <= _SPAN_RATIO[1]:
                if best is None or score > best[0]:
                    best = (score, window_start + start, window_start + end)
        return (best[1], best[2]) if best else None


def fold(value: str) -> str:
    """How quotes are compared: normalised, lower case, without a wrapping pair of quote
    marks or trailing punctuation (models add and drop those freely)."""
    folded = normalise(value).lower().strip()
    while len(folded) > 2 and folded[0] == folded[-1] and folded[0] in "\"'":
        folded = folded[1:-1].strip()
    return folded.rstrip(" .,;:").lstrip(" ,;:")


def locate(quote: str, text: str) -> str | None:
    """The article's own span for `quote` in `text`, or None (one-off look-up)."""
    return ArticleIndex(text).locate(quote)


def ground(report: Report, text: str, evidence: Report) -> Report:
    """A copy of `report` held to `text`: verbatim quotes, marked misses, checked kinds."""
    report = report.model_copy(deep=True)
    article = ArticleIndex(text)
    for claim in report.claims:
        span = article.locate(claim.quote)
        claim.grounded = span is not None
        if span:
            claim.quote = span
    ungrounded = sum(not c.grounded for c in report.claims)
    if ungrounded:
        report.notes.append(f"{ungrounded} claim quote(s) from the model were not found in the "
                            "article and are marked as such.")
    kept: list[Source] = []
    dropped: set[str] = set()
    for source in report.sources:
        span = article.locate(source.mention) or article.locate(source.name)
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
    hedges = []
    for hedge in report.hedges:
        if article.locate(hedge.marker) is None:
            continue  # a hedge word the article does not use
        hedges.append(hedge.model_copy(update={"quote": article.locate(hedge.quote) or hedge.marker}))
    report.hedges = hedges
    compare_kinds(report, evidence, article)
    return report


def _words(value: str) -> set[str]:
    return {w for w in re.findall(r"\w+", fold(value)) if len(w) > 2} - _GENERIC


def _match_score(source: Source, other: Source, article: ArticleIndex) -> float:
    """How surely two sources are the same: overlapping mentions in the text, else shared words."""
    mine, theirs = article.locate_position(source.mention), article.locate_position(other.mention)
    if mine and theirs and mine[0] < theirs[1] and theirs[0] < mine[1]:
        return 1.0
    words, other_words = _words(source.name), _words(other.name)
    if not words or not other_words:
        words, other_words = words | _words(source.mention), other_words | _words(other.mention)
    if not words or not other_words:
        return 0.0
    return len(words & other_words) / min(len(words), len(other_words))


def compare_kinds(report: Report, evidence: Report, article: ArticleIndex) -> None:
    """Where the model and the offline evidence type the same source differently, say so."""
    for source in report.sources:
        scored = [(_match_score(source, other, article), other) for other in evidence.sources]
        score, other = max(scored, key=lambda pair: pair[0], default=(0.0, None))
        if other is None or score < 0.5 or other.kind == source.kind:
            continue
        source.evidence_kind = other.kind
        report.notes.append(
            f"Source “{source.name}”: the AI analysis says {source.kind.replace('_', ' ')}, "
            f"the rule-based analysis says {other.kind.replace('_', ' ')}."
        )
