"""Score an evidence report against an annotated article (the corpus README's method).

Shared by the corpus tests and usable by hand to see every miss:
`python -m tests.evidence_scoring [FILE_OR_DIR ...]` (defaults: the shared corpus and
tests/data/evidence).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bot.evidence import analyze
from bot.models import Article, Report, Source

REPO = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO.parent / "shared" / "corpus"
OWN_DIR = REPO / "tests" / "data" / "evidence"


def _kinds(annotation: dict) -> set[str]:
    kind = annotation["kind"]
    return {kind} if isinstance(kind, str) else set(kind)


def _expected(value: str | list[str]) -> set[str]:
    return {value} if isinstance(value, str) else set(value)


def matches(source: Source, annotation: dict) -> bool:
    """Name or mention contains one of the annotation's `match` strings (any case)."""
    haystack = f"{source.name}\n{source.mention}".lower()
    return any(m.lower() in haystack for m in annotation["match"])


def accepted(source: Source, annotation: dict) -> bool:
    return matches(source, annotation) and source.kind in _kinds(annotation)


@dataclass
class Score:
    """Counts for one article; they add up over a corpus."""

    name: str = ""
    sources_annotated: int = 0
    sources_found: int = 0
    sources_reported: int = 0
    sources_correct: int = 0
    hedges_annotated: int = 0
    hedges_found: int = 0
    flags_annotated: int = 0
    flags_found: int = 0
    flags_reported: int = 0
    flags_correct: int = 0
    via_annotated: int = 0
    via_found: int = 0
    claims_annotated: int = 0
    claims_found: int = 0
    ratings_ok: int = 0
    articles: int = 0
    misses: list[str] = field(default_factory=list)

    def __add__(self, other: "Score") -> "Score":
        total = Score(name="TOTAL")
        for name in self.__dataclass_fields__:
            if name == "name":
                continue
            setattr(total, name, getattr(self, name) + getattr(other, name))
        return total

    @staticmethod
    def ratio(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def source_recall(self) -> float:
        return self.ratio(self.sources_found, self.sources_annotated)

    @property
    def source_precision(self) -> float:
        return self.ratio(self.sources_correct, self.sources_reported)

    @property
    def hedge_recall(self) -> float:
        return self.ratio(self.hedges_found, self.hedges_annotated)

    @property
    def flag_recall(self) -> float:
        return self.ratio(self.flags_found, self.flags_annotated)

    @property
    def flag_precision(self) -> float:
        return self.ratio(self.flags_correct, self.flags_reported)

    @property
    def via_recall(self) -> float:
        return self.ratio(self.via_found, self.via_annotated)

    @property
    def claim_recall(self) -> float:
        return self.ratio(self.claims_found, self.claims_annotated)

    def line(self) -> str:
        return (f"{self.name:32} sources R {self.source_recall:4.0%} P {self.source_precision:4.0%}"
                f" | hedges R {self.hedge_recall:4.0%} | flags R {self.flag_recall:4.0%}"
                f" P {self.flag_precision:4.0%} | via {self.via_found}/{self.via_annotated}"
                f" | claims {self.claims_found}/{self.claims_annotated}"
                f" | rating ok {self.ratings_ok}/{self.articles}")


def report_for(annotated: dict) -> Report:
    return analyze(Article(text=annotated["text"]))


def score(annotated: dict, report: Report) -> Score:
    result = Score(name=annotated["id"], articles=1)
    wanted = annotated["sources"]
    everything = wanted + annotated.get("optional_sources", [])
    by_id = {s.id: s for s in report.sources}

    result.sources_annotated = len(wanted)
    for annotation in wanted:
        hits = [s for s in report.sources if accepted(s, annotation)]
        if hits:
            result.sources_found += 1
        else:
            near = [f"{s.name} ({s.kind})" for s in report.sources if matches(s, annotation)]
            result.misses.append(f"source missed: {annotation['name']} "
                                 f"[{'/'.join(sorted(_kinds(annotation)))}]"
                                 + (f", reported as {near}" if near else ""))
        if annotation.get("via"):
            result.via_annotated += 1
            via_ok = any(
                s.via and by_id.get(s.via) and annotation["via"].lower()
                in f"{by_id[s.via].name}\n{by_id[s.via].mention}".lower()
                for s in hits
            )
            result.via_found += via_ok
            if not via_ok:
                result.misses.append(f"via missed: {annotation['name']} via {annotation['via']}")

    result.sources_reported = len(report.sources)
    for source in report.sources:
        if any(accepted(source, a) for a in everything):
            result.sources_correct += 1
        else:
            result.misses.append(f"extra source: {source.name!r} ({source.kind}) "
                                 f"mention={source.mention!r}")

    markers = [h.marker.lower() for h in report.hedges]
    result.hedges_annotated = len(annotated["hedges"])
    for hedge in annotated["hedges"]:
        if any(hedge.lower() in m for m in markers):
            result.hedges_found += 1
        else:
            result.misses.append(f"hedge missed: {hedge!r} (reported {markers})")

    codes = {f.code for f in report.red_flags}
    expected_flags = set(annotated["red_flags"])
    result.flags_annotated = len(expected_flags)
    result.flags_found = len(expected_flags & codes)
    result.flags_reported = len(codes)
    result.flags_correct = len(codes & expected_flags)
    for code in sorted(expected_flags - codes):
        result.misses.append(f"flag missed: {code}")
    for code in sorted(codes - expected_flags):
        result.misses.append(f"flag extra: {code}")

    low, high = annotated["rating"]
    if low <= report.rating.score <= high:
        result.ratings_ok = 1
    else:
        result.misses.append(f"rating {report.rating.score} outside [{low}, {high}]: "
                             f"{report.rating.rationale}")

    result.claims_annotated = len(annotated.get("key_claims", []))
    for key in annotated.get("key_claims", []):
        claim = next((c for c in report.claims if key["match"] in c.quote), None)
        if claim and claim.verifiability in _expected(key["verifiability"]):
            result.claims_found += 1
        else:
            result.misses.append(f"claim {key['match']!r}: "
                                 + (f"verifiability {claim.verifiability}" if claim else "missing"))
    return result


def files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    return found


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [CORPUS_DIR, OWN_DIR]
    total = Score(name="TOTAL")
    for path in files(paths):
        annotated = json.loads(path.read_text(encoding="utf-8"))
        result = score(annotated, report_for(annotated))
        print(result.line())
        for miss in result.misses:
            print("    " + miss)
        total = total + result
    print(total.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
