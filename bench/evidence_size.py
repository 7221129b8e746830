"""How the offline evidence analyzer's time grows with the size of its input.

    .venv/bin/python bench/evidence_size.py                   # every shape, 10k..400k chars
    .venv/bin/python bench/evidence_size.py --shapes news,speakers --sizes 10000,100000
    .venv/bin/python bench/evidence_size.py --profile paragraph 50000   # cProfile, top 25

A bot takes whatever text it is sent, so the analysis must stay linear in the text however
the text is shaped. Each shape below is generated here (seeded, deterministic, fictional
names; nothing is copied from any corpus) and cut to the target size in characters:

- news: paragraphs of varied attribution sentences (named people with roles, "according
  to", spokespeople, outlets, studies, posts, quotes, hedges, numbers), a headline first;
- paragraph: the same sentences in one single line, no newline anywhere;
- speakers: a flood of short speaker sentences ("Mara Kovel said the plan would work."),
  one per line, every name different;
- names: one line after another crowded with distinct capitalised names, organisations and
  surnames that point back to them;
- quotes: quotation after quotation, curly and straight, some never closed;
- runon: clauses joined by commas and "and", with no sentence end at all;
- word: one lower-case word repeated; Word: one capitalised word repeated (a single
  "name" as long as the text); titles: "Mr Dr President ..." repeated;
- dquotes: a line of straight '"' marks with short words between them.

Timing: wall time (time.perf_counter) of `bot.evidence.analyze(Article(text=...))`, median
of three runs (one run when a run takes over a second). A shape stops growing once one of
its runs takes longer than --budget seconds (default 20), so the quadratic code can be
measured in finite time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.evidence import analyze
from bot.models import Article

SIZES = (10_000, 25_000, 50_000, 100_000, 200_000, 400_000)

_SYLLABLES = (
    "ka", "ri", "vel", "mon", "dra", "sto", "len", "bor", "tis", "wen", "gal", "ha", "mer", "os",
    "lin", "dov", "rue", "sa", "fen", "cor", "ald", "bri", "nu", "pel", "tam", "vor", "che", "ix",
    "zan", "quil", "op", "ter",
)
_FIRST = (
    "Anna", "Boris", "Carla", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas",
    "Kira", "Luca", "Maya", "Nils", "Olga", "Pavel", "Rosa", "Sami", "Tessa", "Ugo", "Vera",
    "Wim", "Yara", "Zoltan", "Amir", "Bea", "Cyril", "Dana", "Emil", "Freya",
)
_ROLES = (
    "chief executive", "finance director", "head of research", "spokesperson", "analyst",
    "professor of economics", "council leader", "transport secretary", "senior economist",
)
_ORG_KINDS = ("Energy", "Council", "Group", "Institute", "Trust", "Bank", "Holdings", "Union")
_OUTLETS = ("the Guardian", "Reuters", "the BBC", "the Financial Times", "Sky News", "the Mirror")
_THINGS = ("plan", "merger", "budget", "bridge", "scheme", "contract", "inquiry", "strike")
_ADJ = ("confident", "worried", "disappointed", "delighted", "cautious", "surprised")
_CLAUSES = (
    "the {thing} would be delayed until {year}",
    "costs had risen by {num} per cent since {year}",
    "{num} jobs could be lost in {town}",
    "the {thing} was likely to go ahead",
    "talks with {org} had broken down",
    "the decision was reportedly taken in {month}",
)
_MONTHS = ("January", "March", "June", "September", "November")


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).capitalize()


class _Names:
    """Fictional people, towns and organisations, most of them new, some met again."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people: list[str] = []
        self.orgs: list[str] = []

    def person(self) -> str:
        if self.people and self.rng.random() < 0.3:
            return self.rng.choice(self.people)
        name = f"{self.rng.choice(_FIRST)} {_word(self.rng, 2)}{_word(self.rng, 1).lower()}"
        self.people.append(name)
        return name

    def surname(self) -> str:
        return self.person().split()[-1]

    def org(self) -> str:
        if self.orgs and self.rng.random() < 0.3:
            return self.rng.choice(self.orgs)
        name = f"{_word(self.rng, 2)} {self.rng.choice(_ORG_KINDS)}"
        self.orgs.append(name)
        return name

    def town(self) -> str:
        return _word(self.rng, 2) + self.rng.choice(("ford", "ton", "by", "wick", "mouth"))


def _fill(template: str, names: _Names) -> str:
    rng = names.rng
    values = {
        "thing": rng.choice(_THINGS),
        "year": str(rng.randint(2019, 2031)),
        "num": str(rng.randint(2, 950)),
        "town": names.town(),
        "org": names.org(),
        "month": rng.choice(_MONTHS),
    }
    clause = rng.choice(_CLAUSES).format(**values)
    return template.format(
        person=names.person(),
        surname=names.surname(),
        role=rng.choice(_ROLES),
        outlet=rng.choice(_OUTLETS),
        adj=rng.choice(_ADJ),
        clause=clause,
        **values,
    )


