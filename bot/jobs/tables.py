"""The job bookkeeping tables, on storage's `Base` (created by migration 0003_jobs).

The same tables on SQLite and PostgreSQL. On SQLite `credbot_jobs` is the queue itself
(`run_after`, `lease_until`, `worker_id` drive the claims); on PostgreSQL pgqueuer's own
tables are the queue and these record what the queue cannot know: how many attempts a job
has had (crashes included), what it sent, what it was charged, who is working.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..storage import Base, SafeString, SafeText

KEY_LENGTH = 64  # "bot_id:update_id": two integers and a colon


class JobRow(Base):
    """One update to handle. `payload` (the update's JSON: user text) is cleared when the
    job ends; the row stays a while so a redelivered update is recognised (retention)."""

    __tablename__ = "credbot_jobs"
    __table_args__ = (
        Index("ix_credbot_jobs_status_run_after", "status", "run_after"),
        Index("ix_credbot_jobs_status_updated_at", "status", "updated_at"),
    )

    key: Mapped[str] = mapped_column(SafeString(KEY_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(SafeString(32))
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    payload: Mapped[str | None] = mapped_column(SafeText, nullable=True)
    status: Mapped[str] = mapped_column(SafeString(16))  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(SafeString(100), nullable=True)  # a type name
    run_after: Mapped[datetime] = mapped_column(DateTime)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    worker_id: Mapped[str | None] = mapped_column(SafeString(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class JobSendRow(Base):
    """A message a job sent, by its position in the job (`seq`): a retry gets this back
    instead of sending again. `result` is Telegram's answer trimmed to what identifies the
    message (ids, date, chat id and type): no text of the card is kept here."""

    __tablename__ = "credbot_job_sends"

    job_key: Mapped[str] = mapped_column(SafeString(KEY_LENGTH), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    result: Mapped[str] = mapped_column(SafeText)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class QuotaChargeRow(Base):
    """The quota windows one job was counted in: at most one charge per job, and what a
    refund takes back if the job finally fails."""

    __tablename__ = "credbot_quota_charges"

    job_key: Mapped[str] = mapped_column(SafeString(KEY_LENGTH), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    hour_start: Mapped[datetime] = mapped_column(DateTime)
    day_start: Mapped[datetime] = mapped_column(DateTime)
    refunded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class WorkerRow(Base):
    """A process working jobs, beating while it lives (`credbot status` counts the live)."""

    __tablename__ = "credbot_workers"

    id: Mapped[str] = mapped_column(SafeString(64), primary_key=True)
    host: Mapped[str] = mapped_column(SafeString(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime, index=True)
