"""The audit log on SQLite and PostgreSQL: appending, reading, exporting, verifying."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from audit_helpers import event, fill, make_log, superuser
from sqlalchemy.exc import DBAPIError

from mamori.audit import AuditEntryNotFound, AuditEvent, AuditLog, InvalidAuditEvent, _scan
from mamori.clock import FixedClock
from mamori.store import Store
from mamori.store.tables import AuditEntryRow


@pytest.fixture
def log(database_url: str, clock: FixedClock) -> Iterator[tuple[Store, AuditLog]]:
    store, log = make_log(database_url, clock)
    try:
        yield store, log
    finally:
        store.close()


def test_entries_chain_from_zero(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    entries = fill(audit, store, 1, 20)
    assert [e.seq for e in entries] == list(range(1, 21))
    prev = bytes(32)
    for entry in entries:
        assert entry.hash == hashlib.sha256(prev + entry.canonical()).digest()
        assert audit.get(entry.seq) == entry
        prev = entry.hash
    assert entries[0].at == "2026-11-25T01:00:00.000000Z"
    assert audit.count() == 20
    with store.engine.connect() as conn:
        head = conn.execute(sa.text("SELECT seq, hash FROM audit_head")).one()
    assert (head[0], bytes(head[1])) == (20, entries[-1].hash)


def test_stored_bytes_are_exactly_what_was_hashed(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    entry = audit.record(AuditEvent("staff:1", "use", "s_1", "sales", ("name",), {"note": "日本"}))
    with store.engine.connect() as conn:
        canonical = conn.execute(sa.text("SELECT canonical FROM audit_log")).scalar_one()
    assert bytes(canonical) == entry.canonical()
    assert "日本".encode() in bytes(canonical)


def test_append_commits_and_rolls_back_with_the_callers_transaction(
    log: tuple[Store, AuditLog],
) -> None:
    store, audit = log
    fill(audit, store, 1, 3)
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        audit.append(conn, [event(4), event(5)])
        raise RuntimeError("the change failed")
    assert audit.count() == 3
    with store.engine.begin() as conn:
        entries = audit.append(conn, [event(4)])
    assert entries[0].seq == 4 and audit.get(4) == entries[0]
    assert audit.verify().ok
    with store.engine.begin() as conn:
        assert audit.append(conn, []) == []
    with pytest.raises(TypeError), store.engine.begin() as conn:
        audit.append(conn, ["not an event"])  # type: ignore[list-item]


def test_logs_that_append_in_turn_keep_one_chain(
    log: tuple[Store, AuditLog], clock: FixedClock
) -> None:
    """Each log remembers the head it wrote; another log's appends in between, a
    rolled-back append and a head moved behind its back make it read the head again."""
    store, first = log
    second = AuditLog(store, clock)  # as another process on the same database
    fill(first, store, 1, 3)
    fill(second, store, 4, 6)
    fill(first, store, 7, 9)  # its remembered head (3) is stale: it must read 6
    with pytest.raises(RuntimeError), store.transaction() as cur:
        first.append_cursor(cur, store.dialect, [event(10)])
        raise RuntimeError("the change failed")
    with store.transaction() as cur:  # remembers 10, but the database is at 9
        entries = first.append_cursor(cur, store.dialect, [event(10), event(11)])
    assert [e.seq for e in entries] == [10, 11]
    with store.transaction() as cur:
        second.append_cursor(cur, store.dialect, [event(12)])
        first.append_cursor(cur, store.dialect, [event(13)])  # same transaction, stale head
    assert [e.seq for e in first.tail(20)] == list(range(1, 14))
    report = first.verify()
    assert report.ok and report.entries_checked == 13


def test_get_tail_count(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    assert audit.count() == 0 and audit.tail() == []
    entries = fill(audit, store, 1, 30)
    assert audit.tail(3) == entries[-3:]
    assert audit.tail() == entries[-20:]
    assert audit.tail(0) == []
    with pytest.raises(AuditEntryNotFound, match="no audit entry 31"):
        audit.get(31)


def test_query_columns_come_from_the_hashed_bytes(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    fill(audit, store, 1, 12)
    table = AuditEntryRow.__table__
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(table.c.seq, table.c.actor, table.c.action, table.c.purpose, table.c.at)
            .where(table.c.subject == "s_0002")
            .order_by(table.c.seq)
        ).all()
    assert [r.seq for r in rows] == [2, 7, 12]
    assert rows[0].actor == "staff:2" and rows[0].action == "deny" and rows[0].purpose is None
    assert rows[1].purpose == "sales" and rows[0].at == "2026-11-25T01:00:00.000000Z"
    superuser(store)  # without the append-only triggers, the columns still cannot be set
    with pytest.raises(DBAPIError, match=r"(?i)generated|cannot update"), store.engine.begin() as c:
        c.execute(sa.text("UPDATE audit_log SET subject = 's_9999' WHERE seq = 2"))


def test_export_streams_a_time_range(log: tuple[Store, AuditLog], clock: FixedClock) -> None:
    store, audit = log
    start = clock.now()
    for day in range(5):
        clock.set(start + dt.timedelta(days=day))
        fill(audit, store, day * 3 + 1, day * 3 + 3)
    lines = list(audit.export())
    assert [line["seq"] for line in lines] == list(range(1, 16))
    assert lines[0] == audit.get(1).to_dict()
    json.dumps(lines)
    since, until = start + dt.timedelta(days=1), start + dt.timedelta(days=3)
    assert [line["seq"] for line in audit.export(since, until)] == [4, 5, 6, 7, 8, 9]
    assert [line["seq"] for line in audit.export(since=start + dt.timedelta(days=4))] == [
        13,
        14,
        15,
    ]
    with pytest.raises(ValueError, match="timezone-aware"):
        audit.export(dt.datetime(2026, 1, 1))


def test_export_pages_through_many_entries(
    log: tuple[Store, AuditLog], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mamori.audit import _log

    store, audit = log
    monkeypatch.setattr(_log, "_EXPORT_PAGE", 4)
    fill(audit, store, 1, 10)
    assert [line["seq"] for line in audit.export()] == list(range(1, 11))


def test_concurrent_writers_never_share_a_sequence_number(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(15):
                if i % 2:
                    audit.record(event(worker * 100 + i))
                else:
                    with store.engine.begin() as conn:
                        audit.append(conn, [event(worker), event(worker + 1)])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert audit.count() == 4 * (7 + 8 * 2)
    report = audit.verify()
    assert report.ok and report.entries_checked == audit.count()


def test_verify_an_intact_log(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    empty = audit.verify()
    assert empty.ok and empty.entries_checked == 0 and empty.first_bad_seq is None
    fill(audit, store, 1, 50)
    report = audit.verify()
    assert report.ok and report.entries_checked == 50 and report.problem is None
    assert report.to_dict()["ok"] is True and report.seconds > 0 and report.rate > 0


def test_verify_over_several_processes(
    tmp_path: object, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of 8 entries: the range is split over worker processes and reassembled."""
    monkeypatch.setattr(_scan, "BLOCK", 8)
    store, audit = make_log(f"sqlite:///{tmp_path}/m.db", clock, entries=83)
    try:
        report = audit.verify(workers=3)
        assert report.ok and report.entries_checked == 83 and report.processes == 3
        superuser(store, "DELETE FROM audit_log WHERE seq = 61")
        report = audit.verify(workers=3)
        assert report.processes == 3
        assert (report.ok, report.first_bad_seq, report.problem) == (
            False,
            61,
            "entry 61 is missing",
        )
        assert audit.verify(workers=1).first_bad_seq == 61
    finally:
        store.close()


