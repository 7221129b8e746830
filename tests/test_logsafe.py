"""Secrets never reach logs or tracebacks: `credbot -v check`, `credbot -v run`, and any
record with an exception or a stack, whichever handler prints it."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEED_TEXT
from tests.fake_llm import FakeLLM, analysis, error, reply
from tests.fake_telegram import FakeTelegram, bot_settings

SECRETS = {
    "OPENAI_API_KEY": "sk-live-key-0123456789abcdef",
    "TELEGRAM_WEBHOOK_SECRET": "hook-secret-5f2a9c",
    "CREDBOT_FETCH_PROXY": "http://proxyuser:proxy-pass-71c3@127.0.0.1:9",
}
LLM_PASSWORD = "llm-pass-9e41b7"
DB_PASSWORD = "db-pass-c0ffee"


def leaked(text: str, token: str) -> list[str]:
    values = [*SECRETS.values(), "proxy-pass-71c3", LLM_PASSWORD, DB_PASSWORD, token,
              token.split(":", 1)[1]]
    return [value for value in values if value in text]


def with_password(url: str) -> str:
    return url.replace("http://", f"http://llmuser:{LLM_PASSWORD}@")


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **SECRETS,
            "CREDBOT_LLM_MAX_ATTEMPTS": "2", "CREDBOT_LLM_BACKOFF_BASE": "0.01",
            "CREDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", **extra}


def test_verbose_check_never_prints_the_llm_password_or_key(tmp_path: Path) -> None:
    with FakeLLM() as llm:
        llm.push(error(503, "overloaded", type="server_error"), reply(analysis(score=2)))
        done = subprocess.run(
            [sys.executable, "-m", "bot", "-v", "check", str(SEED_TEXT)], cwd=tmp_path,
            env=env_for(tmp_path, OPENAI_BASE_URL=with_password(llm.url),
                        TELEGRAM_BOT_TOKEN="4242:bot-token-secret-abcdef"),
            capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "HTTP Request: POST" in done.stderr  # -v does log requests...
    assert leaked(done.stderr + done.stdout, "4242:bot-token-secret-abcdef") == []  # ...safely
    assert "llmuser:<redacted>@" in done.stderr


async def test_verbose_run_never_prints_any_configured_secret(tmp_path: Path) -> None:
    with FakeTelegram() as tg, FakeLLM() as llm:
        llm.push(error(503, "overloaded", type="server_error"))
        llm.default = reply(analysis(score=2))
        env = env_for(tmp_path, OPENAI_BASE_URL=with_password(llm.url),
                      TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_BASE_URL=tg.base_url)
        bot = subprocess.Popen([sys.executable, "-m", "bot", "-v", "run"], cwd=tmp_path,
                               env=env, stderr=subprocess.PIPE, text=True)
        try:
            alice = tg.user(1, "Alice")
            await tg.wait_for("deleteWebhook", timeout=30)
            tg.message(tg.private_chat(alice), alice, SEED_TEXT.read_text(encoding="utf-8"))
            [card] = await tg.wait_for("sendMessage", chat_id=1, timeout=30)
        finally:
            bot.terminate()
            err = bot.communicate(timeout=30)[1]
    assert len(llm.requests) == 2  # a failed and a good LLM call, both logged with -v
    assert card.params["text"]
    assert "HTTP Request: POST" in err
    assert leaked(err, tg.token) == []


def test_exception_text_and_stack_are_redacted_for_every_handler(make_settings) -> None:
    from bot.app import build_application

    with FakeTelegram() as tg:
        settings = bot_settings(
            make_settings, tg, openai_api_key=SECRETS["OPENAI_API_KEY"],
            openai_base_url=with_password("http://127.0.0.1:9/v1"),
            fetch_proxy=SECRETS["CREDBOT_FETCH_PROXY"],
            telegram_webhook_secret=SECRETS["TELEGRAM_WEBHOOK_SECRET"],
            database_url=f"postgresql+asyncpg://u:{DB_PASSWORD}@127.0.0.1:1/test")
        build_application(settings)
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)  # added after the bot was built
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger("credbot.test.logsafe")
        logger.addHandler(handler)
        try:
            try:
                raise RuntimeError(f"failed: bot{tg.token}/getMe key={SECRETS['OPENAI_API_KEY']} "
                                   f"db={DB_PASSWORD} proxy={SECRETS['CREDBOT_FETCH_PROXY']}")
            except RuntimeError:
                logger.exception("while talking to %s", with_password("http://h/v1"),
                                 stack_info=True)
            logger.warning("any password in a URL: socks5://u:pw@h:1 %s",
                           SECRETS["TELEGRAM_WEBHOOK_SECRET"])
        finally:
            logger.removeHandler(handler)
    out = stream.getvalue()
    assert "Traceback" in out and "Stack (most recent call last)" in out
    assert leaked(out, tg.token) == []
    assert "socks5://u:<redacted>@h:1" in out


def test_uncaught_exception_traceback_is_redacted(tmp_path: Path) -> None:
    script = ("import sys; from bot import logsafe; from bot.settings import Settings; "
              "logsafe.install(Settings(_env_file=None)); "
              f"raise SystemError('key ' + {SECRETS['OPENAI_API_KEY']!r})")
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent.parent,
                          env={"PATH": "/usr/bin:/bin", **SECRETS}, capture_output=True,
                          text=True, timeout=60, check=False)
    assert "Traceback" in done.stderr and "SystemError: key <redacted>" in done.stderr
    assert SECRETS["OPENAI_API_KEY"] not in done.stderr
