"""The offline analyzer against annotated articles, scored with the corpus README's method.

Two sets: the shared corpus (/work/shared/corpus, globbed so new files count) and our own
held-out articles in tests/data/evidence, annotated before the analyzer was tuned on them.
Run with `-s` to see the per-article figures; `python -m tests.evidence_scoring` lists
every miss.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CORPUS_DIR, corpus_files, load_corpus
from tests.evidence_scoring import OWN_DIR, Score, report_for, score

OWN_FILES = sorted(OWN_DIR.glob("*.json"))


def _score_all(paths: list[Path]) -> tuple[Score, list[Score]]:
    total = Score(name="TOTAL")
    results = []
    for path in paths:
        result = score(load_corpus(path), report_for(load_corpus(path)))
        results.append(result)
        total = total + result
    print()
    for result in results:
        print(result.line())
    print(total.line())
    return total, results


def _figures(total: Score, results: list[Score]) -> str:
    misses = [f"{r.name}: {m}" for r in results for m in r.misses]
    return total.line() + "\n" + "\n".join(misses)


@pytest.fixture(scope="module")
def corpus_scores() -> tuple[Score, list[Score]]:
    paths = corpus_files()
    if not paths:
        pytest.skip(f"no annotated corpus at {CORPUS_DIR}")
    return _score_all(paths)


@pytest.fixture(scope="module")
def own_scores() -> tuple[Score, list[Score]]:
    return _score_all(OWN_FILES)


def test_corpus_sources_recall_and_precision_reach_90_percent(corpus_scores) -> None:
    total, results = corpus_scores
    assert total.source_recall >= 0.90, _figures(total, results)
    assert total.source_precision >= 0.90, _figures(total, results)


def test_corpus_hedges_and_red_flags_recall_reach_90_percent(corpus_scores) -> None:
    total, results = corpus_scores
    assert total.hedge_recall >= 0.90, _figures(total, results)
    assert total.flag_recall >= 0.90, _figures(total, results)


def test_corpus_rating_is_inside_the_annotated_range_for_every_article(corpus_scores) -> None:
    total, results = corpus_scores
    assert total.ratings_ok == total.articles, _figures(total, results)


def test_corpus_key_claims_are_found_with_expected_verifiability(corpus_scores) -> None:
    total, results = corpus_scores
    assert total.claim_recall >= 0.85, _figures(total, results)


def test_corpus_via_chains_are_found(corpus_scores) -> None:
    total, results = corpus_scores
    assert total.via_recall >= 0.90, _figures(total, results)


def test_own_articles_exist_and_cover_varied_genres() -> None:
    assert len(OWN_FILES) >= 4


def test_own_articles_sources_recall_and_precision_reach_80_percent(own_scores) -> None:
    total, results = own_scores
    assert total.source_recall >= 0.80, _figures(total, results)
    assert total.source_precision >= 0.80, _figures(total, results)


def test_own_articles_hedges_and_red_flags_recall_reach_80_percent(own_scores) -> None:
    total, results = own_scores
    assert total.hedge_recall >= 0.80, _figures(total, results)
    assert total.flag_recall >= 0.80, _figures(total, results)


def test_own_articles_ratings_and_key_claims(own_scores) -> None:
    total, results = own_scores
    assert total.ratings_ok >= total.articles - 1, _figures(total, results)
    assert total.claim_recall >= 0.75, _figures(total, results)
    assert total.via_recall >= 0.66, _figures(total, results)
