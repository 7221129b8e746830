"""Durable work: the job bookkeeping tables (`bot.jobs.tables`).

`credbot_jobs` (every update as a job; on SQLite also the queue), `credbot_job_sends` (the
send ledger), `credbot_quota_charges` (one charge per job, refundable) and `credbot_workers`
(who is alive, for `credbot status`). pgqueuer's own tables on PostgreSQL are installed by
pgqueuer (`bot.jobs.queue.PgQueue.init`), not here.

Revision ID: 0003_jobs
Revises: 0002_report_origins
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_jobs"
down_revision = "0002_report_origins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credbot_jobs",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(100), nullable=True),
        sa.Column("run_after", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("worker_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_credbot_jobs_status_run_after", "credbot_jobs", ["status", "run_after"])
    op.create_index("ix_credbot_jobs_status_updated_at", "credbot_jobs",
                    ["status", "updated_at"])

    op.create_table(
        "credbot_job_sends",
        sa.Column("job_key", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job_key", "seq"),
    )
    op.create_index("ix_credbot_job_sends_created_at", "credbot_job_sends", ["created_at"])

    op.create_table(
        "credbot_quota_charges",
        sa.Column("job_key", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("hour_start", sa.DateTime(), nullable=False),
        sa.Column("day_start", sa.DateTime(), nullable=False),
        sa.Column("refunded", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job_key"),
    )
    op.create_index("ix_credbot_quota_charges_created_at", "credbot_quota_charges",
                    ["created_at"])

    op.create_table(
        "credbot_workers",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_credbot_workers_heartbeat_at", "credbot_workers", ["heartbeat_at"])


def downgrade() -> None:
    for table in ("credbot_workers", "credbot_quota_charges", "credbot_job_sends",
                  "credbot_jobs"):
        op.drop_table(table)
