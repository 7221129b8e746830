"""bot.grounding: model quotes held to the article's own words."""

from __future__ import annotations

from bot.grounding import ArticleIndex, FUZZY_THRESHOLD, ground, locate
from bot.models import ArticleInfo, Claim, Rating, Report, Source

ARTICLE = (
    "Mayor ‘will quit’ — insiders claim\n"
    "The mayor of Eastbridge is expected to resign within weeks, according to two council "
    "insiders who spoke to the Daily Courier.\n"
    "A spokesperson for Eastbridge Council said: “The mayor has no plans to step down.”\n"
    "Local businessman Tom Hale wrote on Facebook that the mayor had “lost the room”.\n"
)


def _report(claims: list[Claim], sources: list[Source]) -> Report:
    return Report(analyzer="llm", article=ArticleInfo(), summary="s",
                  rating=Rating.from_score(2, "r"), claims=claims, sources=sources)


def _claim(quote: str, cid: str = "c1", source_ids: list[str] | None = None) -> Claim:
    return Claim(id=cid, text="t", quote=quote, verifiability="partly",
                 source_ids=source_ids or [])


def test_straight_quotes_and_dashes_match_the_articles_typography() -> None:
    span = locate("Mayor 'will quit' - insiders claim", ARTICLE)
    assert span == "Mayor ‘will quit’ — insiders claim"


def test_case_and_whitespace_differences_match() -> None:
    assert locate("the MAYOR of eastbridge   is expected\nto resign", ARTICLE) == (
        "The mayor of Eastbridge is expected to resign")


def test_a_small_typo_in_a_long_quote_is_tolerated() -> None:
    quote = "The mayor of Eastbrige is expected to resign within week, according to two council insiders"
    span = locate(quote, ARTICLE)
    assert span is not None and span.startswith("The mayor of Eastbridge")
    assert span in ARTICLE


def test_paraphrase_and_invention_are_not_found() -> None:
    assert locate("The mayor will definitely resign next Tuesday, sources confirm", ARTICLE) is None
    assert locate("Council insiders say the mayor expects to leave within weeks", ARTICLE) is None
    assert 0.5 < FUZZY_THRESHOLD < 1


def test_short_strings_need_an_exact_match() -> None:
    index = ArticleIndex(ARTICLE)
    assert index.locate("Tom Hale") == "Tom Hale"
    assert index.locate("Tim Hale") is None


def test_fabricated_quote_is_marked_ungrounded_and_real_one_made_verbatim() -> None:
    report = _report(
        [_claim("the mayor has no plans to step down", "c1"),
         _claim("The mayor admitted he will resign in March", "c2")],
        [],
    )
    grounded = ground(report, ARTICLE, _report([], []))
    real, fake = grounded.claims
    assert real.grounded and real.quote == "The mayor has no plans to step down"
    assert not fake.grounded and fake.quote == "The mayor admitted he will resign in March"
    assert any("not found in the article" in note for note in grounded.notes)
    assert report.claims[1].grounded  # the input report is left untouched


def test_invented_source_is_dropped_with_its_references() -> None:
    report = _report(
        [_claim("expected to resign within weeks", source_ids=["s1", "s2"])],
        [Source(id="s1", name="Eastbridge Council", kind="named_org",
                mention="A spokesperson for Eastbridge Council"),
         Source(id="s2", name="Reuters", kind="outlet", mention="told Reuters"),
         Source(id="s3", name="council insiders", kind="anonymous", mention="two council insiders",
                via="s2")],
    )
    grounded = ground(report, ARTICLE, _report([], []))
    assert [s.id for s in grounded.sources] == ["s1", "s3"]
    assert grounded.claims[0].source_ids == ["s1"]
    assert grounded.sources[1].via is None
    assert any("Reuters" in note for note in grounded.notes)


def test_kind_disagreement_with_the_evidence_is_noted() -> None:
    evidence = _report([], [
        Source(id="s1", name="council insiders", kind="anonymous", mention="two council insiders"),
        Source(id="s2", name="Eastbridge Council", kind="named_org",
               mention="A spokesperson for Eastbridge Council"),
    ])
    report = _report([], [
        Source(id="s1", name="Two council insiders", kind="named_person",
               mention="two council insiders"),
        Source(id="s2", name="Eastbridge Council spokesperson", kind="named_org",
               mention="spokesperson for Eastbridge Council"),
    ])
    grounded = ground(report, ARTICLE, evidence)
    insiders, council = grounded.sources
    assert insiders.evidence_kind == "anonymous"
    assert council.evidence_kind is None
    notes = [n for n in grounded.notes if "rule-based" in n]
    assert len(notes) == 1 and "named person" in notes[0] and "anonymous" in notes[0]


def test_hedges_the_article_does_not_use_are_dropped() -> None:
    from bot.models import Hedge

    report = _report([], [])
    report.hedges = [Hedge(marker="is expected to", quote="The mayor of Eastbridge is expected to resign"),
                     Hedge(marker="allegedly", quote="allegedly quit")]
    grounded = ground(report, ARTICLE, _report([], []))
    assert [h.marker for h in grounded.hedges] == ["is expected to"]
