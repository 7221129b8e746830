"""Telegram's send limits shared by every instance of one bot, through Redis.

Telegram's flood limits belong to the bot token, not to a process: about 30 messages a
second in all, about one a second in a private chat (short bursts tolerated) and 20 a minute
in a group. `CredbotRateLimiter` meters each process on its own, so N instances may send N
times the budget and collect 429s. With `CREDBOT_REDIS_URL` set, `SharedRateLimiter` also
keeps one set of buckets in Redis for all of them.

Each bucket is GCRA, a token bucket stored as one timestamp (the "theoretical arrival
time"). One Lua script (EVALSHA) reads Redis's own clock, so the instances' clocks do not
matter, and *reserves* a slot atomically: a burst queues in order with one Redis call per
message and no polling. The bot-wide bucket has no burst: sends are paced one per 1/27 s, a
tenth under Telegram's 30, because a slot is the moment a send may *leave*: a send that
leaves a little late (a busy event loop, a slow connection) arrives next to the ones due
after it, and at exactly 30 a second those stragglers made 33-35 in one second at the Bot
API. With the tenth kept back no one-second window holds more than 30 (Telegram asks for
sends to be spread out; AIORateLimiter's own bucket lets 30 go at once and then 30 a second). A chat's bucket is
taken before the bot-wide one, as AIORateLimiter nests its limiters, so a group that used up
its minute never holds bot-wide slots that other chats could use. A 429 pauses every
instance for its retry_after. A task that wakes well after its slot (the event loop
stalled) queues again once rather than going out in a bunch with the sends due now.

The per-process limiter keeps running underneath; it never binds tighter than the shared
buckets, and it is what is left when Redis fails. Redis is an optimisation, never a
dependency of sending: when it is down, slow or refuses us, the call goes out with the
per-process limits, one warning is logged (where Redis is, never the URL's password), Redis
is left alone for a few seconds and then tried again.

Keys are `<prefix>:{<first 16 hex of sha256(bot token)>}:...`: never the token itself; the
braces keep one bot's keys in one Redis Cluster slot, which a multi-key script needs. They
expire as soon as they no longer hold anything back.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from . import logsafe
from .app import CredbotRateLimiter
from .settings import Settings

if TYPE_CHECKING:  # redis is imported when a limiter first connects (it costs ~0.1 s)
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

log = logging.getLogger("credbot.ratelimit")

SCHEMES = ("redis", "rediss", "unix")
Callback = Callable[..., Coroutine[Any, Any, Any]]

# KEYS[1] is the pause a 429 set; KEYS[2..] are buckets, taken in order. ARGV holds two
# numbers per bucket: its interval and its burst tolerance, in microseconds. Each bucket's
# slot is reserved whether or not it must be waited for; the script stops at the first that
# must, so the next bucket is only asked once that wait is over. Returns {buckets taken,
# microseconds to wait, Redis's clock}. Times are whole microseconds (below 2^53, exact in
# Lua's doubles), written with %.0f because tostring() would round them to 14 digits.
TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then
  return {0, paused * 1000, now}
end
for i = 2, #KEYS do
  local interval = tonumber(ARGV[2 * i - 3])
  local tolerance = tonumber(ARGV[2 * i - 2])
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then
    tat = now
  end
  local nxt = tat + interval
  redis.call('SET', KEYS[i], string.format('%.0f', nxt),
             'PX', math.ceil((nxt - now) / 1000) + 1000)
  local wait = tat - tolerance - now
  if wait > 0 then
    return {i - 1, wait, now}
  end
end
return {#KEYS - 1, 0, now}
"""


