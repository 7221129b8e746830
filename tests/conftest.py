"""Shared fixtures. Each test module owns the fakes it needs; only truly shared pieces live here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS_DIR = SHARED / "corpus"
SEED_TEXT = REPO / "examples" / "putin-coup-tabloid.txt"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's keys, proxies or `.env`."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL",
                 "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def make_settings(tmp_path: Path):
    """Settings with no `.env`, a private SQLite file, and any overrides."""

    def factory(**overrides) -> Settings:
        values = {"database_url": f"sqlite+aiosqlite:///{tmp_path / 'credbot.db'}"}
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return factory


def corpus_files() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.json"))


def load_corpus(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
