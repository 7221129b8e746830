"""The summary (most important finding first) and the next steps a reader can take."""

from __future__ import annotations

import re

from ..models import Claim, RedFlag, Source
from .context import ON_RECORD, Evidence, bare_outlet, doc_name
from .flags import lede_support


def summarise(
    ev: Evidence, sources: list[Source], claims: list[Claim], flags: list[RedFlag]
) -> str:
    """Most important finding first: what the main claim rests on."""
    parts: list[str] = []
    finding = next((f.detail for f in flags if f.code == "headline_not_supported"), None)
    finding = finding or lede_support(ev, headline=False)
    anonymous = [s for s in sources if s.kind == "anonymous"]
    on_record = [
        s
        for s in sources
        if s.kind in ON_RECORD or s.kind == "document" and not s.name.startswith("unidentified")
    ]
    outlets = [s for s in sources if s.kind == "outlet"]
    if finding:
        parts.append(finding)
    elif not sources:
        parts.append("The text names no source for any of its claims.")
    elif anonymous and not on_record:
        parts.append(
            "Every source is unnamed ("
            + ", ".join("“" + s.mention + "”" for s in anonymous[:2])
            + ")."
        )
    elif len(outlets) > len(on_record):
        parts.append(
            "The story rests mainly on other outlets' reports ("
            + ", ".join(o.name for o in outlets[:3])
            + ")."
        )
    elif len(anonymous) > len(on_record):
        parts.append(
            f"The article leans on {len(anonymous)} unnamed sources and "
            f"{len(on_record)} named ones."
        )
    elif anonymous:
        parts.append(
            f"Mostly named, on-record sources, but {len(anonymous)} "
            f"unnamed: " + ", ".join("“" + s.mention + "”" for s in anonymous[:2]) + "."
        )
    else:
        parts.append("Its claims are attributed to named, on-record sources.")
    verifiable = {i for c in claims if c.verifiability == "verifiable" for i in c.source_ids}
    checkable = [s for s in sources if s.kind in ON_RECORD and s.id in verifiable]
    if checkable:
        parts.append(
            "Checkable, attributed statements: " + ", ".join(s.name for s in checkable[:5]) + "."
        )
    rumours = next((f.detail for f in flags if f.code == "rumour_language"), None)
    if rumours:
        parts.append(rumours)
    return " ".join(parts)


_VENUE = re.compile(
    r"\b(?:at|to|told|before|during|in)\s+((?:a|an|the|his|her|their)\s+(?:[\w’'\-]+\s+){0,6}?"
    r"(?:conference|hearing|meeting|press conference|summit|rally|interview|debate|committee|"
    r"briefing|speech|trial|inquiry|court|parliament|session|podcast|programme|show)"
    r"(?:\s+of\s+the\s+(?:[\w’'\-]+\s+){0,3}?(?:conference|committee|parliament|assembly|union)"
    r"|\s+(?:of|on|with|in)\s+(?:the\s+)?(?-i:[A-Z][\w’'\-]*)(?:\s+(?-i:[A-Z][\w’'\-]*)){0,3})?)"
    r"\b",
    re.I,
)


def _venue(ev: Evidence, source: Source) -> str | None:
    """Where a named person spoke ('a fringe meeting of the Tory party conference'), if said."""
    key = ev.key_of.get(source.id)
    for sentence in ev.sentences_of.get(key, []) if key else []:
        match = _VENUE.search(sentence.text)
        if match:
            return re.sub(r"^(?:a|an|his|her|their)\s+", "the ", match.group(1))
    return None


def next_steps(
    ev: Evidence, sources: list[Source], claims: list[Claim], flags: list[RedFlag]
) -> list[str]:
    """Two to four lateral-reading steps, the one that tests the main claim first."""
    steps: list[str] = []
    codes = {f.code for f in flags}
    by_id = {s.id: s for s in sources}
    for source in sources:
        if source.kind == "anonymous" and source.via and by_id.get(source.via):
            outlet = bare_outlet(by_id[source.via].name)
            steps.append(
                f"Find the original {outlet} report and see how it "
                f"describes “{source.mention}”; look for anyone confirming it on record."
            )
            break
    relays = {s.via for s in sources if s.via}
    outlets = [s for s in sources if s.kind == "outlet" and s.id not in relays]
    if outlets:
        steps.append(
            "Read the original reports ("
            + ", ".join(o.name for o in outlets[:3])
            + ") and check who they rely on."
        )
    claimed = {i for c in claims for i in c.source_ids}
    named = [s for s in sources if s.kind == "named_person" and s.id in claimed]
    placed = [(s, _venue(ev, s)) for s in named]
    with_venue = next(((s, v) for s, v in placed if v), None)
    if with_venue:
        person, venue = with_venue
        others = [s.name for s in named if s.id != person.id][:2]
        steps.append(
            f"Check {person.name}'s remarks at {venue} in other coverage"
            + (f", and what {', '.join(others)} said" if others else "")
            + "."
        )
    elif named:
        steps.append(
            "Check what "
            + ", ".join(s.name for s in named[:3])
            + " actually said in other coverage or transcripts."
        )
    if "unidentified_study" in codes:
        steps.append(
            "Find the study itself: authors, journal, sample size, and whether it "
            "shows cause or only correlation."
        )
    if "call_to_action" in codes:
        steps.append("Don't share or act on it until an official source confirms it.")
    if "anonymous_sourcing" in codes and not any("on record" in s for s in steps):
        steps.append("Look for the same story from outlets that name their sources.")
    posts = [s for s in sources if s.kind == "social_media"]
    if posts:
        steps.append(
            f"Find the original post ({posts[0].name}) and check who runs the account "
            "and when it was posted."
        )
    docs = [s for s in sources if s.kind == "document" and not s.name.startswith("unidentified")]
    if docs:
        steps.append(
            f"Find the document itself ({doc_name(docs[0].name)}) and compare it with "
            "the article's figures."
        )
    if ev.article.forwarded_from:
        steps.insert(
            0,
            f"Look up where it was forwarded from ({ev.article.forwarded_from}): who "
            "runs it, and whether it names its sources elsewhere.",
        )
    steps = list(dict.fromkeys(steps))[:3]
    steps.append(
        "Search for the headline claim on established news sites; if no one else "
        "reports it, treat it as unconfirmed."
    )
    return steps
