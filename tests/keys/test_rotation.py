"""KEK rotation: every key rewrapped in short batches while reads go on, resumable, then
the old KEK retired. Runs with the key file and with Vault transit (the shipped fake)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mamori.clock import FixedClock
from mamori.errors import ConfigError
from mamori.keys import (
    EnvKek,
    KekProvider,
    Keyring,
    LocalKeyring,
    VaultTransitKek,
    _wrapped,
    value_aad,
)
from mamori.keys.testing import FakeVaultClient
from mamori.store import Store
from mamori.store.tables import Base

SUBJECTS = Base.metadata.tables["subjects"]
SERVICE_KEYS = Base.metadata.tables["service_keys"]
SERVICE = 5  # blind index, audit signing, sealing, codes, masks
COUNT = 120


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    store.upgrade()
    yield store
    store.close()


@pytest.fixture(params=["file", "vault"])
def providers(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> tuple[KekProvider, KekProvider]:
    """The rotating process's provider, and a reader's (another process, loaded before)."""
    if request.param == "file":
        ring = LocalKeyring.create(tmp_path / "mamori.key", clock)
        return ring, LocalKeyring.load(ring.path, clock)
    client = FakeVaultClient()
    client.create_key("mamori")
    return VaultTransitKek(client, "transit", "mamori"), VaultTransitKek(client)


def populate(keyring: Keyring, store: Store, clock: FixedClock, ids: list[str]) -> dict[str, bytes]:
    """Subjects with a data key each and one encrypted value; returns the ciphertexts."""
    subjects, values = [], {}
    for sid in ids:
        key, w = keyring.new_data_key(sid)
        values[sid] = key.encrypt(f"value of {sid}".encode(), value_aad(sid, "email", 1))
        subjects.append(
            {
                "id": sid,
                "created_at": clock.now(),
                "source": "test",
                "key_id": w.key_id,
                "kek_id": w.kek_id,
                "wrapped": w.wrapped,
            }
        )
    with store.engine.begin() as conn:
        conn.execute(SUBJECTS.insert(), subjects)
    return values


def read_all(reader: Keyring, store: Store, values: dict[str, bytes]) -> set[str]:
    """Open every data key from its row and decrypt its value; the KEK ids seen."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(SUBJECTS).where(SUBJECTS.c.wrapped.is_not(None))).all()
    assert len(rows) == len(values)
    for r in rows:
        key = reader.open_data_key(r.id, r.key_id, r.kek_id, r.wrapped)
        assert key.decrypt(values[r.id], value_aad(r.id, "email", 1)) == (
            f"value of {r.id}".encode()
        )
    return {r.kek_id for r in rows}


