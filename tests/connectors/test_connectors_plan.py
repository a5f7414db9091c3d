"""Plans: traversal and erase order of the shop map, and the errors of bad maps."""

from __future__ import annotations

import pytest
import yaml
from shopdb import SHOP_MAP, policy_text, shop_policy

from mamori.connectors import build_plan, check_datasets
from mamori.errors import NotFound, PolicyError
from mamori.policy.model import Policy


def _policy(datasets: str) -> Policy:
    """A policy built without the loader's checks, so the planner sees every mistake."""
    return Policy.model_validate(yaml.safe_load(policy_text(datasets)))


def _codes(datasets: str) -> set[tuple[str, str]]:
    from mamori.policy.loader import format_path

    return {(f.code, format_path(f.loc)) for f in check_datasets(_policy(datasets))}


def test_shop_traversal_starts_where_the_person_is_found_and_goes_both_ways() -> None:
    plan = build_plan(shop_policy().policy, "shop")
    assert [(s.table, s.level) for s in plan.steps] == [
        ("customers", 0),
        ("logins", 0),
        ("support_tickets", 0),
        ("addresses", 1),
        ("orders", 1),
        ("payment_cards", 1),
        ("order_items", 2),
        ("order_returns", 3),
    ]
    addresses = plan.step("addresses")
    links = [(k.source, k.direction, k.columns, k.source_columns) for k in addresses.links]
    assert links == [
        ("customers", "parent", ("id",), ("default_address_id",)),
        ("customers", "child", ("customer_id",), ("id",)),
    ]  # fmt: skip
    assert (
        plan.step("orders").links[2].reference
        == "datasets.shop.tables.support_tickets.references[1]"
    )
    returns = plan.step("order_returns").links[0]
    assert (returns.columns, returns.source_columns) == (("order_id", "line_no"),) * 2
    assert plan.step("customers").read == (
        "id", "email", "full_name", "phone", "default_address_id",
    )  # fmt: skip


def test_shop_erase_order_is_children_first_with_the_cycle_broken_at_the_customer() -> None:
    plan = build_plan(shop_policy().policy, "shop")
    assert [(d.table, d.columns, d.target, d.reason) for d in plan.detach] == [
        ("customers", ("default_address_id",), "addresses", "cycle"),
        ("orders", ("customer_id",), "customers", "kept_rows"),
        ("orders", ("shipping_address_id",), "addresses", "kept_rows"),
        ("logins", ("customer_id",), "customers", "kept_rows"),
        ("support_tickets", ("customer_id",), "customers", "kept_rows"),
    ]
    assert plan.erase_order == (
        "logins", "support_tickets", "payment_cards", "order_returns", "order_items", "orders",
        "addresses", "customers",
    )  # fmt: skip
    assert {s.table: s.action for s in plan.steps} == {
        "customers": "delete", "logins": "update", "support_tickets": "update",
        "addresses": "delete", "orders": "update", "payment_cards": "delete",
        "order_items": "update", "order_returns": "update",
    }  # fmt: skip
    assert plan.step("logins").masks == ("email", "ip")
    assert plan.step("customers").correctable == (
        ("email", "email"), ("full_name", "name"), ("phone", "phone"),
    )  # fmt: skip


def test_plan_prints_as_text_and_json() -> None:
    plan = build_plan(shop_policy().policy, "shop")
    text = "\n".join(plan.describe())
    assert "found by parent of customers (addresses.id = customers.default_address_id)" in text
    assert "13. customers: delete rows" in text
    data = plan.to_dict()
    assert [s["table"] for s in data["traversal"]][:2] == ["customers", "logins"]
    assert data["erase"]["order"][-1] == {
        "table": "customers",
        "action": "delete",
        "does": "delete rows",
    }
    assert data["erase"]["detach"][0]["reason"] == "cycle"


def test_the_shop_map_has_no_findings() -> None:
    assert check_datasets(shop_policy().policy) == []


