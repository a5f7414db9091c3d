"""inquiries and complaints

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TEXT_BYTES = 200_000  # sealed texts; large enough that MariaDB picks MEDIUMBLOB


def _ts(name: str, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "inquiries",
        sa.Column("id", sa.String(32), primary_key=True),  # the reference, INQ-YYYY-...
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("subject_id", sa.String(40), sa.ForeignKey("subjects.id"), nullable=True),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("assignee", sa.String(200), nullable=True),
        _ts("received_at"),
        sa.Column("reply_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        _ts("first_reply_at", nullable=True),
        sa.Column("replies", sa.Integer(), nullable=False),
        # texts, sealed: under the linked subject's data key ("subject") or mamori's
        # sealing key ("service")
        sa.Column("sealed_with", sa.String(8), nullable=False),
        sa.Column("title", sa.LargeBinary(_TEXT_BYTES), nullable=False),
        sa.Column("body", sa.LargeBinary(_TEXT_BYTES), nullable=False),
        sa.Column("contact", sa.LargeBinary(_TEXT_BYTES), nullable=True),
        sa.Column("summary", sa.LargeBinary(_TEXT_BYTES), nullable=True),
        sa.Column("summary_sealed_with", sa.String(8), nullable=True),
        _ts("closed_at", nullable=True),
        sa.Column("closed_by", sa.String(200), nullable=True),
        _ts("updated_at"),
    )
    op.create_index("ix_inquiries_status_due", "inquiries", ["status", "due_on"])
    op.create_index("ix_inquiries_received", "inquiries", ["received_at"])
    op.create_index("ix_inquiries_subject", "inquiries", ["subject_id"])
    op.create_table(
        "inquiry_replies",
        sa.Column("inquiry_id", sa.String(32), sa.ForeignKey("inquiries.id"), primary_key=True),
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("author", sa.String(200), nullable=False),
        _ts("at"),
        sa.Column("text", sa.LargeBinary(_TEXT_BYTES), nullable=False),  # sealed
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("delivery", sa.String(80), nullable=True),
    )


def downgrade() -> None:
    for table in ("inquiry_replies", "inquiries"):
        op.drop_table(table)
