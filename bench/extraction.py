"""Extraction quality and overhead of the full link pipeline, on Zyte's article-extraction benchmark.

    .venv/bin/python bench/extraction.py              # the full pipeline (fetch_article)
    .venv/bin/python bench/extraction.py --baseline   # trafilatura.extract alone, as the benchmark ran it
    .venv/bin/python bench/extraction.py --worst 10   # also list the weakest pages

The 181 pages of ../shared/extraction-benchmark are served gzip-encoded, without a charset,
from a local HTTP server on 127.0.0.1; each is fetched through `bot.fetch.fetch_article`
(the safety checks, bounded decoding, charset detection and extraction all run; the
server is reached through CREDBOT_FETCH_ALLOW). Pages the pipeline refuses (paywall
teaser, no article) score as empty output, as a missing answer would in the benchmark.

Scoring reimplements the benchmark's evaluate.py: token 4-gram shingles, tp/fp/fn per page
normalised to sum 1, precision and recall averaged over pages, F1 from those two means,
and +/- a 1.96-sigma bootstrap interval (1000 resamples).

Overhead is the wall time of one fetch_article call against the local server (so it is
the fetcher's and the extractor's own cost, not the network's): median and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.errors import FetchError  # noqa: E402
from bot.fetch import fetch_article  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.local_site import LocalSite, Response  # noqa: E402

BENCHMARK = REPO.parent / "shared" / "extraction-benchmark"
_TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)


# --- the benchmark's scoring (evaluate.py) ---------------------------------------

def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    grams = [tuple(tokens[i:i + n]) for i in range(0, max(1, len(tokens) - n + 1))]
    return Counter(gram for gram in grams if gram)


def shingle_match(true: str, pred: str) -> tuple[float, float, float]:
    """(tp, fp, fn) over 4-gram shingles, normalised so that every page weighs the same."""
    true_counts, pred_counts = _shingles(true), _shingles(pred)
    tp = fp = fn = 0.0
    for key in set(true_counts) | set(pred_counts):
        t, p = true_counts.get(key, 0), pred_counts.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total > 0 else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def metrics(rows: list[tuple[float, float, float]]) -> dict[str, float]:
    precision = statistics.mean(_precision(*row) for row in rows if row[0] + row[1] > 0)
    recall = statistics.mean(_recall(*row) for row in rows if row[0] + row[2] > 0)
    return {"f1": 2 * precision * recall / (precision + recall), "precision": precision,
            "recall": recall}


def with_intervals(rows: list[tuple[float, float, float]], n_bootstrap: int = 1000,
                   seed: int = 0) -> dict[str, float]:
    result = metrics(rows)
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {}
    for _ in range(n_bootstrap):
        resample = [rows[rng.randrange(len(rows))] for _ in rows]
        for key, value in metrics(resample).items():
            samples.setdefault(key, []).append(value)
    for key, values in samples.items():
        result[f"{key}_ci"] = 1.96 * statistics.stdev(values)
    return result


# --- running the pipeline --------------------------------------------------------

def load_pages() -> tuple[dict[str, dict], dict[str, bytes]]:
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {key: (BENCHMARK / "html" / f"{key}.html.gz").read_bytes() for key in truth}
    return truth, pages


async def run_pipeline(pages: dict[str, bytes], site: LocalSite
                       ) -> tuple[dict[str, str], dict[str, float], dict[str, str]]:
    settings = Settings(_env_file=None, fetch_allow=[site.allow_entry], fetch_timeout=30.0)
    bodies: dict[str, str] = {}
    seconds: dict[str, float] = {}
    refused: dict[str, str] = {}
    try:  # warm imports and caches so the first page's time is not the import time
        await fetch_article(site.url(f"/{next(iter(pages))}"), settings)
    except FetchError:
        pass
    for key in pages:
        started = time.perf_counter()
        try:
            article = await fetch_article(site.url(f"/{key}"), settings)
            bodies[key] = article.text
        except FetchError as exc:
            bodies[key] = ""
            refused[key] = exc.user_message
        seconds[key] = time.perf_counter() - started
    return bodies, seconds, refused


def run_baseline(pages: dict[str, bytes]) -> dict[str, str]:
    import trafilatura

    return {key: trafilatura.extract(gzip.decompress(raw).decode("utf-8"), include_comments=False)
            or "" for key, raw in pages.items()}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", action="store_true",
                        help="score trafilatura.extract alone, as the benchmark ran it")
    parser.add_argument("--worst", type=int, default=0, help="list the N pages with the lowest F1")
    args = parser.parse_args(argv)

    truth, pages = load_pages()
    seconds: dict[str, float] = {}
    refused: dict[str, str] = {}
    if args.baseline:
        bodies = run_baseline(pages)
        name = "trafilatura.extract (baseline)"
    else:
        with LocalSite() as site:
            for key, raw in pages.items():
                site.add(f"/{key}", Response(raw, 200, {"Content-Type": "text/html",
                                                         "Content-Encoding": "gzip"}))
            bodies, seconds, refused = asyncio.run(run_pipeline(pages, site))
        name = "credbot fetch_article"

    rows = {key: shingle_match(truth[key].get("articleBody", ""), bodies[key]) for key in truth}
    result = with_intervals(list(rows.values()))
    print(f"{name}: {len(truth)} pages")
    print(f"  F1 {result['f1']:.3f} ± {result['f1_ci']:.3f}   "
          f"precision {result['precision']:.3f} ± {result['precision_ci']:.3f}   "
          f"recall {result['recall']:.3f} ± {result['recall_ci']:.3f}")
    if refused:
        accepted = metrics([row for key, row in rows.items() if key not in refused])
        print(f"  on the {len(truth) - len(refused)} pages not refused: F1 {accepted['f1']:.3f}   "
              f"precision {accepted['precision']:.3f}   recall {accepted['recall']:.3f}")
    if seconds:
        values = [value * 1000 for value in seconds.values()]
        print(f"  fetch+extraction per page: median {statistics.median(values):.0f} ms, "
              f"p95 {_percentile(values, 0.95):.0f} ms, max {max(values):.0f} ms")
        print(f"  refused as not an article: {len(refused)}")
        for key, message in refused.items():
            print(f"    {key[:12]} {truth[key]['url'][:70]} -> {message}")
    if args.worst:
        print("  weakest pages:")
        scored = sorted(rows.items(), key=lambda item: metrics([item[1]])["f1"]
                        if item[1][0] > 0 else 0.0)
        for key, row in scored[:args.worst]:
            p, r = _precision(*row), _recall(*row)
            print(f"    {key[:12]} P {p:.2f} R {r:.2f}  {truth[key]['url'][:80]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
