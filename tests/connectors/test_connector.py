"""The connector on the shop database (SQLite, PostgreSQL, MariaDB): exact rows disclosed,
exact state after erasure and correction, rollback on a failure, injection-shaped input."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import sqlalchemy as sa
from shopdb import ALICE, ALICE_SUBJECT, MASK_KEY, SEED, shop_policy, snapshot

from mamori.connectors import Connector, ConnectorError, TableChange, mask_value


@pytest.fixture
def shop(shop_engine: sa.Engine) -> Connector:
    policy = shop_policy().policy
    return Connector("shop", policy.datasets["shop"], shop_engine, MASK_KEY)


ALICE_ROWS: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": 1, "email": "alice@example.jp", "full_name": "青木 アリス", "phone": "09011112222",
         "default_address_id": 11},
    ],
    "logins": [
        {"id": 901, "email": "alice@example.jp", "ip": "203.0.113.5", "customer_id": 1},
        {"id": 902, "email": "ALICE@example.jp", "ip": "203.0.113.9", "customer_id": None},
    ],
    "support_tickets": [
        {"id": 801, "email": "alice@example.jp", "subject_id": ALICE_SUBJECT,
         "body": "ギフトが届きません", "customer_id": 1, "order_id": 102},
        {"id": 802, "email": "alice.old@example.jp", "subject_id": ALICE_SUBJECT,
         "body": "旧アドレスからの問い合わせ", "customer_id": None, "order_id": None},
    ],
    "addresses": [
        {"id": 11, "recipient": "青木 アリス", "postal_code": "100-0001",
         "line1": "東京都千代田区1-1", "customer_id": 1},
        {"id": 12, "recipient": "青木 花子", "postal_code": "150-0001",
         "line1": "東京都渋谷区2-2", "customer_id": 1},
    ],
    "orders": [
        {"id": 101, "contact_email": "alice@example.jp", "customer_id": 1,
         "shipping_address_id": 11},
        {"id": 102, "contact_email": "alice@example.jp", "customer_id": 1,
         "shipping_address_id": 12},
    ],
    "payment_cards": [
        {"id": 501, "holder_name": "ALICE AOKI", "last4": "1234", "customer_id": 1,
         "billing_address_id": 11},
    ],
    "order_items": [
        {"order_id": 101, "line_no": 1, "gift_message": None},
        {"order_id": 101, "line_no": 2, "gift_message": None},
        {"order_id": 102, "line_no": 1, "gift_message": "お誕生日おめでとう"},
    ],
    "order_returns": [
        {"id": 1001, "reason": "サイズ違い", "order_id": 102, "line_no": 1},
    ],
}  # fmt: skip


def _mask(value: str, length: int | None = None) -> str:
    return mask_value(MASK_KEY, value, length)


def _seed() -> dict[str, list[dict[str, Any]]]:
    """The seed as the database holds it (after the default addresses are set)."""
    state = copy.deepcopy(SEED)
    for row in state["customers"]:
        row["default_address_id"] = {1: 11, 2: 21, 3: 31}[row["id"]]
        row.setdefault("created_on", None)
    return state


def _row(state: dict[str, list[dict[str, Any]]], table: str, **key: Any) -> dict[str, Any]:
    return next(r for r in state[table] if all(r[k] == v for k, v in key.items()))


def _after_alice_erased() -> dict[str, list[dict[str, Any]]]:
    state = _seed()
    state["customers"] = [r for r in state["customers"] if r["id"] != 1]
    state["addresses"] = [r for r in state["addresses"] if r["customer_id"] != 1]
    state["payment_cards"] = [r for r in state["payment_cards"] if r["customer_id"] != 1]
    for oid in (101, 102):
        _row(state, "orders", id=oid).update(
            customer_id=None, shipping_address_id=None, contact_email=_mask("alice@example.jp")
        )
    _row(state, "order_items", order_id=102, line_no=1)["gift_message"] = None
    _row(state, "order_returns", id=1001)["reason"] = None
    _row(state, "logins", id=901).update(
        customer_id=None, email=_mask("alice@example.jp"), ip=_mask("203.0.113.5", 45)
    )
    _row(state, "logins", id=902).update(
        email=_mask("ALICE@example.jp"), ip=_mask("203.0.113.9", 45)
    )
    _row(state, "support_tickets", id=801).update(
        customer_id=None, email=_mask("alice@example.jp"), body=None
    )
    _row(state, "support_tickets", id=802).update(email=_mask("alice.old@example.jp"), body=None)
    return state


ALICE_ERASED = {
    "customers": TableChange(deleted=1),
    "logins": TableChange(updated=2),
    "support_tickets": TableChange(updated=2),
    "addresses": TableChange(deleted=2),
    "orders": TableChange(updated=2),
    "payment_cards": TableChange(deleted=1),
    "order_items": TableChange(updated=1),
    "order_returns": TableChange(updated=1),
}
NOTHING = {table: TableChange() for table in ALICE_ERASED}


def test_seed_is_what_the_tests_expect(shop_engine: sa.Engine) -> None:
    assert snapshot(shop_engine) == _seed()


def test_disclosure_gives_exactly_alices_rows_in_key_order(shop: Connector) -> None:
    rows = shop.disclose(ALICE, subject_id=ALICE_SUBJECT)
    assert rows == ALICE_ROWS
    assert list(rows) == list(ALICE_ROWS)  # traversal order


def test_email_is_matched_case_insensitively(shop: Connector) -> None:
    found = shop.find({"email": ["carol@example.jp"]})
    assert [r["email"] for r in found.rows["customers"]] == ["Carol@Example.JP"]
    assert [r["id"] for r in found.rows["orders"]] == [301]
    assert found.count()["order_items"] == 1


def test_without_subject_id_the_ticket_sent_from_an_old_address_is_not_found(
    shop: Connector,
) -> None:
    found = shop.find(ALICE)
    assert [r["id"] for r in found.rows["support_tickets"]] == [801]


def test_nothing_given_finds_nothing(shop: Connector) -> None:
    found = shop.find({})
    assert found.total == 0 and set(found.rows) == set(ALICE_ROWS)


def test_erasure_leaves_exactly_the_expected_state(shop: Connector, shop_engine: sa.Engine) -> None:
    report = shop.erase(ALICE, subject_id=ALICE_SUBJECT)
    assert report.tables == ALICE_ERASED
    assert (report.deleted, report.updated) == (4, 8)
    assert snapshot(shop_engine) == _after_alice_erased()


def test_erasure_twice_changes_nothing_more(shop: Connector, shop_engine: sa.Engine) -> None:
    shop.erase(ALICE, subject_id=ALICE_SUBJECT)
    after = snapshot(shop_engine)
    # Found again through her subject id: the tickets, and order 102 through a ticket,
    # all already masked or NULL.
    again = shop.find(ALICE, subject_id=ALICE_SUBJECT)
    assert again.count()["support_tickets"] == 2 and again.count()["orders"] == 1
    report = shop.erase(ALICE, subject_id=ALICE_SUBJECT)
    assert report.tables == NOTHING
    assert snapshot(shop_engine) == after


def test_correction_writes_only_correctable_columns(
    shop: Connector, shop_engine: sa.Engine
) -> None:
    values = {"name": "青木 アリサ", "phone": "09099998888", "email": "alice@example.jp"}
    report = shop.correct(ALICE, values)
    assert report.columns == {"customers": ("full_name", "phone")}
    assert report.rows == {"customers": 1}
    expected = _seed()
    _row(expected, "customers", id=1).update(full_name="青木 アリサ", phone="09099998888")
    assert snapshot(shop_engine) == expected
    assert not shop.correct(ALICE, values).changed


def test_correcting_the_identity_email(shop: Connector, shop_engine: sa.Engine) -> None:
    report = shop.correct(ALICE, {"email": "alice@new.example.jp"})
    assert report.to_dict() == {
        "dataset": "shop",
        "columns": {"customers": ["email"]},
        "rows": {"customers": 1},
    }
    assert shop.find({"email": ["alice@new.example.jp"]}).count()["customers"] == 1
    # logins and tickets keep the address typed then: their email is not correctable
    assert _row(snapshot(shop_engine), "logins", id=901)["email"] == "alice@example.jp"


_TRIGGERS = {
    "sqlite": (
        ["CREATE TRIGGER fail_delete BEFORE DELETE ON customers "
         "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"],
        "DROP TRIGGER fail_delete",
    ),
    "postgresql": (
        ["CREATE FUNCTION fail_delete() RETURNS trigger LANGUAGE plpgsql AS "
         "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
         "CREATE TRIGGER fail_delete BEFORE DELETE ON customers "
         "FOR EACH ROW EXECUTE FUNCTION fail_delete()"],
        "DROP TRIGGER fail_delete ON customers",
    ),
    "mysql": (
        ["CREATE TRIGGER fail_delete BEFORE DELETE ON customers FOR EACH ROW "
         "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'"],
        "DROP TRIGGER fail_delete",
    ),
}  # fmt: skip


def test_a_failure_mid_erasure_rolls_the_system_back_and_a_rerun_completes(
    shop: Connector, shop_engine: sa.Engine
) -> None:
    create, drop = _TRIGGERS[shop_engine.dialect.name]
    with shop_engine.begin() as conn:
        for statement in create:
            conn.execute(sa.text(statement))
    before = snapshot(shop_engine)
    with pytest.raises(ConnectorError) as caught:
        shop.erase(ALICE, subject_id=ALICE_SUBJECT)
    error = caught.value
    assert error.code == "connector_failed"
    assert (error.dataset, error.table) == ("shop", "customers")
    assert "rolled back" in error.message
    assert "alice" not in error.message.lower() and "injected" not in error.message
    # The masks, NULLs and deletes of the tables before customers were all rolled back.
    assert snapshot(shop_engine) == before
    with shop_engine.begin() as conn:
        conn.execute(sa.text(drop))
    assert shop.erase(ALICE, subject_id=ALICE_SUBJECT).tables == ALICE_ERASED
    assert snapshot(shop_engine) == _after_alice_erased()


INJECTIONS = ["' OR 1=1 --", "x'); DROP TABLE customers; --", "%", "*", "' OR ''='"]


def test_injection_shaped_values_find_nothing_and_change_nothing(
    shop: Connector, shop_engine: sa.Engine
) -> None:
    before = snapshot(shop_engine)
    identities = {"email": INJECTIONS, "phone": INJECTIONS}
    for subject in INJECTIONS:
        assert shop.find(identities, subject_id=subject).total == 0
        assert shop.erase(identities, subject_id=subject).tables == NOTHING
        assert not shop.correct(identities, {"name": "x", "email": "' OR 1=1 --"}).changed
    assert snapshot(shop_engine) == before
    assert sa.inspect(shop_engine).has_table("customers")


def test_a_column_too_short_for_a_mask_is_refused_before_anything_changes(
    shop_engine: sa.Engine,
) -> None:
    short = shop_policy().policy.datasets["shop"].model_dump(mode="json")
    short["tables"]["payment_cards"]["columns"] = {
        "holder_name": "name",
        "last4": {"item": "card_last4", "erase": "mask"},
    }
    from mamori.policy.model import Dataset

    shop = Connector("shop", Dataset.model_validate(short), shop_engine, MASK_KEY)
    before = snapshot(shop_engine)
    with pytest.raises(ConnectorError, match="too short for a mask"):
        shop.erase(ALICE)
    assert snapshot(shop_engine) == before


def test_small_chunks_give_the_same_rows_and_state(shop_engine: sa.Engine) -> None:
    policy = shop_policy().policy
    tiny = Connector("shop", policy.datasets["shop"], shop_engine, MASK_KEY, chunk=1)
    assert tiny.disclose(ALICE, subject_id=ALICE_SUBJECT) == ALICE_ROWS
    assert tiny.erase(ALICE, subject_id=ALICE_SUBJECT).tables == ALICE_ERASED
    assert snapshot(shop_engine) == _after_alice_erased()
