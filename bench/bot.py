"""Benchmark the Telegram bot against the local fakes: `python bench/bot.py`.

The real bot (`python -m bot run`, a separate process so its memory is its own) long-polls
the fake Bot API (tests/fake_telegram.py) and calls the fake OpenAI-compatible server
(tests/fake_llm.py), which answers every analysis after a fixed latency. Measured:

1. overhead per check: update delivered -> card sent, minus the LLM's fixed latency
   (median and p99), over sequential checks of different articles in different chats;
2. a burst: N chats forward different articles at the same moment; total time against its
   floor, max(LLM latency, N messages / 30 per second — Telegram's broadcast limit);
3. Telegram calls per check, by method;
4. the bot's resident memory idle, and its peak during the burst.

Articles are the shared corpus and the seed, each made distinct with a numbered first line,
so every check misses the report cache and costs one LLM call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fake_llm import FakeLLM, delay, reply  # noqa: E402
from tests.fake_telegram import FakeTelegram, MESSAGE_METHODS  # noqa: E402

TELEGRAM_RATE = 30.0  # messages per second, Telegram's documented broadcast limit


def articles() -> list[str]:
    texts = [(REPO / "examples" / "putin-coup-tabloid.txt").read_text(encoding="utf-8")]
    corpus = REPO.parent / "shared" / "corpus"
    texts += [json.loads(p.read_text(encoding="utf-8"))["text"] for p in sorted(corpus.glob("*.json"))]
    return [t for t in texts if len(t) < 3800]


def analysis_for(request) -> dict:
    """A valid analysis whose quote is the article's first sentence-ish span."""
    user = request.content("user")
    body = user.split(">>>", 2)[-1] if ">>>" in user else user
    words = [w for w in body.split() if w.isascii()][:8]
    quote = " ".join(words) or "the article"
    return {
        "summary": "The main claim rests on one unnamed source.",
        "rating": {"score": 2, "rationale": "Thin sourcing."},
        "claims": [{"id": "c1", "text": "The main claim.", "quote": quote, "source_ids": ["s1"],
                    "verifiability": "unverifiable", "hedges": [], "check": "Find the original."}],
        "sources": [{"id": "s1", "name": "unnamed source", "kind": "anonymous", "role": None,
                     "mention": quote, "via": None}],
        "hedges": [], "red_flags": [{"code": "anonymous_sourcing", "detail": "Unnamed."}],
        "next_steps": ["Look for the original report."],
    }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def wait_card(tg: FakeTelegram, chat_id: int, after: int, timeout: float) -> float:
    [card] = await tg.wait_for("sendMessage", chat_id=chat_id, after=after, timeout=timeout,
                               where=lambda c: "reply_markup" in c.params)
    return card.time