def test_a_worker_that_cannot_start_is_replaced_in_process(
    tmp_path: object, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_scan, "BLOCK", 8)
    monkeypatch.setattr(_scan.sys, "executable", "/nonexistent/python")
    store, audit = make_log(f"sqlite:///{tmp_path}/m.db", clock, entries=40)
    try:
        report = audit.verify(workers=2)
        assert report.ok and report.entries_checked == 40
    finally:
        store.close()


def test_an_export_verifies_with_json_and_hashlib_alone(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    fill(audit, store, 1, 12)
    audit.record(AuditEvent("staff:1", "use", detail={"note": '日本語 "quoted"\n'}))
    prev = bytes(32)
    for line in audit.export():
        fields = {k: v for k, v in line.items() if k != "hash"}
        text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(prev + text.encode()).hexdigest() == line["hash"]
        prev = bytes.fromhex(line["hash"])


def test_append_about_writes_what_with_subject_would(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    use = AuditEvent("staff:1", "use", None, "sales", ("email",), {"reasons": []})
    deny = AuditEvent("staff:1", "deny", None, "sales", ("email",), {"reasons": ["consent"]})
    subjects = ["s_1", "s_日本", None, "s_2"]
    templates = [use, deny, use, deny]
    with store.transaction() as cur:
        audit.append_about(cur, store.dialect, templates, subjects)
        audit.append_about(cur, store.dialect, [], [])
    entries = audit.tail(10)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    for entry, template, subject in zip(entries, templates, subjects, strict=True):
        made = template.with_subject(subject)
        assert entry.canonical() == made.canonical(entry.seq, entry.at)
        assert (entry.subject, entry.action) == (subject, made.action)
    assert audit.verify().ok
    for bad in ("has space", "x" * 41, "", "tab\there", 7):
        with pytest.raises(InvalidAuditEvent, match="subject"), store.transaction() as cur:
            audit.append_about(cur, store.dialect, [use], [bad])  # type: ignore[list-item]
    with pytest.raises(ValueError), store.transaction() as cur:
        audit.append_about(cur, store.dialect, [use, use], ["s_1"])
    with pytest.raises(TypeError), store.transaction() as cur:
        audit.append_about(cur, store.dialect, ["not an event"], ["s_1"])  # type: ignore[list-item]
    assert audit.count() == 4 and audit.verify().ok
