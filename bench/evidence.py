"""Speed of the offline evidence analyzer: the seed article and 181 real news bodies.

    .venv/bin/python bench/evidence.py

Real bodies come from ../shared/extraction-benchmark/ground-truth.json (Zyte's benchmark);
each is analysed once after a warm-up, and the wall time of `bot.evidence.analyze` is reported
as median and p95 per article, and per 1,000 words.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.evidence import analyze  # noqa: E402
from bot.models import Article  # noqa: E402
from bot.text import word_count  # noqa: E402

TRUTH = REPO.parent / "shared" / "extraction-benchmark" / "ground-truth.json"
SEED = REPO / "examples" / "putin-coup-tabloid.txt"


def timed(text: str) -> float:
    start = time.perf_counter()
    analyze(Article(text=text))
    return (time.perf_counter() - start) * 1000


def main() -> None:
    seed = SEED.read_text(encoding="utf-8")
    timed(seed)  # warm-up: regex compilation, imports
    seed_ms = statistics.median(timed(seed) for _ in range(20))
    print(f"seed article ({word_count(seed)} words): median {seed_ms:.1f} ms")
    if not TRUTH.exists():
        print(f"no benchmark bodies at {TRUTH}")
        return
    bodies = [p["articleBody"] for p in json.loads(TRUTH.read_text("utf-8")).values()]
    times = [timed(body) for body in bodies]
    per_k = [t / max(1, word_count(b)) * 1000 for t, b in zip(times, bodies)]
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"{len(bodies)} real articles: median {statistics.median(times):.1f} ms, "
          f"p95 {p95:.1f} ms, max {max(times):.1f} ms; "
          f"median {statistics.median(per_k):.1f} ms per 1,000 words")


if __name__ == "__main__":
    main()
