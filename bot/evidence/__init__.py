"""The offline evidence analyzer: a deterministic reading of who says what.

It always runs: it is the whole report when no LLM is configured, and it grounds the LLM's
report when one is. Rule-based on purpose: it must install from PyPI alone and never
download a model (the spaCy English models are not on PyPI), it has to be fast enough to
run on every message (a few milliseconds an article), and every decision it makes can be
read and tested. The rules describe how English news attributes statements in general —
speech verbs, "according to", "told <outlet>", spokespeople, studies, anonymous-source
phrases — never any particular article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import (
    Article,
    ArticleInfo,
    Claim,
    Hedge,
    Rating,
    RedFlag,
    Report,
    Source,
)
from ..text import word_count
from . import lexicon as lx
from .segment import Sentence, split_sentences
from .sources import Found, SourceMap, find_source_map

__all__ = ["analyze", "find_sources"]

_HEDGE = re.compile(
    r"\b(?:" + "|".join(lx.RUMOUR_HEDGES + lx.UNCERTAINTY_HEDGES) + r")\b", re.I
)
_MAX_CLAIMS = 20
_ON_RECORD = {"named_person", "named_org"}


@dataclass
class _Evidence:
    article: Article
    sentences: list[Sentence]
    smap: SourceMap
    ids: dict[str, str]
    hedges: list[Hedge]
    hedges_by_sentence: dict[int, list[str]]
    boilerplate: set[int]


def find_sources(text: str) -> list[Source]:
    """Sources of a text, as report `Source` objects (ids s1, s2, ... in order of appearance)."""
    sentences = split_sentences(text)
    smap = find_source_map(text, sentences)
    ids = _source_ids(smap)
    return _sources(smap, ids)


def analyze(article: Article, *, language: str = "en") -> Report:
    """The complete offline report for one article."""
    text = article.text
    sentences = split_sentences(text)
    smap = find_source_map(text, sentences)
    ids = _source_ids(smap)
    hedges, by_sentence = _hedges(sentences)
    boilerplate = {s.index for s in sentences if lx.AGGREGATOR_BOILERPLATE.search(s.text)}
    ev = _Evidence(article, sentences, smap, ids, hedges, by_sentence, boilerplate)
    sources = _sources(smap, ids)
    claims = _claims(ev)
    flags = _red_flags(ev, sources, claims)
    rating = _rating(sources, claims, flags)
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
        summary=_summary(ev, sources, claims, flags),
        rating=rating,
        claims=claims,
        sources=sources,
        hedges=hedges,
        red_flags=flags,
        next_steps=_next_steps(ev, sources, claims, flags),
        notes=_notes(text),
    )


_ENGLISH_WORDS = {"the", "a", "an", "and", "of", "to", "in", "is", "was", "that", "for", "it",
                  "on", "with", "as", "said", "he", "she", "they", "are", "by", "at", "be",
                  "this", "have", "has", "from", "his", "her", "but", "not", "who", "will"}


def _notes(text: str) -> list[str]:
    """Say so when the text does not look English: the rules read English only."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) >= 15 and sum(w in _ENGLISH_WORDS for w in words) / len(words) < 0.05:
        return ["The offline analyzer reads English; this text does not look English, so "
                "sources and hedges may be missed."]
    return []


def _first_line(text: str) -> str | None:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line[:300] or None


# --- sources ---------------------------------------------------------------


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


# --- hedges ------------------------------------------------------------------


def _hedges(sentences: list[Sentence]) -> tuple[list[Hedge], dict[int, list[str]]]:
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
            if (marker.lower(), sentence.index) in seen:
                continue
            seen.add((marker.lower(), sentence.index))
            hedges.append(Hedge(marker=marker, quote=sentence.text))
            by_sentence.setdefault(sentence.index, []).append(marker)
    return hedges, by_sentence


def _is_rumour(marker: str) -> bool:
    return bool(lx.RUMOUR_WORDS.search(marker))


# --- claims ------------------------------------------------------------------


