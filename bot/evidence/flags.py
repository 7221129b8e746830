"""Red flags: the weaknesses a careful reader would name, each with its evidence."""

from __future__ import annotations

import re

from ..models import Claim, RedFlag, Source
from . import lexicon as lx
from .context import (
    ON_RECORD,
    Evidence,
    is_lay,
    is_study,
    is_vague,
    kinds_by_id,
    lede_source_ids,
)
from .hedges import is_rumour
from .sources import Found


def red_flags(ev: Evidence, sources: list[Source], claims: list[Claim]) -> list[RedFlag]:
    flags: list[RedFlag] = []
    text = ev.article.text
    by_kind: dict[str, list[Source]] = {}
    for source in sources:
        by_kind.setdefault(source.kind, []).append(source)
    anonymous = by_kind.get("anonymous", [])

    def add(code: str, detail: str) -> None:
        if code not in {f.code for f in flags}:
            flags.append(RedFlag(code=code, detail=detail))

    headline = _headline_support(ev)
    if headline:
        add("headline_not_supported", headline)
    lede_ids = lede_source_ids(ev)
    # Unnamed bystanders (a neighbour, witnesses) are ordinary reporting unless the story
    # rests on them; unnamed insiders, officials and experts always deserve the flag.
    # Plural appeals to a field ("experts say") are vague authority, flagged on their own.
    telling = [
        s for s in anonymous if (not is_lay(ev, s) or s.id in lede_ids) and not is_vague(ev, s)
    ]
    if telling:
        names = ", ".join(f"“{s.mention}”" for s in telling[:3])
        add(
            "anonymous_sourcing",
            f"{len(telling)} unnamed source{'s' if len(telling) > 1 else ''}: {names}.",
        )
    kind_of = kinds_by_id(sources)
    relayed = [s for s in telling if s.via and kind_of.get(s.via) == "outlet"]
    outlet_claims = [
        c
        for c in claims
        if c.source_ids and all(kind_of.get(sid) == "outlet" for sid in c.source_ids)
    ]
    # Citing another outlet in passing ("TMZ first reported the lawsuit") is normal; the flag
    # is for stories whose lede, or most of whose claims, are someone else's reporting.
    lede_quotes = {s.text for s in [s for s in ev.sentences if not s.is_headline][:2]}
    lede_relayed = any(c.quote in lede_quotes or c.hedges for c in outlet_claims)
    if relayed or lede_relayed or (outlet_claims and len(outlet_claims) * 2 >= len(claims)):
        outlets = sorted({s.name for s in by_kind.get("outlet", [])})
        add(
            "relayed_report",
            "Key claims are relayed from other outlets (" + ", ".join(outlets) + ") rather "
            "than reported first-hand.",
        )
    # "X claimed" is attribution with distance; "claims that ..." with no one behind it, and
    # "reportedly", "rumoured", "said to be", are hearsay.
    rumours = [
        m
        for index, markers in sorted(ev.hedges_by_sentence.items())
        for m in markers
        if is_rumour(m) and not (re.match(r"claim", m, re.I) and ev.smap.by_sentence.get(index))
    ]
    if rumours:
        add(
            "rumour_language",
            "Rumour wording: " + ", ".join(dict.fromkeys(r.lower() for r in rumours)) + ".",
        )
    vague = [s for s in anonymous if is_vague(ev, s)]
    if vague:
        add(
            "vague_authority",
            "Appeals to unnamed authorities: "
            + ", ".join(f"“{s.mention}”" for s in vague[:3])
            + ".",
        )
    studies = [
        s
        for s in by_kind.get("document", [])
        if s.name.startswith("unidentified") and is_study(s.name)
    ]
    if studies:
        add(
            "unidentified_study",
            "A study or report is cited without its name, authors or publisher.",
        )
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
        add(
            "aggregator_copy",
            f"Syndication or aggregator boilerplate: “{boiler.group(0).strip()}”.",
        )
    if ev.article.url:
        if not ev.article.author:
            add("no_byline", "The page names no author.")
        if not ev.article.published:
            add("no_date", "The page gives no publication date.")
    return flags