def kek_ids_in_use(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return {
            *conn.execute(
                sa.select(SUBJECTS.c.kek_id).where(SUBJECTS.c.kek_id.is_not(None))
            ).scalars(),
            *conn.execute(sa.select(SERVICE_KEYS.c.kek_id)).scalars(),
        }


def subject_ids(n: int) -> list[str]:
    return [f"s{i:05d}" for i in range(n)]


def test_rotation_rewraps_every_key_while_reads_go_on(
    providers: tuple[KekProvider, KekProvider], store: Store, clock: FixedClock
) -> None:
    provider, other = providers
    keyring = Keyring(provider, store, clock)
    values = populate(keyring, store, clock, subject_ids(COUNT))
    digest = keyring.blind_index().digest("email", "x@example.jp")
    keyring.ensure_service_keys()
    old = provider.primary_id
    reader = Keyring(other, store, clock, cache_size=0)
    calls: list[tuple[int, int]] = []
    seen: list[set[str]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        seen.append(read_all(reader, store, values))

    report = keyring.rotate(batch_size=25, progress=progress)
    new = provider.primary_id
    assert report.new_id == new != old and report.old_ids == (old,)
    assert (report.rewrapped, report.remaining, report.resumed) == (COUNT + SERVICE, 0, False)
    assert report.retired == (old,) and report.seconds > 0
    assert calls[0] == (0, COUNT + SERVICE) and calls[-1] == (COUNT + SERVICE, COUNT + SERVICE)
    assert {old, new} in seen  # reads in between batches saw both KEKs, and succeeded
    assert kek_ids_in_use(store) == {new}
    assert [(i.id, i.primary, i.retired) for i in provider.describe()] == [
        (old, False, True),
        (new, True, False),
    ]
    fresh = Keyring(other, store, clock, cache_size=0)
    assert read_all(fresh, store, values) == {new}
    assert fresh.blind_index().digest("email", "x@example.jp") == digest
    assert [(s.id, s.data_keys, s.service_keys) for s in keyring.status()] == [
        (old, 0, 0),
        (new, COUNT, SERVICE),
    ]


def test_an_interrupted_rotation_is_finished_by_running_it_again(
    providers: tuple[KekProvider, KekProvider], store: Store, clock: FixedClock
) -> None:
    provider, other = providers
    keyring = Keyring(provider, store, clock)
    values = populate(keyring, store, clock, subject_ids(COUNT))
    keyring.ensure_service_keys()
    old = provider.primary_id

    def interrupt(done: int, total: int) -> None:
        if done >= 50:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        keyring.rotate(batch_size=25, progress=interrupt)
    new = provider.primary_id
    assert kek_ids_in_use(store) == {old, new}
    assert provider.ids() == [old, new]  # the old KEK is kept until nothing uses it
    assert read_all(Keyring(other, store, clock, cache_size=0), store, values) == {old, new}
    with store.engine.connect() as conn:
        left = conn.execute(
            sa.select(sa.func.count()).select_from(SUBJECTS).where(SUBJECTS.c.kek_id == old)
        ).scalar_one()
    assert 0 < left < COUNT

    report = keyring.rotate(batch_size=25)
    assert report.resumed and report.new_id == new and report.old_ids == (old,)
    assert report.rewrapped == left and report.retired == (old,)
    assert len(provider.describe()) == 2  # no third KEK was made
    assert kek_ids_in_use(store) == {new}
    assert read_all(Keyring(other, store, clock, cache_size=0), store, values) == {new}
    again = keyring.rotate(batch_size=25)  # a finished rotation: the next run makes a new KEK
    assert not again.resumed and again.new_id not in (old, new)


def test_a_key_written_under_the_old_kek_during_rotation_is_caught(
    providers: tuple[KekProvider, KekProvider], store: Store, clock: FixedClock
) -> None:
    provider, other = providers
    keyring = Keyring(provider, store, clock)
    values = populate(keyring, store, clock, subject_ids(60))
    late_key, late = keyring.new_data_key("a-late")  # wrapped now, stored mid-rotation
    values["a-late"] = late_key.encrypt(b"value of a-late", value_aad("a-late", "email", 1))
    stored: list[bool] = []

    def progress(done: int, total: int) -> None:
        if done > 0 and not stored:
            stored.append(True)
            with store.engine.begin() as conn:
                conn.execute(
                    SUBJECTS.insert().values(
                        id="a-late",
                        created_at=clock.now(),
                        source="t",
                        key_id=late.key_id,
                        kek_id=late.kek_id,
                        wrapped=late.wrapped,
                    )
                )

    report = keyring.rotate(batch_size=10, progress=progress)
    assert report.rewrapped == 61 and report.remaining == 0 and report.retired
    assert kek_ids_in_use(store) == {provider.primary_id}
    read_all(Keyring(other, store, clock, cache_size=0), store, values)


def test_finish_rotation_with_nothing_to_do_makes_no_kek(
    providers: tuple[KekProvider, KekProvider], store: Store, clock: FixedClock
) -> None:
    provider, _ = providers
    keyring = Keyring(provider, store, clock)
    report = keyring.finish_rotation()
    assert (report.rewrapped, report.old_ids, report.retired) == (0, (), ())
    assert len(provider.describe()) == 1
    empty = keyring.rotate()
    assert empty.rewrapped == 0 and len(empty.retired) == 1
    with pytest.raises(ValueError, match="batch_size"):
        keyring.rotate(batch_size=0)


def test_an_env_kek_cannot_be_rotated(store: Store, clock: FixedClock) -> None:
    keyring = Keyring(EnvKek(bytes(range(32))), store, clock)
    keyring.ensure_service_keys()
    with pytest.raises(ConfigError, match="cannot rotate"):
        keyring.rotate()
    assert kek_ids_in_use(store) == {keyring.provider.primary_id}


def test_named_parameter_drivers_take_the_core_path(tmp_path: Path, clock: FixedClock) -> None:
    url = f"sqlite:///{tmp_path / 'named.db'}"
    store = Store(url)
    named = sa.create_engine(url, paramstyle="named")
    try:
        store.upgrade()
        ring = LocalKeyring.create(tmp_path / "k.key", clock)
        keyring = Keyring(ring, store, clock)
        values = populate(keyring, store, clock, subject_ids(30))
        new = ring.rotate()
        moved = _wrapped.DATA_KEYS.rewrap_pass(named, ring, new, 7, lambda n: None)
        assert moved == 30 and kek_ids_in_use(store) == {new}
        assert read_all(Keyring(ring, store, clock, cache_size=0), store, values) == {new}
    finally:
        named.dispose()
        store.close()
