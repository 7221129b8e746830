"""`credbot check | fetch`: output and exit codes, in a subprocess and in-process via main()."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import SEED_TEXT
from tests.fake_llm import analysis, claim, error, fake_llm, reply, source  # noqa: F401


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("OPENAI_", "CREDBOT_", "TELEGRAM_"))}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          env=full_env, cwd=cwd, timeout=60)


def llm_env(url: str) -> dict[str, str]:
    return {"OPENAI_BASE_URL": url, "CREDBOT_LLM_MAX_ATTEMPTS": "2",
            "CREDBOT_LLM_BACKOFF_BASE": "0.01", "CREDBOT_LLM_TIMEOUT": "3"}


def one_clear_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def test_offline_check_of_the_seed_article_prints_the_card(tmp_path: Path) -> None:
    result = run_cli("check", str(SEED_TEXT), "--offline", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert out.startswith("Credibility: 1/5")
    assert len(out.strip()) <= 900
    assert result.stderr == b""


def test_json_output_follows_the_contract(tmp_path: Path) -> None:
    result = run_cli("check", "-", "--json", stdin=SEED_TEXT.read_bytes(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["schema_version"] == 1 and report["analyzer"] == "offline"
    assert {"article", "summary", "rating", "claims", "sources", "hedges", "red_flags",
            "next_steps", "usage"} <= set(report)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"   \n\n  ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
])
def test_bad_files_exit_2_with_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    result = run_cli("check", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert message in one_clear_line(result.stderr)
    assert result.stdout == b""


def test_missing_file_and_oversized_text_exit_2(tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path / "nope.txt"), cwd=tmp_path)
    assert result.returncode == 2 and "No such file" in one_clear_line(result.stderr)
    result = run_cli("check", str(SEED_TEXT), env={"CREDBOT_MAX_INPUT_CHARS": "1000"}, cwd=tmp_path)
    assert result.returncode == 2 and "too long" in one_clear_line(result.stderr)


def test_invalid_setting_exits_2_naming_the_variable(tmp_path: Path) -> None:
    result = run_cli("check", str(SEED_TEXT), env={"CREDBOT_LLM_TIMEOUT": "soon"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "CREDBOT_LLM_TIMEOUT" in one_clear_line(result.stderr)


def test_blocked_link_exits_2(tmp_path: Path) -> None:
    result = run_cli("check", "http://127.0.0.1:9/story", cwd=tmp_path)
    assert result.returncode == 2
    one_clear_line(result.stderr)
    result = run_cli("fetch", "http://10.0.0.1/story", cwd=tmp_path)
    assert result.returncode == 2
    one_clear_line(result.stderr)


@pytest.mark.parametrize("link", ["ftp://example.org/story", "file:///etc/passwd",
                                  "data:text/plain,hello"])
def test_links_with_other_schemes_are_refused_as_links_not_missing_files(
    tmp_path: Path, link: str
) -> None:
    result = run_cli("check", link, cwd=tmp_path)
    assert result.returncode == 2
    assert one_clear_line(result.stderr) == "credbot: I only open http and https links."


def test_llm_report_over_http_in_a_subprocess(fake_llm, tmp_path: Path) -> None:
    fake_llm.push(reply(analysis(
        summary="The headline rests on one anonymous source, relayed from the Mirror.", score=1,
        claims=[claim("if he prepares for a nuclear strike, a security source has said")],
        sources=[source("Security source", "anonymous", "a security source")],
    )))
    result = run_cli("check", str(SEED_TEXT), "--json", "--lang", "fr",
                     env=llm_env(fake_llm.url), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["analyzer"] == "llm" and report["language"] == "fr"
    assert report["claims"][0]["grounded"] is True
    assert report["usage"]["llm_calls"] == 1
    assert len(fake_llm.requests) == 1


def test_llm_failure_exits_3_and_still_prints_the_offline_card(fake_llm, tmp_path: Path) -> None:
    fake_llm.default = error(503, "overloaded", type="server_error")
    result = run_cli("check", str(SEED_TEXT), env=llm_env(fake_llm.url), cwd=tmp_path)
    assert result.returncode == 3
    assert result.stdout.decode().startswith("Credibility: 1/5")
    assert "HTTP 503" in one_clear_line(result.stderr)
    assert len(fake_llm.requests) == 2


def test_offline_flag_skips_a_configured_llm(fake_llm, tmp_path: Path) -> None:
    result = run_cli("check", str(SEED_TEXT), "--offline", env=llm_env(fake_llm.url), cwd=tmp_path)
    assert result.returncode == 0
    assert fake_llm.requests == []


# --- in-process ----------------------------------------------------------------------------

def test_main_reads_stdin(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SEED_TEXT.read_bytes())))
    assert main(["check", "-", "--lang", "de"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Glaubwürdigkeit: 1/5")


def test_main_exit_codes_in_process(fake_llm, monkeypatch, capsys, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["check", str(empty)]) == 2
    assert "empty" in capsys.readouterr().err

    for name, value in llm_env(fake_llm.url).items():
        monkeypatch.setenv(name, value)
    fake_llm.push(error(429, "quota", type="insufficient_quota", code="insufficient_quota"))
    assert main(["check", str(SEED_TEXT)]) == 3
    captured = capsys.readouterr()
    assert "quota" in captured.err and captured.out.startswith("Credibility")
    assert len(fake_llm.requests) == 1

    fake_llm.push(reply(analysis(score=2)))
    assert main(["check", str(SEED_TEXT), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rating"]["score"] == 2


def test_usage_errors_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["check"])
    assert caught.value.code == 2


def test_an_argument_too_long_for_a_file_name_is_no_such_file_not_an_oserror(
        tmp_path: Path) -> None:
    result = run_cli("check", "x" * 5000, cwd=tmp_path)
    assert result.returncode == 2
    line = one_clear_line(result.stderr)
    assert line.startswith("credbot: No such file: xxx") and len(line) < 200


def test_a_link_over_4096_characters_is_handled_as_a_link(tmp_path: Path) -> None:
    # A private address: refused by the fetcher's rule, after the CLI took it for a link.
    result = run_cli("check", "http://127.0.0.1:9/" + "a" * 5000, cwd=tmp_path)
    assert result.returncode == 2
    assert "No such file" not in one_clear_line(result.stderr)


def test_an_unexpected_failure_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    # httpx refuses this proxy's scheme with a ValueError when the fetch starts.
    result = run_cli("check", "http://127.0.0.1:9/story", cwd=tmp_path,
                     env={"CREDBOT_FETCH_PROXY": "socks9://user:pw-7781@127.0.0.1:9",
                          "CREDBOT_FETCH_ALLOW": "127.0.0.1:9"})
    assert result.returncode != 0
    line = one_clear_line(result.stderr)
    assert line.startswith("credbot: ") and "pw-7781" not in line