def _claims(ev: _Evidence) -> list[Claim]:
    candidates: list[tuple[int, Sentence]] = []
    for sentence in ev.sentences:
        if sentence.is_headline or sentence.index in ev.boilerplate:
            continue
        keys = ev.smap.by_sentence.get(sentence.index, [])
        markers = ev.hedges_by_sentence.get(sentence.index, [])
        has_number = bool(lx.NUMBER.search(sentence.text))
        has_date = bool(lx.DATE.search(sentence.text))
        if not (keys or markers or has_number or has_date):
            continue
        if _is_comment_refusal(sentence.text) and not has_number:
            continue
        weight = 3 * bool(keys) + 2 * bool(markers) + has_number + has_date
        weight += 2 if sentence.index <= 2 else 0  # the lede carries the story
        candidates.append((weight, sentence))
    if not candidates:
        # Nothing attributed, counted or hedged: the bare assertions are the claims.
        candidates = [(0, s) for s in ev.sentences if _is_assertion(s, ev)][:3]
    keep = sorted(candidates, key=lambda c: (-c[0], c[1].index))[:_MAX_CLAIMS]
    keep_sentences = sorted((s for _, s in keep), key=lambda s: s.index)
    claims: list[Claim] = []
    for i, sentence in enumerate(keep_sentences, start=1):
        keys = ev.smap.by_sentence.get(sentence.index, [])
        sources = [ev.smap.sources[k] for k in keys if k in ev.smap.sources]
        markers = ev.hedges_by_sentence.get(sentence.index, [])
        verifiability = _verifiability(sentence, sources, markers)
        claims.append(
            Claim(
                id=f"c{i}",
                text=_claim_text(sentence.text, sources, ev),
                quote=sentence.text,
                grounded=True,
                source_ids=[ev.ids[s.key] for s in sources],
                verifiability=verifiability,
                hedges=markers,
                check=_check(sentence, sources, markers, verifiability, ev),
            )
        )
    return claims


def _is_assertion(sentence: Sentence, ev: _Evidence) -> bool:
    """A statement of fact: not a question, a command, boilerplate or a two-word shout."""
    text = sentence.text
    if sentence.index in ev.boilerplate or text.rstrip().endswith("?"):
        return False
    if lx.CALL_TO_ACTION.search(text) or len(re.findall(r"[\w’']+", text)) < 4:
        return False
    first = re.findall(r"[\w’']+", text)[0].lower()
    return first not in {"please", "share", "do", "don’t", "don't", "read", "click", "follow",
                         "subscribe", "forward", "send", "tell", "stop", "check"}


def _bare(outlet: str) -> str:
    """'The Mirror' -> 'Mirror', to read 'the original Mirror report'."""
    return re.sub(r"^the\s+", "", outlet, flags=re.I)


def _doc_name(name: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.I)


def _is_comment_refusal(text: str) -> bool:
    return bool(re.search(
        r"declined to (?:immediately )?comment|(?:did|has|have) not (?:immediately )?"
        r"(?:respond|responded|reply|replied|return)|could not (?:immediately )?be reached|"
        r"refused to comment|would not comment|no (?:immediate )?response", text, re.I))


_ATTRIBUTION_TAIL = re.compile(
    r"[,’”\"']\s*(?:[^,’”\"']{1,80}?)\s+(?:has\s+|have\s+)?(?:(?:said|says|added|warned|claimed|"
    r"reported|reports|wrote|insisted|confirmed)|told\s+(?:the\s+)?(?:reporters|journalists|"
    r"[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*))(?:\s+(?:on|in|at|this|last|earlier|later|yesterday|"
    r"today)\b[^,’”\"']{0,40})?[.!?]?[’”\"']?$")
_ATTRIBUTION_LEAD = re.compile(
    r"^(?:[^,’”\"']{1,80}?)\s+(?:has\s+|have\s+)?(?:(?:said|says|warned|claimed|added|confirmed|"
    r"insisted|told\s+(?:reporters|journalists|[A-Z][\w’']*(?:\s+[A-Z][\w’']*)*))\s+(?:that\s+)?|"
    r"told\s+[^,’”\"']{1,60}?\s+that\s+)(?=\S)")


