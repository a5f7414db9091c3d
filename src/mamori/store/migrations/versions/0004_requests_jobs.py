"""data-subject requests, their events, verification codes, disclosure packages, jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_APPEND_ONLY = ("request_events",)


def _ts(name: str, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(40), sa.ForeignKey("subjects.id"), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("by_agent", sa.Boolean(), nullable=False),
        # the contact the requester gave, as a blind-index digest (never the address)
        sa.Column("contact_item", sa.String(64), nullable=True),
        sa.Column("contact_digest", sa.LargeBinary(32), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True, unique=True),
        sa.Column("payload", sa.LargeBinary(), nullable=True),  # encrypted JSON: what is asked
        sa.Column("fee", sa.Integer(), nullable=True),  # JPY, as the policy set it (Art. 38)
        _ts("received_at"),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("verification", sa.Text(), nullable=True),  # JSON: method, checked, by
        sa.Column("reject_code", sa.String(40), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),  # JSON: per system status, changes
        sa.Column("error", sa.Text(), nullable=True),
        _ts("closed_at", nullable=True),
    )
    op.create_index("ix_requests_subject_kind", "requests", ["subject_id", "kind", "state"])
    op.create_index("ix_requests_state_due", "requests", ["state", "due_on"])
    op.create_table(
        "request_events",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(40), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _ts("at"),
    )
    op.create_index("ix_request_events_request", "request_events", ["request_id", "number"])
    op.create_table(
        "verification_codes",
        sa.Column("request_id", sa.String(40), sa.ForeignKey("requests.id"), primary_key=True),
        sa.Column("code_mac", sa.LargeBinary(32), nullable=False),
        _ts("expires_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("sent_at"),
    )
    op.create_table(
        "request_packages",
        sa.Column("request_id", sa.String(40), sa.ForeignKey("requests.id"), primary_key=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),  # the ZIP, encrypted
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("downloaded_at", nullable=True),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("ref", sa.String(80), nullable=False),  # e.g. the request id
        sa.Column("state", sa.String(16), nullable=False),  # queued running done failed
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(80), nullable=True),
        _ts("lease_until", nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_jobs_state", "jobs", ["state", "id"])
    dialect = op.get_bind().dialect.name
    for table in _APPEND_ONLY:
        if dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION mamori_refuse_change()"
            )


def downgrade() -> None:
    for table in ("jobs", "request_packages", "verification_codes", "request_events", "requests"):
        op.drop_table(table)
