"""After import, no personal data value can be read from the storage, in any common encoding:
not in the SQLite file or its WAL, not in the audit table, not in the logs, not in a
PostgreSQL dump. And an erased subject leaves nothing to decrypt, even with the KEK."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.settings import Settings
from mamori.vault.record import unpack

OFFICER = Actor("officer-1", "officer")
KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

PEOPLE = [
    {
        "name": f"Zyxwvut Qwertyuiop{i}",
        "email": f"zyxwvut.qwerty{i}@plaintext-canary.example",
        "phone": f"090-7777-{1000 + i}",
        "birth_date": "1979-11-23",
        "device_token": f"{i:02d}" + "f00dfeed" * 7 + "cafe0d",
    }
    for i in range(5)
]


def _forms(value: str) -> list[bytes]:
    raw = value.encode("utf-8")
    return [raw, value.encode("utf-16-le"), value.encode("utf-16-be"), raw.hex().encode()]


def _needles(people: list[dict[str, str]]) -> dict[str, list[bytes]]:
    needles: dict[str, list[bytes]] = {}
    for person in people:
        for item, value in person.items():
            if item == "birth_date":
                continue  # a date also appears as a timestamp; names, contacts must not
            normal = value.lower() if item in ("email", "device_token") else value
            for text in {value, normal, "+81" + value.replace("-", "")[1:]}:
                needles[f"{item}:{text}"] = _forms(text)
    return needles


@pytest.fixture
def core(database_url: str, example_path: Path, clock: FixedClock) -> Iterator[Mamori]:
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": KEK,
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.versions.publish(core.policy, effective=dt.date(2022, 3, 22))
        yield core


def _storage_bytes(core: Mamori) -> bytes:
    url = core.store.url
    if core.store.dialect == "sqlite":
        db = Path(str(url.database))
        parts = [p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists()]
        return b"".join(parts)
    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            str(url.database),
        ],
        check=True,
        capture_output=True,
    )
    return dump.stdout


def test_no_plaintext_in_storage_audit_or_logs(
    core: Mamori, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    results = list(
        core.vault.collect_many(((None, p) for p in PEOPLE), "account_admin", OFFICER, "import")
    )
    sid = results[0].subject  # type: ignore[union-attr]
    core.vault.use(sid, ["name", "email"], "account_admin", OFFICER)
    core.vault.use(sid, ["birth_date"], "sales", Actor("s", "support"))
    storage = _storage_bytes(core)
    with core.store.engine.connect() as conn:
        audit = "\n".join(str(tuple(r)) for r in conn.execute(sa.text("SELECT * FROM audit_log")))
    logs = caplog.text
    assert len(storage) > 0 and "collect" in audit
    for label, forms in _needles(PEOPLE).items():
        for form in forms:
            assert form not in storage, f"{label} found in storage"
            assert form.decode("latin-1") not in audit, f"{label} found in audit"
            assert form.decode("latin-1") not in logs, f"{label} found in logs"


def test_an_erased_subject_cannot_be_recovered_with_the_kek(core: Mamori) -> None:
    sid = core.vault.collect(None, PEOPLE[0], "account_admin", OFFICER, "form").subject
    with core.store.engine.connect() as conn:
        wrapped, sealed = conn.execute(
            sa.text("SELECT wrapped, sealed FROM subjects WHERE id = :s"), {"s": sid}
        ).one()
    ciphertexts = [c for _, _, c in unpack(bytes(sealed))]
    assert len(ciphertexts) == len(PEOPLE[0])
    core.vault.erase(sid, OFFICER, "erasure request")
    if core.store.dialect == "postgresql":
        with core.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM FULL subjects")
    storage = _storage_bytes(core)
    assert bytes(wrapped) not in storage
    for ciphertext in ciphertexts:
        assert ciphertext not in storage
    with core.store.engine.connect() as conn:
        left = "SELECT count(*) FROM subjects WHERE wrapped IS NOT NULL OR sealed IS NOT NULL"
        assert conn.execute(sa.text(left)).scalar_one() == 0