def _claim_text(sentence: str, sources: list[Found], ev: _Evidence) -> str:
    """The claim without its attribution, then who makes it: 'X could happen (a source, via Y)'."""
    text = re.sub(r"\s+", " ", sentence).strip()
    content = text
    tail = _ATTRIBUTION_TAIL.search(text)
    lead = _ATTRIBUTION_LEAD.match(text)
    if sources and tail and len(text[:tail.start()].split()) >= 5:
        content = text[:tail.start() + 1].rstrip(",") if text[tail.start()] in "’”\"'" else \
            text[:tail.start()]
    elif sources and lead and len(text[lead.end():].split()) >= 4:
        content = text[lead.end():]
        content = content[0].upper() + content[1:]
    content = re.sub(r",\s*([’”\"'])$", r"\1", content.rstrip(" ."))
    if sources and content != text.rstrip(" ."):
        relays = {f.via_key for f in sources if f.via_key}
        labels = []
        for found in sources:
            if found.key in relays:
                continue  # shown as the "via" of the source it relays
            label = found.mention if found.kind == "anonymous" else found.name
            via = ev.smap.sources.get(found.via_key) if found.via_key else None
            labels.append(f"{label}, via {via.name}" if via else label)
        if labels:
            content = f"{content} ({'; '.join(dict.fromkeys(labels))})"
    return content if len(content) <= 240 else content[:237].rsplit(" ", 1)[0] + "…"


_APPROXIMATE = re.compile(r"^(?:about|around|as many as|up to|estimated)$", re.I)


def _verifiability(sentence: Sentence, sources: list[Found], markers: list[str]) -> str:
    """Can a reader check this? On-record and factual: yes; anonymous: partly; rumour: no."""
    kinds = {s.kind for s in sources}
    rumour = any(_is_rumour(m) for m in markers)
    speculative = _leading_modal(sentence.text) or bool(
        re.search(r"\b(?:most|more) likely\b(?! to)|\blikely to\b", sentence.text, re.I))
    hedged = [m for m in markers if not _APPROXIMATE.match(m)]
    on_record = kinds & _ON_RECORD or any(
        s.kind == "document" and s.identified for s in sources
    )
    if rumour and not on_record:
        return "unverifiable"
    if kinds and kinds <= {"outlet"}:
        return "partly"  # another outlet's report can be read, but it is second-hand
    if on_record:
        return "partly" if _leading_modal(sentence.text) else "verifiable"
    if "anonymous" in kinds and not kinds & {"document", "social_media"}:
        return "unverifiable" if speculative else "partly"
    if kinds:
        return "partly"
    if _leading_modal(sentence.text):
        return "unverifiable"
    return "partly" if hedged else "verifiable"


def _leading_modal(text: str) -> bool:
    """A modal in the main clause ('X could be replaced'), not in a subordinate one."""
    words = re.findall(r"[\w’']+", text)[:7]
    return any(w.lower() in {"could", "may", "might"} for w in words)


def _check(sentence: Sentence, sources: list[Found], markers: list[str], verifiability: str,
           ev: _Evidence) -> str:
    by_kind = {s.kind: s for s in sources}
    outlet = _via_outlet(sources, ev)
    if "anonymous" in by_kind and outlet:
        return (f"Find the original {_bare(outlet.name)} report; look for a named, on-record source "
                "confirming it.")
    if "anonymous" in by_kind:
        return "Look for on-record confirmation from a named person or the organisation involved."
    if "outlet" in by_kind:
        return f"Read {by_kind['outlet'].name}'s report itself and see who it relies on."
    if "document" in by_kind:
        doc = by_kind["document"]
        if not doc.identified:
            return "Find the study itself (authors, journal, sample) before trusting the figure."
        return f"Find the document itself ({_doc_name(doc.name)}) and check the figure."
    if "social_media" in by_kind:
        return f"Find the original post ({by_kind['social_media'].name}) and check the account."
    if "named_person" in by_kind:
        person = by_kind["named_person"]
        return f"Search for {person.name}'s own words in other coverage or a transcript."
    if "named_org" in by_kind:
        org = by_kind["named_org"]
        return f"Check {org.name}'s own statements or publications."
    if any(_is_rumour(m) for m in markers):
        return "Treat as rumour until a named source confirms it."
    if lx.NUMBER.search(sentence.text) or lx.DATE.search(sentence.text):
        return "Check the figure or date against an official or independent source."
    return "Look for the same claim in independent coverage."