# KEYS[1] is the pause; ARGV[1] its length in milliseconds. A longer pause already set stays.
# (A script rather than PEXPIRE's GT option, which needs Redis 7.)
PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
end
return 0
"""


@dataclass(frozen=True)
class Bucket:
    """A send rate: one send per `interval` seconds, `burst` of them back to back when idle."""

    interval: float
    burst: int = 1

    @property
    def script_args(self) -> tuple[int, int]:
        """Interval and burst tolerance in whole microseconds; the interval rounds up, so
        rounding never lets one send more into a window."""
        interval = max(1, math.ceil(self.interval * 1_000_000))
        return interval, interval * (max(1, self.burst) - 1)


OVERALL = Bucket(1 / 27)  # Telegram's 30 a second per bot, paced with a tenth kept back
PRIVATE = Bucket(1.0, burst=3)  # ~1 a second per private chat; a card and two quick button edits
GROUP = Bucket(3.0, burst=20)  # 20 a minute per group, the burst AIORateLimiter allows per process


def key_namespace(bot_token: str) -> str:
    """What identifies the bot in Redis keys: a hash, so a key never shows the token."""
    return hashlib.sha256(bot_token.encode()).hexdigest()[:16]


def redis_location(url: str) -> str:
    """Where Redis is, for log lines: host and port (or the socket path), no credentials."""
    try:
        parts = urlsplit(url)
        if parts.scheme == "unix":
            return f"unix:{parts.path}"
        return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
    except ValueError:
        return "the configured Redis"


def _password_spellings(url: str) -> set[str]:
    try:
        password = urlsplit(url).password
    except ValueError:
        return set()
    return {password, unquote(password), quote(unquote(password), safe="")} if password else set()


class RedisClock:
    """Redis's clock in this process's monotonic time.

    A slot is a moment on Redis's clock. Sleeping "wait" from when the answer is read would
    add however long the event loop took to read it (at a burst's start, a hundred answers
    queue up), and the sends would bunch. Each answer bounds the offset between the clocks
    from above (Redis read its clock before we read the answer); the smallest of the recent
    ones is the closest. Recent only, so a step of Redis's wall clock is forgotten.
    """

    def __init__(self, samples: int = 64) -> None:
        self._offsets: deque[float] = deque(maxlen=samples)

    def local(self, redis_time: float) -> float:
        """`redis_time` (seconds, as just read from Redis) in `time.monotonic()` terms."""
        self._offsets.append(time.monotonic() - redis_time)
        return redis_time + min(self._offsets)


class SharedRateLimiter(CredbotRateLimiter):
    """CredbotRateLimiter plus Telegram's limits shared through Redis by all instances."""

    REDIS_RETRY_AFTER = 5.0  # seconds Redis is left alone after it failed
    WARN_EVERY = 60.0  # at most one "Redis unavailable" warning in this many seconds
    POOL_SIZE = 16  # connections per process; one script call takes well under a millisecond

    def __init__(self, redis_url: str, bot_token: str, *, prefix: str = "credbot:rl",
                 overall: Bucket = OVERALL, private: Bucket = PRIVATE, group: Bucket = GROUP,
                 redis_timeout: float = 1.0, **retries: Any) -> None:
        super().__init__(**retries)
        try:
            scheme = urlsplit(redis_url).scheme
        except ValueError:
            scheme = ""
        if scheme not in SCHEMES:  # said without the URL: it may hold a password
            raise ValueError("CREDBOT_REDIS_URL must start with redis://, rediss:// or unix://")
        logsafe.add_secrets(_password_spellings(redis_url))
        self.redis_url = redis_url
        self.where = redis_location(redis_url)
        self.keys = f"{prefix}:{{{key_namespace(bot_token)}}}:"
        self.overall, self.private, self.group = overall, private, group
        self.redis_timeout = redis_timeout
        self._redis: Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}
        self._clock = RedisClock()
        self._resting_until = 0.0  # monotonic time before which Redis is not asked
        self._last_warning = -math.inf
        self._failing = False
        self._failure_told = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SharedRateLimiter:
        token = settings.telegram_bot_token
        return cls(settings.redis_url or "", token.get_secret_value() if token else "",
                   max_retries=3)

    # --- PTB's BaseRateLimiter ------------------------------------------------------------
    async def initialize(self) -> None:
        """Say at start whether sends are shared (a PING); a failure is the usual fallback."""
        await super().initialize()
        try:
            await self._client().ping()
        except Exception as exc:  # noqa: BLE001 - any failure means per-process limits
            self._failed(exc)
        else:
            log.info("Telegram send limits are shared through Redis at %s", self.where)

    async def shutdown(self) -> None:
        redis, self._redis = self._redis, None
        self._scripts.clear()
        if redis is not None:
            # Closing a connection to a Redis that went away may fail; there is nothing to do.
            with contextlib.suppress(Exception):
                await redis.aclose()
        await super().shutdown()

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> Any:
        buckets = self.buckets_for(endpoint, data)
        if buckets:
            callback = functools.partial(self._send_in_turn, buckets, callback)
        return await super().process_request(callback, args, kwargs, endpoint, data,
                                              rate_limit_args)

    # --- the shared buckets ---------------------------------------------------------------
    def buckets_for(self, endpoint: str, data: dict[str, Any]) -> list[tuple[str, Bucket]]:
        """The buckets a call takes, chat's first: none for what the per-process limiter
        leaves unmetered (chat actions, paid broadcasts, calls without a chat)."""
        chat_id = data.get("chat_id")
        if endpoint in self.UNMETERED or chat_id is None or data.get("allow_paid_broadcast"):
            return []
        try:
            chat: int | str = int(chat_id)
        except (TypeError, ValueError):
            chat = str(chat_id)
        # AIORateLimiter's rule: a negative id or an @username is a group or a channel.
        kind = self.group if isinstance(chat, str) or chat < 0 else self.private
        return [(f"chat:{chat}", kind), ("all", self.overall)]

    async def _send_in_turn(self, buckets: Sequence[tuple[str, Bucket]], callback: Callback,
                            *args: Any, **kwargs: Any) -> Any:
        await self._wait_turn(buckets)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            await self._pause_everyone(exc)
            raise

    async def _wait_turn(self, buckets: Sequence[tuple[str, Bucket]]) -> None:
        """Reserve a slot in each bucket and sleep until it comes; on any Redis failure,
        return at once (the per-process limiter has already metered this call)."""
        if time.monotonic() < self._resting_until:
            return
        pending = list(buckets)
        requeued = False
        try:
            while pending:
                keys = [self.keys + "pause", *(self.keys + name for name, _ in pending)]
                numbers = [n for _, bucket in pending for n in bucket.script_args]
                taken, wait, clock = await self._script(TAKE)(keys=keys, args=numbers)
                self._answered()
                due = self._clock.local(int(clock) / 1_000_000) + int(wait) / 1_000_000
                if due > time.monotonic():
                    await asyncio.sleep(due - time.monotonic())
                # A slot is a moment: a task that reaches it well after (the loop stalled, or
                # was too busy to read the answer) would bunch up with the sends due now.
                # It queues again, once.
                late = time.monotonic() - due > self.overall.interval
                if late and taken == len(pending) and not requeued:
                    requeued = True
                    continue
                del pending[:int(taken)]
        except Exception as exc:  # noqa: BLE001 - never fail a send over the shared limiter
            self._failed(exc)

    async def _pause_everyone(self, exc: RetryAfter) -> None:
        """Telegram's 429 is about the bot: every instance waits it out, as this one does."""
        if time.monotonic() < self._resting_until:
            return
        # As AIORateLimiter reads it: the public property warns until PTB 23.
        milliseconds = int(exc._retry_after.total_seconds() * 1000) + 100
        try:
            await self._script(PAUSE)(keys=[self.keys + "pause"], args=[milliseconds])
        except Exception as error:  # noqa: BLE001 - this instance still waits on its own
            self._failed(error)

    # --- Redis, and living without it -----------------------------------------------------
    def _client(self) -> Redis:
        if self._redis is None:
            from redis.asyncio import BlockingConnectionPool, Redis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            pool = BlockingConnectionPool.from_url(
                self.redis_url, max_connections=self.POOL_SIZE, timeout=self.redis_timeout,
                socket_connect_timeout=self.redis_timeout, socket_timeout=self.redis_timeout,
                # One immediate retry: a connection Redis dropped on restart is replaced.
                retry=Retry(NoBackoff(), 1))
            self._redis = Redis.from_pool(pool)
            self._scripts.clear()
        return self._redis

    def _script(self, source: str) -> AsyncScript:
        """The script, called by EVALSHA (loaded again when Redis lost it, e.g. a restart)."""
        client = self._client()
        if source not in self._scripts:
            self._scripts[source] = client.register_script(source)
        return self._scripts[source]

    def _failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        self._resting_until = now + self.REDIS_RETRY_AFTER
        if self._failing:
            return
        self._failing = True
        self._failure_told = now - self._last_warning >= self.WARN_EVERY
        if self._failure_told:
            self._last_warning = now
            # The exception's class only: its text could quote a server's reply or the URL.
            log.warning("Redis at %s is unavailable (%s): Telegram send limits are per "
                        "process until it answers again", self.where, type(exc).__name__)

    def _answered(self) -> None:
        if self._failing:
            self._failing = False
            if self._failure_told:
                log.info("Redis at %s answers again: Telegram send limits are shared", self.where)


def rate_limiter_for(settings: Settings) -> AIORateLimiter:
    """Shared through Redis when `CREDBOT_REDIS_URL` is set; otherwise per process."""
    if settings.redis_url:
        return SharedRateLimiter.from_settings(settings)
    return CredbotRateLimiter(max_retries=3)
