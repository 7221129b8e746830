"""Telegram's send rate across instances, with and without Redis: `python bench/ratelimit.py`.

A burst of sendMessage calls (200 by default, each to its own private chat: finished checks)
is split over several real processes (`tests/ratelimit_burst.py`, 2 by default), which start
together against one fake Bot API (tests/fake_telegram.py). Each process limits its sends
per process (credbot without `CREDBOT_REDIS_URL`) or through the shared buckets in Redis.
Reported from the fake's arrival times: how long the burst took, messages per second, and
the most messages inside any one-second window (Telegram allows about 30; more means 429s).
Also the cost of one shared-bucket reservation (the Lua script, one round trip).

    .venv/bin/python bench/ratelimit.py
    .venv/bin/python bench/ratelimit.py --messages 400 --processes 4
    .venv/bin/python bench/ratelimit.py --redis-url redis://127.0.0.1:6379/0

Results (2 cores shared with other jobs, load average 4-6; Redis 7.0 on 127.0.0.1; the floor
is 199 gaps at 30/s = 6.63 s, 399 = 13.30 s):

| burst | limits | took | msg/s | most in 1 s |
|---|---|---|---|---|
| 200 from 1 process | per process | 5.63 s | 35.4 | 61 |
| 200 from 1 process | shared (Redis) | 6.62 s | 30.0 | 31 |
| 200 from 2 processes | per process | 2.33 s | 85.4 | 120 |
| 200 from 2 processes | shared (Redis) | 6.63 s | 30.0 | 31 |
| 400 from 4 processes | per process | 2.19 s | 182.4 | 257 |
| 400 from 4 processes | shared (Redis) | 13.28 s | 30.0 | 32 |

One reservation (the Lua script, one round trip) costs a median 125-250 µs. The per-process
limiter lets 30 go at once and then 30 a second, so even one process puts ~60 in a second;
the shared bot-wide bucket paces them (31 = a window's two edges).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.ratelimit import OVERALL, PRIVATE, TAKE, key_namespace
from tests.fake_telegram import FakeTelegram


def most_in_any_window(times: list[float], width: float = 1.0) -> int:
    ordered = sorted(times)
    first = best = 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= width:
            first += 1
        best = max(best, last - first + 1)
    return best


async def burst(messages: int, processes: int, redis_url: str, prefix: str) -> dict[str, float]:
    """One burst split over `processes` real processes; figures from the fake's clock."""
    with FakeTelegram() as tg:
        share = -(-messages // processes)
        children = []
        for index in range(processes):
            first, last = index * share + 1, min(messages, (index + 1) * share)
            command = [sys.executable, "-m", "tests.ratelimit_burst", "--base-url", tg.base_url,
                       "--chats", f"{first}-{last}"]
            if redis_url:
                command += ["--redis-url", redis_url, "--prefix", prefix]
            children.append(await asyncio.create_subprocess_exec(
                *command, cwd=REPO, env={**os.environ, "TELEGRAM_BOT_TOKEN": tg.token},
                stdin=subprocess.PIPE, stdout=subprocess.PIPE))
        for child in children:
            assert child.stdout is not None
            assert await child.stdout.readline() == b"ready\n"
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"go\n")
            await child.stdin.drain()
        for child in children:
            await child.wait()
        times = sorted(call.time for call in tg.calls_of("sendMessage"))
    assert len(times) == messages, f"{len(times)} of {messages} arrived"
    took = times[-1] - times[0]
    return {"took": took, "rate": (messages - 1) / took, "peak": most_in_any_window(times)}


async def script_cost(redis_url: str, prefix: str, calls: int = 2000) -> float:
    """Median microseconds of one reservation (EVALSHA round trip), taken one at a time."""
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    take = client.register_script(TAKE)
    keys = [f"{prefix}:{{{key_namespace('bench')}}}:{name}" for name in ("pause", "chat:1", "all")]
    tiny = (1, 0)  # one microsecond apart: measures the call, never waits
    samples = []
    try:
        for _ in range(calls):
            started = time.perf_counter()
            await take(keys=keys, args=[*tiny, *tiny])
            samples.append((time.perf_counter() - started) * 1e6)
    finally:
        await client.delete(*keys)
        await client.aclose()
    return statistics.median(samples)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    prefix = f"credbot-bench:{uuid.uuid4().hex}"
    floor = (args.messages - 1) * OVERALL.interval
    print(f"{args.messages} sendMessage to {args.messages} private chats from "
          f"{args.processes} processes; Telegram's ~30/s makes the floor {floor:.2f} s")
    print(f"{'limits':<26} {'took':>7} {'msg/s':>7} {'most in 1 s':>12}")
    for label, url in (("per process (no Redis)", ""), ("shared through Redis", args.redis_url)):
        figures = await burst(args.messages, args.processes, url, prefix)
        print(f"{label:<26} {figures['took']:>6.2f}s {figures['rate']:>7.1f} "
              f"{figures['peak']:>12.0f}")
    cost = await script_cost(args.redis_url, prefix)
    print(f"one shared reservation (EVALSHA round trip): median {cost:.0f} µs "
          f"(private chats: burst {PRIVATE.burst}, then 1 per {PRIVATE.interval:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
