"""What every step of the analysis shares: the evidence found, and small judgements on it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import Article, Hedge, Source
from . import lexicon as lx
from .segment import Sentence
from .sources import Found, SourceMap

ON_RECORD = {"named_person", "named_org"}


@dataclass
class Evidence:
    """One article read once: its sentences, sources (with sentence links) and hedges.

    The look-ups the report makes per source (which source has this id, this mention,
    which sentences rest on it) are indexed once here, so no step scans every source or
    every sentence for each source.
    """

    article: Article
    sentences: list[Sentence]
    smap: SourceMap
    ids: dict[str, str]
    hedges: list[Hedge]
    hedges_by_sentence: dict[int, list[str]]
    boilerplate: set[int]
    key_of: dict[str, str] = field(init=False, repr=False)  # report id -> source key
    by_mention: dict[str, Found] = field(init=False, repr=False)  # the first with a mention
    sentences_of: dict[str, list[Sentence]] = field(init=False, repr=False)  # in text order

    def __post_init__(self) -> None:
        self.key_of = {}
        for key, source_id in self.ids.items():
            self.key_of.setdefault(source_id, key)
        self.by_mention = {}
        for found in self.smap.sources.values():
            self.by_mention.setdefault(found.mention, found)
        self.sentences_of = {}
        for sentence in self.sentences:
            for key in self.smap.by_sentence.get(sentence.index, []):
                self.sentences_of.setdefault(key, []).append(sentence)


def found_for(ev: Evidence, source: Source) -> Found | None:
    key = ev.key_of.get(source.id)
    return ev.smap.sources.get(key) if key else None


def is_lay(ev: Evidence, source: Source) -> bool:
    found = found_for(ev, source)
    return found is not None and found.head in lx.LAY_HEADS


def lede_source_ids(ev: Evidence) -> set[str]:
    """Sources of the headline and the first two sentences of the body."""
    body = [s for s in ev.sentences if not s.is_headline][:2]
    heads = [s for s in ev.sentences if s.is_headline]
    return {
        ev.ids[k] for s in heads + body for k in ev.smap.by_sentence.get(s.index, []) if k in ev.ids
    }


def is_on_record(source: Source) -> bool:
    return source.kind in ON_RECORD or (
        source.kind == "document" and not source.name.startswith("unidentified")
    )


def bare_outlet(outlet: str) -> str:
    """'The Mirror' -> 'Mirror', to read 'the original Mirror report'."""
    return re.sub(r"^the\s+", "", outlet, flags=re.I)


def doc_name(name: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.I)


def is_vague(ev: Evidence, source: Source) -> bool:
    found = ev.by_mention.get(source.mention)
    if not found:
        return False
    if source.via:
        return False  # "economists polled by Reuters": a group someone can trace
    if found.head not in lx.VAGUE_AUTHORITY_HEADS and not (
        found.head.endswith(("ologists", "ists", "icians")) and found.head not in lx.LAY_HEADS
    ):
        return False
    # "Experts", "industry analysts", "one nutritionist": a field, never a who.
    # "two officials involved in the talks" or "analysts at Barclays" say who they are.
    words = [w.lower() for w in re.findall(r"[\w’'\-]+", source.mention)]
    qualified = lx.QUALIFIERS.search(source.mention) or re.search(
        r"\b(?:involved|close|familiar|briefed|working|who|with|at|from|of|in|on|for)\b",
        source.mention,
        re.I,
    )
    return not qualified and len(words) <= 4


def is_study(name: str) -> bool:
    return any(re.search(rf"\b{head}\b", name, re.I) for head in lx.STUDY_HEADS)


def kinds_by_id(sources: list[Source]) -> dict[str, str]:
    """Each source's kind by its id (the first source with an id, as ids are unique)."""
    kinds: dict[str, str] = {}
    for source in sources:
        kinds.setdefault(source.id, source.kind)
    return kinds
