"""Durable work in real processes: `credbot run` drains on SIGTERM, what it hands back is
answered after a restart, `credbot run --no-worker` + `credbot worker` split receiving from
working, `credbot status` reports the queue, and a second poller (409) ends polling in one
line. The fake Bot API and the fake LLM over real HTTP; the jobs in a real SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import SEED_TEXT
from tests.fake_llm import FakeLLM, delay, hang, reply
from tests.fake_telegram import FakeTelegram, parse_html
from tests.test_bot_llm import analysis

SEED = SEED_TEXT.read_text(encoding="utf-8")
SECRET = "s3cret-header"


def environment(tmp_path: Path, tg: FakeTelegram, **extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_API_BASE_URL": tg.base_url, "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "CREDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}", **extra}


def llm_environment(llm: FakeLLM) -> dict[str, str]:
    return {"OPENAI_BASE_URL": llm.url, "OPENAI_API_KEY": "sk-test", "CREDBOT_LLM_MAX_ATTEMPTS": "1",
            "CREDBOT_LLM_TIMEOUT": "60", "CREDBOT_LLM_TOTAL_TIMEOUT": "60"}


def start(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    log = open(tmp_path / f"credbot-{time.monotonic_ns()}.log", "w+")  # noqa: SIM115 - closed in finish
    process = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env,
                               stdout=log, stderr=log, text=True)
    process.log = log  # type: ignore[attr-defined]
    return process


def finish(process: subprocess.Popen[str], timeout: float = 30.0) -> str:
    """Wait for the process to end (SIGKILL if it will not, as a guard); its output (the same
    text on every call)."""
    if hasattr(process, "output"):
        return process.output  # type: ignore[no-any-return]
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log = process.log  # type: ignore[attr-defined]
    log.seek(0)
    process.output = log.read()  # type: ignore[attr-defined]
    log.close()
    return process.output  # type: ignore[attr-defined,no-any-return]


async def until(condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def status(env: dict[str, str], tmp_path: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "status", "--json", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_sigterm_lets_a_running_check_finish_and_the_process_exits_0(tmp_path) -> None:
    with FakeTelegram() as tg, FakeLLM(delay(1.5, reply(analysis()))) as llm:
        bot = start(tmp_path, environment(tmp_path, tg, **llm_environment(llm)), "run")
        try:
            await tg.wait_for("deleteWebhook", timeout=30)
            alice = tg.user(1, "Alice")
            tg.message(tg.private_chat(alice), alice, SEED)
            await until(lambda: llm.completions, what="the LLM call")
            bot.send_signal(signal.SIGTERM)  # while the check waits for the LLM
        finally:
            output = finish(bot)
    assert bot.returncode == 0, output
    [card] = tg.calls_of("sendMessage", chat_id=1)
    assert "Credibility" in parse_html(card.params["text"])[0]
    assert "Traceback" not in output


async def test_a_check_still_running_when_the_drain_ends_is_handed_back_and_answered_after_a_restart(
        tmp_path) -> None:
    with FakeTelegram() as tg, FakeLLM(hang(30)) as llm:
        env = environment(tmp_path, tg, CREDBOT_DRAIN_TIMEOUT="0.5", **llm_environment(llm))
        bot = start(tmp_path, env, "run")
        try:
            await tg.wait_for("deleteWebhook", timeout=30)
            alice = tg.user(1, "Alice")
            tg.message(tg.private_chat(alice), alice, SEED)
            await until(lambda: llm.completions, what="the LLM call")
            signalled = time.monotonic()
            bot.send_signal(signal.SIGTERM)
            finish(bot)
            stopped_within = time.monotonic() - signalled
        finally:
            output = finish(bot)
        assert bot.returncode == 0, output
        assert stopped_within < 20, output  # a guard: the hung LLM call did not hold it
        assert tg.calls_of("sendMessage") == []
        # Handed back, not left to its lease: queued, due now, the cut-off attempt not counted.
        assert job_states(tmp_path) == [("queued", 0, None)]
        llm.default = reply(analysis())
        again = start(tmp_path, env, "run")
        try:
            [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=30)
        finally:
            again.send_signal(signal.SIGTERM)
            output = finish(again)
    assert again.returncode == 0, output
    assert "Credibility" in parse_html(card.params["text"])[0]
    assert len(llm.completions) == 2  # the first attempt's call was cut off; one card in all
    assert len(tg.calls_of("sendMessage")) == 1


def job_states(tmp_path: Path) -> list[tuple[str, int, str | None]]:
    import sqlite3

    with sqlite3.connect(tmp_path / "jobs.db") as db:
        return db.execute("SELECT status, attempts, lease_until FROM credbot_jobs").fetchall()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_receiving_only_webhook_stores_jobs_once_and_a_worker_process_answers_them(
        tmp_path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook"
    with FakeTelegram() as tg:
        env = environment(tmp_path, tg)
        receiver = start(tmp_path, env, "run", "--webhook-url", url, "--listen", "127.0.0.1",
                         "--port", str(port), "--no-worker")
        worker = None
        try:
            await tg.wait_for("setWebhook", timeout=30)
            alice, bob = tg.user(1, "Alice"), tg.user(2, "Bob")
            updates = [{"update_id": 7, "message": tg.message(tg.private_chat(alice), alice,
                                                               "/privacy", push=False)},
                       {"update_id": 8, "message": tg.message(tg.private_chat(bob), bob,
                                                               "/help", push=False)}]
            answers = []
            async with httpx.AsyncClient() as client:
                for update in updates + updates[:1]:  # update 7 twice: Telegram redelivers
                    deadline = time.monotonic() + 15
                    while True:  # the listener comes up just after setWebhook
                        try:
                            answers.append((await client.post(url, json=update, headers={
                                "X-Telegram-Bot-Api-Secret-Token": SECRET})).status_code)
                            break
                        except httpx.ConnectError:
                            assert time.monotonic() < deadline
                            await asyncio.sleep(0.05)
            code, out, err = await status(env, tmp_path)
            assert code == 0, err
            queued = json.loads(out)
            assert tg.calls_of("sendMessage") == []  # nobody works jobs yet
            worker = start(tmp_path, env, "worker")
            await tg.wait_for("sendMessage", chat_id=1, timeout=30)
            await tg.wait_for("sendMessage", chat_id=2, timeout=30)
            code, out, err = await status(env, tmp_path)
            worked = json.loads(out)
        finally:
            for process in (receiver, worker):
                if process is not None:
                    process.send_signal(signal.SIGTERM)
            outputs = [finish(p) for p in (receiver, worker) if p is not None]
    assert answers == [200, 200, 200]
    assert queued["queued"] == 2 and queued["running"] == 0 and queued["workers"] == 0
    assert queued["oldest_queued_age"] >= 0
    assert set(queued) == {"queued", "running", "oldest_queued_age", "workers",
                           "failed_last_hour"}
    assert len(tg.calls_of("sendMessage", chat_id=1)) == 1  # the redelivery was not a 2nd job
    assert (worked["queued"], worked["running"], worked["workers"],
            worked["failed_last_hour"]) == (0, 0, 1, 0)
    assert receiver.returncode == 0 and worker is not None and worker.returncode == 0, outputs


async def test_status_of_an_unreachable_database_is_one_line_and_exit_1(tmp_path) -> None:
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "CREDBOT_DATABASE_URL": f"postgresql+asyncpg://credbot:pw-s3cret@127.0.0.1:{port}/x"}
    code, out, err = await status(env, tmp_path)
    assert code == 1
    [line] = err.strip().splitlines()
    assert line.startswith(f"credbot: cannot connect to the database at 127.0.0.1:{port}/x")
    assert "pw-s3cret" not in err + out


async def test_status_of_a_database_no_bot_has_used_is_all_zero_and_creates_nothing(
        tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "CREDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"}
    code, out, err = await status(env, tmp_path)
    assert code == 0, err
    assert json.loads(out) == {"queued": 0, "running": 0, "oldest_queued_age": 0.0,
                               "workers": 0, "failed_last_hour": 0}
    assert not (tmp_path / "fresh.db").exists()


async def test_a_second_poller_409_ends_polling_with_one_line_and_exit_2(tmp_path) -> None:
    conflict = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running")
    with FakeTelegram() as tg:
        tg.fail_next("getUpdates", status=409, description=conflict, times=3)
        bot = start(tmp_path, environment(tmp_path, tg), "run")
        output = finish(bot, timeout=60)
    assert bot.returncode == 2, output
    assert output.strip().splitlines() == [
        ("credbot: another process is already polling this bot token; run one poller, or use "
         "--webhook-url.")]


async def test_a_passing_409_is_retried_and_the_bot_keeps_answering(tmp_path) -> None:
    with FakeTelegram() as tg:
        tg.fail_next("getUpdates", status=409, description="Conflict: terminated by other "
                     "getUpdates request", times=2)
        bot = start(tmp_path, environment(tmp_path, tg), "run")
        try:
            alice = tg.user(1, "Alice")
            tg.message(tg.private_chat(alice), alice, "/help")
            await tg.wait_for("sendMessage", chat_id=1, timeout=30)
            alive = bot.poll() is None
        finally:
            bot.send_signal(signal.SIGTERM)
            output = finish(bot)
    assert alive, output
    assert bot.returncode == 0, output
    assert "Traceback" not in output


def test_a_worker_without_a_token_or_a_database_says_so_in_one_line(tmp_path) -> None:
    port = _free_port()
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    no_token = subprocess.run([sys.executable, "-m", "bot", "worker"], cwd=tmp_path, env=base,
                              capture_output=True, text=True, timeout=60)
    no_database = subprocess.run(
        [sys.executable, "-m", "bot", "worker"], cwd=tmp_path, capture_output=True, text=True,
        timeout=60, env={**base, "TELEGRAM_BOT_TOKEN": "1:secret-token-value",
                         "CREDBOT_DATABASE_URL": f"postgresql+asyncpg://u:pw@127.0.0.1:{port}/x"})
    assert no_token.returncode == 2
    assert no_token.stderr.strip().splitlines() == [
        "credbot: TELEGRAM_BOT_TOKEN is not set (workers send the replies)."]
    assert no_database.returncode == 1
    [line] = no_database.stderr.strip().splitlines()
    assert line.startswith(f"credbot: cannot connect to the database at 127.0.0.1:{port}/x")
    assert "secret-token-value" not in no_database.stderr
