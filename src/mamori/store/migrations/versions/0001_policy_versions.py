"""policy_versions: published policy versions, immutable

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_GUARDS = [
    f"""CREATE TRIGGER policy_versions_no_{verb.lower()} BEFORE {verb} ON policy_versions
    BEGIN SELECT RAISE(ABORT, 'policy versions are immutable'); END"""
    for verb in ("UPDATE", "DELETE")
]

_PG_GUARD = [
    """CREATE FUNCTION mamori_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$""",
    """CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION mamori_refuse_change()""",
]


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("canonical", sa.Text(), nullable=False),
    )
    op.create_index("ix_policy_versions_content_hash", "policy_versions", ["content_hash"])
    dialect = op.get_bind().dialect.name
    guards = _SQLITE_GUARDS if dialect == "sqlite" else _PG_GUARD if dialect == "postgresql" else []
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER policy_versions_immutable ON policy_versions")
        op.execute("DROP FUNCTION mamori_refuse_change()")
    op.drop_index("ix_policy_versions_content_hash", "policy_versions")
    op.drop_table("policy_versions")
