"""The subject row's value columns: sealed ciphertexts and the ledger of what is held."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mamori.policy.model import Normaliser
from mamori.vault.normalise import InvalidValue, is_my_number, normalise
from mamori.vault.record import (
    Held,
    RecordError,
    holds_item,
    holds_item_param,
    iso,
    ledger_entries,
    ledger_text,
    pack,
    read_ledger,
    unpack,
)

ITEM = st.from_regex(r"[a-z][a-z0-9_]{0,62}", fullmatch=True)
ENTRY = st.tuples(ITEM, st.integers(0, 2**32 - 1), st.binary(max_size=300))


@given(st.lists(ENTRY, max_size=12, unique_by=lambda e: e[0]))
def test_sealed_values_come_back_in_order(values: list[tuple[str, int, bytes]]) -> None:
    assert unpack(pack(values)) == values


@given(st.lists(ENTRY, min_size=1, max_size=6, unique_by=lambda e: e[0]), st.data())
def test_a_cut_record_is_refused_not_misread(
    values: list[tuple[str, int, bytes]], data: st.DataObject
) -> None:
    sealed = pack(values)
    cut = data.draw(st.integers(1, len(sealed) - 1))
    try:
        found = unpack(sealed[:cut])
    except RecordError:
        return
    # a cut that falls exactly between two values reads as the values before it
    assert found == values[: len(found)] and len(found) < len(values)


def test_an_item_id_must_fit_its_length_byte() -> None:
    with pytest.raises(ValueError, match="1 to 255"):
        pack([("x" * 256, 1, b"c")])
    with pytest.raises(ValueError, match="1 to 255"):
        pack([("", 1, b"c")])


def test_the_ledger_keeps_versions_purposes_and_times_to_the_microsecond() -> None:
    at = dt.datetime(2026, 4, 1, 0, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    text = ledger_text({"name": (2, "correction", iso(at)), "email": (1, "広告", iso(at))})
    held = read_ledger(text)
    assert held == {"name": Held(2, "correction", at), "email": Held(1, "広告", at)}
    assert held["name"].collected_at.utcoffset() == dt.timedelta(0)
    assert read_ledger(ledger_text(ledger_entries(held))) == held
    assert read_ledger(None) == {} and read_ledger("") == {}
    for damaged in ("{", '{"name": 3}', '{"name": [1, "p", "yesterday"]}', "[1]"):
        with pytest.raises(RecordError):
            read_ledger(damaged)


@pytest.mark.parametrize(
    ("item", "ledger", "matches"),
    [
        ("email", '{"email":[1,"p","t"]}', True),
        ("email", '{"name":[1,"email","t"]}', False),  # a purpose named like the item
        ("device_token", '{"deviceXtoken":[1,"p","t"]}', False),  # "_" is not a wildcard
        ("a_b", '{"x":[1,"p","t"],"a_b":[2,"q","t"]}', True),
        ("name", None, False),  # an erased subject holds nothing
    ],
)
def test_the_holder_condition_matches_only_the_item_key(
    item: str, ledger: str | None, matches: bool
) -> None:
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE TABLE subjects (id TEXT, ledger TEXT)")
        db.execute("INSERT INTO subjects VALUES ('s', ?)", (ledger,))
        found = db.execute(
            f"SELECT count(*) FROM subjects s WHERE {holds_item()}", (holds_item_param(item),)
        ).fetchone()[0]
    assert found == int(matches)


@given(st.text(max_size=40))
def test_emails_phones_and_dates_never_normalise_to_a_my_number(value: str) -> None:
    # the vault skips the hidden-My-Number search for these normalisers
    for kind in (Normaliser.email, Normaliser.phone, Normaliser.date):
        try:
            normal = normalise(kind, value)
        except InvalidValue:
            continue
        assert not is_my_number(normal)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (Normaliser.phone, "123456789018"),
        (Normaliser.phone, "0123-4567-8901"),
        (Normaliser.date, "1234-5678-9018"),
        (Normaliser.email, "123456789018"),
    ],
)
def test_a_my_number_shaped_value_does_not_pass_those_normalisers(
    kind: Normaliser, value: str
) -> None:
    try:
        normal = normalise(kind, value)
    except InvalidValue:
        return
    assert not is_my_number(normal)
