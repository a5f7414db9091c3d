"""A person's requests fulfilled in mamori and in the shop's own database: a disclosure
with their shop rows, a correction written where the map allows, an erasure that survives
a failure half-way and completes when run again."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import shopdb
import sqlalchemy as sa

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.connectors import Connector, ConnectorError
from mamori.core import Mamori
from mamori.requests import RequestState
from mamori.settings import Settings

OFFICER = Actor("officer-1", "officer")


@pytest.fixture
def core(shop_engine: sa.Engine, tmp_path: Path, clock: FixedClock) -> Iterator[Mamori]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(shopdb.policy_text(), encoding="utf-8")
    env = {
        "MAMORI_DATABASE_URL": f"sqlite:///{tmp_path}/mamori.db",
        "MAMORI_POLICY": str(policy),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAMORI_DATASET_URLS": json.dumps(
            {"shop": shop_engine.url.render_as_string(hide_password=False)}
        ),
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


def alice(core: Mamori) -> str:
    values = {"name": "Alice", "email": "Alice@Example.jp", "phone": "090-1111-2222"}
    return core.vault.collect(None, values, "sales", OFFICER, "shop").subject


def verified(core: Mamori, kind: str, subject: str, **details: object) -> str:
    rid = core.requests.submit(kind, actor="web", subject=subject, details=details).request.id
    core.requests.verify_by_staff(rid, actor="officer-1", checked=["本人確認書類"])
    return rid


def test_disclosure_includes_the_persons_rows_in_the_shop_and_nobody_elses(
    core: Mamori,
) -> None:
    subject = alice(core)
    rid = verified(core, "disclosure", subject)
    request = core.fulfil(rid, actor="officer-1", now=True)
    assert request.state is RequestState.completed  # type: ignore[union-attr]
    archive = zipfile.ZipFile(io.BytesIO(core.requests.download(rid, actor=subject)))
    data = json.loads(archive.read("data.json"))
    shop = data["systems"]["shop"]
    assert [c["email"] for c in shop["customers"]] == ["alice@example.jp"]
    assert {o["contact_email"] for o in shop["orders"]} <= {"alice@example.jp"}
    assert "bob" not in archive.read("data.json").decode().lower()
    assert "systems/shop/customers.csv" in archive.namelist()


def test_erasure_that_fails_half_way_stays_in_progress_and_completes_when_run_again(
    core: Mamori, shop_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = alice(core)
    rid = verified(core, "erasure", subject)
    before = shopdb.snapshot(shop_engine)
    real = Connector._delete
    deletes: list[str] = []

    def crash_on_second_table(self: Connector, conn: sa.Connection, step, keys):  # type: ignore[no-untyped-def]
        deletes.append(step.table)
        if len(deletes) == 2:  # the first table's rows are already deleted in this transaction
            raise ConnectorError("shop", step.table, "the database went away (test)")
        return real(self, conn, step, keys)

    monkeypatch.setattr(Connector, "_delete", crash_on_second_table)
    failed = core.fulfil(rid, actor="officer-1", now=True)
    assert failed.state is RequestState.in_progress  # type: ignore[union-attr]
    assert failed.error and "connector_failed" in failed.error  # type: ignore[union-attr]
    assert failed.result == {"systems": {"shop": "failed: connector_failed"}}  # type: ignore[union-attr]
    assert shopdb.snapshot(shop_engine) == before  # nothing half-done
    assert core.vault.exists(subject)
    assert core.vault.for_request(subject, ["email"], rid, OFFICER)  # not shredded yet
    monkeypatch.setattr(Connector, "_delete", real)
    done = core.fulfil(rid, actor="officer-1", now=True)
    assert done.state is RequestState.completed  # type: ignore[union-attr]
    assert done.result["systems"] == {"shop": "done", "vault": "done"}  # type: ignore[union-attr]
    after = shopdb.snapshot(shop_engine)
    assert not [c for c in after["customers"] if c["email"] == "alice@example.jp"]
    assert [c for c in after["customers"] if c["email"] == "bob@example.jp"]


def test_correction_by_request_writes_the_vault_and_allowed_shop_columns(
    core: Mamori, shop_engine: sa.Engine
) -> None:
    subject = alice(core)
    rid = verified(core, "correction", subject, values={"name": "Alice Smith"})
    done = core.fulfil(rid, actor="officer-1", now=True)
    assert done.state is RequestState.completed  # type: ignore[union-attr]
    assert done.result["changed_columns"] == {"shop": ["customers.full_name"]}  # type: ignore[union-attr]
    names = {
        c["full_name"]
        for c in shopdb.snapshot(shop_engine)["customers"]
        if c["email"] == "alice@example.jp"
    }
    assert names == {"Alice Smith"}
    use = core.vault.use(subject, ["name"], "sales", OFFICER)
    assert use.values == {"name": "Alice Smith"}