# Capitalised words that are names, not shouting.
_ACRONYMS = set(
    "BBC CNN NATO NHS USA ONS CEO EU UK US FBI CIA KGB UN WHO GDP COVID AFP NASA ITV ESPN TMZ "
    "IMF ECB AI LSEG MP MPS SNP DUP ANC".split()
)


def _emotive_signals(text: str) -> list[str]:
    """Shouting, stacked punctuation, emoji and loaded words, each listed once."""
    signals: list[str] = []
    caps = [w for w in re.findall(r"\b[A-Z]{3,}\b", text) if w not in _ACRONYMS]
    if len(caps) >= 2:
        signals.append("capitals (" + ", ".join(dict.fromkeys(caps[:3])) + ")")
    if re.search(r"!{2,}|[!?]{3,}", text):
        signals.append("repeated exclamation marks")
    if re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", text):
        signals.append("emoji")
    words = list(dict.fromkeys(m.group(0).lower() for m in lx.EMOTIVE_WORDS.finditer(text)))
    signals.extend(f"“{w}”" for w in words[:3])
    return signals


def _headline_support(ev: Evidence) -> str | None:
    """When the lede rests only on anonymous or relayed sources, the headline does too."""
    headline = " ".join(s.text for s in ev.sentences if s.is_headline) or (ev.article.title or "")
    if not headline or len(re.findall(r"[\w’']+", headline)) < 4:
        return None
    # A headline that names its source ("..., state media says") does not overclaim.
    if re.search(
        r"\b(?:sources? say|reports? say|reportedly|claims?|according to|rumou?r)|"
        r",\s*(?:[\w’'\-]+\s+){1,4}"
        r"(?:says|said|reports|reported|claims|warns|shows|finds)\s*$",
        headline,
        re.I,
    ):
        return None
    return lede_support(ev, headline=True)


def lede_support(ev: Evidence, *, headline: bool) -> str | None:
    body = [s for s in ev.sentences if not s.is_headline]
    for sentence in body[:2]:
        keys = ev.smap.by_sentence.get(sentence.index, [])
        if not keys:
            continue
        found = [ev.smap.sources[k] for k in keys if k in ev.smap.sources]
        kinds = {f.kind for f in found}
        if kinds & ON_RECORD or any(f.kind == "document" and f.identified for f in found):
            return None
        if kinds <= {"anonymous", "outlet"}:
            anon = [f for f in found if f.kind == "anonymous"]
            via = next(
                (
                    ev.smap.sources[f.via_key].name
                    for f in found
                    if f.via_key and f.via_key in ev.smap.sources
                ),
                None,
            )
            subject = "The headline claim" if headline else "The main claim"
            return _rests_on(subject, anon, [f for f in found if f.kind == "outlet"], via, ev)
        return None
    return None


def _rests_on(
    subject: str, anon: list[Found], outlets: list[Found], via: str | None, ev: Evidence
) -> str:
    if anon:
        plural = anon[0].head in {"people", "staff", "police"} or (
            anon[0].head.endswith("s") and not anon[0].head.endswith("ss")
        )
        count = (
            ("anonymous sources" if plural else "one anonymous source")
            if len(anon) == 1
            else f"{len(anon)} anonymous sources"
        )
        phrase = f"{subject} rests on {count} (“{anon[0].mention}”)"
        relay = via or _later_via(anon[0], ev)
        if relay:
            phrase += f", relayed from {relay}"
        return phrase + "."
    names = ", ".join(o.name for o in outlets)
    return f"{subject} rests on other outlets' reports ({names})."


def _later_via(source: Found, ev: Evidence) -> str | None:
    if source.via_key and source.via_key in ev.smap.sources:
        return ev.smap.sources[source.via_key].name
    return None
