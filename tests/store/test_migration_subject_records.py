"""Revision 0011 moves data keys and values into the subject's row: a vault written under the
old layout reads the same afterwards, retention sees the same dates, and erased subjects
stay empty."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.keys import Keyring, provider_from_settings, value_aad
from mamori.settings import Settings
from mamori.store import Store, migrate
from mamori.vault.record import read_ledger

KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
OFFICER = Actor("officer-1", "officer")
COLLECTED = dt.datetime(2025, 4, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
CORRECTED = dt.datetime(2025, 6, 2, 1, 0, tzinfo=dt.UTC)


def _old_layout(store: Store, settings: Settings, clock: FixedClock) -> None:
    """Two subjects as revision 0010 kept them, and one erased one."""
    keyring = Keyring(provider_from_settings(settings, clock), store, clock)
    old = {
        "s_alice": {"name": ("山田 花子", 1, "account_admin", COLLECTED)},
        "s_bob": {
            "name": ("佐藤 一郎", 1, "account_admin", COLLECTED),
            "email": ("bob@example.jp", 2, "correction", CORRECTED),
        },
    }
    with store.engine.begin() as conn:
        for sid, values in old.items():
            key, wrapped = keyring.new_data_key(sid)
            conn.execute(
                sa.text("INSERT INTO subjects (id, created_at, source) VALUES (:id, :at, 'web')"),
                {"id": sid, "at": store.timestamp(COLLECTED)},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO data_keys (subject_id, key_id, kek_id, wrapped, created_at) "
                    "VALUES (:s, :k, :e, :w, :at)"
                ),
                {
                    "s": sid,
                    "k": wrapped.key_id,
                    "e": wrapped.kek_id,
                    "w": wrapped.wrapped,
                    "at": store.timestamp(COLLECTED),
                },
            )
            for item, (value, version, purpose, at) in values.items():
                conn.execute(
                    sa.text(
                        "INSERT INTO subject_values (subject_id, item, version, ciphertext, "
                        "purpose, collected_at) VALUES (:s, :i, :v, :c, :p, :at)"
                    ),
                    {
                        "s": sid,
                        "i": item,
                        "v": version,
                        "c": key.encrypt(value.encode(), value_aad(sid, item, version)),
                        "p": purpose,
                        "at": store.timestamp(at),
                    },
                )
        conn.execute(
            sa.text(
                "INSERT INTO subjects (id, created_at, source, erased_at) "
                "VALUES ('s_gone', :at, 'web', :at)"
            ),
            {"at": store.timestamp(COLLECTED)},
        )


def test_values_written_before_0011_read_the_same_after_it(
    database_url: str, example_path: Path, clock: FixedClock
) -> None:
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": KEK,
    }
    settings = Settings.load(env=env)
    store = Store(database_url)
    try:
        migrate.upgrade(store.engine, "0010")
        _old_layout(store, settings, clock)
        migrate.upgrade(store.engine)
        with store.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            rows = {
                r.id: r
                for r in conn.execute(
                    sa.text("SELECT id, wrapped, kek_id, ledger, sealed FROM subjects")
                )
            }
    finally:
        store.close()
    assert not {"data_keys", "subject_values"} & tables
    assert rows["s_gone"].wrapped is None and rows["s_gone"].sealed is None
    ledger = read_ledger(rows["s_bob"].ledger)
    assert ledger["email"].version == 2 and ledger["email"].purpose == "correction"
    assert ledger["email"].collected_at == CORRECTED
    assert ledger["name"].collected_at == COLLECTED
    with Mamori.open(settings, clock=clock) as core:
        core.versions.publish(core.policy, effective=dt.date(2022, 3, 22))
        bob = core.vault.use("s_bob", ["email", "name"], "account_admin", OFFICER)
        assert bob.values == {"email": "bob@example.jp", "name": "佐藤 一郎"}
        alice = core.vault.use("s_alice", ["name"], "account_admin", OFFICER)
        assert alice.values == {"name": "山田 花子"}
        assert list(core.vault.holders("email")) == ["s_bob"]
        assert core.vault.correct("s_bob", {"email": "b2@example.jp"}, OFFICER, "typo").versions
        assert core.vault.use("s_bob", ["email"], "account_admin", OFFICER).values == {
            "email": "b2@example.jp"
        }
        assert sum(s.data_keys for s in core.keys.status()) == 2


def test_0011_goes_down_with_the_values_and_up_again(
    database_url: str, example_path: Path, clock: FixedClock
) -> None:
    path = example_path
    settings = Settings.load(
        env={"MAMORI_DATABASE_URL": database_url, "MAMORI_KEK": KEK, "MAMORI_POLICY": str(path)}
    )
    store = Store(database_url)
    try:
        migrate.upgrade(store.engine, "0010")
        _old_layout(store, settings, clock)
        with store.engine.connect() as conn:
            before = conn.execute(
                sa.text("SELECT * FROM subject_values ORDER BY subject_id, item")
            ).all()
            keys = conn.execute(sa.text("SELECT * FROM data_keys ORDER BY subject_id")).all()
        migrate.upgrade(store.engine)
        migrate.downgrade(store.engine, "0010")
        with store.engine.connect() as conn:
            after = conn.execute(
                sa.text("SELECT * FROM subject_values ORDER BY subject_id, item")
            ).all()
            keys_after = conn.execute(sa.text("SELECT * FROM data_keys ORDER BY subject_id")).all()
        assert [tuple(r)[:5] for r in after] == [tuple(r)[:5] for r in before]
        assert [tuple(r)[:4] for r in keys_after] == [tuple(r)[:4] for r in keys]
        migrate.upgrade(store.engine)
        assert migrate.current(store.engine) == migrate.head()
    finally:
        store.close()
