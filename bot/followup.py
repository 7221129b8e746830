"""Answers to follow-up questions about an article the bot already checked.

With an LLM: one plain-text call grounded in the article, the report and the thread so far,
each bounded by a token budget and each delimited as untrusted data: in a group, the thread
holds other members' messages, and the report quotes the article. Quotes in the answer
that are not in the article are marked as such. Without an LLM (or when it fails), the
answer is what the offline evidence can say — who the sources are, which claims cannot be
verified — with a plain note that full answers need a model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import prompts

from .errors import LLMError
from .grounding import ArticleIndex
from .i18n import t
from .llm import LLMClient
from .llm_analyzer import delimited_article, reply_language
from .models import Article, Report, Usage
from .settings import Settings
from .storage import ThreadMessage
from .tokens import count_tokens, head_tokens, truncate_article
from .untrusted import Fence, clean, defuse, fill

THREAD_TOKENS = 1500
QUESTION_TOKENS = 400
REPORT_TOKENS = 1500
TURN_CHARS = 2000  # one earlier message, before its tokens are counted
ANSWER_TOKENS = 600
ANSWER_CHARS = 6000  # above what ANSWER_TOKENS (doubled on a cut-off) can write
_QUOTED = re.compile(r"[“\"]([^”\"\n]{12,400})[”\"]")
_ASKS_SOURCES = re.compile(r"\b(who|source|sources|quot|cite|said|says|say|according|outlet|"
                           r"кто|источник|джерел|хто|quelle|wer|fuente|quién|qui|source)", re.IGNORECASE)
_ASKS_VERIFY = re.compile(r"\b(true|verif|check|prove|evidence|fact|правд|провер|перевір|"
                          r"stimmt|wahr|prüf|verdad|comprob|vrai|vérif)", re.IGNORECASE)


@dataclass
class Answer:
    text: str  # plain text; the caller escapes it for HTML
    used_llm: bool
    usage: Usage = field(default_factory=Usage)
    llm_error: str | None = None


async def answer_question(question: str, *, article: Article, report: Report,
                          thread: list[ThreadMessage], settings: Settings, language: str,
                          client: LLMClient | None = None) -> Answer:
    """The answer to `question`, from the LLM when configured, else from the evidence."""
    if not settings.llm_configured:
        return Answer(offline_answer(question, report, language), used_llm=False)
    own_client = client is None
    client = client or LLMClient(settings)
    try:
        messages = build_messages(question, article=article, report=report, thread=thread,
                                  settings=settings, language=language)
        text, usage = await client.complete_text(messages, max_tokens=ANSWER_TOKENS)
    except LLMError as exc:
        fallback = offline_answer(question, report, language)
        return Answer(fallback, used_llm=False, llm_error=exc.user_message)
    finally:
        if own_client:
            await client.aclose()
    text = clean(text, ANSWER_CHARS, multiline=True)
    text = mark_unfound_quotes(text, article.text) or t(language, "followup_none")
    return Answer(text, used_llm=True, usage=usage)


def build_messages(question: str, *, article: Article, report: Report,
                   thread: list[ThreadMessage], settings: Settings,
                   language: str) -> list[dict[str, str]]:
    """System: the rules. User: language, then the report, the thread, the article and the
    question, each in its own delimited block and token budget.

    Everything but the language is untrusted: the article, the earlier messages (in a group,
    other members wrote them) and the report that quotes both.
    """
    model = settings.model
    article_text, truncated = truncate_article(article.text, settings.max_article_tokens, model)
    fence = Fence()
    user = fill(prompts.load("followup_user"), {
        "language": reply_language(language),
        "truncated": (" The article was shortened to fit; say so if the answer may be in the "
                      "missing part." if truncated else ""),
        "report": fence.wrap("REPORT", compact_report(report, model)),
        "conversation": fence.wrap("CONVERSATION", thread_text(thread, model) or "(none)"),
        "article": fence.wrap("ARTICLE", delimited_article(
            article, article_text, settings.max_article_tokens, model)),
        "question": fence.wrap("QUESTION", head_tokens(
            defuse(clean(question, QUESTION_TOKENS * 8, multiline=True)), QUESTION_TOKENS, model)),
    })
    return [{"role": "system", "content": prompts.load("followup")},
            {"role": "user", "content": user}]


def compact_report(report: Report, model: str = "gpt-4o-mini",
                   budget: int = REPORT_TOKENS) -> str:
    """The parts of the report an answer can lean on, without article text it repeats,
    within `budget` tokens (the last claims, then sources, give way first)."""
    def text(value: str | None, limit: int = 300) -> str:
        return clean(value, limit)

    sources = [{"id": s.id, "name": text(s.name, 120), "kind": s.kind,
                "role": text(s.role, 160) or None, "via": s.via} for s in report.sources[:24]]
    claims = [{"id": c.id, "text": text(c.text), "verifiability": c.verifiability,
               "source_ids": c.source_ids[:8], "grounded": c.grounded}
              for c in report.claims[:12]]
    while True:
        data = {
            "summary": clean(report.summary, 1000),
            "rating": {"score": report.rating.score, "rationale": text(report.rating.rationale)},
            "sources": sources,
            "claims": claims,
            "red_flags": [f.code for f in report.red_flags[:13]],
            "next_steps": [text(step) for step in report.next_steps[:6]],
        }
        out = defuse(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        if count_tokens(out, model) <= budget or not (claims or sources):
            return out
        if claims:
            claims.pop()
        else:
            sources.pop()


def thread_text(thread: list[ThreadMessage], model: str, budget: int = THREAD_TOKENS) -> str:
    """The most recent turns that fit in `budget` tokens, oldest first, one line each (so no
    message can pass for another turn), defused before they are counted."""
    kept: list[str] = []
    used = 0
    for message in reversed(thread):
        speaker = "Reader" if message.role == "user" else "You"
        line = f"{speaker}: {defuse(clean(message.text, TURN_CHARS))}"
        cost = count_tokens(line, model) + 1
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
    return "\n".join(reversed(kept))


def mark_unfound_quotes(answer: str, article_text: str) -> str:
    """Flag quoted spans the article does not contain, so they never pass as its words."""
    index = ArticleIndex(article_text)

    def check(match: re.Match[str]) -> str:
        if index.locate(match.group(1)) is not None:
            return match.group(0)
        return f"{match.group(0)} [not in the article]"

    return _QUOTED.sub(check, answer)


def offline_answer(question: str, report: Report, language: str) -> str:
    """What the evidence can answer without a model: the sources, the unverifiable claims."""
    asks_sources = bool(_ASKS_SOURCES.search(question))
    asks_verify = bool(_ASKS_VERIFY.search(question))
    if not (asks_sources or asks_verify):
        asks_sources = asks_verify = True
    lines = [t(language, "followup_offline")]
    if asks_sources:
        lines.append("")
        lines.append(t(language, "followup_sources") + ":")
        if report.sources:
            for source in report.sources[:8]:
                via = report.source(source.via)
                detail = source.kind.replace("_", " ")
                if source.role:
                    detail += f", {source.role}"
                if via:
                    detail += f", via {via.name}"
                lines.append(f"• {source.name} ({detail})")
        else:
            lines.append("• " + t(language, "followup_none"))
    if asks_verify:
        unverifiable = [c for c in report.claims if c.verifiability != "verifiable"]
        lines.append("")
        lines.append(t(language, "followup_unverifiable") + ":")
        if unverifiable:
            for claim in unverifiable[:5]:
                lines.append(f"• {claim.text}")
        else:
            lines.append("• " + t(language, "followup_none"))
        if report.next_steps:
            lines.append("")
            lines.append(t(language, "followup_next") + ": " + report.next_steps[0])
    return "\n".join(lines)
