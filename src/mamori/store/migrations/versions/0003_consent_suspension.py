"""consent ledger and current state, notices shown, suspensions, announcements

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_APPEND_ONLY = ("consent_events", "consent_notices", "suspension_events")
# consent_current and suspension_current stay rowid tables on SQLite: a state of 8 targets
# is about 1 KB, past what a WITHOUT ROWID row keeps in its page (it would spill to an
# overflow page; measured 52k against 122k look-ups/s).


def _ts(name: str, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _subject() -> sa.Column[sa.String]:
    return sa.Column("subject_id", sa.String(40), sa.ForeignKey("subjects.id"), nullable=False)


def upgrade() -> None:
    # The exact notice texts people were shown, kept once per text (by SHA-256).
    op.create_table(
        "consent_notices",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _ts("first_shown_at"),
    )
    # Every consent event, in order; never changed or removed.
    op.create_table(
        "consent_events",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(40), nullable=False, unique=True),
        _subject(),
        sa.Column("target", sa.String(80), nullable=False),  # purpose:ID recipient:ID referable:ID
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),  # JSON list of item ids
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("notice_hash", sa.String(64), nullable=True),
        sa.Column("lang", sa.String(8), nullable=True),
        sa.Column("method", sa.String(16), nullable=False),
        _ts("at"),
        _ts("valid_until", nullable=True),
        sa.Column("refers_to", sa.String(40), nullable=True),  # the given record it ends
        sa.Column("channel", sa.Text(), nullable=False),  # JSON: user agent, anonymised IP
        sa.Column("rule17", sa.Text(), nullable=True),  # JSON: what was shown (Art. 28)
        sa.Column("recorded_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_consent_events_subject", "consent_events", ["subject_id", "number"])
    # The current choice per subject and target, folded from the events (one row a subject).
    op.create_table(
        "consent_current",
        sa.Column("subject_id", sa.String(40), sa.ForeignKey("subjects.id"), primary_key=True),
        sa.Column("state", sa.Text(), nullable=False),
    )
    op.create_table(
        "suspension_events",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("suspension_id", sa.String(40), nullable=False),
        _subject(),
        sa.Column("scope", sa.String(80), nullable=False),  # all, provision, purpose:ID
        sa.Column("event", sa.String(16), nullable=False),  # suspended, lifted
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=True),
        _ts("at"),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_index("ix_suspension_events_subject", "suspension_events", ["subject_id", "number"])
    op.create_table(
        "suspension_current",
        sa.Column("subject_id", sa.String(40), sa.ForeignKey("subjects.id"), primary_key=True),
        sa.Column("scopes", sa.Text(), nullable=False),  # JSON: scope -> suspension id
    )
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("version", sa.Integer(), nullable=False, unique=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),  # JSON list: kind, path, summary
        _ts("created_at"),
        _ts("sent_at", nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer(), nullable=False, server_default="0"),
    )
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
    for table in (
        "announcements",
        "suspension_current",
        "suspension_events",
        "consent_current",
        "consent_events",
        "consent_notices",
    ):
        op.drop_table(table)
