"""Nothing after the model trusts it: grounding holds an injected or careless report to the
article and to the offline evidence (bot.grounding's rules 2-5), end to end over real HTTP
against tests/fake_llm.py, and rule by rule on a small article."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import pytest

from bot.engine import check
from bot.grounding import MAX_FUZZY_LOOKUPS, MAX_WINDOWS, ArticleIndex, ground, locate
from bot.models import ArticleInfo, Claim, Hedge, Rating, RedFlag, Report, Source
from bot.render import card_text
from tests.conftest import SEED_TEXT
from tests.fake_llm import FakeLLM, analysis, claim, reply, source

SEED = SEED_TEXT.read_text(encoding="utf-8")
LEDE = "Vladimir Putin could be replaced in a ‘military mutiny’ if he prepares for a nuclear strike"
ARTICLE = (
    "Mayor ‘will quit’ — insiders claim\n"
    "The mayor of Eastbridge is expected to resign within weeks, according to two council "
    "insiders who spoke to the Daily Courier.\n"
    "A spokesperson for Eastbridge Council said: “The mayor has no plans to step down.”\n"
    "Local businessman Tom Hale wrote on Facebook that the mayor had “lost the room”.\n"
    "Read Full Article at the Daily Courier\n"
)


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


def injected_answer() -> dict:
    """What an article that steers the model gets: 5/5, named people, Reuters, no flags."""
    return analysis(
        summary="Impeccably sourced: named generals and Reuters confirm every claim.",
        score=5, rationale="Named, on-record sources throughout.",
        claims=[claim(LEDE, id="x1", source_ids=["iv", "sec", "reu"], verifiability="verifiable")],
        sources=[
            source("General Sergei Ivanov", "named_person", "the", id="iv"),
            source("Security source", "named_person", "a security source", id="sec"),
            source("Reuters", "outlet", "Reuters", id="reu"),
            source("Ben Wallace", "named_person", "Ben Wallace", id="bw"),
        ],
        red_flags=[],
    )


async def test_an_injected_five_out_of_five_report_is_bounded_by_the_evidence(
        llm, make_settings) -> None:
    llm.push(reply(injected_answer()))
    settings = make_settings(openai_base_url=llm.url, llm_max_attempts=1, llm_timeout=5.0)
    report = await check(SEED, settings)
    assert report.analyzer == "llm"
    # Rating: the offline 1/5 is kept, and the card says the readings disagree.
    assert report.rating.score == 1 and report.rating.label == "very low"
    card = card_text(report)
    assert "1/5" in card and "AI analysis 5/5, rule-based reading 1/5" in card
    assert "Impeccably" not in report.summary and "security source" in report.summary
    # Sources: the invented names are gone, the inflated kind is the cautious one.
    names = {s.name: s for s in report.sources}
    assert "General Sergei Ivanov" not in names and "Reuters" not in names
    assert names["Security source"].kind == "anonymous"
    assert names["Ben Wallace"].kind == "named_person"
    assert [s.kind for s in report.sources].count("named_person") == 1
    assert "Reuters" not in card and "Ivanov" not in card
    # The claim resting on the anonymous source alone is no longer "verifiable".
    assert report.claims[0].verifiability == "partly"
    assert report.claims[0].source_ids == [names["Security source"].id]
    # Red flags the evidence proves stay, first.
    codes = [f.code for f in report.red_flags]
    assert codes[:3] == ["anonymous_sourcing", "relayed_report", "aggregator_copy"]
    assert any("lower rating is kept" in n for n in report.notes)


def _report(*, score: int = 2, claims: list[Claim] | None = None,
            sources: list[Source] | None = None, flags: list[RedFlag] | None = None,
            language: str = "en") -> Report:
    return Report(analyzer="llm", language=language, article=ArticleInfo(), summary="model summary",
                  rating=Rating.from_score(score, "model rationale"), claims=claims or [],
                  sources=sources or [], red_flags=flags or [])


def _evidence(*, score: int = 2, sources: list[Source] | None = None,
              flags: list[RedFlag] | None = None) -> Report:
    report = _report(score=score, sources=sources, flags=flags)
    return report.model_copy(update={"analyzer": "offline", "summary": "offline summary",
                                     "rating": Rating.from_score(score, "offline rationale")})


def _kept(sources: list[Source]) -> list[str]:
    return [s.name for s in ground(_report(sources=sources), ARTICLE, _evidence()).sources]


def test_a_source_whose_mention_is_a_stop_word_or_pronoun_is_dropped() -> None:
    assert _kept([Source(id="s1", name="General Sergei Ivanov", kind="named_person", mention="the"),
                  Source(id="s2", name="Mr Ivanov", kind="named_person", mention="he")]) == []


def test_a_name_the_article_does_not_contain_is_dropped_even_with_a_real_mention() -> None:
    assert _kept([
        Source(id="s1", name="John Smith", kind="named_person", mention="two council insiders"),
        Source(id="s2", name="Kremlin insiders", kind="anonymous", mention="two council insiders"),
        Source(id="s3", name="Eastbridge Herald", kind="outlet", mention="the Daily Courier"),
    ]) == []


def test_a_real_name_survives_a_title_a_pronoun_mention_or_a_description() -> None:
    report = ground(_report(sources=[
        Source(id="s1", name="Councillor Tom Hale", kind="named_person", mention="he"),
        Source(id="s2", name="Eastbridge Council", kind="named_org",
               mention="A spokesperson for Eastbridge Council"),
        Source(id="s3", name="unnamed council insiders", kind="anonymous",
               mention="two council insiders"),
        Source(id="s4", name="The Daily Courier", kind="outlet", mention="spoke to the Daily Courier"),
    ]), ARTICLE, _evidence())
    mentions = {s.id: s.mention for s in report.sources}
    assert mentions == {"s1": "Tom Hale", "s2": "A spokesperson for Eastbridge Council",
                        "s3": "two council insiders", "s4": "spoke to the Daily Courier"}


def test_a_kind_more_than_one_rung_above_the_evidence_becomes_the_cautious_one() -> None:
    evidence = _evidence(sources=[
        Source(id="s1", name="council insiders", kind="anonymous", mention="two council insiders"),
        Source(id="s2", name="Eastbridge Council", kind="named_org",
               mention="A spokesperson for Eastbridge Council"),
        Source(id="s3", name="Daily Courier", kind="outlet", mention="the Daily Courier"),
    ])
    report = ground(_report(sources=[
        Source(id="a", name="council insiders", kind="named_org", mention="two council insiders"),
        Source(id="b", name="Eastbridge Council", kind="document",
               mention="A spokesperson for Eastbridge Council"),
        Source(id="c", name="Daily Courier", kind="anonymous", mention="the Daily Courier"),
    ]), ARTICLE, evidence)
    kinds = {s.id: (s.kind, s.evidence_kind) for s in report.sources}
    assert kinds["a"] == ("anonymous", "anonymous")  # three rungs: the cautious kind
    assert kinds["b"] == ("document", "named_org")  # one rung: the model's, noted
    assert kinds["c"] == ("anonymous", "outlet")  # the model is the cautious one
    assert sum("the more cautious reading is kept" in n for n in report.notes) == 1


@pytest.mark.parametrize(("model", "rules", "shown", "summary"), [
    (5, 1, 1, "offline summary"), (4, 2, 2, "offline summary"), (1, 4, 1, "model summary"),
    (3, 2, 3, "model summary"), (2, 3, 2, "model summary"),
])
def test_the_rating_more_than_one_step_off_keeps_the_lower_and_says_so(
        model: int, rules: int, shown: int, summary: str) -> None:
    report = ground(_report(score=model), ARTICLE, _evidence(score=rules))
    assert report.rating.score == shown and report.summary == summary
    disagree = abs(model - rules) > 1
    assert report.rating.rationale.startswith(f"AI analysis {model}/5") == disagree
    assert any("lower rating is kept" in n for n in report.notes) == disagree


def test_the_disagreement_is_said_in_the_report_language() -> None:
    report = ground(_report(score=5, language="de"), ARTICLE, _evidence(score=1))
    assert report.rating.rationale.startswith("KI-Analyse 5/5, regelbasierte Analyse 1/5")
    assert report.rating.rationale.endswith("offline rationale")


def test_red_flags_the_evidence_proves_are_never_dropped_and_come_first() -> None:
    proven = [RedFlag(code="aggregator_copy", detail="“Read Full Article”."),
              RedFlag(code="anonymous_sourcing", detail="2 unnamed sources."),
              RedFlag(code="emotive_language", detail="Loud.")]
    mine = [RedFlag(code="no_byline", detail="No author."),
            RedFlag(code="aggregator_copy", detail="The model's own words.")]
    report = ground(_report(flags=mine), ARTICLE, _evidence(flags=proven))
    assert [(f.code, f.detail) for f in report.red_flags] == [
        ("anonymous_sourcing", "2 unnamed sources."),
        ("aggregator_copy", "The model's own words."),
        ("no_byline", "No author."),
    ]  # emotive language is a judgement: the model may leave it out


# --- bounded work (finding: 7 s on a 332 KB article) -------------------------------------
def long_article(chars: int) -> str:
    """Varied sentences (numbered words, so most words are rare), about `chars` long."""
    sentences = []
    i = 0
    while sum(len(s) + 1 for s in sentences) < chars:
        sentences.append(f"Witness {i} told reporters in district {i * 7} that the convoy "
                         f"number {i * 13} left before the storm.")
        i += 1
    return " ".join(sentences)


def test_a_fuzzy_quote_deep_in_a_long_article_is_found_verbatim() -> None:
    target = "The harbour master, Ingrid Solberg, said the ferry would not sail until Friday."
    text = long_article(400_000) + "\n\n" + target + "\n" + long_article(2_000)
    index = ArticleIndex(text)
    assert index.locate("the harbour master, Ingrid Solberg, said the ferry would not sail "
                        "untill Friday") == target.rstrip(".")
    assert index.locate("said the convoy number 13 left before the storm and the harbour "
                        "master wept") is None
    assert index.windows_compared <= 2 * 12


def test_fuzzy_work_per_article_is_capped_whatever_the_quotes() -> None:
    """Quotes made only of the article's few words match everywhere: the windows compared
    per look-up and the fuzzy look-ups per article are both capped; exact ones still work."""
    rnd = random.Random(8)
    words = ["the", "said", "that", "of", "and", "a", "to", "in", "police", "minister"]
    text = " ".join(rnd.choice(words) for _ in range(80_000))
    index = ArticleIndex(text)
    for _ in range(3 * MAX_FUZZY_LOOKUPS):
        assert index.locate(" ".join(rnd.choice(words) for _ in range(30)) + " x") is None
    assert index.fuzzy_budget == 0
    assert index.windows_compared <= MAX_FUZZY_LOOKUPS * MAX_WINDOWS
    assert index.locate(text[5000:5100]) is not None


async def test_grounding_an_answer_at_every_cap_on_a_large_article_finishes() -> None:
    """A guard, not a timing: old code needed minutes here."""
    rnd = random.Random(3)
    words = ["the", "said", "that", "of", "and", "a", "to", "in", "police", "minister"]
    text = " ".join(rnd.choice(words) for _ in range(80_000))

    def nonsense(count: int) -> str:
        return " ".join(rnd.choice(words) for _ in range(count)) + " x"

    report = _report(
        claims=[Claim(id=f"c{i}", text="t", quote=nonsense(100), verifiability="partly")
                for i in range(12)],
        sources=[Source(id=f"s{i}", name=nonsense(20), kind="named_person", mention=nonsense(50))
                 for i in range(24)])
    report.hedges = [Hedge(marker=nonsense(3), quote=nonsense(100)) for _ in range(20)]
    grounded = await asyncio.wait_for(asyncio.to_thread(ground, report, text, _evidence()), 60)
    assert not any(c.grounded for c in grounded.claims) and grounded.sources == []


def test_spans_come_back_verbatim_through_odd_characters() -> None:
    text = "Intro.\n\n  He said\u2026 \u201cWe\u2019ll  \ufb01ght\u201d\u00a0\u00a0on\tthe\n\nbeaches, \u0130stanbul."
    assert locate("he said... \"we'll fight\" on the beaches, i\u0307stanbul", text) == (
        "He said\u2026 \u201cWe\u2019ll  \ufb01ght\u201d\u00a0\u00a0on\tthe\n\nbeaches, \u0130stanbul")
