"""retention runs and disposal records

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # Events the vault does not know: an account closed (per subject), a purpose ended (per
    # subject, or for everyone when subject_id is NULL).
    op.create_table(
        "retention_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("subject_id", sa.String(40), nullable=True),
        sa.Column("event", sa.String(24), nullable=False),  # account_closed, purpose_ended
        sa.Column("purpose", sa.String(64), nullable=True),
        _ts("at"),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        _ts("recorded_at"),
    )
    op.create_index("ix_retention_events_subject", "retention_events", ["subject_id"])
    # The latest collection and use per subject and purpose or item, folded from the audit
    # log (keys collect:PURPOSE, use:PURPOSE, use_item:ITEM), so a run reads only entries
    # appended since the last one.
    op.create_table(
        "retention_activity",
        sa.Column("subject_id", sa.String(40), primary_key=True),
        sa.Column("key", sa.String(80), primary_key=True),
        _ts("at"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "retention_state",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),  # last entry folded
    )
    op.execute("INSERT INTO retention_state (id, audit_seq) VALUES (1, 0)")
    # Every run (dry runs too); daily_day is set by the daily run of the worker and is
    # unique, so a day's run happens once however many processes or restarts there are.
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("daily_day", sa.Date(), nullable=True, unique=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("subjects", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("items", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("records_purged", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_retention_runs_started", "retention_runs", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_retention_runs_started", table_name="retention_runs")
    op.drop_table("retention_runs")
    op.drop_table("retention_state")
    op.drop_table("retention_activity")
    op.drop_index("ix_retention_events_subject", table_name="retention_events")
    op.drop_table("retention_events")
