"""The offline analyzer does work linear in its input, whatever shape the input has.

Speed is measured in bench/evidence_size.py, never here. These tests count work instead,
deterministically, so a quadratic step fails them on any machine:

- calls: the Python and built-in function calls of one analysis (cProfile's count). A scan
  of every source or name per mention shows up as calls that grow with the square.
- scanned: the characters handed to the regex engine (the span between `pos` and `endpos`
  of every search; the matched length of an anchored match). Searching the whole line
  before every sentence boundary, or the rest of a sentence after every verb, shows up here.

Four times the text may cost at most five times the work. The texts are generated here
(fictional names, seeded), in the shapes that used to be quadratic.
"""

from __future__ import annotations

import cProfile
import pstats
import random
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.evidence import analyze
from bot.evidence.hedges import MAX_HEDGES
from bot.evidence.segment import LONGEST_SENTENCE, split_sentences
from bot.models import Article, Report

_SYLLABLES = (
    "ka", "ri", "vel", "mon", "dra", "sto", "len", "bor", "tis", "wen", "gal", "mer", "lin",
    "dov", "sa", "fen", "cor", "ald", "bri", "nu", "pel", "tam", "vor", "zan", "quil", "ter",
)
_FIRST = (
    "Anna", "Boris", "Carla", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas",
    "Kira", "Luca", "Maya", "Nils", "Olga", "Pavel", "Rosa", "Sami", "Tessa", "Vera",
)


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).capitalize()


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {_word(rng, 3)}"


def _org(rng: random.Random) -> str:
    return f"{_word(rng, 2)} {rng.choice(('Energy', 'Council', 'Group', 'Institute', 'Bank'))}"


def _news_sentence(rng: random.Random) -> str:
    person, org, town = _person(rng), _org(rng), _word(rng, 2) + "ton"
    return rng.choice((
        f"{person}, chief executive of {org}, said the plan would cost {rng.randint(2, 900)}m.",
        f'"We are worried about {town}," said {person}.',
        f"According to the Guardian, {org} is likely to close its {town} office.",
        f"A spokesperson for {org} declined to comment.",
        f"{person.split()[1]} told Reuters that talks had broken down.",
        "A source close to the talks said the deal was reportedly worth £40m.",
        f"Figures from the {org} show that {rng.randint(2, 900)} people left {town} in 2023.",
        f"Residents in {town} said they were disappointed.",
        f"Mr {person.split()[1]} said: \"It will help {town}. It has my support.\"",
        "The council said it was reviewing the scheme.",
        f"A study published in the journal Nature found that {org} had overstated its case.",
        f"In a post on Facebook, {person} wrote that the bridge was unsafe.",
        f"{org} shares fell 4% on Monday. The company said it would appeal.",
    ))


def _lines(pieces: Iterator[str], size: int, separator: str) -> str:
    out: list[str] = []
    total = 0
    while total < size:
        out.append(next(pieces))
        total += len(out[-1]) + len(separator)
    return separator.join(out)[:size]


def _forever(make: Callable[[random.Random], str], rng: random.Random) -> Iterator[str]:
    while True:
        yield make(rng)


def news(size: int, rng: random.Random) -> str:
    """Paragraphs of one to four attribution sentences, under a headline."""
    def paragraph(rng: random.Random) -> str:
        return " ".join(_news_sentence(rng) for _ in range(rng.randint(1, 4)))

    return "Plan in doubt, officials say\n" + _lines(_forever(paragraph, rng), size, "\n")


def one_paragraph(size: int, rng: random.Random) -> str:
    """The same sentences with no line break anywhere."""
    return _lines(_forever(_news_sentence, rng), size, " ")


def speakers(size: int, rng: random.Random) -> str:
    """A flood of short speaker sentences, each name new."""
    verbs = ("said", "told reporters", "warned", "added", "claimed")
    return _lines(
        _forever(lambda r: f"{_person(r)} {r.choice(verbs)} the plan would work.", rng), size, "\n"
    )


def names(size: int, rng: random.Random) -> str:
    """Lines crowded with distinct names, bodies and surnames that point back to them."""
    def line(r: random.Random) -> str:
        people = [_person(r) for _ in range(5)]
        surname = people[0].split()[1]
        return (
            f"{', '.join(people)} and {_org(r)} met {_person(r)} of {_org(r)}. "
            f"{surname} said {people[1].split()[1]} agreed. The council said {surname} would "
            "follow."
        )

    return _lines(_forever(line, rng), size, "\n")


def run_on(size: int, rng: random.Random) -> str:
    """Clauses with speakers joined by commas and "and", never a sentence end."""
    def clause(r: random.Random) -> str:
        return r.choice((
            f"{_person(r)} said talks with {_org(r)} had broken down",
            f"and the plan was reportedly delayed until {r.randint(2025, 2031)}",
            f"{_org(r)} warned that costs could rise",
        ))

    return _lines(_forever(clause, rng), size, ", ")


def quotes(size: int, rng: random.Random) -> str:
    """Quotation after quotation, curly and straight, some never closed."""
    def line(r: random.Random) -> str:
        return (
            f'"The plan is late," {_person(r)} said. "It cannot wait. '
            f"“We are worried,” said {_person(r)}. ‘{_org(r)} knew,’ he said, “and "
        )

    return _lines(_forever(line, rng), size, "\n")


def straight_quotes(size: int, rng: random.Random) -> str:
    """A line of '"' marks with short words between them."""
    return _lines(_forever(lambda r: '" ' + r.choice(("yes", "He", "said", "No.")), rng), size, " ")


def repeated(word: str) -> Callable[[int, random.Random], str]:
    def shape(size: int, rng: random.Random) -> str:
        return _lines(_forever(lambda r: word, rng), size, " ")

    shape.__name__ = "repeated_" + word.replace(" ", "_")
    return shape


