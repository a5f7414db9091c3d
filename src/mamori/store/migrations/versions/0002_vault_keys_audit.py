"""subjects, data keys, encrypted values, blind indexes, service keys, disposals, audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_APPEND_ONLY = ("audit_log", "audit_checkpoints", "disposals")


# audit_log keeps the exact bytes that were hashed (`canonical`); the columns for queries
# are generated from them by the database, so they cannot disagree with the hashed entry.
_AUDIT_DERIVED = (("at", 40), ("actor", 200), ("action", 40), ("subject", 40), ("purpose", 64))
# plpgsql, not sql: an IMMUTABLE sql function around the STABLE convert_from is never
# inlined, and running it per column costs 3x the insert (measured).
_PG_AUDIT_FIELD = """CREATE FUNCTION mamori_audit_field(entry bytea, field text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$BEGIN RETURN convert_from(entry, 'UTF8')::jsonb ->> field; END$$"""


def _audit_field(dialect: str, name: str) -> sa.Computed:
    if dialect == "postgresql":
        return sa.Computed(f"mamori_audit_field(canonical, '{name}')", persisted=True)
    return sa.Computed(f"json_extract(CAST(canonical AS TEXT), '$.{name}')", persisted=False)


# On SQLite these tables are stored in primary-key order (WITHOUT ROWID): a read of a
# subject's values is one B-tree walk instead of an index walk plus a row look-up per value.
_CLUSTERED = {"sqlite_with_rowid": False}


def _ts(name: str, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "subjects",
        sa.Column("id", sa.String(40), primary_key=True),
        _ts("created_at"),
        sa.Column("source", sa.String(200), nullable=False),
        _ts("erased_at", nullable=True),
        **_CLUSTERED,
    )
    op.create_table(
        "data_keys",
        sa.Column(
            "subject_id",
            sa.String(40),
            sa.ForeignKey("subjects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key_id", sa.LargeBinary(16), nullable=False),
        sa.Column("kek_id", sa.String(80), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        _ts("created_at"),
        **_CLUSTERED,
    )
    op.create_index("ix_data_keys_kek_id", "data_keys", ["kek_id"])
    op.create_table(
        "subject_values",
        sa.Column(
            "subject_id",
            sa.String(40),
            sa.ForeignKey("subjects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("item", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        _ts("collected_at"),
        **_CLUSTERED,
    )
    op.create_table(
        "blind_indexes",
        sa.Column("item", sa.String(64), primary_key=True),
        sa.Column("digest", sa.LargeBinary(32), primary_key=True),
        sa.Column(
            "subject_id",
            sa.String(40),
            sa.ForeignKey("subjects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        **_CLUSTERED,
    )
    op.create_index("ix_blind_indexes_subject_id", "blind_indexes", ["subject_id"])
    op.create_table(
        "service_keys",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("key_id", sa.String(80), nullable=False),
        sa.Column("kek_id", sa.String(80), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        _ts("created_at"),
    )
    op.create_table(
        "disposals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("subject_id", sa.String(40), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        _ts("at"),
    )
    op.create_index("ix_disposals_subject_id", "disposals", ["subject_id"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_AUDIT_FIELD)
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("canonical", sa.LargeBinary(), nullable=False),
        *(
            sa.Column(name, sa.String(length), _audit_field(dialect, name))
            for name, length in _AUDIT_DERIVED
        ),
    )
    if dialect == "postgresql":
        # Not on SQLite: an index on random subject ids makes every batch of appends write
        # pages all over the file (12k instead of 82k entries/s at 1M entries, measured).
        op.create_index("ix_audit_log_subject", "audit_log", ["subject"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.execute(
        sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :zero)").bindparams(
            zero=bytes(32)
        )
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        sa.Column("key_id", sa.String(80), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        _ts("created_at"),
    )
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
        "audit_checkpoints",
        "audit_head",
        "audit_log",
        "disposals",
        "service_keys",
        "blind_indexes",
        "subject_values",
        "data_keys",
        "subjects",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION mamori_audit_field(bytea, text)")
