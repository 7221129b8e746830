"""Who a chat said its copy of a report was forwarded from, in a table of its own.

Shared reports hold only the article's own data; a chat's forward origin lives here, keyed
by that chat's report row (see `bot.storage.OriginRow`).

Revision ID: 0002_report_origins
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_report_origins"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credbot_report_origins",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("forwarded_from", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_index("ix_credbot_report_origins_chat_id", "credbot_report_origins", ["chat_id"])
    op.create_index("ix_credbot_report_origins_created_at", "credbot_report_origins",
                    ["created_at"])


def downgrade() -> None:
    op.drop_table("credbot_report_origins")
