"""Claim candidates: sentences that carry an attribution, a number, a date or a hedge.

Each claim says who makes it, how far a reader can check it, and how (lateral reading).
"""

from __future__ import annotations

import re

from ..models import Claim, Verifiability
from . import lexicon as lx
from .context import ON_RECORD, Evidence, bare_outlet, doc_name
from .hedges import is_rumour
from .segment import Sentence
from .sources import Found

_MAX_CLAIMS = 20


def find_claims(ev: Evidence) -> list[Claim]:
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


def _is_assertion(sentence: Sentence, ev: Evidence) -> bool:
    """A statement of fact: not a question, a command, boilerplate or a two-word shout."""
    text = sentence.text
    if sentence.index in ev.boilerplate or text.rstrip().endswith("?"):
        return False
    if lx.CALL_TO_ACTION.search(text) or len(re.findall(r"[\w’']+", text)) < 4:
        return False
    first = re.findall(r"[\w’']+", text)[0].lower()
    return first not in {
        "please", "share", "do", "don’t", "don't", "read", "click", "follow", "subscribe",
        "forward", "send", "tell", "stop", "check",
    }


def _is_comment_refusal(text: str) -> bool:
    return bool(
        re.search(
            r"declined to (?:immediately )?comment|(?:did|has|have) not (?:immediately )?"
            r"(?:respond|responded|reply|replied|return)|could not (?:immediately )?be reached|"
            r"refused to comment|would not comment|no (?:immediate )?response",
            text,
            re.I,
        )
    )


_ATTRIBUTION_TAIL = re.compile(
    r"[,’”\"']\s*(?:[^,’”\"']{1,80}?)\s+(?:has\s+|have\s+)?(?:(?:said|says|added|warned|claimed|"
    r"reported|reports|wrote|insisted|confirmed)|told\s+(?:the\s+)?(?:reporters|journalists|"
    r"[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*))(?:\s+(?:on|in|at|this|last|earlier|later|yesterday|"
    r"today)\b[^,’”\"']{0,40})?[.!?]?[’”\"']?$"
)


_ATTRIBUTION_LEAD = re.compile(
    r"^(?:[^,’”\"']{1,80}?)\s+(?:has\s+|have\s+)?(?:(?:said|says|warned|claimed|added|confirmed|"
    r"insisted|told\s+(?:reporters|journalists|[A-Z][\w’']*(?:\s+[A-Z][\w’']*)*))\s+(?:that\s+)?|"
    r"told\s+[^,’”\"']{1,60}?\s+that\s+)(?=\S)"
)


def _claim_text(sentence: str, sources: list[Found], ev: Evidence) -> str:
    """The claim without its attribution, then who makes it: 'X could happen (a source, via Y)'."""
    text = re.sub(r"\s+", " ", sentence).strip()
    content = text
    tail = _ATTRIBUTION_TAIL.search(text)
    lead = _ATTRIBUTION_LEAD.match(text)
    if sources and tail and len(text[: tail.start()].split()) >= 5:
        content = (
            text[: tail.start() + 1].rstrip(",")
            if text[tail.start()] in "’”\"'"
            else text[: tail.start()]
        )
    elif sources and lead and len(text[lead.end() :].split()) >= 4:
        content = text[lead.end() :]
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


def _verifiability(
    sentence: Sentence, sources: list[Found], markers: list[str]
) -> Verifiability:
    """Can a reader check this? On-record and factual: yes; anonymous: partly; rumour: no."""
    kinds = {s.kind for s in sources}
    rumour = any(is_rumour(m) for m in markers)
    speculative = _leading_modal(sentence.text) or bool(
        re.search(r"\b(?:most|more) likely\b(?! to)|\blikely to\b", sentence.text, re.I)
    )
    hedged = [m for m in markers if not _APPROXIMATE.match(m)]
    on_record = kinds & ON_RECORD or any(s.kind == "document" and s.identified for s in sources)
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
    return any(
        w in {"could", "may", "might"} or (i == 0 and w in {"Could", "Might"})
        for i, w in enumerate(words)
    )


def _check(
    sentence: Sentence, sources: list[Found], markers: list[str], verifiability: str, ev: Evidence
) -> str:
    by_kind = {s.kind: s for s in sources}
    outlet = _via_outlet(sources, ev)
    if "anonymous" in by_kind and outlet:
        return (
            f"Find the original {bare_outlet(outlet.name)} report; look for a named, "
            "on-record source confirming it."
        )
    if "anonymous" in by_kind:
        return "Look for on-record confirmation from a named person or the organisation involved."
    if "outlet" in by_kind:
        return (
            f"Read the {bare_outlet(by_kind['outlet'].name)} report itself and see who it "
            "relies on."
        )
    if "document" in by_kind:
        doc = by_kind["document"]
        if not doc.identified:
            return "Find the study itself (authors, journal, sample) before trusting the figure."
        return f"Find the document itself ({doc_name(doc.name)}) and check the figure."
    if "social_media" in by_kind:
        return f"Find the original post ({by_kind['social_media'].name}) and check the account."
    if "named_person" in by_kind:
        person = by_kind["named_person"]
        return f"Search for {person.name}'s own words in other coverage or a transcript."
    if "named_org" in by_kind:
        org = by_kind["named_org"]
        return f"Check {org.name}'s own statements or publications."
    if any(is_rumour(m) for m in markers):
        return "Treat as rumour until a named source confirms it."
    if lx.NUMBER.search(sentence.text) or lx.DATE.search(sentence.text):
        return "Check the figure or date against an official or independent source."
    return "Look for the same claim in independent coverage."


def _via_outlet(sources: list[Found], ev: Evidence) -> Found | None:
    for source in sources:
        if source.via_key and source.via_key in ev.smap.sources:
            return ev.smap.sources[source.via_key]
    return None
