"""Retention (Art. 22): data is disposed of on the day its period ends and not before; a
purpose's end lets go only of what no other purpose of the person still needs; a whole
subject is crypto-shredded, single items deleted; every disposal is recorded and audited;
a dry run changes nothing; a second run finds nothing more; the Art. 29-31 records go when
their periods end."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from tests.retention.conftest import (
    OFFICER,
    MakeCore,
    at,
    collect,
    count,
    disposals,
    held,
    vault_rows,
)

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import NoPolicyInForce, SubjectNotFound
from mamori.provision import RecordKind
from mamori.retention import Method, RetentionRefused

D = dt.date

ACCOUNT = "  - purpose: account_admin\n    after: account_closed\n    keep: P90D\n"
INQUIRIES = "  - purpose: inquiries\n    after: last_used\n    keep: P3Y\n"
COOKIE = "  - item: cookie_id\n    after: collected\n    keep: P13M\n"


@dataclass(frozen=True)
class Case:
    name: str
    rules: str
    setup: Callable[[Mamori, FixedClock], str]  # returns the subject
    due: D  # the first day of disposal
    items: tuple[str, ...]
    method: Method


def _cookie_collected(core: Mamori, clock: FixedClock) -> str:
    clock.set(at("2026-01-31 10:00"))
    values = {"name": "山田 花子", "email": "hanako@example.jp", "cookie_id": "c0000001"}
    return collect(core, "service_info", values)


def _cookie_collected_after_midnight(core: Mamori, clock: FixedClock) -> str:
    clock.set(at("2026-01-31 00:30"))  # still 30 January in UTC: the zone's date counts
    return collect(core, "service_info", {"name": "山田 花子", "cookie_id": "c0000002"})


def _email_last_used(core: Mamori, clock: FixedClock) -> str:
    subject = collect(core, "service_info", {"name": "山田 花子", "email": "h@example.jp"})
    clock.set(at("2026-01-20 10:00"))
    core.retention.run(actor="test")  # folds the audit log so far
    clock.set(at("2026-02-15 18:00"))
    assert core.vault.use(subject, ["email"], "service_info", OFFICER).allowed
    return subject


def _inquiries_last_used(core: Mamori, clock: FixedClock) -> str:
    clock.set(at("2026-01-31 10:00"))
    values = {"name": "山田 花子", "email": "h@example.jp", "phone": "090-1234-5678"}
    subject = collect(core, "inquiries", values)
    clock.set(at("2026-06-30 23:00"))
    assert core.vault.use(subject, ["name"], "inquiries", OFFICER).allowed
    return subject


def _account_closed(core: Mamori, clock: FixedClock) -> str:
    values = {"name": "山田 花子", "email": "h@example.jp", "birth_date": "1990-04-01"}
    subject = collect(core, "account_admin", values)
    clock.set(at("2026-03-05 10:00"))
    core.retention.mark_event(subject, "account_closed", at("2026-03-01 09:00"), actor="desk")
    return subject


def _purpose_ended(core: Mamori, clock: FixedClock) -> str:
    values = {"birth_date": "1990-04-01", "device_info": "iOS 18", "cookie_id": "c0000003"}
    subject = collect(core, "research", values)
    clock.set(at("2026-02-02 10:00"))
    core.retention.mark_event(
        None, "purpose_ended", at("2026-01-31 17:00"), actor="officer-1", purpose="research"
    )
    return subject


def _consent_withdrawn(core: Mamori, clock: FixedClock) -> str:
    subject = collect(core, "sales", {"name": "山田 花子", "email": "h@example.jp"})
    clock.set(at("2026-04-05 12:00"))
    core.consent.withdraw(subject, "purpose:sales", actor=subject)
    return subject


CASES = [
    Case(
        "collected, P13M from 31 January",
        COOKIE,
        _cookie_collected,
        D(2027, 3, 1),
        ("cookie_id",),
        Method.item_delete,
    ),
    Case(
        "collected, the day in Japan",
        "  - item: cookie_id\n    after: collected\n    keep: P1D\n",
        _cookie_collected_after_midnight,
        D(2026, 2, 2),
        ("cookie_id",),
        Method.item_delete,
    ),
    Case(
        "last_used of an item",
        "  - item: email\n    after: last_used\n    keep: P30D\n",
        _email_last_used,
        D(2026, 3, 18),
        ("email",),
        Method.item_delete,
    ),
    Case(
        "last_used of a purpose",
        INQUIRIES,
        _inquiries_last_used,
        D(2029, 7, 1),
        ("email", "name", "phone"),
        Method.crypto_shred,
    ),
    Case(
        "account_closed",
        ACCOUNT,
        _account_closed,
        D(2026, 5, 31),
        ("birth_date", "email", "name"),
        Method.crypto_shred,
    ),
    Case(
        "purpose_ended for everyone, P1M to the end of February",
        "  - purpose: research\n    after: purpose_ended\n    keep: P1M\n",
        _purpose_ended,
        D(2026, 3, 1),
        ("birth_date", "cookie_id", "device_info"),
        Method.crypto_shred,
    ),
    Case(
        "consent_withdrawn",
        "  - purpose: sales\n    after: consent_withdrawn\n    keep: P10D\n",
        _consent_withdrawn,
        D(2026, 4, 16),
        ("email", "name"),
        Method.crypto_shred,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_disposal_happens_on_its_day_and_not_before(
    make_core: MakeCore, clock: FixedClock, case: Case
) -> None:
    core = make_core(case.rules)
    subject = case.setup(core, clock)
    before = held(core, subject)
    eve = case.due - dt.timedelta(days=1)

    clock.set(dt.datetime.combine(eve, dt.time(23, 50), at("2026-01-01 00:00").tzinfo))
    assert core.retention.plan() == []
    report = core.retention.run(actor="retention-test")
    assert report.today == eve and report.disposed == ()
    assert held(core, subject) == before

    clock.set(dt.datetime.combine(case.due, dt.time(0, 10), at("2026-01-01 00:00").tzinfo))
    [due] = core.retention.plan()
    assert (due.subject, due.items, due.due, due.method) == (
        subject,
        case.items,
        case.due,
        case.method,
    )
    report = core.retention.run(actor="retention-test")
    assert report.disposed == (due,)
    assert held(core, subject) == before - set(case.items)
    [(items, actor, reason, method)] = disposals(core, subject)
    assert json.loads(items) == list(case.items)
    assert (actor, method) == ("retention-test", case.method.value)
    assert reason == "retention: " + due.rule


def test_an_item_another_purpose_still_needs_is_kept(
    make_core: MakeCore, clock: FixedClock
) -> None:
    core = make_core(ACCOUNT + INQUIRIES)
    account = {"name": "山田 花子", "birth_date": "1990-04-01", "email": "h@example.jp"}
    both = collect(core, "account_admin", {**account, "device_token": "tok-aaaa-0001"})
    collect(core, "inquiries", {"phone": "090-1234-5678", "name": "山田 花子"}, both)
    also_sales = collect(core, "account_admin", {**account, "email": "s@example.jp"})
    collect(core, "sales", {"name": "山田 花子", "email": "s@example.jp"}, also_sales)
    only = collect(core, "account_admin", {**account, "email": "o@example.jp"})
    clock.set(at("2026-02-01 10:00"))
    for subject in (both, also_sales, only):
        core.retention.mark_event(subject, "account_closed", actor="desk")

    report = core.retention.run(D(2026, 5, 2), actor="retention")
    assert report.disposed == ()
    report = core.retention.run(D(2026, 5, 3), actor="retention")
    done = {d.subject: (d.items, d.method) for d in report.disposed}
    assert done == {
        # name and email serve inquiries too, phone only inquiries
        both: (("birth_date", "device_token"), Method.item_delete),
        # sales has no retention rule: what it needs stays
        also_sales: (("birth_date",), Method.item_delete),
        only: (("birth_date", "email", "name"), Method.crypto_shred),
    }
    assert held(core, both) == {"name", "email", "phone"}
    assert held(core, also_sales) == {"name", "email"}
    assert held(core, only) == set()

    # inquiries ends three years after its last use (its collection): the rest goes
    assert core.retention.run(D(2029, 1, 10), actor="retention").disposed == ()
    report = core.retention.run(D(2029, 1, 11), actor="retention")
    [due] = report.disposed
    assert (due.subject, due.items, due.method) == (
        both,
        ("email", "name", "phone"),
        Method.crypto_shred,
    )
    assert due.rule == "purpose inquiries after last_used keep P3Y"
    assert held(core, also_sales) == {"name", "email"}
    assert core.retention.run(D(2040, 1, 1), actor="retention").disposed == ()


def test_crypto_shredding_leaves_the_subject_unreadable_with_a_record(
    make_core: MakeCore, clock: FixedClock
) -> None:
    core = make_core(ACCOUNT)
    values = {"name": "山田 花子", "email": "shred@example.jp", "birth_date": "1990-04-01"}
    subject = collect(core, "account_admin", values)
    core.retention.mark_event(subject, "account_closed", actor="desk")
    clock.set(at("2026-04-11 09:00"))
    [due] = core.retention.run(actor="retention-daily").disposed
    assert due.whole_subject

    use = core.vault.use(subject, ["name"], "account_admin", OFFICER)
    assert not use.allowed and "subject_erased" in use.decision.reasons
    assert core.vault.find("email", "shred@example.jp") == []
    with pytest.raises(SubjectNotFound):
        core.vault.for_request(subject, None, "rq_x", OFFICER)
    with core.store.transaction(write=False) as cur:
        cur.execute(
            core.store.sql("SELECT erased_at, wrapped, sealed FROM subjects WHERE id = ?"),
            (subject,),
        )
        erased_at, wrapped, sealed = cur.fetchone()
        assert erased_at is not None and wrapped is None and sealed is None
    [(items, actor, reason, method)] = disposals(core, subject)
    assert (json.loads(items), actor, method) == (
        ["birth_date", "email", "name"],
        "retention-daily",
        "crypto_shred",
    )
    assert reason == "retention: purpose account_admin after account_closed keep P90D"
    entry = next(e for e in reversed(core.audit.tail(10)) if e.action == "retention_dispose")
    assert entry.subject == subject and entry.actor == "retention-daily"
    assert entry.items == ("birth_date", "email", "name")
    assert entry.detail["method"] == "crypto_shred"
    assert entry.detail["due"] == "2026-04-11"
    exported = json.dumps(list(core.audit.export()), ensure_ascii=False)
    assert all(v not in exported for v in values.values())
    assert core.audit.verify().ok


def test_item_deletion_leaves_the_other_items(make_core: MakeCore, clock: FixedClock) -> None:
    core = make_core(COOKIE)
    values = {"name": "山田 花子", "email": "keep@example.jp", "cookie_id": "c0000009"}
    subject = collect(core, "service_info", values)
    assert core.vault.find("cookie_id", "c0000009") == [subject]
    clock.set(at("2027-02-11 10:00"))
    [due] = core.retention.run(actor="retention").disposed
    assert due.items == ("cookie_id",) and not due.whole_subject

    assert core.vault.find("cookie_id", "c0000009") == []
    assert core.vault.find("email", "keep@example.jp") == [subject]
    use = core.vault.use(subject, ["name", "email", "cookie_id"], "service_info", OFFICER)
    assert use.allowed
    assert dict(use.values) == {"name": "山田 花子", "email": "keep@example.jp"}
    [(_, _, _, method)] = disposals(core, subject)
    assert method == "item_delete"
    # collected again, the item is kept for a new period
    collect(core, "service_info", {"cookie_id": "c0000010"}, subject)
    assert core.retention.run(D(2028, 3, 11), actor="retention").disposed == ()
    assert core.retention.plan(D(2028, 3, 12))[0].items == ("cookie_id",)


def test_a_dry_run_changes_nothing(make_core: MakeCore, clock: FixedClock) -> None:
    core = make_core(ACCOUNT + COOKIE)
    subject = collect(core, "account_admin", {"name": "山田 花子", "email": "d@example.jp"})
    other = collect(core, "service_info", {"name": "佐藤", "cookie_id": "c0000011"})
    core.retention.mark_event(subject, "account_closed", actor="desk")
    core.records.write(
        kind=RecordKind.art30, party="shop", party_name="店", party_address="東京",
        party_representative="代表", basis="received", purpose=None, items=["name"],
        subjects=[other], consent_confirmed=False, actor="desk", how_acquired="申込書",
    )  # fmt: skip
    tables = (
        "subjects", "blind_indexes", "disposals", "audit_log",
        "retention_activity", "retention_runs", "provision_records",
    )  # fmt: skip
    counts = {t: count(core, t) for t in tables}
    vault = vault_rows(core)
    with core.store.transaction(write=False) as cur:
        cur.execute("SELECT audit_seq FROM retention_state")
        mark = cur.fetchone()[0]

    report = core.retention.run(D(2030, 1, 1), actor="retention", dry_run=True)
    assert report.dry_run and report.disposed == () and report.records_purged == ()
    assert {d.subject for d in report.due} == {subject, other}
    assert {t: count(core, t) for t in tables} == counts
    assert vault_rows(core) == vault
    with core.store.transaction(write=False) as cur:
        cur.execute("SELECT audit_seq FROM retention_state")
        assert cur.fetchone()[0] == mark
    assert core.retention.plan(D(2030, 1, 1)) == list(report.due)


def test_provision_records_are_purged_when_their_period_ends(
    make_core: MakeCore, clock: FixedClock
) -> None:
    core = make_core(None)
    subject = collect(core, "service_info", {"name": "山田 花子", "cookie_id": "c0000012"})
    record = core.records.write(
        kind=RecordKind.art30, party="shop", party_name="店", party_address="東京",
        party_representative="代表", basis="received", purpose=None, items=["name"],
        subjects=[subject], consent_confirmed=False, actor="desk", how_acquired="申込書",
    )  # fmt: skip
    assert core.records.get(record).keep_until == D(2029, 1, 10)
    clock.set(at("2029-01-10 10:00"))
    assert core.retention.run(actor="retention").records_purged == ()
    assert core.records.get(record).id == record
    clock.set(at("2029-01-11 10:00"))
    report = core.retention.run(actor="retention")
    assert report.records_purged == (record,)
    assert core.records.query() == []
    assert core.retention.run(actor="retention").records_purged == ()
    summary = core.retention.summary(D(2029, 1, 1), D(2029, 2, 1))
    assert summary["records_purged"] == 1


def test_running_again_disposes_of_nothing_more(make_core: MakeCore, clock: FixedClock) -> None:
    core = make_core(ACCOUNT + COOKIE)
    subjects = [
        collect(core, "account_admin", {"name": f"利用者{n}", "email": f"u{n}@example.jp"})
        for n in range(3)
    ]
    cookie = collect(core, "service_info", {"name": "佐藤", "cookie_id": "c0000013"})
    for subject in subjects[:2]:
        core.retention.mark_event(subject, "account_closed", actor="desk")
    clock.set(at("2027-03-01 10:00"))
    first = core.retention.run(actor="retention")
    assert {d.subject for d in first.disposed} == {*subjects[:2], cookie}
    records, entries = count(core, "disposals"), count(core, "audit_log")
    again = core.retention.run(actor="retention")
    assert again.due == () and again.disposed == ()
    assert count(core, "disposals") == records
    assert count(core, "audit_log") == entries
    clock.set(at("2027-03-02 10:00"))
    assert core.retention.run(actor="retention").disposed == ()
    assert held(core, subjects[2]) == {"name", "email"}


def test_an_item_written_again_after_the_plan_is_kept(
    make_core: MakeCore, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = make_core(COOKIE)
    subject = collect(core, "service_info", {"name": "山田 花子", "cookie_id": "c0000014"})
    clock.set(at("2027-02-11 10:00"))
    retention = core.retention
    planned = retention._plan

    def plan_then_collect(today: D, *, persist: bool):  # type: ignore[no-untyped-def]
        found = list(planned(today, persist=persist))
        collect(core, "service_info", {"cookie_id": "c0000015"}, subject)
        return iter(found)

    monkeypatch.setattr(retention, "_plan", plan_then_collect)
    report = retention.run(actor="retention")
    assert [d.items for d in report.due] == [("cookie_id",)]
    assert report.disposed == ()
    assert held(core, subject) == {"name", "cookie_id"}
    assert disposals(core, subject) == []


def test_the_summary_counts_disposals_by_method_and_rule(
    make_core: MakeCore, clock: FixedClock
) -> None:
    core = make_core(ACCOUNT + COOKIE)
    closed = collect(core, "account_admin", {"name": "山田", "email": "a@example.jp"})
    cookie = collect(core, "service_info", {"name": "佐藤", "cookie_id": "c0000016"})
    waiting = collect(core, "account_admin", {"name": "鈴木", "email": "w@example.jp"})
    core.retention.mark_event(closed, "account_closed", actor="desk")
    clock.set(at("2026-05-01 10:00"))
    core.retention.run(actor="retention")
    core.retention.mark_event(waiting, "account_closed", at("2026-01-15 10:00"), actor="desk")
    clock.set(at("2027-03-01 10:00"))
    core.vault.erase(cookie, OFFICER, "erasure request rq_1")

    summary = core.retention.summary(D(2026, 5, 1), D(2026, 6, 1))
    assert summary["disposals"]["retention"] == {
        "records": 1,
        "subjects": 1,
        "items": 2,
        "by_method": {"crypto_shred": 1},
        "by_rule": {"purpose account_admin after account_closed keep P90D": 1},
    }
    assert summary["runs"]["count"] == 1
    assert summary["backlog"]["subjects"] == 1
    assert summary["backlog"]["oldest_due"] == "2026-04-16"
    later = core.retention.summary(D(2027, 3, 1), D(2027, 3, 2))
    assert later["disposals"]["retention"]["records"] == 0
    assert later["disposals"]["other"] == {"crypto_shred": 1}
    json.dumps(summary)


def test_events_are_checked_and_audited(make_core: MakeCore, clock: FixedClock) -> None:
    core = make_core(None)
    subject = collect(core, "account_admin", {"name": "山田", "email": "e@example.jp"})
    bad = [
        ((subject, "collected"), {}, {"event": "event_derived"}),
        ((subject, "closed"), {}, {"event": "event_unknown"}),
        ((None, "account_closed"), {}, {"subject": "subject_missing"}),
        ((subject, "account_closed"), {"purpose": "sales"}, {"purpose": "purpose_not_allowed"}),
        ((None, "purpose_ended"), {}, {"purpose": "purpose_missing"}),
        ((None, "purpose_ended"), {"purpose": "nope"}, {"purpose": "purpose_unknown"}),
        ((subject, "account_closed", at("2026-02-01 00:00")), {}, {"at": "in_future"}),
        ((subject, "account_closed", dt.datetime(2026, 1, 1)), {}, {"at": "naive_time"}),
    ]
    entries = count(core, "audit_log")
    for args, extra, problems in bad:
        with pytest.raises(RetentionRefused) as caught:
            core.retention.mark_event(*args, actor="desk", **extra)  # type: ignore[arg-type]
        assert caught.value.problems == problems
        assert caught.value.exit_code == 2
    with pytest.raises(SubjectNotFound):
        core.retention.mark_event("s_nobody", "account_closed", actor="desk")
    assert count(core, "retention_events") == 0
    assert count(core, "audit_log") == entries

    ident = core.retention.mark_event(subject, "account_closed", actor="desk")
    [event] = core.retention.events(subject)
    assert event["id"] == ident and event["event"] == "account_closed"
    entry = core.audit.tail(1)[0]
    assert (entry.action, entry.subject, entry.actor) == ("retention_event", subject, "desk")
    assert entry.detail["event"] == "account_closed"


def test_retention_needs_a_policy_in_force(make_core: MakeCore) -> None:
    core = make_core(None)
    with pytest.raises(NoPolicyInForce):
        core.retention.run(D(2020, 1, 1), actor="retention")


def test_activity_of_subjects_erased_on_request_is_forgotten(
    make_core: MakeCore, clock: FixedClock
) -> None:
    core = make_core(INQUIRIES)
    subject = collect(core, "inquiries", {"name": "山田", "email": "p@example.jp"})
    kept = collect(core, "inquiries", {"name": "佐藤", "email": "k@example.jp"})
    core.retention.run(actor="retention")
    with core.store.transaction(write=False) as cur:
        cur.execute("SELECT DISTINCT subject_id FROM retention_activity ORDER BY subject_id")
        assert [r[0] for r in cur.fetchall()] == sorted([subject, kept])
    core.vault.erase(subject, OFFICER, "erasure request rq_2")
    core.retention.run(actor="retention")
    with core.store.transaction(write=False) as cur:
        cur.execute("SELECT DISTINCT subject_id FROM retention_activity")
        assert [r[0] for r in cur.fetchall()] == [kept]


def test_the_summary_before_any_policy_is_in_force_has_no_backlog(
    make_core: MakeCore, clock: FixedClock
) -> None:
    core = make_core(ACCOUNT)
    clock.set(at("2020-06-01 10:00"))
    summary = core.retention.summary(D(2020, 5, 1), D(2020, 6, 1))
    assert summary["backlog"] == {"subjects": 0, "items": 0, "by_rule": {}, "oldest_due": None}
    assert summary["disposals"]["retention"]["records"] == 0


def test_data_collected_again_after_the_event_starts_the_period_again(
    make_core: MakeCore, clock: FixedClock
) -> None:
    core = make_core(ACCOUNT + "  - purpose: sales\n    after: consent_withdrawn\n    keep: P0D\n")
    reopened = collect(core, "account_admin", {"name": "山田", "email": "r@example.jp"})
    closed = collect(core, "account_admin", {"name": "佐藤", "email": "c@example.jp"})
    resumed = collect(core, "sales", {"name": "鈴木", "email": "s@example.jp"})
    clock.set(at("2026-01-20 10:00"))
    for subject in (reopened, closed):
        core.retention.mark_event(subject, "account_closed", actor="desk")
    core.consent.withdraw(resumed, "purpose:sales", actor=resumed)
    clock.set(at("2026-02-01 10:00"))  # the account opened again; sales data given again
    collect(core, "account_admin", {"phone": "090-1234-5678"}, reopened)
    collect(core, "sales", {"phone": "090-1234-5678"}, resumed)

    report = core.retention.run(D(2026, 4, 21), actor="retention")
    assert [d.subject for d in report.disposed] == [closed]
    assert held(core, reopened) == {"name", "email", "phone"}
    assert held(core, resumed) == {"name", "email", "phone"}