def test_unknown_table_and_column() -> None:
    bad = SHOP_MAP.replace(
        "- {columns: [shipping_address_id], table: addresses, to: [id]}",
        "- {columns: [shipping_address_id], table: adresses, to: [id]}",
    ).replace(
        "- {columns: [customer_id], table: customers, to: [id]}\n    support_tickets",
        "- {columns: [customer_id], table: customers, to: [uid]}\n    support_tickets",
    )
    assert _codes(bad) == {
        ("unknown_table", "datasets.shop.tables.orders.references[1].table"),
        ("unknown_column", "datasets.shop.tables.logins.references[0].to[0]"),
    }


def test_unreachable_table() -> None:
    bad = SHOP_MAP + "    newsletter:\n      primary_key: [id]\n      columns: {address: email}\n"
    assert _codes(bad) == {("unreachable_table", "datasets.shop.tables.newsletter")}


def test_missing_primary_key_for_row_operations() -> None:
    bad = SHOP_MAP.replace("    payment_cards:\n      primary_key: [id]\n", "    payment_cards:\n")
    assert _codes(bad) == {("primary_key_missing", "datasets.shop.tables.payment_cards")}
    [finding] = check_datasets(_policy(bad))
    assert "needed to delete its rows" in finding.message


CYCLE = """\
crm:
  system: CRM
  tables:
    people:
      primary_key: [id]
      identity: {mail: email}
      columns: {mail: {item: email, erase: keep}}
      references: [{columns: [home_id], table: homes, to: [id]}]
    homes:
      columns: {id: {item: postal_address, erase: keep}, owner_id: {item: name, erase: keep}}
      references: [{columns: [owner_id], table: people, to: [id]}]
"""


def test_a_cycle_through_a_table_without_key() -> None:
    assert _codes(CYCLE) == {("cycle_without_key", "datasets.crm.tables.homes")}
    [finding] = check_datasets(_policy(CYCLE))
    assert "(people -> homes -> people)" in finding.message


def test_kept_rows_whose_key_refers_to_deleted_rows() -> None:
    bad = SHOP_MAP.replace(
        "contact_email: {item: email, erase: mask}",
        "contact_email: {item: email, erase: delete_row}",
    )
    assert _codes(bad) == {("key_changed", "datasets.shop.tables.order_items.references[0]")}


def test_masking_a_key_or_correcting_a_reference_is_refused() -> None:
    bad = SHOP_MAP.replace(
        "        gift_message: message\n",
        "        gift_message: message\n        line_no: {item: message, erase: mask}\n",
    ).replace(
        "        contact_email: {item: email, erase: mask}\n",
        "        contact_email: {item: email, erase: mask}\n"
        "        customer_id: {item: message, erase: keep, correct: true}\n",
    )
    assert _codes(bad) == {
        ("key_changed", "datasets.shop.tables.order_items.columns.line_no"),
        ("key_changed", "datasets.shop.tables.orders.columns.customer_id"),
    }


def test_no_start_table_and_identity_not_mapped() -> None:
    lonely = "crm:\n  system: CRM\n  tables:\n    people:\n      columns: {name: name}\n"
    assert _codes(lonely) == {
        ("no_start_table", "datasets.crm.tables"),
        ("primary_key_missing", "datasets.crm.tables.people"),
    }
    lonely = lonely.replace("{name: name}", "{name: {item: name, erase: keep}}")
    assert _codes(lonely) == {("no_start_table", "datasets.crm.tables")}
    unmapped = (
        "crm:\n  system: CRM\n  tables:\n    people:\n      identity: {mail: email}\n"
        "      columns: {name: {item: name, erase: keep}}\n"
    )
    [warning] = check_datasets(_policy(unmapped))
    assert (warning.severity, warning.code) == ("warning", "identity_not_mapped")


def test_build_plan_refuses_an_invalid_map_and_an_unknown_dataset() -> None:
    with pytest.raises(PolicyError) as caught:
        build_plan(_policy(CYCLE), "crm")
    [issue] = caught.value.issues
    assert (issue.code, issue.path) == ("cycle_without_key", "datasets.crm.tables.homes")
    with pytest.raises(NotFound, match="no dataset 'crm'"):
        build_plan(shop_policy().policy, "crm")
