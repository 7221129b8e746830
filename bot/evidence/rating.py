"""The 1-5 rating, computed from what the claims rest on and the red flags raised."""

from __future__ import annotations


from ..models import Claim, Rating, RedFlag, Source
from .context import is_on_record

_FLAG_WEIGHTS = {
    "call_to_action": 1.0,
    "headline_not_supported": 0.5,
    "relayed_report": 0.5,
    "rumour_language": 0.5,
    "vague_authority": 0.5,
    "unidentified_study": 0.5,
    "unsourced_claims": 0.5,
    "emotive_language": 0.5,
    "aggregator_copy": 0.5,
    "single_source": 0.5,
    "anonymous_sourcing": 0.25,
    "no_byline": 0.25,
    "no_date": 0.25,
}


_SOURCING_FLAGS = {
    "anonymous_sourcing", "relayed_report", "headline_not_supported", "single_source",
    "vague_authority", "unidentified_study", "unsourced_claims",
}


def _flag_penalty(flags: list[RedFlag]) -> float:
    sourcing = sorted(
        (_FLAG_WEIGHTS.get(f.code, 0.5) for f in flags if f.code in _SOURCING_FLAGS), reverse=True
    )
    other = sum(_FLAG_WEIGHTS.get(f.code, 0.5) for f in flags if f.code not in _SOURCING_FLAGS)
    if not sourcing:
        return other
    return other + min(1.0, sourcing[0] + 0.25 * (len(sourcing) - 1))


def rate(sources: list[Source], claims: list[Claim], flags: list[RedFlag]) -> Rating:
    """1-5 from what the claims rest on, less the red flags.

    The base is the share of claims a reader can trace to a named, on-record source (a
    claim resting only on another outlet counts half: the report exists but is second-hand),
    minus the share that cannot be checked at all; each red flag then costs a little, a call
    to action the most. Anonymous sourcing costs little on its own: good reporting uses it.
    """
    by_id = {s.id: s for s in sources}
    total = len(claims) or 1
    on_record = sum(any(is_on_record(by_id[i]) for i in c.source_ids if i in by_id) for c in claims)
    relayed = sum(
        bool(c.source_ids) and all(by_id[i].kind == "outlet" for i in c.source_ids if i in by_id)
        for c in claims
    )
    unverifiable = sum(c.verifiability == "unverifiable" for c in claims)
    share = (on_record + 0.5 * relayed) / total
    score = 2.5 + 2.5 * share - 1.0 * unverifiable / total
    if not sources:
        score -= 0.5
    score -= _flag_penalty(flags)
    # One or two voices cannot make a story "high": the ceiling rises with independent,
    # on-record sources, and a text too short to carry evidence stays at "mixed" at best.
    independent = len({s.id for s in sources if is_on_record(s)})
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
    worst = [
        f.code.replace("_", " ")
        for f in sorted(flags, key=lambda f: -_FLAG_WEIGHTS.get(f.code, 0.5))
    ]
    if worst:
        bad.insert(0, "red flags: " + ", ".join(worst[:3]))
    # Lead with what decides the score: the weaknesses when it is low, the strengths when high.
    reasons = bad + good if final <= 3 else good + bad
    text = "; ".join(reasons) + "." if reasons else "Too little text to judge."
    return Rating.from_score(final, text[0].upper() + text[1:])