def _make(shape: Callable[[int, random.Random], str], size: int) -> str:
    return shape(size, random.Random(f"{shape.__name__}-{size}"))


# --- work counters ---------------------------------------------------------------------


def _calls(text: str) -> int:
    profiler = cProfile.Profile()
    profiler.enable()
    analyze(Article(text=text))
    profiler.disable()
    return pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]


class _Counted:
    """A compiled pattern that adds the characters it is asked to scan to a counter."""

    def __init__(self, pattern: re.Pattern[str], counter: list[int]) -> None:
        self._pattern = pattern
        self._counter = counter

    def _span(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> None:
        self._counter[0] += max(0, min(endpos, len(string)) - pos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        self._span(string, pos, endpos)
        return self._pattern.search(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        self._span(string, pos, endpos)
        return self._pattern.fullmatch(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        self._span(string, pos, endpos)
        return self._pattern.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        self._span(string, pos, endpos)
        return self._pattern.findall(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        found = self._pattern.match(string, pos, endpos)
        self._counter[0] += found.end() - pos if found else 1
        return found

    def sub(self, repl: Any, string: str, count: int = 0) -> Any:
        self._span(string)
        return self._pattern.sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> Any:
        self._span(string)
        return self._pattern.split(string, maxsplit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pattern, name)


def _scanned(text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Characters the analysis hands to the regex engine, module patterns and re.* alike."""
    counter = [0]
    with monkeypatch.context() as patch:
        for name, module in list(sys.modules.items()):
            if name.startswith("bot.evidence"):
                for attribute, value in list(vars(module).items()):
                    if isinstance(value, re.Pattern):
                        patch.setattr(module, attribute, _Counted(value, counter))
        for function in ("search", "match", "fullmatch", "finditer", "findall", "sub", "split"):
            real = getattr(re, function)

            def counted(pattern: Any, string: str, *args: Any, _real: Any = real,
                        _function: str = function, **kwargs: Any) -> Any:
                if _function == "sub":  # re.sub(pattern, repl, string)
                    counter[0] += len(args[0] if args else kwargs["string"])
                    return _real(pattern, string, *args, **kwargs)
                found = _real(pattern, string, *args, **kwargs)
                if _function == "match":
                    counter[0] += found.end() if found else 1
                else:
                    counter[0] += len(string)
                return found

            patch.setattr(re, function, counted)
        analyze(Article(text=text))
    return counter[0]


_SIZE = 12_500


@pytest.mark.parametrize("shape", [news, one_paragraph, speakers, names, run_on])
def test_four_times_the_text_costs_at_most_five_times_the_calls(shape) -> None:
    small, large = _make(shape, _SIZE), _make(shape, 4 * _SIZE)
    analyze(Article(text=small))  # imports and regex compilation happen once, before counting
    ratio = _calls(large) / _calls(small)
    assert ratio <= 5, f"{shape.__name__}: 4x the text made {ratio:.1f}x the calls"


# The shapes whose sentences are long: per-boundary and per-verb scans of the text around.
@pytest.mark.parametrize("shape", [one_paragraph, run_on])
def test_four_times_the_text_scans_at_most_five_times_the_characters(shape, monkeypatch) -> None:
    small, large = _make(shape, _SIZE), _make(shape, 4 * _SIZE)
    ratio = _scanned(large, monkeypatch) / _scanned(small, monkeypatch)
    assert ratio <= 5, f"{shape.__name__}: 4x the text scanned {ratio:.1f}x the characters"


# --- hostile shapes still give a sane report -------------------------------------------


def _check_report(text: str, report: Report) -> None:
    ids = [s.id for s in report.sources]
    assert len(ids) == len(set(ids))
    for source in report.sources:
        assert source.mention and source.mention in text, source
        assert source.via is None or source.via in ids
    assert len(report.claims) <= 20
    for claim in report.claims:
        assert claim.quote in text and set(claim.source_ids) <= set(ids), claim
    for hedge in report.hedges:
        assert hedge.quote in text and hedge.marker in hedge.quote
    assert 1 <= report.rating.score <= 5
    assert report.summary and report.next_steps


@pytest.mark.parametrize(
    ("shape", "at_least"),
    [
        (news, 50), (one_paragraph, 50), (speakers, 200), (names, 200), (run_on, 20),
        (quotes, 50), (straight_quotes, 0), (repeated("word"), 0), (repeated("Word"), 0),
        (repeated("Mr Dr President"), 0), (repeated("said"), 0),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_hostile_shapes_give_a_sane_report_with_their_sources(shape, at_least) -> None:
    text = _make(shape, 50_000)
    report = analyze(Article(text=text))
    _check_report(text, report)
    assert len(report.sources) >= at_least, [s.name for s in report.sources[:10]]


def test_a_run_without_a_sentence_end_is_cut_into_sentences_of_bounded_length() -> None:
    text = "Intro line.\n" + _make(run_on, 20_000) + "\nLast line."
    sentences = split_sentences(text)
    assert [s.text for s in sentences[:1]] == ["Intro line."]
    assert sentences[-1].text == "Last line."
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert len(sentence.text) <= LONGEST_SENTENCE
    assert len(sentences) >= 2 + 20_000 // LONGEST_SENTENCE


def test_a_text_full_of_hedges_gives_a_report_of_bounded_size() -> None:
    """Every hedge quotes its sentence: thousands of "may x" in one run must not make the
    report thousands of times the text."""
    rng = random.Random(1)
    text = " ".join(f"may {_word(rng, 2).lower()}" for _ in range(2000))
    report = analyze(Article(text=text))
    assert 0 < len(report.hedges) <= MAX_HEDGES
    assert len(report.model_dump_json()) < 50 * len(text)