def _via_outlet(sources: list[Found], ev: _Evidence) -> Found | None:
    for source in sources:
        if source.via_key and source.via_key in ev.smap.sources:
            return ev.smap.sources[source.via_key]
    return None


# --- red flags ---------------------------------------------------------------


def _red_flags(ev: _Evidence, sources: list[Source], claims: list[Claim]) -> list[RedFlag]:
    flags: list[RedFlag] = []
    text = ev.article.text
    by_kind: dict[str, list[Source]] = {}
    for source in sources:
        by_kind.setdefault(source.kind, []).append(source)
    anonymous = by_kind.get("anonymous", [])
    on_record = [s for s in sources if s.kind in _ON_RECORD]

    def add(code: str, detail: str) -> None:
        if code not in {f.code for f in flags}:
            flags.append(RedFlag(code=code, detail=detail))

    headline = _headline_support(ev)
    if headline:
        add("headline_not_supported", headline)
    lede_ids = _lede_source_ids(ev)
    # Unnamed bystanders (a neighbour, witnesses) are ordinary reporting unless the story
    # rests on them; unnamed insiders, officials and experts always deserve the flag.
    # Plural appeals to a field ("experts say") are vague authority, flagged on their own.
    telling = [s for s in anonymous if (not _is_lay(ev, s) or s.id in lede_ids)
               and not _is_vague(ev.smap, s)]
    if telling:
        names = ", ".join(f"“{s.mention}”" for s in telling[:3])
        add("anonymous_sourcing",
            f"{len(telling)} unnamed source{'s' if len(telling) > 1 else ''}: {names}.")
    relayed = [s for s in telling if s.via and ev_kind(sources, s.via) == "outlet"]
    outlet_claims = [c for c in claims if c.source_ids and all(
        ev_kind(sources, sid) == "outlet" for sid in c.source_ids)]
    if relayed or outlet_claims:
        outlets = sorted({s.name for s in by_kind.get("outlet", [])})
        add("relayed_report",
            "Key claims are relayed from other outlets (" + ", ".join(outlets) + ") rather "
            "than reported first-hand.")
    # "X claimed" is attribution with distance; "claims that ..." with no one behind it, and
    # "reportedly", "rumoured", "said to be", are hearsay.
    rumours = [m for index, markers in sorted(ev.hedges_by_sentence.items()) for m in markers
               if _is_rumour(m) and not (re.match(r"claim", m, re.I)
                                         and ev.smap.by_sentence.get(index))]
    if rumours:
        add("rumour_language", "Rumour wording: " + ", ".join(dict.fromkeys(
            r.lower() for r in rumours)) + ".")
    vague = [s for s in anonymous if _is_vague(ev.smap, s)]
    if vague:
        add("vague_authority", "Appeals to unnamed authorities: " + ", ".join(
            f"“{s.mention}”" for s in vague[:3]) + ".")
    studies = [s for s in by_kind.get("document", []) if s.name.startswith("unidentified")
               and _is_study(s.name)]
    if studies:
        add("unidentified_study", "A study or report is cited without its name, authors or "
            "publisher.")
    if len(sources) == 1 and len(claims) >= 3:
        add("single_source", f"Everything rests on one source: {sources[0].name}.")
    unsourced = [c for c in claims if not c.source_ids and not c.hedges]
    if not sources and claims:
        add("unsourced_claims", "The text names no source for any of its claims.")
    elif len(unsourced) >= 4 and len(unsourced) > len(claims) / 2:
        add("unsourced_claims", f"{len(unsourced)} factual claims carry no source.")
    emotive = _emotive_signals(text)
    if len(emotive) >= 2:
        add("emotive_language", "Emotive or sensational wording: " + ", ".join(emotive[:4]) + ".")
    cta = lx.CALL_TO_ACTION.search(text)
    if cta:
        add("call_to_action", f"It urges readers to act: “{cta.group(0)}”.")
    boiler = lx.AGGREGATOR_BOILERPLATE.search(text)
    if boiler:
        add("aggregator_copy", f"Syndication or aggregator boilerplate: “{boiler.group(0).strip()}”.")
    if ev.article.url:
        if not ev.article.author:
            add("no_byline", "The page names no author.")
        if not ev.article.published:
            add("no_date", "The page gives no publication date.")
    del on_record
    return flags


