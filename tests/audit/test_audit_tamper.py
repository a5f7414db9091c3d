"""What a superuser does anyway: each tampering, on SQLite and PostgreSQL, is caught at the
first bad sequence number. The append-only triggers are dropped first (as they could be)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from audit_helpers import chain_hash, event, fill, make_log, row, shift_up, superuser
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mamori.audit import AuditLog, Checkpoint, VerifyReport, _chain
from mamori.clock import FixedClock
from mamori.store import Store

N = 40
KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes_raw()


@pytest.fixture
def log(database_url: str, clock: FixedClock) -> Iterator[tuple[Store, AuditLog]]:
    store, log = make_log(database_url, clock, entries=N)
    try:
        assert log.verify().ok
        yield store, log
    finally:
        store.close()


def bad(report: VerifyReport, seq: int | None, *words: str) -> None:
    assert not report.ok
    assert report.first_bad_seq == seq, report
    for word in words:
        assert word in (report.problem or ""), report


def set_canonical(seq: int, canonical: bytes) -> tuple[str, dict[str, object]]:
    return ("UPDATE audit_log SET canonical = :c WHERE seq = :s", {"c": canonical, "s": seq})


def test_the_triggers_refuse_changes_until_dropped(log: tuple[Store, AuditLog]) -> None:
    store, _ = log
    for statement in ("UPDATE audit_log SET hash = hash", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as c:
            c.execute(sa.text(statement))


def test_a_changed_field(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    _, canonical = row(store, 17)
    forged = canonical.replace(b'"actor":"staff:2"', b'"actor":"staff:0"')
    assert forged != canonical
    superuser(store, set_canonical(17, forged))
    assert audit.get(17).actor == "staff:0"
    bad(audit.verify(), 17, "entry 17 does not match its hash")


def test_a_changed_hash(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    superuser(store, ("UPDATE audit_log SET hash = :h WHERE seq = 17", {"h": b"\x07" * 32}))
    bad(audit.verify(), 17, "entry 17")


def test_a_deleted_entry(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    superuser(store, "DELETE FROM audit_log WHERE seq = 17")
    bad(audit.verify(), 17, "entry 17 is missing")


def test_the_first_entry_deleted(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    superuser(store, "DELETE FROM audit_log WHERE seq = 1")
    bad(audit.verify(), 1, "entry 1 is missing")


def test_swapped_entries(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    superuser(
        store,
        "UPDATE audit_log SET seq = -1 WHERE seq = 12",
        "UPDATE audit_log SET seq = 12 WHERE seq = 20",
        "UPDATE audit_log SET seq = 20 WHERE seq = -1",
    )
    bad(audit.verify(), 12, "entry 12")


def test_neighbours_swapped(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    (h9, c9), (h10, c10) = row(store, 9), row(store, 10)
    superuser(
        store,
        ("UPDATE audit_log SET hash = :h, canonical = :c WHERE seq = 9", {"h": h10, "c": c10}),
        ("UPDATE audit_log SET hash = :h, canonical = :c WHERE seq = 10", {"h": h9, "c": c9}),
    )
    bad(audit.verify(), 9, "entry 9")


def test_an_inserted_entry_with_a_well_made_hash(log: tuple[Store, AuditLog]) -> None:
    """Entry 17 is a forgery that chains onto 16; the break shows where the original 17
    (now at 18) no longer follows it."""
    store, audit = log
    prev, _ = row(store, 16)
    canonical = event(99).canonical(17, "2026-11-25T01:00:00.000000Z")
    superuser(
        store,
        *shift_up(17),
        (
            "INSERT INTO audit_log (seq, hash, canonical) VALUES (17, :h, :c)",
            {"h": chain_hash(prev, canonical), "c": canonical},
        ),
        "UPDATE audit_head SET seq = seq + 1",
    )
    bad(audit.verify(), 18, "entry 18 does not match")


def test_an_inserted_entry_with_a_made_up_hash(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    canonical = event(99).canonical(17, "2026-11-25T01:00:00.000000Z")
    superuser(
        store,
        *shift_up(17),
        (
            "INSERT INTO audit_log (seq, hash, canonical) VALUES (17, :h, :c)",
            {"h": b"\x01" * 32, "c": canonical},
        ),
    )
    bad(audit.verify(), 17, "entry 17")


def test_an_entry_appended_behind_the_heads_back(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    prev, _ = row(store, N)
    canonical = event(99).canonical(N + 1, "2026-11-25T01:00:00.000000Z")
    superuser(
        store,
        (
            "INSERT INTO audit_log (seq, hash, canonical) VALUES (:s, :h, :c)",
            {"s": N + 1, "h": chain_hash(prev, canonical), "c": canonical},
        ),
    )
    bad(audit.verify(), N + 1, f"entry {N + 1} is past the head ({N})")


def test_an_entry_before_the_first(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    canonical = event(99).canonical(0, "2026-11-25T01:00:00.000000Z")
    superuser(
        store,
        (
            "INSERT INTO audit_log (seq, hash, canonical) VALUES (0, :h, :c)",
            {"h": bytes(32), "c": canonical},
        ),
    )
    bad(audit.verify(), 0, "entry 0 comes before the first entry")


def test_a_truncated_tail(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    superuser(store, "DELETE FROM audit_log WHERE seq > 35")
    bad(audit.verify(), 36, "entries 36..40 are missing: the head is at 40")


def test_a_truncated_tail_past_a_checkpoint(log: tuple[Store, AuditLog]) -> None:
    """The head is moved back to match, so the chain alone is intact: the stored
    checkpoint over 1..30 shows that 26..30 are gone; so does its file, after the
    checkpoint rows are deleted too."""
    store, audit = log
    checkpoint = audit.checkpoint(KEY, "k1", last_seq=30)
    fill(audit, store, N + 2, N + 5)
    h25, _ = row(store, 25)
    superuser(
        store,
        "DELETE FROM audit_log WHERE seq > 25",
        ("UPDATE audit_head SET seq = 25, hash = :h", {"h": h25}),
    )
    bad(audit.verify(), 26, "checkpoint 1..30 (k1) covers entries up to 30", "ends at 25")
    superuser(store, "DELETE FROM audit_checkpoints")
    assert audit.verify().ok  # the database alone no longer knows
    bad(
        audit.verify(checkpoints=[Checkpoint.from_json(checkpoint.to_json())], public_key=PUBLIC),
        26,
        "covers entries up to 30",
    )


def test_the_head_behind_the_last_entry(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    h39, _ = row(store, 39)
    superuser(store, ("UPDATE audit_head SET seq = 39, hash = :h", {"h": h39}))
    bad(audit.verify(), 40, "entry 40 is past the head (39)")


def test_the_head_ahead_of_the_last_entry(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    superuser(store, "UPDATE audit_head SET seq = 42")
    bad(audit.verify(), 41, "entries 41..42 are missing: the head is at 42")


def test_the_heads_hash_changed(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    superuser(store, ("UPDATE audit_head SET hash = :h", {"h": b"\x05" * 32}))
    bad(audit.verify(), N, f"the head's hash does not match entry {N}")


def test_a_range_rewritten_with_recomputed_hashes(log: tuple[Store, AuditLog]) -> None:
    """A careful forger rewrites entry 10 and every hash after it, and the head: the chain
    is consistent again, only a checkpoint shows it."""
    store, audit = log
    audit.checkpoint(KEY, "k1", last_seq=N)
    statements: list[str | tuple[str, dict[str, object]]] = []
    prev, _ = row(store, 9)
    for seq in range(10, N + 2):
        _, canonical = row(store, seq)
        if seq == 10:
            canonical = canonical.replace(b'"request":"r-10"', b'"request":"r-xx"')
        prev = chain_hash(prev, canonical)
        statements.append(
            (
                "UPDATE audit_log SET hash = :h, canonical = :c WHERE seq = :s",
                {"h": prev, "c": canonical, "s": seq},
            )
        )
    statements.append(("UPDATE audit_head SET hash = :h", {"h": prev}))
    superuser(store, *statements)
    bad(audit.verify(), 1, "checkpoint 1..40 (k1): entries 1..40 do not match the signed root")


def test_a_changed_checkpoint_root(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    audit.checkpoint(KEY, "k1")
    superuser(store, ("UPDATE audit_checkpoints SET root = :r", {"r": b"\x02" * 32}))
    bad(audit.verify(), None, "checkpoint 1..40 (k1): the signature does not verify")


def test_a_checkpoint_file_signed_by_another_key(log: tuple[Store, AuditLog]) -> None:
    _, audit = log
    other = Ed25519PrivateKey.generate()
    forged = audit.checkpoint(other, "k1")
    assert audit.verify(checkpoints=[forged]).ok  # it carries its own key
    bad(
        audit.verify(checkpoints=[forged], public_key=PUBLIC),
        None,
        "the signature does not verify",
    )


def test_a_query_column_redefined_to_lie(log: tuple[Store, AuditLog]) -> None:
    """The columns for queries are generated; to make one lie, the table must change."""
    store, audit = log
    if store.dialect == "postgresql":
        superuser(
            store,
            "ALTER TABLE audit_log ALTER COLUMN subject DROP EXPRESSION",
            "UPDATE audit_log SET subject = 's_9999' WHERE seq = 23",
        )
    else:
        expression = "json_extract(CAST(canonical AS TEXT), '$.subject')"
        lie = f"CASE WHEN seq = 23 THEN 's_9999' ELSE {expression} END"
        with store.engine.begin() as conn:
            version = conn.execute(sa.text("PRAGMA schema_version")).scalar_one()
            conn.execute(sa.text("PRAGMA writable_schema = ON"))
            conn.execute(
                sa.text("UPDATE sqlite_master SET sql = replace(sql, :e, :l) WHERE name = :t"),
                {"e": expression, "l": lie, "t": "audit_log"},
            )
            conn.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
            conn.execute(sa.text("PRAGMA writable_schema = OFF"))
        store.engine.dispose()
    with store.engine.connect() as conn:
        lied = conn.execute(sa.text("SELECT subject FROM audit_log WHERE seq = 23")).scalar()
    assert lied == "s_9999"
    bad(audit.verify(), 23, "column subject is no longer derived", "entry 23 disagrees")


@pytest.mark.parametrize("batch", [1024, 3])
def test_a_change_before_a_gap_is_reported_first(
    log: tuple[Store, AuditLog], batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, audit = log
    monkeypatch.setattr(_chain, "BATCH", batch)
    _, canonical = row(store, 5)
    superuser(
        store,
        set_canonical(5, canonical.replace(b'"count":5', b'"count":6')),
        "DELETE FROM audit_log WHERE seq = 9",
    )
    report = audit.verify()
    bad(report, 5, "entry 5 does not match")
    assert report.entries_checked == 4


def test_a_gap_before_a_change_is_reported_first(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    _, canonical = row(store, 9)
    superuser(
        store,
        set_canonical(9, canonical.replace(b'"count":9', b'"count":6')),
        "DELETE FROM audit_log WHERE seq = 5",
    )
    report = audit.verify()
    bad(report, 5, "entry 5 is missing")
    assert report.entries_checked == 4


def test_the_head_of_an_empty_log_changed(database_url: str, clock: FixedClock) -> None:
    store, audit = make_log(database_url, clock)
    try:
        superuser(store, ("UPDATE audit_head SET hash = :h", {"h": b"\x05" * 32}))
        bad(audit.verify(), None, "the head of the empty log is not 32 zero bytes")
    finally:
        store.close()


def test_the_function_behind_the_query_columns_replaced(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    if store.dialect != "postgresql":
        pytest.skip("only PostgreSQL derives the query columns through a function")
    superuser(
        store,
        "CREATE OR REPLACE FUNCTION mamori_audit_field(entry bytea, field text) RETURNS text"
        " LANGUAGE plpgsql IMMUTABLE STRICT AS $$BEGIN RETURN 's_9999'; END$$",
    )
    bad(audit.verify(), None, "no longer derived from the hashed entry")
    superuser(store, "UPDATE audit_log SET canonical = canonical WHERE seq = 7")
    bad(audit.verify(), 7, "entry 7 disagrees with its hashed bytes")
