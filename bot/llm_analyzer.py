"""The LLM analyzer: one structured call per article, turned into a `Report`.

The model sees the rubric in the system message and the article only in the user message,
between delimiter lines carrying a random token (so the article cannot close them), with the
offline evidence as hints. Its answer is validated against `LLMAnalysis`, then grounded.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Literal

from pydantic import BaseModel, Field

import prompts

from .models import Article, Claim, Hedge, Rating, RedFlag, Report, Source
from .llm import LLMClient

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
    score: int = Field(ge=1, le=5)
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
    """Delimiter lines with a fresh random token; look-alikes inside the text are defused."""
    token = secrets.token_hex(6)
    opening, closing = f"<<<ARTICLE {token}>>>", f"<<<END ARTICLE {token}>>>"
    safe = re.sub(r"<<<\s*(END\s+)?ARTICLE", "<< <\\1ARTICLE", article_text, flags=re.I)
    return opening, safe, closing


def build_messages(article_text: str, evidence: Report, language: str) -> list[dict[str, str]]:
    opening, safe, closing = delimit(article_text)
    hints = {
        "sources": [{"id": s.id, "name": s.name, "kind": s.kind, "mention": s.mention,
                     "via": s.via} for s in evidence.sources],
        "hedges": sorted({h.marker for h in evidence.hedges}),
        "red_flags": [f.code for f in evidence.red_flags],
    }
    user = prompts.load("user").format(
        language=language,
        evidence=json.dumps(hints, ensure_ascii=False),
        open_delimiter=opening,
        article=safe,
        close_delimiter=closing,
    )
    return [
        {"role": "system", "content": prompts.load("analyze")},
        {"role": "user", "content": user},
    ]


async def analyze_with_llm(article: Article, article_text: str, evidence: Report,
                           client: LLMClient, *, language: str, max_tokens: int) -> Report:
    """The model's report for `article_text` (already truncated to budget), not yet grounded."""
    messages = build_messages(article_text, evidence, language)
    result = await client.complete_json(messages, LLMAnalysis, max_tokens=max_tokens)
    return to_report(result, evidence, client.model, language)


def to_report(result: LLMAnalysis, evidence: Report, model: str, language: str) -> Report:
    """Normalise ids and references; the article info comes from the evidence."""
    source_ids = {s.id: f"s{i}" for i, s in enumerate(result.sources, start=1)}
    sources = [
        Source(id=source_ids[s.id], name=s.name.strip(), kind=s.kind, role=s.role or None,
               mention=s.mention, via=source_ids.get(s.via) if s.via else None)
        for s in result.sources
    ]
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
