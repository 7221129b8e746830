"""The LLM analyzer: one structured call per article, turned into a `Report`.

The model sees the rubric in the system message and the article only in the user message,
between delimiter lines carrying a random token (so the article cannot close them), with the
offline evidence as hints. Its answer is validated against `LLMAnalysis`, then grounded.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Literal

from pydantic import BaseModel

import prompts

from .models import Article, Claim, Hedge, Rating, RedFlag, Report, Source, Usage
from .llm import LLMClient
from .tokens import count_tokens

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


def delimit(article_text: str) -> tuple[str, str, str]:
    """Delimiter lines with a fresh random token; look-alikes inside the text are defused.

    The token makes the closing line unguessable, and any `<<<`/`>>>` run in the article is
    broken up, so nothing inside can pass for a delimiter.
    """
    token = secrets.token_hex(6)
    opening, closing = f"<<<ARTICLE {token}>>>", f"<<<END ARTICLE {token}>>>"
    safe = re.sub(r"<{3,}", lambda m: "< " * len(m.group()), article_text)
    safe = re.sub(r">{3,}", lambda m: " >" * len(m.group()), safe)
    return opening, safe, closing


def article_block(article: Article, text: str) -> str:
    """What the model reads as the article: metadata lines, then the (truncated) text."""
    lines = []
    if article.title and not text.lstrip().startswith(article.title.strip()):
        lines.append(f"Title: {article.title}")
    for label, value in (("Site", article.site), ("Author", article.author),
                         ("Published", article.published),
                         ("Forwarded from", article.forwarded_from)):
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines + ([""] if lines else []) + [text])


def evidence_hints(evidence: Report) -> str:
    """The offline reading, compact, so the model starts from what the rules found."""
    hints = {
        "sources": [{"id": s.id, "name": s.name, "kind": s.kind, "mention": s.mention,
                     **({"via": s.via} if s.via else {})} for s in evidence.sources],
        "hedges": sorted({h.marker for h in evidence.hedges}),
        "red_flags": [f.code for f in evidence.red_flags],
        "rating": evidence.rating.score,
    }
    return json.dumps(hints, ensure_ascii=False, separators=(",", ":"))


def build_messages(article: Article, text: str, evidence: Report,
                   language: str) -> list[dict[str, str]]:
    """System: the rubric only. User: reply language, hints, then the delimited article."""
    opening, safe, closing = delimit(article_block(article, text))
    user = prompts.load("user")
    for name, value in (("language", language), ("evidence", evidence_hints(evidence)),
                        ("open_delimiter", opening), ("close_delimiter", closing)):
        user = user.replace("{" + name + "}", value)
    user = user.replace("{article}", safe)  # last: the article's own braces stay as they are
    return [
        {"role": "system", "content": prompts.load("analyze")},
        {"role": "user", "content": user},
    ]


async def analyze_with_llm(article: Article, text: str, evidence: Report, client: LLMClient,
                           *, language: str, max_tokens: int) -> tuple[Report, Usage]:
    """The model's report for `text` (the article, already cut to budget), not yet grounded."""
    messages = build_messages(article, text, evidence, language)
    log.info("LLM analysis: about %d prompt tokens, completion capped at %d",
             sum(count_tokens(m["content"], client.model) for m in messages), max_tokens)
    result, usage = await client.complete_json(messages, LLMAnalysis, max_tokens=max_tokens)
    return to_report(result, evidence, client.model, language), usage


def to_report(result: LLMAnalysis, evidence: Report, model: str, language: str) -> Report:
    """Renumber ids (s1.., c1..) and keep only references that point somewhere real.

    The article info comes from the evidence (the model never sees or sets it).
    """
    source_ids: dict[str, str] = {}
    for s in result.sources:
        source_ids.setdefault(s.id, f"s{len(source_ids) + 1}")
    sources: list[Source] = []
    for s in result.sources:
        own = source_ids[s.id]
        if any(x.id == own for x in sources):
            continue  # a repeated id: the first one wins
        via = source_ids.get(s.via) if s.via else None
        sources.append(Source(id=own, name=s.name.strip(), kind=s.kind,
                              role=(s.role or "").strip() or None, mention=s.mention,
                              via=via if via != own else None))
    claims = [
        Claim(id=f"c{i}", text=c.text.strip(), quote=c.quote, grounded=True,
              source_ids=[source_ids[x] for x in c.source_ids if x in source_ids],
              verifiability=c.verifiability, hedges=c.hedges, check=c.check.strip())
        for i, c in enumerate(result.claims, start=1)
    ]
    codes: dict[str, RedFlag] = {}
    for flag in result.red_flags:
        codes.setdefault(flag.code, RedFlag(code=flag.code, detail=flag.detail.strip()))
    return Report(
        analyzer="llm",
        model=model,
        language=language,
        article=evidence.article.model_copy(),
        summary=result.summary.strip(),
        rating=Rating.from_score(result.rating.score, result.rating.rationale.strip()),
        claims=claims,
        sources=sources,
        hedges=[Hedge(marker=h.marker, quote=h.quote) for h in result.hedges],
        red_flags=list(codes.values()),
        next_steps=[s.strip() for s in result.next_steps if s.strip()][:6],
    )
