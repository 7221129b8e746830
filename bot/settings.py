"""One settings object for the whole app, read from the environment and `.env`.

The OpenAI and Telegram variables keep their ecosystem names (`OPENAI_API_KEY`,
`OPENAI_BASE_URL`, `TELEGRAM_BOT_TOKEN`, ...) so that an existing deployment's
environment works unchanged; everything of credbot's own is `CREDBOT_*`.
Every field is documented in `.env.example` and the README's settings table.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_list(value: object) -> object:
    """Accept `a,b c` from the environment as well as a real list."""
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CREDBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- LLM -------------------------------------------------------------
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url")
    )
    model: str = "gpt-4o-mini"
    max_article_tokens: int = Field(default=6000, ge=200)
    max_completion_tokens: int = Field(default=2500, ge=200)
    llm_timeout: float = Field(default=60.0, gt=0, description="seconds per LLM call")
    llm_total_timeout: float = Field(
        default=150.0, gt=0, description="seconds for one analysis, all retries included"
    )
    llm_max_attempts: int = Field(default=4, ge=1, le=10)
    llm_json_mode: str = Field(
        default="auto", description="auto | json_schema | json_object"
    )
    llm_backoff_base: float = Field(
        default=1.0, ge=0, description="first retry wait in seconds (doubles each retry, with jitter)"
    )

    # --- Input -----------------------------------------------------------
    max_input_chars: int = Field(default=100_000, ge=1000)
    language: str = "en"

    # --- Fetching --------------------------------------------------------
    fetch_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)
    fetch_ports: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [80, 443])
    fetch_timeout: float = Field(default=15.0, gt=0)
    fetch_max_bytes: int = Field(default=5_000_000, ge=10_000)
    fetch_proxy: str | None = None
    fetch_user_agent: str = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Safari/537.36 credbot/0.1"
    )

    # --- Work off the event loop (bot.offload) ----------------------------
    workers: int = Field(default=0, ge=0, description="worker processes; 0 = one per core")
    analysis_timeout: float = Field(
        default=20.0, gt=0, description="seconds per extraction, offline analysis or grounding"
    )
    worker_memory_mb: int = Field(
        default=1024, ge=128, description="address-space cap of each worker process"
    )

    # --- Telegram --------------------------------------------------------
    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "telegram_bot_token")
    )
    telegram_api_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TELEGRAM_API_BASE_URL", "telegram_api_base_url"),
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("TELEGRAM_WEBHOOK_SECRET", "telegram_webhook_secret"),
    )
    redis_url: str | None = Field(
        default=None, pattern=r"^$|^(redis|rediss|unix)://",
        description="Redis that all instances share Telegram's send limits through; empty = "
                    "each process limits itself",
    )

    # --- Storage and quotas ----------------------------------------------
    database_url: str = "sqlite+aiosqlite:///credbot.db"
    retention_days: int = Field(default=30, ge=1)
    user_checks_per_hour: int = Field(default=20, ge=0)
    user_checks_per_day: int = Field(default=100, ge=0)
    chat_checks_per_hour: int = Field(default=60, ge=0)
    chat_checks_per_day: int = Field(default=300, ge=0)

    # --- Durable work (bot.jobs) -------------------------------------------
    job_lease: float = Field(
        default=30.0, ge=1, description="seconds a worker's claim on a job lasts without a beat"
    )
    job_max_attempts: int = Field(default=3, ge=1, le=20)
    worker_jobs: int = Field(default=64, ge=1, description="jobs one process works at once")
    drain_timeout: float = Field(
        default=20.0, ge=0, description="seconds SIGTERM waits for running jobs before release"
    )

    @field_validator("fetch_allow", "fetch_ports", mode="before")
    @classmethod
    def _lists_from_env(cls, value: object) -> object:
        return _split_list(value)

    @property
    def llm_configured(self) -> bool:
        """An LLM is used when either a key or a base URL is set (self-hosted servers need no key)."""
        return bool(self.openai_api_key and self.openai_api_key.get_secret_value()) or bool(
            self.openai_base_url
        )
