"""One bot "instance" sending a burst of sendMessage calls through a rate limiter.

The shared-limit tests and `bench/ratelimit.py` run it in-process (several limiters, each
with its own Redis client, in one event loop) and as a real separate process:

    TELEGRAM_BOT_TOKEN=... python -m tests.ratelimit_burst --base-url URL --chats 1-60 \
        [--redis-url redis://127.0.0.1:6379/0 --prefix P]

The process prints `ready` once its bot is initialised, sends when it reads a line on
stdin (so several instances start together), and prints `sent N` at the end. Without
`--redis-url` it limits itself per process, as credbot does without `CREDBOT_REDIS_URL`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Iterable

from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.app import CredbotRateLimiter
from bot.ratelimit import SharedRateLimiter


def make_bot(base_url: str, token: str, limiter: AIORateLimiter) -> ExtBot:
    # Enough connections that the limiter, not the HTTP pool, decides when a call leaves.
    return ExtBot(token, base_url=base_url, rate_limiter=limiter,
                  request=HTTPXRequest(connection_pool_size=64, pool_timeout=30.0))


async def send_all(bot: ExtBot, chat_ids: Iterable[int], text: str = "card") -> int:
    """Send one message to each chat, all at once (a burst of finished checks)."""
    results = await asyncio.gather(*(bot.send_message(chat_id, f"{text} {index}")
                                     for index, chat_id in enumerate(chat_ids)))
    return len(results)


async def send_burst(base_url: str, token: str, limiter: AIORateLimiter,
                     chat_ids: Iterable[int], text: str = "card") -> int:
    async with make_bot(base_url, token, limiter) as bot:
        return await send_all(bot, chat_ids, text)


def _chats(spec: str) -> range:
    first, _, last = spec.partition("-")
    return range(int(first), int(last or first) + 1)


async def _main(args: argparse.Namespace) -> None:
    token = os.environ["TELEGRAM_BOT_TOKEN"]
    limiter: AIORateLimiter = (SharedRateLimiter(args.redis_url, token, prefix=args.prefix)
                               if args.redis_url else CredbotRateLimiter(max_retries=3))
    async with make_bot(args.base_url, token, limiter) as bot:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        sent = await send_all(bot, _chats(args.chats), args.text)
    print(f"sent {sent}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--chats", required=True, help="chat ids, FIRST-LAST")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--prefix", default="credbot:rl")
    parser.add_argument("--text", default="card")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
