"""Officer alerts on SQLite and PostgreSQL: each detector fed real audit entries written at
chosen times, raised once per condition; alerts raised by other parts, acknowledged, turned
into incidents, summarised."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mamori.access import Actor
from mamori.audit import AuditEvent
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import Conflict, NotFound
from mamori.incidents import Cause, IncidentRefused, IncidentState
from mamori.keys import LocalKeyring
from mamori.settings import Settings

JST = dt.timezone(dt.timedelta(hours=9))
OFFICER = Actor("officer-1", "officer")
START = dt.datetime(2026, 10, 1, 10, 0, tzinfo=JST)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def core(
    database_url: str, example_path: Path, clock: FixedClock, tmp_path: Path
) -> Iterator[Mamori]:
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEY_FILE": str(tmp_path / "mamori.key"),
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAMORI_KEY_ROTATION_DAYS": "90",
    }
    LocalKeyring.create(tmp_path / "mamori.key", clock)
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.keys.ensure_service_keys()
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        yield core


def write(core: Mamori, events: list[AuditEvent]) -> None:
    """Append events at the clock's time, in one transaction."""
    with core.store.engine.begin() as conn:
        core.audit.append(conn, events)


def deny(actor: str) -> AuditEvent:
    return AuditEvent(
        actor=actor,
        action="deny",
        subject="s_aaaaaaaaaaaaaaaa",
        purpose="sales",
        items=("email",),
        detail={"role": "support", "reasons": ["role_lacks_purpose"]},
    )


def read(actor: str, n: int) -> AuditEvent:
    return AuditEvent(
        actor=actor, action="use", subject=f"s_{n:016d}", purpose="inquiries", items=("name",)
    )


def test_repeated_denies_by_one_actor_raise_one_alert_per_burst(
    core: Mamori, clock: FixedClock
) -> None:
    for _ in range(4):
        write(core, [deny("staff:mallory")])
        clock.advance(dt.timedelta(minutes=2))
    write(core, [deny("staff:bob")])
    assert core.alerts.scan(checks=["deny_burst"]) == []  # 4 denies: below the threshold
    write(core, [deny("staff:mallory")])  # the fifth, 8 minutes after the first
    [alert] = core.alerts.scan(checks=["deny_burst"])
    assert alert.kind == "deny_burst" and alert.about == "staff:mallory"
    assert alert.detail["denies"] == 5 and alert.detail["window_minutes"] == 10
    assert alert.open and alert.actor == "system"
    clock.advance(dt.timedelta(minutes=1))
    assert core.alerts.scan(checks=["deny_burst"]) == []  # the same burst: no new alert
    write(core, [deny("staff:mallory")])
    assert core.alerts.scan(checks=["deny_burst"]) == []  # one new deny is not a burst
    clock.advance(dt.timedelta(minutes=30))
    for _ in range(3):
        write(core, [deny("staff:mallory")] * 2)
        clock.advance(dt.timedelta(minutes=1))
    [again] = core.alerts.scan(checks=["deny_burst"])
    assert again.detail["denies"] == 6 and again.id != alert.id
    # Denies spread thinner than the window never add up.
    for _ in range(6):
        write(core, [deny("staff:carol")])
        clock.advance(dt.timedelta(minutes=3))
    assert core.alerts.scan(checks=["deny_burst"]) == []
    assert [a.about for a in core.alerts.list()] == ["staff:mallory", "staff:mallory"]


def test_an_actor_reading_far_above_their_usual_rate_raises_an_alert(
    core: Mamori, clock: FixedClock
) -> None:
    # 30 days of history: support reads 20 subjects a day, the batch service 150.
    for day in range(30):
        clock.set(START + dt.timedelta(days=day))
        write(core, [read("staff:support", n) for n in range(20)])
        write(core, [read("svc:batch", n) for n in range(150)])
    clock.set(START + dt.timedelta(days=30))
    write(core, [read("staff:support", n) for n in range(100)])  # limit max(50, 5 x 20) = 100
    write(core, [read("svc:batch", n) for n in range(700)])  # limit 5 x 150 = 750
    write(core, [read("staff:new", n) for n in range(50)])  # no history: floor 50
    assert core.alerts.scan(checks=["read_volume"]) == []
    clock.advance(dt.timedelta(hours=1))
    write(core, [read("staff:support", 1000 + n) for n in range(1)])
    write(core, [read("staff:support", n) for n in range(30)])  # repeats are not new subjects
    write(core, [read("staff:new", 1000 + n) for n in range(1)])
    raised = core.alerts.scan(checks=["read_volume"])
    assert sorted(a.about or "" for a in raised) == ["staff:new", "staff:support"]
    support = next(a for a in raised if a.about == "staff:support")
    assert support.detail["subjects"] == 101 and support.detail["median"] == 20.0
    assert support.detail["limit"] == 100.0
    assert core.alerts.scan(checks=["read_volume"]) == []  # once per actor and day
    clock.advance(dt.timedelta(days=1))
    assert core.alerts.scan(checks=["read_volume"]) == []  # a new day starts from zero


