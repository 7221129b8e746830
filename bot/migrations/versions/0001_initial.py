"""The schema `Base.metadata.create_all` made before migrations (main at commit dde5dff).

Same tables, column types, nullability, primary keys and index names, so a database made
then is stamped with this revision as it is and upgraded from here.

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credbot_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("cache_key", sa.String(160), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("reusable", sa.Boolean(), nullable=False),
        sa.Column("article_json", sa.Text(), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_credbot_reports_cache_key", "credbot_reports", ["cache_key"])
    op.create_index("ix_credbot_reports_chat_id", "credbot_reports", ["chat_id"])
    op.create_index("ix_credbot_reports_created_at", "credbot_reports", ["created_at"])

    op.create_table(
        "credbot_bot_messages",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "message_id"),
    )
    op.create_index("ix_credbot_bot_messages_created_at", "credbot_bot_messages", ["created_at"])
    op.create_index("ix_credbot_bot_messages_report_id", "credbot_bot_messages", ["report_id"])

    op.create_table(
        "credbot_thread_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_credbot_thread_messages_chat_id", "credbot_thread_messages", ["chat_id"])
    op.create_index("ix_credbot_thread_messages_created_at", "credbot_thread_messages",
                    ["created_at"])
    op.create_index("ix_credbot_thread_messages_report_id", "credbot_thread_messages",
                    ["report_id"])

    # chat_id is a lone integer primary key, so create_all made it BIGSERIAL on PostgreSQL
    # (a sequence nobody uses, since ids are always given); kept identical here.
    op.create_table(
        "credbot_chat_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("autocheck", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("user_per_hour", sa.Integer(), nullable=True),
        sa.Column("user_per_day", sa.Integer(), nullable=True),
        sa.Column("chat_per_hour", sa.Integer(), nullable=True),
        sa.Column("chat_per_day", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )

    op.create_table(
        "credbot_quota_counters",
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "subject_id", "period", "window_start"),
    )


def downgrade() -> None:
    for table in ("credbot_quota_counters", "credbot_chat_settings", "credbot_thread_messages",
                  "credbot_bot_messages", "credbot_reports"):
        op.drop_table(table)
