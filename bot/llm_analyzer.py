"""The LLM analyzer: one structured call per article, turned into a `Report`.

The model sees the rubric in the system message and the article only in the user message,
between delimiter lines carrying a random token (so the article cannot close them), with the
offline evidence as hints. Its answer is validated against `LLMAnalysis`, then grounded.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Literal

from pydantic import BaseModel

import prompts

from .errors import LLMError
from .llm import LLMClient
from .models import (
    RED_FLAG_CODES,
    Article,
    Claim,
    Hedge,
    Rating,
    RedFlag,
    Report,
    Source,
    Usage,
)
from .tokens import count_tokens, truncate_article
from .untrusted import Fence, clean, defuse, fill

log = logging.getLogger(__name__)

RedFlagCode = Literal[
    "anonymous_sourcing", "single_source", "relayed_report", "rumour_language",
    "vague_authority", "unidentified_study", "unsourced_claims", "emotive_language",
    "call_to_action", "aggregator_copy", "no_byline", "no_date", "headline_not_supported",
]
Kind = Literal["named_person", "named_org", "anonymous", "outlet", "document", "social_media"]


class LLMSource(BaseModel):
    id: str
    name: str
    kind: Kind
    role: str | None
    mention: str
    via: str | None


class LLMClaim(BaseModel):
    id: str
    text: str
    quote: str
    source_ids: list[str]
    verifiability: Literal["verifiable", "partly", "unverifiable"]
    hedges: list[str]
    check: str


class LLMHedge(BaseModel):
    marker: str
    quote: str


class LLMRedFlag(BaseModel):
    code: RedFlagCode
    detail: str


class LLMRating(BaseModel):
    score: int  # 1-5; clamped on conversion (range keywords are not portable to every server)
    rationale: str


class LLMAnalysis(BaseModel):
    """What the model must return (strict JSON schema)."""

    summary: str
    rating: LLMRating
    claims: list[LLMClaim]
    sources: list[LLMSource]
    hedges: list[LLMHedge]
    red_flags: list[LLMRedFlag]
    next_steps: list[str]


# Bounds on what the prompt carries besides the article (which has its own token budget).
HINT_TOKENS = 1200
HINT_MENTION_CHARS = 80
HINT_MARKER_CHARS = 40
META_CHARS = {"Title": 300, "Site": 100, "Author": 150, "Published": 40}
LANGUAGE_CHARS = 16
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")


def article_block(article: Article, text: str) -> str:
    """What the model reads as the article: what the page says about itself, then the text.

    Title, site, author and date are the page's own words, as untrusted as the text, so they
    go inside the delimiters, each on one bounded line. The forward origin does not: it is
    chat data, not the article, and reports are shared between chats.
    """
    lines = []
    title = clean(article.title, META_CHARS["Title"])
    if title and not text.lstrip().startswith(title):
        lines.append(f"Title: {title}")
    for label, value in (("Site", article.site), ("Author", article.author),
                         ("Published", article.published)):
        value = clean(value, META_CHARS[label])
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines + ([""] if lines else []) + [text])


def delimited_article(article: Article, text: str, budget: int | None,
                      model: str = "gpt-4o-mini") -> str:
    """The article block, defused, and held to `budget` tokens when one is given (defusing
    can lengthen odd text past the budget the text was cut to)."""
    safe = defuse(article_block(article, text))
    if budget is not None and count_tokens(safe, model) > budget:
        safe, _ = truncate_article(safe, budget, model)
    return safe


def evidence_hints(evidence: Report, model: str = "gpt-4o-mini",
                   budget: int = HINT_TOKENS) -> str:
    """The offline reading, compact and bounded, so the model starts from what the rules found.

    It sits outside the delimiters, so it carries only what cannot steer: ids, kinds, rule
    codes, the rating, and the article's own short mentions and hedge words, each one line,
    clipped and defused, inside JSON strings. Sources past the token budget are left out.
    """
    def text(value: str, limit: int) -> str:
        return defuse(clean(value, limit))

    head: dict[str, object] = {
        "hedges": sorted({text(h.marker, HINT_MARKER_CHARS) for h in evidence.hedges})[:20],
        "red_flags": [f.code for f in evidence.red_flags if f.code in RED_FLAG_CODES],
        "rating": evidence.rating.score,
    }
    used = count_tokens(json.dumps(head, ensure_ascii=False), model)
    sources: list[dict[str, str]] = []
    for s in evidence.sources:
        item = {"id": s.id, "kind": s.kind, "mention": text(s.mention, HINT_MENTION_CHARS),
                **({"via": s.via} if s.via else {})}
        cost = count_tokens(json.dumps(item, ensure_ascii=False), model) + 1
        if used + cost > budget:
            break
        sources.append(item)
        used += cost
    return json.dumps({"sources": sources, **head}, ensure_ascii=False, separators=(",", ":"))


def reply_language(language: str) -> str:
    """A language code as the prompt may carry it (a tag, not free text), else "en"."""
    value = (language or "").strip()[:LANGUAGE_CHARS]
    return value if _LANGUAGE.fullmatch(value) else "en"


def build_messages(article: Article, text: str, evidence: Report, language: str, *,
                   article_tokens: int | None = None,
                   model: str = "gpt-4o-mini") -> list[dict[str, str]]:
    """System: the rubric only. User: reply language, hints, then the delimited article.

    The template is filled in one pass, so nothing the article says is read as a
    placeholder. With `article_tokens`, the delimited part is held to that many tokens
    even after defusing (which can lengthen odd text).
    """
    fence = Fence()
    safe = delimited_article(article, text, article_tokens, model)
    user = fill(prompts.load("user"), {
        "language": reply_language(language),
        "evidence": evidence_hints(evidence, model),
        "open_delimiter": fence.opening("ARTICLE"),
        "close_delimiter": fence.closing("ARTICLE"),
        "article": safe,
    })
    return [
        {"role": "system", "content": prompts.load("analyze")},
        {"role": "user", "content": user},
    ]


async def analyze_with_llm(article: Article, text: str, evidence: Report, client: LLMClient,
                           *, language: str, max_tokens: int) -> tuple[Report, Usage]:
    """The model's report for `text` (the article, already cut to budget), not yet grounded."""
    messages = build_messages(article, text, evidence, language,
                              article_tokens=client.settings.max_article_tokens,
                              model=client.model)
    log.info("LLM analysis: about %d prompt tokens, completion capped at %d",
             sum(count_tokens(m["content"], client.model) for m in messages), max_tokens)
    result, usage = await client.complete_json(messages, LLMAnalysis, max_tokens=max_tokens)
    try:
        return to_report(result, evidence, client.model, language), usage
    except Exception as exc:  # noqa: BLE001 - a bad answer falls back like any other
        raise LLMError("The AI model returned an answer that could not be read.",
                       detail=f"{type(exc).__name__}: {str(exc)[:300]}") from None


