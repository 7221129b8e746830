"""The offline evidence analyzer: a deterministic reading of who says what.

It always runs: it is the whole report when no LLM is configured, and it grounds the LLM's
report when one is. Rule-based on purpose: it must install from PyPI alone and never
download a model (the spaCy English models are not on PyPI), it has to be fast enough to
run on every message (a few milliseconds an article), and every decision it makes can be
read and tested. The rules describe how English news attributes statements in general —
speech verbs, "according to", "told <outlet>", spokespeople, studies, anonymous-source
phrases — never any particular article. NLP libraries were weighed: spaCy and stanza need
model downloads, NLTK's taggers need data packages; none would tell "a security source told
the Mirror" from "the Mirror" on its own, so the gain is small against a new download step.

Layout: `segment` (sentences with offsets); who says what in `sources` (the walk over the
sentences, coreference, via chains), `subjects` (where the speaker is), `phrases` (what the
speaker is) and `names` (capitalised runs, titles, the name registry); then `hedges`,
`claims`, `flags`, `rating` and `advice` (summary and next steps); word lists in `lexicon`.
"""

from __future__ import annotations

import re

from ..models import Article, ArticleInfo, Report, Source
from ..text import word_count
from . import lexicon as lx
from .advice import next_steps, summarise
from .claims import find_claims
from .context import Evidence
from .flags import red_flags
from .hedges import find_hedges
from .rating import rate
from .segment import split_sentences
from .sources import SourceMap, find_source_map

__all__ = ["analyze", "find_sources"]


def find_sources(text: str) -> list[Source]:
    """Sources of a text, as report `Source` objects (ids s1, s2, ... in order of appearance)."""
    sentences = split_sentences(text)
    smap = find_source_map(text, sentences)
    ids = _source_ids(smap)
    return _sources(smap, ids)


def analyze(article: Article, *, language: str = "en") -> Report:
    """The complete offline report for one article."""
    text = article.text
    # A fetched page may carry its title apart from the text; then the text has no headline.
    given_title = article.title or ""
    title_apart = bool(given_title) and not _normal(text).startswith(_normal(given_title)[:40])
    sentences = split_sentences(text, headline=not title_apart)
    smap = find_source_map(text, sentences)
    ids = _source_ids(smap)
    hedges, by_sentence = find_hedges(sentences)
    boilerplate = {s.index for s in sentences if lx.AGGREGATOR_BOILERPLATE.search(s.text)}
    ev = Evidence(article, sentences, smap, ids, hedges, by_sentence, boilerplate)
    sources = _sources(smap, ids)
    claims = find_claims(ev)
    flags = red_flags(ev, sources, claims)
    rating = rate(sources, claims, flags)
    title = article.title or _first_line(text)
    return Report(
        analyzer="offline",
        model=None,
        language=language,
        article=ArticleInfo(
            title=title,
            url=article.url,
            site=article.site,
            author=article.author,
            published=article.published,
            language=article.language,
            forwarded_from=article.forwarded_from,
            word_count=word_count(text),
            truncated=False,
        ),
        summary=summarise(ev, sources, claims, flags),
        rating=rating,
        claims=claims,
        sources=sources,
        hedges=hedges,
        red_flags=flags,
        next_steps=next_steps(ev, sources, claims, flags),
        notes=_notes(text),
    )


_ENGLISH_WORDS = set(
    "the a an and of to in is was that for it on with as said he she they are by at be this "
    "have has from his her but not who will".split()
)


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def _notes(text: str) -> list[str]:
    """Say so when the text does not look English: the rules read English only."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) >= 15 and sum(w in _ENGLISH_WORDS for w in words) / len(words) < 0.05:
        return [
            "The offline analyzer reads English; this text does not look English, so "
            "sources and hedges may be missed."
        ]
    return []


def _first_line(text: str) -> str | None:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line[:300] or None


def _source_ids(smap: SourceMap) -> dict[str, str]:
    ordered = sorted(smap.sources.values(), key=lambda f: f.mention_start)
    return {found.key: f"s{i}" for i, found in enumerate(ordered, start=1)}


def _sources(smap: SourceMap, ids: dict[str, str]) -> list[Source]:
    ordered = sorted(smap.sources.values(), key=lambda f: f.mention_start)
    return [
        Source(
            id=ids[f.key],
            name=f.name,
            kind=f.kind,  # type: ignore[arg-type]
            role=f.role,
            mention=f.mention,
            via=ids.get(f.via_key) if f.via_key else None,
        )
        for f in ordered
    ]
