"""incidents and officer alerts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("state", sa.String(24), nullable=False),
        _ts("learned_at"),
        sa.Column("learned_on", sa.Date(), nullable=False),  # day 1, in the configured zone
        _ts("occurred_at", nullable=True),
        sa.Column("cause", sa.String(32), nullable=False),
        sa.Column("reporter", sa.String(8), nullable=False),  # ppc, client
        sa.Column("client_recipient", sa.String(64), nullable=True),
        sa.Column("client_name", sa.Text(), nullable=True),
        sa.Column("client_email", sa.String(320), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),  # JSON list of item ids
        sa.Column("selection", sa.Text(), nullable=False),  # JSON: how the subjects were chosen
        sa.Column("listed_count", sa.Integer(), nullable=False),
        sa.Column("affected_count", sa.Integer(), nullable=False),
        sa.Column("count_is_upper_bound", sa.Boolean(), nullable=False),
        sa.Column("narrative", sa.LargeBinary(), nullable=True),  # sealed JSON of free texts
        sa.Column("suggested", sa.Text(), nullable=False),  # JSON list of categories
        sa.Column("categories", sa.Text(), nullable=True),  # JSON list, once confirmed
        sa.Column("classify_reason", sa.Text(), nullable=True),
        sa.Column("excluded_reason", sa.Text(), nullable=True),
        sa.Column("classified_by", sa.String(200), nullable=True),
        _ts("classified_at", nullable=True),
        sa.Column("preliminary_due", sa.Date(), nullable=False),
        sa.Column("final_due", sa.Date(), nullable=False),
        _ts("preliminary_at", nullable=True),
        _ts("final_at", nullable=True),
        _ts("closed_at", nullable=True),
        sa.Column("alert_id", sa.String(40), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_incidents_learned", "incidents", ["learned_at"])
    op.create_table(
        "incident_subjects",
        sa.Column(
            "incident_id",
            sa.String(40),
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("subject_id", sa.String(40), primary_key=True),
        sa.Column("outcome", sa.String(16), nullable=True),  # sent, no_contact, failed
        sa.Column("delivery", sa.String(120), nullable=True),
        _ts("notified_at", nullable=True),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "incident_id",
            sa.String(40),
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_state", sa.String(24), nullable=True),
        sa.Column("to_state", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        _ts("at"),
    )
    op.create_index("ix_incident_events_incident", "incident_events", ["incident_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("about", sa.String(200), nullable=True),  # the actor or key concerned
        sa.Column("dedup_key", sa.String(300), nullable=True, unique=True),
        sa.Column("watermark", sa.BigInteger(), nullable=True),  # last audit seq covered
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),  # JSON
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(40), nullable=True),
        _ts("created_at"),
        _ts("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by", sa.String(200), nullable=True),
        sa.Column("incident_id", sa.String(40), nullable=True),
    )
    op.create_index("ix_alerts_kind_about", "alerts", ["kind", "about"])
    op.create_index("ix_alerts_created", "alerts", ["created_at"])


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("incident_events")
    op.drop_table("incident_subjects")
    op.drop_table("incidents")