def _found(ev: _Evidence, source: Source) -> Found | None:
    key = next((k for k, v in ev.ids.items() if v == source.id), None)
    return ev.smap.sources.get(key) if key else None


def _is_lay(ev: _Evidence, source: Source) -> bool:
    found = _found(ev, source)
    return bool(found) and found.head in lx.LAY_HEADS


def _lede_source_ids(ev: _Evidence) -> set[str]:
    """Sources of the headline and the first two sentences of the body."""
    body = [s for s in ev.sentences if not s.is_headline][:2]
    heads = [s for s in ev.sentences if s.is_headline]
    return {ev.ids[k] for s in heads + body for k in ev.smap.by_sentence.get(s.index, [])
            if k in ev.ids}


def _is_study(name: str) -> bool:
    return any(re.search(rf"\b{head}\b", name, re.I) for head in lx.STUDY_HEADS)


def ev_kind(sources: list[Source], source_id: str | None) -> str | None:
    return next((s.kind for s in sources if s.id == source_id), None)


def _is_vague(smap: SourceMap, source: Source) -> bool:
    found = next((f for f in smap.sources.values() if f.mention == source.mention), None)
    if not found:
        return False
    if found.head not in lx.VAGUE_AUTHORITY_HEADS and not (
            found.head.endswith(("ologists", "ists", "icians")) and found.head not in lx.LAY_HEADS):
        return False
    # "Experts", "industry analysts", "one nutritionist": a field, never a who.
    # "two officials involved in the talks" or "analysts at Barclays" say who they are.
    words = [w.lower() for w in re.findall(r"[\w’'\-]+", source.mention)]
    qualified = lx.QUALIFIERS.search(source.mention) or re.search(
        r"\b(?:involved|close|familiar|briefed|working|who|with|at|from|of|in|on|for)\b",
        source.mention, re.I)
    return not qualified and len(words) <= 4


def _emotive_signals(text: str) -> list[str]:
    signals: list[str] = []
    caps = [w for w in re.findall(r"\b[A-Z]{3,}\b", text)
            if w not in {"BBC", "CNN", "NATO", "NHS", "USA", "ONS", "CEO", "EU", "UK", "US",
                         "FBI", "CIA", "KGB", "UN", "WHO", "GDP", "COVID", "AFP", "NASA"}]
    if len(caps) >= 2:
        signals.append("capitals (" + ", ".join(dict.fromkeys(caps[:3])) + ")")
    if re.search(r"!{2,}|[!?]{3,}", text):
        signals.append("repeated exclamation marks")
    if re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", text):
        signals.append("emoji")
    words = list(dict.fromkeys(m.group(0).lower() for m in lx.EMOTIVE_WORDS.finditer(text)))
    signals.extend(f"“{w}”" for w in words[:3])
    if len(words) >= 2 and not signals[: -len(words[:3])]:
        pass
    return signals


