"""Is the bot still answering while it checks a heavy page? `python bench/responsive.py`.

The real bot (`python -m bot run`, its own process, offline analyzer) long-polls the fake
Bot API (tests/fake_telegram.py); a local site (tests/local_site.py) serves an article
written as one paragraph, 400 KB by default. Chat A sends the link; from the moment the
site has served the page until A's card arrives, chat B sends /help again and again, each
time waiting for the answer. Reported: B's /help latency (message delivered to the bot ->
answer sent) idle and during A's check (median and max), how many /help answers came
before A's card, and A's time from link to card.

    .venv/bin/python bench/responsive.py                    # this checkout
    .venv/bin/python bench/responsive.py --repo /tmp/old    # another checkout's bot, same fakes
    .venv/bin/python bench/responsive.py --chars 154000 --plain
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fake_telegram import FakeTelegram
from tests.local_site import LocalSite

SEED = (REPO / "examples" / "putin-coup-tabloid.txt").read_text(encoding="utf-8")


def one_paragraph(chars: int) -> str:
    sentences = " ".join(SEED.split()[12:])
    parts: list[str] = []
    size = 0
    while size < chars:
        parts.append(f"Part {len(parts) + 1}. {sentences}")
        size += len(parts[-1]) + 1
    return " ".join(parts)[:chars]


async def ask_help(tg: FakeTelegram, user: dict, count: int) -> float:
    """Send /help from `user`, wait for answer number `count`; seconds from push to answer."""
    pushed = time.monotonic()
    tg.message(tg.private_chat(user), user, "/help")
    answers = await tg.wait_for("sendMessage", chat_id=user["id"], count=count, timeout=900)
    return answers[count - 1].time - pushed


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=400_000, help="paragraph length")
    parser.add_argument("--plain", action="store_true", help="serve text/plain, not HTML")
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout whose bot to run")
    args = parser.parse_args()

    paragraph = one_paragraph(args.chars)
    if args.plain:
        page, content_type = f"A very long story\n\n{paragraph}", "text/plain; charset=utf-8"
    else:
        page = (f"<html><head><title>A very long story</title></head><body><article>"
                f"<h1>A very long story</h1><p>{paragraph}</p></article></body></html>")
        content_type = "text/html; charset=utf-8"

    with FakeTelegram() as tg, LocalSite() as site, tempfile.TemporaryDirectory() as tmp:
        site.page("/long", page, content_type=content_type)
        site.page("/warm", f"<html><body><article><p>{SEED}</p></article></body></html>")
        env = {**{k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")},
               "PYTHONPATH": str(args.repo.resolve()),
               "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
               "CREDBOT_FETCH_ALLOW": site.allow_entry,
               "CREDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db"}
        env.pop("OPENAI_API_KEY", None)
        env.pop("OPENAI_BASE_URL", None)
        bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp,
                                                   env=env)
        try:
            await tg.wait_for("deleteWebhook", timeout=30)
            alice, bob, carol = tg.user(1, "Alice"), tg.user(2, "Bob"), tg.user(3, "Carol")
            # Warm-up: imports, the worker pool, the database.
            tg.message(tg.private_chat(carol), carol, site.url("/warm"))
            await tg.wait_for("sendMessage", chat_id=3, timeout=120)
            idle = [await ask_help(tg, bob, count) for count in range(1, 6)]

            start = time.monotonic()
            tg.message(tg.private_chat(alice), alice, site.url("/long"))
            while site.hits("/long") == 0:
                await asyncio.sleep(0.005)
            busy: list[float] = []
            count = len(idle)
            while not tg.calls_of("sendMessage", chat_id=1):
                count += 1
                busy.append(await ask_help(tg, bob, count))
            [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=900)
            before_card = sum(1 for call in tg.calls_of("sendMessage", chat_id=2)[len(idle):]
                              if call.time < card.time)
        finally:
            bot.terminate()
            try:
                await asyncio.wait_for(bot.wait(), 30)
            except TimeoutError:
                bot.kill()

    def ms(values: list[float]) -> str:
        return (f"median {statistics.median(values) * 1000:.0f} ms, "
                f"max {max(values) * 1000:.0f} ms")

    kind = "text/plain" if args.plain else "HTML"
    print(f"bot: {args.repo}; page: {args.chars:,}-character paragraph, {kind}")
    print(f"/help idle: {ms(idle)}")
    print(f"/help during the check: {ms(busy)} over {len(busy)} asks; "
          f"{before_card} answered before the card")
    print(f"card: {card.time - start:.1f} s after the link; "
          f"{'a card' if 'Credibility' in card.params.get('text', '') else 'not a card'}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
