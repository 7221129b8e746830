"""The data that flows through the engine: the input `Article` and the `Report`.

`Report` is the public contract (`credbot check --json`, schema_version 1):
fields may be added, none renamed or removed. Added so far beyond the issue's
list: `Source.evidence_kind` (the offline analyzer's kind when the LLM
disagrees), `Report.notes` (truncation, grounding, fall-back reasons) and
`Report.llm_error` (why a configured LLM was not used; null otherwise).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SourceKind = Literal["named_person", "named_org", "anonymous", "outlet", "document", "social_media"]
Verifiability = Literal["verifiable", "partly", "unverifiable"]
RatingLabel = Literal["very low", "low", "mixed", "good", "high"]
AnalyzerName = Literal["llm", "offline"]

SOURCE_KINDS: tuple[str, ...] = SourceKind.__args__  # type: ignore[attr-defined]
VERIFIABILITY: tuple[str, ...] = Verifiability.__args__  # type: ignore[attr-defined]

RED_FLAG_CODES: tuple[str, ...] = (
    "anonymous_sourcing",
    "single_source",
    "relayed_report",
    "rumour_language",
    "vague_authority",
    "unidentified_study",
    "unsourced_claims",
    "emotive_language",
    "call_to_action",
    "aggregator_copy",
    "no_byline",
    "no_date",
    "headline_not_supported",
)

RATING_LABELS: dict[int, RatingLabel] = {
    1: "very low",
    2: "low",
    3: "mixed",
    4: "good",
    5: "high",
}


class Article(BaseModel):
    """What the engine analyses: text plus whatever metadata extraction found."""

    text: str
    title: str | None = None
    url: str | None = None
    site: str | None = None
    author: str | None = None
    published: str | None = None  # YYYY-MM-DD
    language: str | None = None
    forwarded_from: str | None = None


class ArticleInfo(BaseModel):
    title: str | None = None
    url: str | None = None
    site: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    forwarded_from: str | None = None
    word_count: int = 0
    truncated: bool = False


class Rating(BaseModel):
    score: int = Field(ge=1, le=5)
    label: RatingLabel
    rationale: str

    @classmethod
    def from_score(cls, score: int, rationale: str) -> "Rating":
        score = max(1, min(5, int(score)))
        return cls(score=score, label=RATING_LABELS[score], rationale=rationale)


class Claim(BaseModel):
    id: str
    text: str
    quote: str
    grounded: bool = True
    source_ids: list[str] = Field(default_factory=list)
    verifiability: Verifiability
    hedges: list[str] = Field(default_factory=list)
    check: str = ""


class Source(BaseModel):
    id: str
    name: str
    kind: SourceKind
    role: str | None = None
    mention: str
    via: str | None = None
    evidence_kind: SourceKind | None = None


class Hedge(BaseModel):
    marker: str
    quote: str


class RedFlag(BaseModel):
    code: str
    detail: str


class Usage(BaseModel):
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None


class Report(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    schema_version: Literal[1] = 1
    analyzer: AnalyzerName
    model: str | None = None
    language: str = "en"
    article: ArticleInfo
    summary: str
    rating: Rating
    claims: list[Claim] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    hedges: list[Hedge] = Field(default_factory=list)
    red_flags: list[RedFlag] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    notes: list[str] = Field(default_factory=list)
    llm_error: str | None = None

    def source(self, source_id: str | None) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)
