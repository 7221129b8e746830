"""Speed of grounding: 20 model quotes held to articles of 10k to 400k characters.

    .venv/bin/python bench/grounding.py

Articles are real news bodies from ../shared/extraction-benchmark/ground-truth.json joined
end to end (the seed article repeated when the benchmark is missing), cut to each size. The
20 quotes are a model's usual mix: 5 exact article sentences, 5 with a dropped character
(fuzzy hits), 5 invented sentences made of the article's own common words (fuzzy misses:
the costly case), 5 sentences from the article's end with typography changed. Two more
rows are adversarial: one article that is a single paragraph without any sentence ending,
and one made of a few words repeated, where every quote word is everywhere; the last row
is a model answer at every cap (12 claims, 24 sources, 20 hedges, all long fuzzy misses)
on that article. Reported: the wall time of one `bot.grounding.ground` call (the article
index included), median of 3.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.grounding import ground
from bot.models import ArticleInfo, Claim, Hedge, Rating, Report, Source

TRUTH = REPO.parent / "shared" / "extraction-benchmark" / "ground-truth.json"
SEED = REPO / "examples" / "putin-coup-tabloid.txt"
SIZES = (10_000, 50_000, 100_000, 200_000, 332_000, 400_000)


def corpus() -> str:
    if TRUTH.exists():
        bodies = [p["articleBody"] for p in json.loads(TRUTH.read_text("utf-8")).values()]
        return "\n".join(bodies)
    return (SEED.read_text("utf-8") + "\n") * 150


def quotes(text: str, rnd: random.Random) -> list[str]:
    sentences = [s.strip() for s in text.replace("\n", " ").split(". ") if 60 < len(s) < 300]
    common = [w for w, _ in Counter(text.lower().split()).most_common(60)]
    out = [rnd.choice(sentences) for _ in range(5)]
    out += [(s := rnd.choice(sentences))[:20] + s[21:] for _ in range(5)]
    out += [" ".join(rnd.choice(common) for _ in range(18)) for _ in range(5)]
    out += [s.replace("'", "’").replace('"', "“") for s in sentences[-5:]]
    return out


def report(claims: list[str]) -> Report:
    return Report(analyzer="llm", article=ArticleInfo(), summary="s",
                  rating=Rating.from_score(3, "r"),
                  claims=[Claim(id=f"c{i}", text="t", quote=q, verifiability="partly")
                          for i, q in enumerate(claims)])


def timed(text: str, claims: list[str] | Report) -> tuple[float, int]:
    evidence = report([])
    answer = claims if isinstance(claims, Report) else report(claims)
    runs = []
    grounded = 0
    for _ in range(3):
        start = time.perf_counter()
        result = ground(answer, text, evidence)
        runs.append((time.perf_counter() - start) * 1000)
        grounded = sum(c.grounded for c in result.claims)
    return statistics.median(runs), grounded


def main() -> None:
    source = corpus()
    rnd = random.Random(8)
    print(f"{'article':>22}  {'ground()':>10}  grounded")
    for size in SIZES:
        text = (source * (size // len(source) + 1))[:size]
        ms, grounded = timed(text, quotes(text, rnd))
        print(f"{size:>12,} chars real  {ms:>8.1f} ms  {grounded}/20")
    size = SIZES[-1]
    one_line = source.replace(". ", " ").replace("\n", " ")
    text = (one_line * (size // len(one_line) + 1))[:size]
    ms, grounded = timed(text, quotes(source[:size], rnd))
    print(f"{size:>12,} chars 1 para  {ms:>6.1f} ms  {grounded}/20")
    words = ["the", "said", "that", "of", "and", "a", "to", "in", "police", "minister"]
    text = " ".join(rnd.choice(words) for _ in range(size // 5))[:size]
    claims = [" ".join(rnd.choice(words) for _ in range(20)) + " x" for _ in range(20)]
    ms, grounded = timed(text, claims)
    print(f"{size:>12,} chars 10 words  {ms:>5.1f} ms  {grounded}/20")

    def nonsense(count: int) -> str:
        return " ".join(rnd.choice(words) for _ in range(count)) + " x"

    capped = report([nonsense(100) for _ in range(12)])
    capped.sources = [Source(id=f"s{i}", name=nonsense(20), kind="named_person",
                             mention=nonsense(50)) for i in range(24)]
    capped.hedges = [Hedge(marker=nonsense(3), quote=nonsense(100)) for _ in range(20)]
    ms, grounded = timed(text, capped)
    print(f"{size:>12,} chars, every cap  {ms:>5.1f} ms  {grounded}/12")


if __name__ == "__main__":
    main()