# How much of a model's answer reaches a report: what the card and its sections can show,
# with room to spare; the rest is clipped (lists keep their first, most important items).
MAX_CLAIMS, MAX_SOURCES, MAX_HEDGES, MAX_NEXT_STEPS, MAX_CLAIM_HEDGES = 12, 24, 20, 6, 6
LIMITS = {"name": 120, "role": 160, "mention": 300, "quote": 600, "text": 400, "check": 400,
          "detail": 300, "rationale": 400, "summary": 1000, "next_step": 300, "marker": 80}


def to_report(result: LLMAnalysis, evidence: Report, model: str, language: str) -> Report:
    """Renumber ids (s1.., c1..), keep only references that point somewhere real, and clean
    every string the model wrote (no control or bidi-override characters, bounded lengths).

    The article info comes from the evidence (the model never sees or sets it).
    """
    source_ids: dict[str, str] = {}
    for s in result.sources:
        if len(source_ids) < MAX_SOURCES:
            source_ids.setdefault(s.id, f"s{len(source_ids) + 1}")
    sources: list[Source] = []
    for s in result.sources:
        own = source_ids.get(s.id)
        if own is None or any(x.id == own for x in sources):
            continue  # past the cap, or a repeated id (the first one wins)
        mention = clean(s.mention, LIMITS["mention"])
        via = source_ids.get(s.via) if s.via else None
        sources.append(Source(id=own, name=clean(s.name, LIMITS["name"]) or mention, kind=s.kind,
                              role=clean(s.role, LIMITS["role"]) or None, mention=mention,
                              via=via if via != own else None))
    claims = [
        Claim(id=f"c{i}", text=clean(c.text, LIMITS["text"]), quote=clean(c.quote, LIMITS["quote"]),
              grounded=True,
              source_ids=list(dict.fromkeys(source_ids[x] for x in c.source_ids
                                            if x in source_ids)),
              verifiability=c.verifiability,
              hedges=[h for h in (clean(x, LIMITS["marker"]) for x in c.hedges) if h][
                  :MAX_CLAIM_HEDGES],
              check=clean(c.check, LIMITS["check"]))
        for i, c in enumerate(result.claims[:MAX_CLAIMS], start=1)
    ]
    codes: dict[str, RedFlag] = {}
    for flag in result.red_flags:
        codes.setdefault(flag.code, RedFlag(code=flag.code,
                                            detail=clean(flag.detail, LIMITS["detail"])))
    steps = (clean(step, LIMITS["next_step"]) for step in result.next_steps)
    return Report(
        analyzer="llm",
        model=model,
        language=language,
        article=evidence.article.model_copy(),
        summary=clean(result.summary, LIMITS["summary"], multiline=True),
        rating=Rating.from_score(result.rating.score,
                                 clean(result.rating.rationale, LIMITS["rationale"])),
        claims=claims,
        sources=sources,
        hedges=[Hedge(marker=clean(h.marker, LIMITS["marker"]), quote=clean(h.quote, LIMITS["quote"]))
                for h in result.hedges[:MAX_HEDGES]],
        red_flags=list(codes.values()),
        next_steps=[step for step in steps if step][:MAX_NEXT_STEPS],
    )