def _headline_support(ev: _Evidence) -> str | None:
    """When the lede rests only on anonymous or relayed sources, the headline does too."""
    headline = " ".join(s.text for s in ev.sentences if s.is_headline)
    if not headline or len(re.findall(r"[\w’']+", headline)) < 4:
        return None
    # A headline that names its source ("..., state media says") does not overclaim.
    if re.search(r"\b(?:sources? say|reports? say|reportedly|claims?|according to|rumou?r)|"
                 r",\s*(?:[\w’'\-]+\s+){1,4}(?:says|said|reports|reported|claims|warns|shows|finds)\s*$",
                 headline, re.I):
        return None
    return _lede_support(ev, headline=True)


def _lede_support(ev: _Evidence, *, headline: bool) -> str | None:
    body = [s for s in ev.sentences if not s.is_headline]
    for sentence in body[:2]:
        keys = ev.smap.by_sentence.get(sentence.index, [])
        if not keys:
            continue
        found = [ev.smap.sources[k] for k in keys if k in ev.smap.sources]
        kinds = {f.kind for f in found}
        if kinds & _ON_RECORD or any(f.kind == "document" and f.identified for f in found):
            return None
        if kinds <= {"anonymous", "outlet"}:
            anon = [f for f in found if f.kind == "anonymous"]
            via = next((ev.smap.sources[f.via_key].name for f in found
                        if f.via_key and f.via_key in ev.smap.sources), None)
            subject = "The headline claim" if headline else "The main claim"
            return _rests_on(subject, anon, [f for f in found if f.kind == "outlet"], via, ev)
        return None
    return None


def _rests_on(subject: str, anon: list[Found], outlets: list[Found], via: str | None,
              ev: _Evidence) -> str:
    if anon:
        plural = anon[0].head in {"people", "staff", "police"} or (
            anon[0].head.endswith("s") and not anon[0].head.endswith("ss"))
        count = ("anonymous sources" if plural else "one anonymous source") if len(anon) == 1 \
            else f"{len(anon)} anonymous sources"
        phrase = f"{subject} rests on {count} (“{anon[0].mention}”)"
        relay = via or _later_via(anon[0], ev)
        if relay:
            phrase += f", relayed from {relay}"
        return phrase + "."
    names = ", ".join(o.name for o in outlets)
    return f"{subject} rests on other outlets' reports ({names})."


def _later_via(source: Found, ev: _Evidence) -> str | None:
    if source.via_key and source.via_key in ev.smap.sources:
        return ev.smap.sources[source.via_key].name
    return None


# --- rating, summary, next steps ---------------------------------------------

_FLAG_WEIGHTS = {
    "call_to_action": 1.0, "headline_not_supported": 0.5, "relayed_report": 0.5,
    "rumour_language": 0.5, "vague_authority": 0.5, "unidentified_study": 0.5,
    "unsourced_claims": 0.5, "emotive_language": 0.5, "aggregator_copy": 0.5,
    "single_source": 0.5, "anonymous_sourcing": 0.25, "no_byline": 0.25, "no_date": 0.25,
}


# Flags about sourcing often describe one weakness from several sides (an anonymous source,
# relayed by another outlet, carrying the headline): the worst counts, the rest a little.
_SOURCING_FLAGS = {"anonymous_sourcing", "relayed_report", "headline_not_supported",
                   "single_source", "vague_authority", "unidentified_study", "unsourced_claims"}


def _flag_penalty(flags: list[RedFlag]) -> float:
    sourcing = sorted((_FLAG_WEIGHTS.get(f.code, 0.5) for f in flags if f.code in _SOURCING_FLAGS),
                      reverse=True)
    other = sum(_FLAG_WEIGHTS.get(f.code, 0.5) for f in flags if f.code not in _SOURCING_FLAGS)
    if not sourcing:
        return other
    return other + min(1.0, sourcing[0] + 0.25 * (len(sourcing) - 1))


def _on_record(source: Source) -> bool:
    return source.kind in _ON_RECORD or (
        source.kind == "document" and not source.name.startswith("unidentified"))