_NEWS = (
    "{person}, {role} at {org}, said {clause}.",
    '"We are {adj} about the {thing}," said {person}.',
    "According to {outlet}, {clause}.",
    "A spokesperson for {org} declined to comment.",
    "{surname} told {outlet} that {clause}.",
    "She added that {clause}.",
    "A source close to the talks told {outlet} the {thing} was {adj}.",
    "Figures from the {org} show that {num} people moved to {town} in {year}.",
    "The {thing} is reportedly worth £{num}m, sources say.",
    "Residents in {town} said they were {adj}.",
    'Mr {surname} said: "The {thing} has my full support. It will help {town}."',
    "The council said it was reviewing the {thing}.",
    "Analysts at {org} expect that {clause}.",
    "A study published in the journal Nature found that {clause}.",
    "In a post on Facebook, {person} wrote that {clause}.",
    "{org} shares fell {num}% on Monday. The company said it would appeal.",
    "Dr {surname}, who was not involved in the research, said the results were {adj}.",
    "It is understood that {clause}, one official said.",
    "The {thing} may be scrapped, experts warned.",
    "{person}, {num}, from {town}, said: \"I never thought it would come to this.\"",
)


def _sentences(rng: random.Random, templates: tuple[str, ...]) -> Iterator[str]:
    names = _Names(rng)
    while True:
        yield _fill(rng.choice(templates), names)


def news(size: int, rng: random.Random) -> str:
    parts = [f"{_word(rng, 2)} {rng.choice(_THINGS)} in doubt, officials say\n"]
    total = len(parts[0])
    sentences = _sentences(rng, _NEWS)
    while total < size:
        paragraph = " ".join(next(sentences) for _ in range(rng.randint(1, 4))) + "\n"
        parts.append(paragraph)
        total += len(paragraph)
    return "".join(parts)


def paragraph(size: int, rng: random.Random) -> str:
    return _joined(_sentences(rng, _NEWS), size, " ")


def speakers(size: int, rng: random.Random) -> str:
    verbs = ("said", "told reporters", "warned", "added", "claimed")
    names = _Names(rng)
    lines = (
        f"{names.person()} {rng.choice(verbs)} the {rng.choice(_THINGS)} would work."
        for _ in iter(int, 1)
    )
    return _joined(lines, size, "\n")


def names_flood(size: int, rng: random.Random) -> str:
    names = _Names(rng)

    def lines() -> Iterator[str]:
        while True:
            crowd = ", ".join(names.person() for _ in range(5))
            yield (
                f"{crowd} and {names.org()} met {names.person()} of {names.org()} in "
                f"{names.town()}. {names.surname()} said {names.surname()} agreed. "
                f"The company said {names.surname()} and {names.surname()} would follow."
            )

    return _joined(lines(), size, "\n")


def quotes(size: int, rng: random.Random) -> str:
    names = _Names(rng)
    shapes = (
        '"The {thing} is {adj}," {person} said. "It cannot wait.',
        "“We are {adj},” said {person}. “Very {adj}.”",
        '{person} said: "{clause}." "And more," she added.',
        "‘{clause},’ he said, “and {clause}.",
    )

    def lines() -> Iterator[str]:
        while True:
            yield " ".join(_fill(rng.choice(shapes), names) for _ in range(3))

    return _joined(lines(), size, "\n")


def runon(size: int, rng: random.Random) -> str:
    names = _Names(rng)
    pieces = (_fill(rng.choice(("{clause}", "{person} said {clause}", "and {clause}")), names)
              for _ in iter(int, 1))
    return _joined(pieces, size, ", ")


def _repeat(word: str) -> Callable[[int, random.Random], str]:
    def shape(size: int, rng: random.Random) -> str:
        return _joined((word for _ in iter(int, 1)), size, " ")

    return shape


def dquotes(size: int, rng: random.Random) -> str:
    return _joined(('" ' + rng.choice(("yes", "He", "said", "No.")) for _ in iter(int, 1)),
                   size, " ")


def _joined(pieces: Iterator[str], size: int, sep: str) -> str:
    out: list[str] = []
    total = 0
    for piece in pieces:
        out.append(piece)
        total += len(piece) + len(sep)
        if total >= size:
            break
    return sep.join(out)[:size]


SHAPES: dict[str, Callable[[int, random.Random], str]] = {
    "news": news,
    "paragraph": paragraph,
    "speakers": speakers,
    "names": names_flood,
    "quotes": quotes,
    "runon": runon,
    "word": _repeat("word"),
    "Word": _repeat("Word"),
    "titles": _repeat("Mr Dr President"),
    "dquotes": dquotes,
}


def make(shape: str, size: int) -> str:
    return SHAPES[shape](size, random.Random(f"{shape}-{size}"))


def timed(text: str) -> float:
    start = time.perf_counter()
    analyze(Article(text=text))
    return time.perf_counter() - start


def measure(text: str) -> float:
    first = timed(text)
    if first > 1.0:
        return first
    return statistics.median([first, timed(text), timed(text)])


def profile(shape: str, size: int) -> None:
    text = make(shape, size)
    profiler = cProfile.Profile()
    profiler.enable()
    analyze(Article(text=text))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--budget", type=float, default=20.0,
                        help="stop growing a shape once a run takes longer (seconds)")
    parser.add_argument("--profile", nargs=2, metavar=("SHAPE", "SIZE"))
    args = parser.parse_args()
    if args.profile:
        profile(args.profile[0], int(args.profile[1]))
        return
    shapes = args.shapes.split(",")
    sizes = [int(s) for s in args.sizes.split(",")]
    analyze(Article(text=make("news", 2000)))  # warm-up: regex compilation, imports
    print("| shape | " + " | ".join(f"{s // 1000}k" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for shape in shapes:
        cells: list[str] = []
        over = False
        for size in sizes:
            if over:
                cells.append("skipped")
                continue
            seconds = measure(make(shape, size))
            cells.append(f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s")
            over = seconds > args.budget
        print(f"| {shape} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
