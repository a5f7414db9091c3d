"""a subject's data key and values in its own row

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

``subjects`` takes the wrapped data key (``key_id``, ``kek_id``, ``wrapped``) and the
values (``sealed``: the ciphertexts, ``ledger``: what is held, see
``mamori.vault.record``); ``data_keys`` and ``subject_values`` go. Collecting a person
writes one row instead of eight, and a use reads one. Existing ciphertexts move as they
are: their associated data (subject, item, version) does not change.
"""

from __future__ import annotations

import datetime as dt
import json
import struct
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_HEAD = struct.Struct(">II")
_BATCH = 2000


def _iso(at: Any) -> str:
    if isinstance(at, str):  # SQLite keeps SQLAlchemy's text form, in UTC
        at = dt.datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return str(at.astimezone(dt.UTC).isoformat(timespec="microseconds"))


def _pack(values: list[tuple[str, int, bytes]]) -> bytes:
    out = bytearray()
    for item, version, ciphertext in values:
        name = item.encode()
        out.append(len(name))
        out += name
        out += _HEAD.pack(version, len(ciphertext))
        out += ciphertext
    return bytes(out)


def upgrade() -> None:
    for name, kind in (
        ("key_id", sa.LargeBinary(16)),
        ("kek_id", sa.String(80)),
        ("wrapped", sa.LargeBinary()),
        ("ledger", sa.Text()),
        ("sealed", sa.LargeBinary()),
    ):
        op.add_column("subjects", sa.Column(name, kind, nullable=True))
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE subjects SET key_id = (SELECT k.key_id FROM data_keys k "
            "WHERE k.subject_id = subjects.id), kek_id = (SELECT k.kek_id FROM data_keys k "
            "WHERE k.subject_id = subjects.id), wrapped = (SELECT k.wrapped FROM data_keys k "
            "WHERE k.subject_id = subjects.id)"
        )
    )
    last = ""
    while True:
        ids = [
            r[0]
            for r in bind.execute(
                sa.text(
                    "SELECT DISTINCT subject_id FROM subject_values WHERE subject_id > :last "
                    "ORDER BY subject_id LIMIT :n"
                ),
                {"last": last, "n": _BATCH},
            )
        ]
        if not ids:
            break
        last = ids[-1]
        rows = bind.execute(
            sa.text(
                "SELECT subject_id, item, version, ciphertext, purpose, collected_at "
                "FROM subject_values WHERE subject_id IN :ids ORDER BY subject_id, item"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids},
        ).all()
        grouped: dict[str, list[Any]] = {}
        for row in rows:
            grouped.setdefault(row[0], []).append(row)
        bind.execute(
            sa.text("UPDATE subjects SET ledger = :ledger, sealed = :sealed WHERE id = :id"),
            [
                {
                    "id": sid,
                    "sealed": _pack([(r[1], int(r[2]), bytes(r[3])) for r in held]),
                    "ledger": json.dumps(
                        {r[1]: [int(r[2]), r[4], _iso(r[5])] for r in held},
                        ensure_ascii=False,
                        separators=(",", ":"),
                    ),
                }
                for sid, held in grouped.items()
            ],
        )
    op.drop_table("subject_values")
    op.drop_index("ix_data_keys_kek_id", table_name="data_keys")
    op.drop_table("data_keys")
    _blind_indexes(foreign_key=False)


def _blind_indexes(*, foreign_key: bool) -> None:
    """Make blind_indexes again with or without its foreign key to subjects.

    Without: the vault writes and deletes these rows itself, in the subject's own
    transaction, and checking the parent row costs more than the insert (a look-up of a
    wide subject row for each of a new person's indexes). Made anew, because SQLite cannot
    drop a constraint; nothing refers to this table, so dropping it cascades nowhere.
    """
    subject: list[Any] = [sa.ForeignKey("subjects.id", ondelete="CASCADE")] if foreign_key else []
    op.create_table(
        "blind_indexes_next",
        sa.Column("item", sa.String(64), primary_key=True),
        sa.Column("digest", sa.LargeBinary(32), primary_key=True),
        sa.Column("subject_id", sa.String(40), *subject, primary_key=True),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO blind_indexes_next (item, digest, subject_id) "
        "SELECT item, digest, subject_id FROM blind_indexes"
    )
    op.drop_index("ix_blind_indexes_subject_id", table_name="blind_indexes")
    op.drop_table("blind_indexes")
    op.rename_table("blind_indexes_next", "blind_indexes")
    op.create_index("ix_blind_indexes_subject_id", "blind_indexes", ["subject_id"])


def _unpack(sealed: bytes) -> list[tuple[str, int, bytes]]:
    out, at = [], 0
    while at < len(sealed):
        size = sealed[at]
        item = sealed[at + 1 : at + 1 + size].decode()
        at += 1 + size
        version, length = _HEAD.unpack_from(sealed, at)
        at += 8
        out.append((item, version, sealed[at : at + length]))
        at += length
    return out


def downgrade() -> None:
    _blind_indexes(foreign_key=True)

    def subject() -> sa.ForeignKey:
        return sa.ForeignKey("subjects.id", ondelete="CASCADE")

    clustered = {"sqlite_with_rowid": False}
    op.create_table(
        "data_keys",
        sa.Column("subject_id", sa.String(40), subject(), primary_key=True),
        sa.Column("key_id", sa.LargeBinary(16), nullable=False),
        sa.Column("kek_id", sa.String(80), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        **clustered,
    )
    op.create_index("ix_data_keys_kek_id", "data_keys", ["kek_id"])
    op.create_table(
        "subject_values",
        sa.Column("subject_id", sa.String(40), subject(), primary_key=True),
        sa.Column("item", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        **clustered,
    )
    bind = op.get_bind()
    keys = sa.table(
        "data_keys", *(sa.column(c) for c in ("subject_id", "key_id", "kek_id", "wrapped"))
    )
    keys.append_column(sa.Column("created_at", sa.DateTime(timezone=True)))
    values = sa.table(
        "subject_values",
        *(sa.column(c) for c in ("subject_id", "item", "version", "ciphertext", "purpose")),
    )
    values.append_column(sa.Column("collected_at", sa.DateTime(timezone=True)))
    rows = bind.execute(
        sa.text(
            "SELECT id, created_at, key_id, kek_id, wrapped, ledger, sealed FROM subjects "
            "WHERE wrapped IS NOT NULL"
        )
    ).all()
    for sid, created, key_id, kek_id, wrapped, ledger, sealed in rows:
        if isinstance(created, str):
            created = dt.datetime.fromisoformat(created).replace(tzinfo=dt.UTC)
        bind.execute(
            keys.insert().values(
                subject_id=sid, key_id=key_id, kek_id=kek_id, wrapped=wrapped, created_at=created
            )
        )
        held = json.loads(ledger or "{}")
        for item, version, ciphertext in _unpack(bytes(sealed or b"")):
            _, purpose, at = held[item]
            bind.execute(
                values.insert().values(
                    subject_id=sid,
                    item=item,
                    version=version,
                    ciphertext=ciphertext,
                    purpose=purpose,
                    collected_at=dt.datetime.fromisoformat(at),
                )
            )
    # Not a batch (copy-and-rename) alteration: on SQLite dropping the old table would
    # cascade to the rows just written. Both databases drop a column in place.
    for name in ("sealed", "ledger", "wrapped", "kek_id", "key_id"):
        op.execute(f"ALTER TABLE subjects DROP COLUMN {name}")
