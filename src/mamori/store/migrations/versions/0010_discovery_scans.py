"""discovery scan results

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25

A scan of text, a file or a database, and a summary per column (or per JSON key, or per
entity for plain text): how many values were looked at, how many held personal data, the
entities found, the item of the policy such data belongs to, and whether the data map
declares the column. Examples are kept masked only; no value is stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scans",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),  # text, file, db
        sa.Column("source", sa.Text(), nullable=False),  # path or URL without its password
        sa.Column("format", sa.String(16), nullable=True),  # csv, jsonl, text, sqlite, ...
        sa.Column("dataset", sa.String(64), nullable=True),  # compared with this data map entry
        sa.Column("sample_rows", sa.Integer(), nullable=True),  # rows per column asked for
        sa.Column("column_count", sa.Integer(), nullable=False),
        sa.Column("personal_count", sa.Integer(), nullable=False),  # columns with personal data
        sa.Column("undeclared_count", sa.Integer(), nullable=True),
        sa.Column("declared_empty", sa.Text(), nullable=True),  # JSON list, with compare
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scans_at", "scans", ["at"])
    op.create_table(
        "scan_columns",
        sa.Column(
            "scan_id",
            sa.String(40),
            sa.ForeignKey("scans.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("ordinal", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("table_name", sa.String(200), nullable=True),
        sa.Column("column_name", sa.Text(), nullable=False),
        sa.Column("sampled", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(64), nullable=True),
        sa.Column("entities", sa.Text(), nullable=False),  # JSON: entity -> findings
        sa.Column("examples", sa.Text(), nullable=False),  # JSON list of masked examples
        sa.Column("lines", sa.Text(), nullable=False),  # JSON list of line numbers (text)
        sa.Column("suggested_item", sa.String(64), nullable=True),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("declared", sa.Boolean(), nullable=True),  # None: not compared
        sa.Column("declared_item", sa.String(64), nullable=True),
        sa.Column("skipped", sa.String(64), nullable=True),  # why it was not sampled
    )


def downgrade() -> None:
    op.drop_table("scan_columns")
    op.drop_index("ix_scans_at", table_name="scans")
    op.drop_table("scans")
