"""Starting the bot (`run_bot` / `credbot run`), the error handler, and the bot's own texts."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys

from bot.app import COMMANDS, run_bot
from bot.i18n import MESSAGES, SUPPORTED, resolve_language, t
from tests.conftest import SEED_TEXT
from tests.fake_telegram import FakeTelegram, RunningBot, bot_settings

SEED = SEED_TEXT.read_text(encoding="utf-8")


def test_missing_token_exits_2_with_one_line(make_settings, capsys) -> None:
    assert run_bot(make_settings()) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "TELEGRAM_BOT_TOKEN is not set" in err[0]


def test_rejected_token_exits_2_with_one_line_and_no_token(tmp_path) -> None:
    with FakeTelegram(token="1:right") as tg:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
               "TELEGRAM_BOT_TOKEN": "42:wrong-secret-token", "TELEGRAM_API_BASE_URL": tg.base_url,
               "CREDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
        done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == ["credbot: Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather."]
    assert "wrong-secret-token" not in done.stderr + done.stdout


def test_unreachable_bot_api_exits_1_with_one_line(tmp_path) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "TELEGRAM_BOT_TOKEN": "42:some-secret-token",
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
           "CREDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"credbot: cannot reach the Telegram Bot API at 127.0.0.1:{port}. "
        "Check the network and TELEGRAM_API_BASE_URL."
    ]
    assert "some-secret-token" not in done.stderr + done.stdout


async def test_commands_are_registered_on_start(make_settings) -> None:
    with FakeTelegram() as tg:
        async with RunningBot(bot_settings(make_settings, tg), tg):
            await tg.wait_for("setMyCommands")
    assert [c["command"] for c in tg.commands] == [name for name, _ in COMMANDS]


async def test_a_failure_is_logged_with_context_and_the_user_is_told(make_settings, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeTelegram() as tg:
        alice = tg.user(1, "Alice")
        async with RunningBot(bot_settings(make_settings, tg), tg):
            tg.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
            tg.message(tg.private_chat(alice), alice, SEED)
            [told] = await tg.wait_for("sendMessage", chat_id=1)
    assert "Something went wrong on my side" in told.params["text"]
    assert "Traceback" not in told.params["text"]
    errors = [r for r in caplog.records if r.name == "credbot.errors"]
    assert errors and "chat 1 (private)" in errors[0].getMessage()
    assert tg.token not in caplog.text
    assert tg.token.split(":")[1] not in caplog.text


def test_every_language_has_every_message() -> None:
    for language in SUPPORTED:
        assert set(MESSAGES[language]) == set(MESSAGES["en"]), language
        for key in MESSAGES["en"]:
            fields = {"limit": 1, "period": "h", "time": "10:00", "threshold": 2, "days": 30,
                      "count": 3, "reason": "r", "message": "m", "language": "de",
                      "autocheck": "on", "user_hour": 1, "user_day": 2, "chat_hour": 3,
                      "chat_day": 4, "origin": "a channel"}
            assert t(language, key, **fields)


def test_language_falls_back_to_english_for_the_bots_own_words() -> None:
    assert resolve_language(None, "pt-BR") == "pt"
    assert t("pt", "btn_claims") == "Claims"
    assert resolve_language("de", "ru") == "de"
    assert resolve_language(None, None, "en") == "en"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_mode_registers_the_url_and_checks_the_secret_header(tmp_path) -> None:
    import asyncio
    import json
    import time

    import httpx

    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook/credbot"
    with FakeTelegram() as tg:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TELEGRAM_BOT_TOKEN": tg.token,
               "TELEGRAM_API_BASE_URL": tg.base_url, "TELEGRAM_WEBHOOK_SECRET": "s3cret-header",
               "CREDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
        bot = subprocess.Popen([sys.executable, "-m", "bot", "run", "--webhook-url", url,
                                "--listen", "127.0.0.1", "--port", str(port)],
                               cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
        try:
            await tg.wait_for("setMyCommands", timeout=20)
            await tg.wait_for("setWebhook", timeout=20)
            assert tg.webhook == {"url": url, "secret_token": "s3cret-header"}
            alice = tg.user(1, "Alice")
            update = {"update_id": 1, "message": tg.message(tg.private_chat(alice), alice,
                                                               "/privacy", push=False)}
            async with httpx.AsyncClient() as client:
                deadline = time.monotonic() + 10
                while True:  # the listener comes up just after setWebhook
                    try:
                        wrong = await client.post(url, json=update, headers={
                            "X-Telegram-Bot-Api-Secret-Token": "wrong"})
                        break
                    except httpx.ConnectError:
                        assert time.monotonic() < deadline
                        await asyncio.sleep(0.05)
                right = await client.post(url, content=json.dumps(update), headers={
                    "X-Telegram-Bot-Api-Secret-Token": "s3cret-header",
                    "Content-Type": "application/json"})
            [answer] = await tg.wait_for("sendMessage", chat_id=1, timeout=10)
        finally:
            bot.terminate()
            bot.wait(timeout=15)
    assert wrong.status_code == 403
    assert right.status_code == 200
    assert "What I store" in answer.params["text"]
    assert len(tg.calls_of("sendMessage")) == 1  # the update with the wrong secret was dropped


def bot_process(tg: FakeTelegram, tmp_path, *args: str, **env: str) -> subprocess.Popen:
    """The real `credbot run` against the fake Bot API (stderr captured)."""
    full_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TELEGRAM_BOT_TOKEN": tg.token,
                "TELEGRAM_API_BASE_URL": tg.base_url,
                "CREDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", **env}
    return subprocess.Popen([sys.executable, "-m", "bot", *args, "run"], cwd=tmp_path,
                            env=full_env, stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> str:
    """Terminate if still running; the captured stderr (the same text on every call)."""
    if not hasattr(process, "stderr_text"):
        if process.poll() is None:
            process.terminate()
        process.stderr_text = process.communicate(timeout=30)[1] or ""  # type: ignore[attr-defined]
    return process.stderr_text  # type: ignore[attr-defined]


async def test_a_token_revoked_while_polling_ends_the_process_with_one_line_and_exit_2(
        tmp_path) -> None:
    import asyncio

    with FakeTelegram() as tg:
        old_token = tg.token
        bot = bot_process(tg, tmp_path)
        try:
            await tg.wait_for("deleteWebhook", timeout=30)  # polling starts next
            tg.revoke_token()
            for _ in range(600):  # a guard, not a timing: the process must end by itself
                if bot.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            ended_by_itself = bot.poll() is not None
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nthe bot's stderr:\n{stop(bot)}") from None
        finally:
            err = stop(bot)
    assert ended_by_itself, err  # not a live process polling nothing
    assert bot.returncode == 2, err
    assert err.strip().splitlines() == [
        "credbot: Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather."]
    assert old_token.split(":")[1] not in err


async def test_a_passing_404_and_502_on_get_updates_are_retried_and_the_bot_keeps_answering(
        tmp_path) -> None:
    with FakeTelegram() as tg:
        bot = bot_process(tg, tmp_path)
        try:
            await tg.wait_for("deleteWebhook", timeout=30)  # polling starts next
            alice = tg.user(1, "Alice")
            tg.fail_next("getUpdates", status=404, description="Not Found")
            tg.fail_next("getUpdates", status=502, description="Bad Gateway")
            # Wakes the pending long poll; the next two polls fail, the one after succeeds.
            tg.message(tg.private_chat(alice), alice, "/privacy")
            await tg.wait_for("sendMessage", chat_id=1, timeout=30)
            tg.message(tg.private_chat(alice), alice, "/help")  # comes after both failures
            await tg.wait_for("sendMessage", chat_id=1, count=2, timeout=30)
            failed = [c.status for c in tg.calls_of("getUpdates", ok=False)]
            alive = bot.poll() is None
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nthe bot's stderr:\n{stop(bot)}") from None
        finally:
            err = stop(bot)
    assert failed == [404, 502], err
    assert alive, err
    assert "Traceback" not in err