def _rating(sources: list[Source], claims: list[Claim], flags: list[RedFlag]) -> Rating:
    """1-5 from what the claims rest on, less the red flags.

    The base is the share of claims a reader can trace to a named, on-record source (a
    claim resting only on another outlet counts half: the report exists but is second-hand),
    minus the share that cannot be checked at all; each red flag then costs a little, a call
    to action the most. Anonymous sourcing costs little on its own: good reporting uses it.
    """
    by_id = {s.id: s for s in sources}
    total = len(claims) or 1
    on_record = sum(any(_on_record(by_id[i]) for i in c.source_ids if i in by_id) for c in claims)
    relayed = sum(bool(c.source_ids) and all(by_id[i].kind == "outlet" for i in c.source_ids
                                             if i in by_id) for c in claims)
    unverifiable = sum(c.verifiability == "unverifiable" for c in claims)
    share = (on_record + 0.5 * relayed) / total
    score = 2.5 + 2.5 * share - 1.0 * unverifiable / total
    if not sources:
        score -= 0.5
    score -= _flag_penalty(flags)
    # One or two voices cannot make a story "high": the ceiling rises with independent,
    # on-record sources, and a text too short to carry evidence stays at "mixed" at best.
    independent = len({s.id for s in sources if _on_record(s)})
    score = min(score, 3 + independent, 5)
    if len(claims) < 2:
        score = min(score, 3)
    final = max(1, min(5, int(score + 0.5 + 1e-9)))

    good: list[str] = []
    bad: list[str] = []
    if claims and on_record:
        good.append(f"{on_record} of {len(claims)} claims rest on named, on-record sources")
    elif claims:
        bad.append("no claim rests on a named, on-record source")
    if relayed:
        bad.append(f"{relayed} only on another outlet's report")
    if unverifiable:
        bad.append(f"{unverifiable} cannot be checked")
    if not sources:
        bad.append("no sources at all")
    worst = [f.code.replace("_", " ") for f in sorted(
        flags, key=lambda f: -_FLAG_WEIGHTS.get(f.code, 0.5))]
    if worst:
        bad.insert(0, "red flags: " + ", ".join(worst[:3]))
    # Lead with what decides the score: the weaknesses when it is low, the strengths when high.
    reasons = bad + good if final <= 3 else good + bad
    text = "; ".join(reasons) + "." if reasons else "Too little text to judge."
    return Rating.from_score(final, text[0].upper() + text[1:])


def _summary(ev: _Evidence, sources: list[Source], claims: list[Claim],
             flags: list[RedFlag]) -> str:
    """Most important finding first: what the main claim rests on."""
    parts: list[str] = []
    finding = next((f.detail for f in flags if f.code == "headline_not_supported"), None)
    finding = finding or _lede_support(ev, headline=False)
    anonymous = [s for s in sources if s.kind == "anonymous"]
    on_record = [s for s in sources if s.kind in _ON_RECORD
                 or s.kind == "document" and not s.name.startswith("unidentified")]
    outlets = [s for s in sources if s.kind == "outlet"]
    if finding:
        parts.append(finding)
    elif not sources:
        parts.append("The text names no source for any of its claims.")
    elif anonymous and not on_record:
        parts.append("Every source is unnamed (" + ", ".join(
            "“" + s.mention + "”" for s in anonymous[:2]) + ").")
    elif len(outlets) > len(on_record):
        parts.append("The story rests mainly on other outlets' reports ("
                     + ", ".join(o.name for o in outlets[:3]) + ").")
    elif len(anonymous) > len(on_record):
        parts.append(f"The article leans on {len(anonymous)} unnamed sources and "
                     f"{len(on_record)} named ones.")
    elif anonymous:
        parts.append(f"Mostly named, on-record sources, but {len(anonymous)} "
                     f"unnamed: " + ", ".join("“" + s.mention + "”" for s in anonymous[:2]) + ".")
    else:
        parts.append("Its claims are attributed to named, on-record sources.")
    checkable = [s for s in sources if s.kind in _ON_RECORD and any(
        s.id in c.source_ids and c.verifiability == "verifiable" for c in claims)]
    if checkable:
        parts.append("Checkable, attributed statements: "
                     + ", ".join(s.name for s in checkable[:5]) + ".")
    rumours = next((f.detail for f in flags if f.code == "rumour_language"), None)
    if rumours:
        parts.append(rumours)
    return " ".join(parts)


