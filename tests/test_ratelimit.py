"""Telegram's send limits shared by every instance through Redis (`CREDBOT_REDIS_URL`).

Real parts only: the Redis at 127.0.0.1:6379 (tests skip when it is not running), private
`redis-server` processes where Redis must go away and come back, the fake Bot API, PTB's own
`ExtBot`, and one real separate process. What is asserted is what Telegram would count: the
fake's arrival times of sendMessage, per sliding window.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import redis

from bot.app import CredbotRateLimiter
from bot.ratelimit import Bucket, SharedRateLimiter, key_namespace, rate_limiter_for
from tests.conftest import REPO, SEED_TEXT
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings
from tests.ratelimit_burst import make_bot, send_all, send_burst

REDIS_URL = "redis://127.0.0.1:6379/0"
LOG = "credbot.ratelimit"


def _ping(port: int) -> bytes | None:
    """Redis's answer to PING on `port` (`+PONG`, or `-NOAUTH` when it wants a password)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64) or None
    except OSError:
        return None


def _redis_answers(port: int) -> bool:
    return (_ping(port) or b"").startswith(b"+PONG")


def _free_port() -> int:
    """A port nothing listens on (bound, then closed): connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_url() -> str:
    if not _redis_answers(6379):
        pytest.skip("no Redis at 127.0.0.1:6379 (start redis-server to run the shared-limit "
                    "tests)")
    return REDIS_URL


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"credbot-test:{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{name}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def most_in_any_window(times: Sequence[float], width: float) -> int:
    """The largest number of `times` inside any window (t - width, t]."""
    ordered = sorted(times)
    first = best = 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= width:
            first += 1
        best = max(best, last - first + 1)
    return best


def sent_times(tg: FakeTelegram, chat_id: int | None = None) -> list[float]:
    return [call.time for call in tg.calls_of("sendMessage", chat_id=chat_id)]


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOG and r.levelno >= logging.WARNING]


# Telegram's ~30 a second. The tolerance is in time, not in messages: arrival times carry
# the HTTP round and the scheduling of a busy machine (the fake Bot API shares this test's
# event loop, so a stall of the loop bunches arrivals the senders spaced: a full suite on two
# cores showed ~300 ms of it), so the windows are 200 ms short of a second (the limiter's
# 27 a second puts 22 messages in them; 31 needs 300 ms of bunching). Instances that do not
# share send about 60 per second each, over 45 in such a window.
SECOND = 0.8


async def test_a_burst_of_200_from_three_instances_never_exceeds_30_a_second_in_total(
        tg: FakeTelegram, redis_url: str, prefix: str) -> None:
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.ratelimit_burst", "--base-url", tg.base_url,
        "--chats", "141-200", "--redis-url", redis_url, "--prefix", prefix,
        cwd=REPO, env={**os.environ, "TELEGRAM_BOT_TOKEN": tg.token},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert other.stdin is not None and other.stdout is not None
    try:
        assert await asyncio.wait_for(other.stdout.readline(), 60) == b"ready\n"
        first = make_bot(tg.base_url, tg.token, SharedRateLimiter(redis_url, tg.token,
                                                                  prefix=prefix))
        second = make_bot(tg.base_url, tg.token, SharedRateLimiter(redis_url, tg.token,
                                                                   prefix=prefix))
        async with first, second:
            other.stdin.write(b"go\n")
            await other.stdin.drain()
            sent = await asyncio.wait_for(asyncio.gather(
                send_all(first, range(1, 71)), send_all(second, range(71, 141))), 120)
        assert await asyncio.wait_for(other.stdout.readline(), 60) == b"sent 60\n"
    finally:
        if other.returncode is None:
            other.kill()
        await other.wait()
    assert sent == [70, 70]
    times = sent_times(tg)
    assert len(times) == 200
    assert most_in_any_window(times, SECOND) <= 30


async def test_a_stalled_event_loop_does_not_turn_into_a_burst(
        tg: FakeTelegram, redis_url: str, prefix: str) -> None:
    async def stall() -> None:
        await asyncio.sleep(0.5)
        time.sleep(0.4)  # noqa: ASYNC251 - the loop stops on purpose: twelve slots pass

    limiter = SharedRateLimiter(redis_url, tg.token, prefix=prefix)
    sent, _ = await asyncio.wait_for(asyncio.gather(
        send_burst(tg.base_url, tg.token, limiter, range(1, 61)), stall()), 60)
    assert sent == 60
    assert most_in_any_window(sent_times(tg), SECOND) <= 30


@pytest.mark.parametrize("chat_id,kind", [(-100777, "group"), (42, "private chat")])
async def test_a_chats_own_limit_is_shared_by_all_instances(
        tg: FakeTelegram, redis_url: str, prefix: str, chat_id: int, kind: str) -> None:
    bucket = Bucket(0.5, burst=4 if kind == "group" else 2)  # a short period, same rules

    def instance() -> SharedRateLimiter:
        if kind == "group":
            return SharedRateLimiter(redis_url, tg.token, prefix=prefix, group=bucket)
        return SharedRateLimiter(redis_url, tg.token, prefix=prefix, private=bucket)

    first, second = instance(), instance()
    each = bucket.burst + 1  # either instance alone would send its first `burst` at once
    sent = await asyncio.wait_for(asyncio.gather(
        send_burst(tg.base_url, tg.token, first, [chat_id] * each, text="a"),
        send_burst(tg.base_url, tg.token, second, [chat_id] * each, text="b")), 60)
    assert sent == [each, each]
    times = sent_times(tg, chat_id)
    assert len(times) == 2 * each
    # After the burst one message per interval: within half an interval, never more than
    # the one burst the chat has (two unshared instances send two bursts).
    assert most_in_any_window(times, bucket.interval / 2) <= bucket.burst, kind


async def test_a_429_pauses_every_instance(tg: FakeTelegram, redis_url: str,
                                           prefix: str) -> None:
    first = make_bot(tg.base_url, tg.token, SharedRateLimiter(redis_url, tg.token,
                                                              prefix=prefix, max_retries=2))
    second = make_bot(tg.base_url, tg.token, SharedRateLimiter(redis_url, tg.token,
                                                               prefix=prefix, max_retries=2))
    client = redis.asyncio.Redis.from_url(redis_url)
    pause = f"{prefix}:{{{key_namespace(tg.token)}}}:pause"
    try:
        async with first, second:
            tg.fail_next("sendMessage", retry_after=1)
            told = asyncio.create_task(first.send_message(1, "told to wait"))
            deadline = time.monotonic() + 10
            while not await client.exists(pause):  # the first instance was told to wait
                assert time.monotonic() < deadline, "no pause was shared"
                await asyncio.sleep(0.01)
            await asyncio.wait_for(second.send_message(2, "other instance"), 20)
            await asyncio.wait_for(told, 20)
    finally:
        await client.aclose()
    [refused] = tg.calls_of("sendMessage", ok=False)
    [other] = tg.calls_of("sendMessage", chat_id=2)
    assert refused.status == 429
    assert other.time - refused.time >= 1.0  # retry_after: Telegram's own number


@pytest.mark.parametrize("kind", ["closed port", "wrong password"])
async def test_without_redis_sends_go_out_limited_per_process_with_one_warning(
        tg: FakeTelegram, caplog: pytest.LogCaptureFixture, tmp_path: Path, kind: str) -> None:
    password = "s3cret-redis-pass"
    guarded: RedisServer | None = None
    if kind == "closed port":
        url = f"redis://:{password}@127.0.0.1:{_free_port()}/0"
    else:  # a Redis that wants another password refuses every command
        guarded = RedisServer(tmp_path, "--requirepass", "the-right-one")
        guarded.start()
        url = f"redis://:{password}@127.0.0.1:{guarded.port}/0"
    caplog.set_level(logging.DEBUG)
    limiter = SharedRateLimiter(url, tg.token, prefix=f"credbot-test:{uuid.uuid4().hex}")
    try:
        sent = await asyncio.wait_for(send_burst(tg.base_url, tg.token, limiter,
                                                 range(1, 71)), 60)
    finally:
        if guarded is not None:
            guarded.stop()
    assert sent == 70
    times = sent_times(tg)
    assert len(times) == 70
    # The per-process limiter still meters: 30 at once, then one per 33 ms (12 in 0.4 s, a
    # few more for edges and scheduling). Unmetered, all 70 would leave at once.
    assert most_in_any_window(times, 0.4) <= 30 + 15
    [warning] = warnings_of(caplog)
    assert "127.0.0.1" in warning.getMessage()
    assert password not in caplog.text
    assert all(password not in r.getMessage() for r in caplog.records)


class RedisServer:
    """A private redis-server on its own port, to stop and start again."""

    def __init__(self, directory: Path, *options: str) -> None:
        self.port = _free_port()
        self.directory = directory
        self.options = options
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory), *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while _ping(self.port) is None:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def keys(self) -> list[bytes]:
        client = redis.Redis(port=self.port)
        try:
            return list(client.scan_iter())
        finally:
            client.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


async def test_redis_going_away_and_coming_back_loses_no_send(
        tg: FakeTelegram, own_redis: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOG)
    limiter = SharedRateLimiter(own_redis.url, tg.token, redis_timeout=0.5)
    limiter.REDIS_RETRY_AFTER = 0.2
    async with make_bot(tg.base_url, tg.token, limiter) as bot:
        assert await send_all(bot, range(1, 6)) == 5
        assert own_redis.keys(), "shared while Redis runs"
        own_redis.stop()
        assert await asyncio.wait_for(send_all(bot, range(6, 26)), 30) == 20
        own_redis.start()  # empty: what it held had expired or was lost with it
        await asyncio.sleep(limiter.REDIS_RETRY_AFTER + 0.1)  # past the rest Redis is given
        assert await asyncio.wait_for(send_all(bot, range(26, 31)), 30) == 5
        assert own_redis.keys(), "shared again once Redis is back"
    assert len(sent_times(tg)) == 30
    assert len(warnings_of(caplog)) == 1
    assert any("answers again" in r.getMessage() for r in caplog.records if r.name == LOG)


async def test_the_bot_token_never_appears_in_redis_and_every_key_expires(
        tg: FakeTelegram, redis_url: str, prefix: str) -> None:
    limiter = SharedRateLimiter(redis_url, tg.token, prefix=prefix)
    async with make_bot(tg.base_url, tg.token, limiter) as bot:
        await bot.send_message(7, "private")
        await bot.send_message(-1007, "group")
        tg.fail_next("sendMessage", retry_after=1)
        told = asyncio.create_task(bot.send_message(8, "after a 429"))
        client = redis.asyncio.Redis.from_url(redis_url)
        try:
            deadline = time.monotonic() + 10
            while not await client.exists(limiter.keys + "pause"):  # lives for retry_after
                assert time.monotonic() < deadline, "no pause was shared"
                await asyncio.sleep(0.01)
            everything = [key async for key in client.scan_iter(count=1000)]
            ours = [key async for key in client.scan_iter(match=f"{prefix}:*")]
            ttls = [await client.pttl(key) for key in ours]
            values = [await client.get(key) for key in ours]
        finally:
            await client.aclose()
        await asyncio.wait_for(told, 20)
    secret = tg.token.split(":", 1)[1].encode()
    assert not [key for key in everything if secret in key or tg.token.encode() in key]
    assert not [value for value in values if value and secret in value]
    names = {key.decode().rsplit(":", 1)[-1] for key in ours}
    assert {"all", "7", "-1007", "pause"} <= names
    assert all(key.decode().startswith(f"{prefix}:{{{key_namespace(tg.token)}}}:")
               for key in ours)
    assert all(ttl > 0 for ttl in ttls)  # no key outlives what it holds back


async def test_the_bot_shares_its_sends_when_credbot_redis_url_is_set(
        tg: FakeTelegram, redis_url: str, make_settings) -> None:
    alice = tg.user(1, "Alice")
    ours = f"credbot:rl:{{{key_namespace(tg.token)}}}:*"
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        async with RunningBot(bot_settings(make_settings, tg, redis_url=redis_url), tg):
            tg.message(tg.private_chat(alice), alice, SEED_TEXT.read_text(encoding="utf-8"))
            [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=30)
            keys = {key.decode().rsplit(":", 1)[-1] async for key in client.scan_iter(match=ours)}
    finally:
        for key in [key async for key in client.scan_iter(match=ours)]:
            await client.delete(key)
        await client.aclose()
    assert card.params.get("reply_markup")
    assert {"all", "1"} <= keys  # the card took the bot's and Alice's chat's shared buckets


def test_which_calls_take_which_buckets() -> None:
    limiter = SharedRateLimiter(REDIS_URL, "1:token")
    assert limiter.buckets_for("sendMessage", {"chat_id": 5}) == [
        ("chat:5", limiter.private), ("all", limiter.overall)]
    assert limiter.buckets_for("editMessageText", {"chat_id": "-100"}) == [
        ("chat:-100", limiter.group), ("all", limiter.overall)]
    assert limiter.buckets_for("sendMessage", {"chat_id": "@news"})[0] == (
        "chat:@news", limiter.group)
    # What the per-process limiter leaves unmetered takes nothing shared either.
    assert limiter.buckets_for("sendChatAction", {"chat_id": 5}) == []
    assert limiter.buckets_for("answerCallbackQuery", {}) == []
    assert limiter.buckets_for("getMe", {}) == []
    assert limiter.buckets_for("sendMessage", {"chat_id": 5, "allow_paid_broadcast": True}) == []


def test_the_setting_picks_the_limiter_and_a_bad_url_is_refused_without_its_password(
        make_settings) -> None:
    assert type(rate_limiter_for(make_settings(telegram_bot_token="1:x"))) is CredbotRateLimiter
    shared = rate_limiter_for(make_settings(telegram_bot_token="1:x", redis_url=REDIS_URL))
    assert isinstance(shared, SharedRateLimiter)
    with pytest.raises(ValueError) as refused:
        SharedRateLimiter("http://user:hunter2-pass@cache:6379", "1:x")
    assert "hunter2-pass" not in str(refused.value)
    with pytest.raises(ValueError) as invalid:
        make_settings(redis_url="http://user:hunter2-pass@cache:6379")
    assert "CREDBOT_REDIS_URL" in str(refused.value) and "redis_url" in str(invalid.value)