def test_an_audit_log_that_does_not_verify_raises_an_alert(core: Mamori) -> None:
    write(core, [read("staff:support", n) for n in range(5)])
    assert core.alerts.scan(checks=["audit_chain"]) == []
    guards = {
        "sqlite": ["DROP TRIGGER IF EXISTS audit_log_no_update"],
        "postgresql": ["DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"],
    }[core.store.dialect]
    last = core.audit.count()
    entry = core.audit.get(last - 2)
    forged = entry.canonical().replace(b"staff:support", b"staff:someone")
    with core.store.engine.begin() as conn:
        for statement in guards:
            conn.execute(sa.text(statement))
        conn.execute(
            sa.text("UPDATE audit_log SET canonical = :c WHERE seq = :s"),
            {"c": forged, "s": entry.seq},
        )
    [alert] = core.alerts.scan(checks=["audit_chain"])
    assert alert.kind == "audit_chain" and alert.detail["first_bad_seq"] == entry.seq
    assert core.alerts.scan(checks=["audit_chain"]) == []  # the same break: no new alert


def test_a_key_encryption_key_past_its_rotation_period_raises_an_alert(
    core: Mamori, clock: FixedClock
) -> None:
    assert core.alerts.scan(checks=["kek_age"]) == []
    clock.advance(dt.timedelta(days=91))
    [alert] = core.alerts.scan(checks=["kek_age"])
    assert alert.kind == "kek_age" and alert.detail["age_days"] == 91
    assert alert.detail["period_days"] == 90 and "mamori keys rotate" in alert.summary
    assert core.alerts.scan(checks=["kek_age"]) == []
    core.rotate_keys(actor="officer-1")
    clock.advance(dt.timedelta(days=30))
    assert core.alerts.scan(checks=["kek_age"]) == []  # the new key is 30 days old


def test_other_parts_raise_alerts_the_officer_acknowledges(core: Mamori, clock: FixedClock) -> None:
    raised = core.alerts.record(
        "mynumber_column",
        summary="a column holds My Numbers: shop.customers.note",
        detail={"dataset": "shop", "table": "customers", "column": "note", "rows": 12},
    )
    assert raised.kind == "mynumber_column" and raised.detail["rows"] == 12
    assert [a.id for a in core.alerts.list()] == [raised.id]
    entry = core.audit.tail(1)[0]
    assert entry.action == "alert" and entry.detail["alert"] == raised.id
    clock.advance(dt.timedelta(hours=1))
    done = core.alerts.acknowledge(raised.id, "officer-1")
    assert not done.open and done.acknowledged_by == "officer-1"
    assert core.alerts.list() == [] and len(core.alerts.list(open_only=False)) == 1
    with pytest.raises(Conflict, match="acknowledged"):
        core.alerts.acknowledge(raised.id, "officer-1")
    with pytest.raises(NotFound):
        core.alerts.get("al_missing")
    with pytest.raises(IncidentRefused) as refused:
        core.alerts.record("My Number!", summary="", detail={})
    assert set(refused.value.problems) == {"kind", "summary"}
    keyed = core.alerts.record("x_check", summary="s", detail={}, key="x:1")
    assert core.alerts.record("x_check", summary="s", detail={}, key="x:1").id == keyed.id
    summary = core.alerts.summary(START, START + dt.timedelta(days=1))
    assert summary["alerts"] == 2 and summary["acknowledged"] == 1 and summary["open"] == 1
    assert summary["by_kind"] == {"mynumber_column": 1, "x_check": 1}


def test_an_alert_becomes_an_incident_once(core: Mamori, clock: FixedClock) -> None:
    person = core.vault.collect(None, {"name": "花子", "email": "h@example.jp"},
                                "account_admin", OFFICER, "t").subject  # fmt: skip
    alert = core.alerts.record(
        "deny_burst", summary="denies", detail={"actor": "staff:mallory"}, subject=person
    )
    clock.advance(dt.timedelta(hours=2))
    incident = core.alerts.to_incident(alert.id, actor="officer-1", items=["name", "email"])
    assert incident.cause is Cause.unauthorised_access and incident.alert_id == alert.id
    assert incident.learned_at == alert.created_at and incident.state is IncidentState.open
    assert core.incidents.subjects(incident.id) == [person]
    linked = core.alerts.get(alert.id)
    assert linked.incident_id == incident.id and not linked.open
    again = core.alerts.to_incident(alert.id, actor="officer-1", items=["name"])
    assert again.id == incident.id and len(core.incidents.list()) == 1
    assert core.alerts.summary(START, START + dt.timedelta(days=1))["to_incident"] == 1


def test_unknown_checks_are_refused(core: Mamori) -> None:
    with pytest.raises(IncidentRefused, match="checks"):
        core.alerts.scan(checks=["psychic"])