def _short(source: Source) -> str:
    if source.kind == "named_person":
        return source.name
    return source.name


_VENUE = re.compile(
    r"\b(?:at|to|told|before|during|in)\s+((?:a|an|the|his|her|their)\s+(?:[\w’'\-]+\s+){0,6}?"
    r"(?:conference|hearing|meeting|press conference|summit|rally|interview|debate|committee|"
    r"briefing|speech|trial|inquiry|court|parliament|session|podcast|programme|show)"
    r"(?:\s+of\s+the\s+(?:[\w’'\-]+\s+){0,3}?(?:conference|committee|parliament|assembly|union)"
    r"|\s+(?:of|on|with|in)\s+(?:the\s+)?(?-i:[A-Z][\w’'\-]*)(?:\s+(?-i:[A-Z][\w’'\-]*)){0,3})?)"
    r"\b", re.I)


def _venue(ev: _Evidence, source: Source) -> str | None:
    """Where a named person spoke ('a fringe meeting of the Tory party conference'), if said."""
    key = next((k for k, v in ev.ids.items() if v == source.id), None)
    for sentence in ev.sentences:
        if key in ev.smap.by_sentence.get(sentence.index, []):
            match = _VENUE.search(sentence.text)
            if match:
                return re.sub(r"^(?:a|an|his|her|their)\s+", "the ", match.group(1))
    return None


def _next_steps(ev: _Evidence, sources: list[Source], claims: list[Claim],
                flags: list[RedFlag]) -> list[str]:
    """Two to four lateral-reading steps, the one that tests the main claim first."""
    steps: list[str] = []
    codes = {f.code for f in flags}
    by_id = {s.id: s for s in sources}
    for source in sources:
        if source.kind == "anonymous" and source.via and by_id.get(source.via):
            steps.append(f"Find the original {_bare(by_id[source.via].name)} report and see how it "
                         f"describes “{source.mention}”; look for anyone confirming it on record.")
            break
    outlets = [s for s in sources if s.kind == "outlet" and not any(
        x.via == s.id for x in sources)]
    if outlets:
        steps.append("Read the original reports (" + ", ".join(o.name for o in outlets[:3])
                     + ") and check who they rely on.")
    named = [s for s in sources if s.kind == "named_person" and any(
        s.id in c.source_ids for c in claims)]
    placed = [(s, _venue(ev, s)) for s in named]
    with_venue = next(((s, v) for s, v in placed if v), None)
    if with_venue:
        person, venue = with_venue
        others = [s.name for s in named if s.id != person.id][:2]
        steps.append(f"Check {person.name}'s remarks at {venue} in other coverage"
                     + (f", and what {', '.join(others)} said" if others else "") + ".")
    elif named:
        steps.append("Check what " + ", ".join(s.name for s in named[:3])
                     + " actually said in other coverage or transcripts.")
    if "unidentified_study" in codes:
        steps.append("Find the study itself: authors, journal, sample size, and whether it "
                     "shows cause or only correlation.")
    if "call_to_action" in codes:
        steps.append("Don't share or act on it until an official source confirms it.")
    if "anonymous_sourcing" in codes and not any("on record" in s for s in steps):
        steps.append("Look for the same story from outlets that name their sources.")
    posts = [s for s in sources if s.kind == "social_media"]
    if posts:
        steps.append(f"Find the original post ({posts[0].name}) and check who runs the account "
                     "and when it was posted.")
    docs = [s for s in sources if s.kind == "document" and not s.name.startswith("unidentified")]
    if docs:
        steps.append(f"Find the document itself ({_doc_name(docs[0].name)}) and compare it with "
                     "the article's figures.")
    steps = list(dict.fromkeys(steps))[:3]
    steps.append("Search for the headline claim on established news sites; if no one else "
                 "reports it, treat it as unconfirmed.")
    return steps