async def wait_cards(tg: FakeTelegram, chats: set[int], after: int, timeout: float) -> list[float]:
    """One poller for the whole burst (100 pollers would steal the bot's CPU)."""
    deadline = time.monotonic() + timeout
    while True:
        cards = {c.chat_id: c.time for c in tg.calls[after:]
                 if c.method == "sendMessage" and c.ok and "reply_markup" in c.params
                 and c.chat_id in chats}
        if len(cards) == len(chats):
            return list(cards.values())
        if time.monotonic() > deadline:
            raise AssertionError(f"only {len(cards)} of {len(chats)} cards in {timeout} s")
        await asyncio.sleep(0.02)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm-latency", type=float, default=1.0, help="seconds per LLM answer")
    parser.add_argument("--checks", type=int, default=30, help="sequential checks for overhead")
    parser.add_argument("--burst", type=int, default=100, help="chats in the burst")
    parser.add_argument("--profile", metavar="PATH", help="run the bot under cProfile, save here")
    args = parser.parse_args()
    texts = articles()
    latency = args.llm_latency

    with FakeTelegram() as tg, FakeLLM() as llm, tempfile.TemporaryDirectory() as tmp:
        # As in the fake Bot API: no Nagle stalls (~40 ms) between headers and body.
        llm._server.RequestHandlerClass.disable_nagle_algorithm = True
        llm._server.socket.listen(512)  # and no SYN drops when 100 checks connect at once
        llm.default = lambda request: delay(latency, reply(analysis_for(request)))
        env = {**{k: v for k, v in os.environ.items() if not k.endswith("_PROXY")},
               "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
               "OPENAI_BASE_URL": llm.url, "OPENAI_API_KEY": "sk-bench",
               "CREDBOT_MODEL": "gpt-4o-mini", "CREDBOT_DATABASE_URL":
               f"sqlite+aiosqlite:///{tmp}/bench.db",
               **{f"CREDBOT_{scope}_CHECKS_PER_{period}": "1000000"
                  for scope in ("USER", "CHAT") for period in ("HOUR", "DAY")}}
        profile = ["-m", "cProfile", "-o", str(Path(args.profile).resolve())] if args.profile else []
        bot = subprocess.Popen([sys.executable, *profile, "-m", "bot", "run"], cwd=tmp, env=env)
        try:
            await tg.wait_for("setMyCommands", timeout=30)
            await tg.wait_for("deleteWebhook", timeout=10)
            await asyncio.sleep(0.5)
            idle_kib = rss_kib(bot.pid)

            chat = 10_000
            serial = 0

            def forward(chat_id: int) -> float:
                nonlocal serial
                serial += 1
                user = tg.user(chat_id, f"User{chat_id}")
                text = f"Bulletin {serial}.\n" + texts[serial % len(texts)]
                pushed = time.monotonic()
                tg.message(tg.private_chat(user), user, text, forward_origin={
                    "type": "channel", "date": 1, "message_id": serial,
                    "chat": tg.channel(-1000 - serial % 7, "Some channel")})
                return pushed

            # Warm-up: imports, encodings, connection pools.
            for _ in range(3):
                chat += 1
                mark = tg.mark()
                forward(chat)
                await wait_card(tg, chat, mark, 30)

            overheads: list[float] = []
            shown: list[float] = []
            calls: Counter[str] = Counter()
            for _ in range(args.checks):
                chat += 1
                mark = tg.mark()
                pushed = forward(chat)
                sent = await wait_card(tg, chat, mark, 30)
                overheads.append((sent - pushed - latency) * 1000)
                [action] = await tg.wait_for("sendChatAction", chat_id=chat, after=mark)
                shown.append((action.time - pushed) * 1000)
                await asyncio.sleep(0.05)  # let trailing calls for this chat land
                for call in tg.calls_of(chat_id=chat, ok=None):
                    calls[call.method] += 1

            peak = idle_kib
            mark = tg.mark()
            first_chat = chat + 1
            start = time.monotonic()
            for _ in range(args.burst):
                chat += 1
                forward(chat)

            async def sample() -> None:
                nonlocal peak
                while True:
                    peak = max(peak, rss_kib(bot.pid))
                    await asyncio.sleep(0.05)

            sampler = asyncio.create_task(sample())
            times = await wait_cards(tg, set(range(first_chat, chat + 1)), mark, 120)
            sampler.cancel()
            total = max(times) - start
            floor = max(latency, args.burst / TELEGRAM_RATE)
            sends = sorted(c.time for c in tg.calls[mark:] if c.method in MESSAGE_METHODS and c.ok)
            window_peak = max(sum(1 for t in sends if s <= t < s + 1.0) for s in sends)
            llm_arrivals = sorted(r.time for r in llm.completions if r.time >= start)
            timeline = (f"LLM requests arrived {llm_arrivals[0] - start:.2f}-"
                        f"{llm_arrivals[-1] - start:.2f} s, cards sent "
                        f"{min(times) - start:.2f}-{total:.2f} s") if llm_arrivals else ""
            first_action = {}
            for c in tg.calls[mark:]:
                if c.method == "sendChatAction" and c.chat_id not in first_action:
                    first_action[c.chat_id] = c.time - start
            shown_burst = max(first_action.values()) * 1000 if first_action else float("nan")
            retries = sum(1 for c in tg.calls[mark:] if c.status == 429)
        finally:
            bot.terminate()
            try:
                bot.wait(timeout=15)
            except subprocess.TimeoutExpired:
                bot.kill()

    per_check = {method: round(count / args.checks, 2) for method, count in sorted(calls.items())}
    print(f"credbot bot benchmark (LLM latency {latency:.2f} s, fake Bot API and LLM on 127.0.0.1)")
    print(f"overhead per check, update -> card minus LLM, {args.checks} checks: "
          f"median {statistics.median(overheads):.1f} ms, p99 {percentile(overheads, 0.99):.1f} ms "
          f"(target < 50 ms median)")
    print(f"burst of {args.burst} chats: {total:.2f} s; floor max(LLM {latency:.2f} s, "
          f"{args.burst} msgs / {TELEGRAM_RATE:.0f} per s = {args.burst / TELEGRAM_RATE:.2f} s) = "
          f"{floor:.2f} s; ratio {total / floor:.2f}x (target <= 1.3x); "
          f"peak messages in any 1 s: {window_peak}; 429s: {retries}")
    print(f"burst timeline: {timeline}")
    print(f"work shown (first sendChatAction) after: median {statistics.median(shown):.1f} ms "
          f"sequential; slowest in the burst {shown_burst:.0f} ms (target < 500 ms)")
    print(f"Telegram calls per check: {sum(calls.values()) / args.checks:.2f} {per_check}")
    print(f"resident memory: idle {idle_kib / 1024:.1f} MiB, burst peak {peak / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
