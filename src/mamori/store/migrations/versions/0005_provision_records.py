"""records of provision and receipt (Art. 29, 30, 31) and the subjects they cover

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provision_records",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),  # art29, art30, art31
        sa.Column("party", sa.String(200), nullable=False),  # recipient id, or provider label
        sa.Column("party_name", sa.Text(), nullable=False),
        sa.Column("party_address", sa.Text(), nullable=False),
        sa.Column("party_representative", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),  # JSON list
        sa.Column("consent_confirmed", sa.Boolean(), nullable=False),
        sa.Column("how_acquired", sa.Text(), nullable=True),  # Art. 30: how the provider got it
        sa.Column("contract_ref", sa.String(200), nullable=True),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("subjects", sa.Integer(), nullable=False),
        sa.Column("keep_until", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_provision_records_keep", "provision_records", ["keep_until"])
    op.create_index(
        "ix_provision_records_bulk", "provision_records", ["kind", "party", "contract_ref"]
    )
    op.create_table(
        "provision_record_subjects",
        sa.Column(
            "record_id",
            sa.String(40),
            sa.ForeignKey("provision_records.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("subject_id", sa.String(40), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_provision_record_subjects_subject", "provision_record_subjects", ["subject_id"]
    )


def downgrade() -> None:
    op.drop_table("provision_record_subjects")
    op.drop_table("provision_records")
