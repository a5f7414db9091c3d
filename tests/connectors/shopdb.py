"""An online shop's database for the connector tests: its schema, seed rows, data map and
a policy that declares it.

Three customers (alice, bob, carol). Alice has two addresses (one a gift address), two
orders with items, a return, a card, two logins (one failed, typed in capitals, with no
customer) and two support tickets (one sent from an old address, known by her mamori
subject id only). References go both ways: ``customers.default_address_id`` ->
``addresses.id`` and ``addresses.customer_id`` -> ``customers.id``; ``order_items`` has a
composite key that ``order_returns`` refers to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from mamori.policy import LoadedPolicy, parse_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "meta-all-stars" / "policy.yaml"
MASK_KEY = b"k" * 32

meta = sa.MetaData()
customers = sa.Table(
    "customers",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(255), nullable=False),
    sa.Column("full_name", sa.String(100)),
    sa.Column("phone", sa.String(20)),
    sa.Column(
        "default_address_id",
        sa.Integer,
        sa.ForeignKey("addresses.id", use_alter=True, name="fk_customers_default_address"),
    ),
    sa.Column("created_on", sa.String(10)),
)
addresses = sa.Table(
    "addresses",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("recipient", sa.String(100)),
    sa.Column("postal_code", sa.String(8)),
    sa.Column("line1", sa.String(200)),
)
orders = sa.Table(
    "orders",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id")),
    sa.Column("shipping_address_id", sa.Integer, sa.ForeignKey("addresses.id")),
    sa.Column("contact_email", sa.String(255)),
    sa.Column("total", sa.Integer, nullable=False),
)
order_items = sa.Table(
    "order_items",
    meta,
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sku", sa.String(20), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("gift_message", sa.String(200)),
)
order_returns = sa.Table(
    "order_returns",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("order_id", sa.Integer, nullable=False),
    sa.Column("line_no", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text),
    sa.ForeignKeyConstraint(
        ["order_id", "line_no"], ["order_items.order_id", "order_items.line_no"]
    ),
)
payment_cards = sa.Table(
    "payment_cards",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("billing_address_id", sa.Integer, sa.ForeignKey("addresses.id")),
    sa.Column("holder_name", sa.String(100)),
    sa.Column("last4", sa.String(4)),
)
logins = sa.Table(
    "logins",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id")),
    sa.Column("email", sa.String(255)),
    sa.Column("ip", sa.String(45)),
    sa.Column("succeeded", sa.Boolean, nullable=False),
)
support_tickets = sa.Table(
    "support_tickets",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("subject_id", sa.String(40)),
    sa.Column("email", sa.String(255)),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id")),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id")),
    sa.Column("body", sa.Text),
    sa.Column("status", sa.String(10), nullable=False),
)

ALICE = {"email": ["alice@example.jp"]}
ALICE_SUBJECT = "subj-alice"

SEED: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": 1, "email": "alice@example.jp", "full_name": "青木 アリス", "phone": "09011112222"},
        {"id": 2, "email": "bob@example.jp", "full_name": "馬場 ボブ", "phone": "08033334444"},
        {"id": 3, "email": "Carol@Example.JP", "full_name": "千葉 キャロル", "phone": None},
    ],
    "addresses": [
        {"id": 11, "customer_id": 1, "recipient": "青木 アリス", "postal_code": "100-0001",
         "line1": "東京都千代田区1-1"},
        {"id": 12, "customer_id": 1, "recipient": "青木 花子", "postal_code": "150-0001",
         "line1": "東京都渋谷区2-2"},
        {"id": 21, "customer_id": 2, "recipient": "馬場 ボブ", "postal_code": "530-0001",
         "line1": "大阪府大阪市北区3-3"},
        {"id": 31, "customer_id": 3, "recipient": "千葉 キャロル", "postal_code": "060-0001",
         "line1": "北海道札幌市4-4"},
    ],
    "orders": [
        {"id": 101, "customer_id": 1, "shipping_address_id": 11,
         "contact_email": "alice@example.jp", "total": 5000},
        {"id": 102, "customer_id": 1, "shipping_address_id": 12,
         "contact_email": "alice@example.jp", "total": 3000},
        {"id": 201, "customer_id": 2, "shipping_address_id": 21,
         "contact_email": "bob@example.jp", "total": 1200},
        {"id": 301, "customer_id": 3, "shipping_address_id": 31,
         "contact_email": "carol@example.jp", "total": 800},
    ],
    "order_items": [
        {"order_id": 101, "line_no": 1, "sku": "SKU-1", "quantity": 1, "gift_message": None},
        {"order_id": 101, "line_no": 2, "sku": "SKU-2", "quantity": 2, "gift_message": None},
        {"order_id": 102, "line_no": 1, "sku": "SKU-3", "quantity": 1,
         "gift_message": "お誕生日おめでとう"},
        {"order_id": 201, "line_no": 1, "sku": "SKU-1", "quantity": 1, "gift_message": "for you"},
        {"order_id": 301, "line_no": 1, "sku": "SKU-9", "quantity": 3, "gift_message": None},
    ],
    "order_returns": [
        {"id": 1001, "order_id": 102, "line_no": 1, "reason": "サイズ違い"},
        {"id": 2001, "order_id": 201, "line_no": 1, "reason": "破損"},
    ],
    "payment_cards": [
        {"id": 501, "customer_id": 1, "billing_address_id": 11, "holder_name": "ALICE AOKI",
         "last4": "1234"},
        {"id": 502, "customer_id": 2, "billing_address_id": 21, "holder_name": "BOB BABA",
         "last4": "5678"},
    ],
    "logins": [
        {"id": 901, "customer_id": 1, "email": "alice@example.jp", "ip": "203.0.113.5",
         "succeeded": True},
        {"id": 902, "customer_id": None, "email": "ALICE@example.jp", "ip": "203.0.113.9",
         "succeeded": False},
        {"id": 903, "customer_id": 2, "email": "bob@example.jp", "ip": "198.51.100.7",
         "succeeded": True},
    ],
    "support_tickets": [
        {"id": 801, "subject_id": ALICE_SUBJECT, "email": "alice@example.jp", "customer_id": 1,
         "order_id": 102, "body": "ギフトが届きません", "status": "open"},
        {"id": 802, "subject_id": ALICE_SUBJECT, "email": "alice.old@example.jp",
         "customer_id": None, "order_id": None, "body": "旧アドレスからの問い合わせ",
         "status": "closed"},
        {"id": 803, "subject_id": "subj-bob", "email": "bob@example.jp", "customer_id": 2,
         "order_id": 201, "body": "返品したい", "status": "open"},
    ],
}  # fmt: skip

# The data map, as it would be written in policy.yaml.
SHOP_MAP = """\
shop:
  system: Online shop (test)
  engine: postgresql
  purposes: [sales]
  tables:
    customers:
      primary_key: [id]
      identity: {email: email}
      columns:
        email: {item: email, erase: delete_row, correct: true}
        full_name: {item: name, erase: delete_row, correct: true}
        phone: {item: phone, erase: delete_row, correct: true}
      references:
        - {columns: [default_address_id], table: addresses, to: [id]}
    addresses:
      primary_key: [id]
      columns:
        recipient: {item: name, erase: delete_row}
        postal_code: {item: postal_address, erase: delete_row}
        line1: {item: postal_address, erase: delete_row}
      references:
        - {columns: [customer_id], table: customers, to: [id]}
    orders:
      primary_key: [id]
      columns:
        contact_email: {item: email, erase: mask}
      references:
        - {columns: [customer_id], table: customers, to: [id]}
        - {columns: [shipping_address_id], table: addresses, to: [id]}
    order_items:
      primary_key: [order_id, line_no]
      columns:
        gift_message: message
      references:
        - {columns: [order_id], table: orders, to: [id]}
    order_returns:
      primary_key: [id]
      columns:
        reason: message
      references:
        - {columns: [order_id, line_no], table: order_items, to: [order_id, line_no]}
    payment_cards:
      primary_key: [id]
      columns:
        holder_name: {item: name, erase: delete_row}
        last4: {item: card_last4, erase: delete_row}
      references:
        - {columns: [customer_id], table: customers, to: [id]}
        - {columns: [billing_address_id], table: addresses, to: [id]}
    logins:
      primary_key: [id]
      identity: {email: email}
      columns:
        email: {item: email, erase: mask}
        ip: {item: ip_address, erase: mask}
      references:
        - {columns: [customer_id], table: customers, to: [id]}
    support_tickets:
      primary_key: [id]
      subject_key: subject_id
      identity: {email: email}
      columns:
        email: {item: email, erase: mask}
        body: message
      references:
        - {columns: [customer_id], table: customers, to: [id]}
        - {columns: [order_id], table: orders, to: [id]}
"""

NEW_ITEMS = {
    "postal_address": {"label": {"ja": "住所", "en": "Postal address"}},
    "card_last4": {"label": {"ja": "カード番号下4桁", "en": "Last 4 card digits"}},
    "ip_address": {"label": {"ja": "IPアドレス", "en": "IP address"}, "normaliser": "token"},
    "message": {"label": {"ja": "お問い合わせ内容", "en": "Messages"}},
}


def policy_text(datasets: str = SHOP_MAP) -> str:
    """The example policy with the shop's items and ``datasets`` (YAML text) added."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["items"].update(NEW_ITEMS)
    data["purposes"]["sales"]["items"].extend(NEW_ITEMS)
    data["datasets"] = {}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    text = text.replace("datasets: {}\n", "datasets:\n" + _indent(datasets))
    return text


def _indent(text: str) -> str:
    return "".join("  " + line if line.strip() else line for line in text.splitlines(True))


def shop_policy(datasets: str = SHOP_MAP) -> LoadedPolicy:
    return parse_policy(policy_text(datasets), file="policy.yaml")


def create(engine: sa.Engine) -> None:
    """The schema and the seed rows (alice, bob, carol)."""
    meta.create_all(engine)
    with engine.begin() as conn:
        for name, rows in SEED.items():
            conn.execute(meta.tables[name].insert(), rows)
        for cid, aid in ((1, 11), (2, 21), (3, 31)):
            conn.execute(
                customers.update().where(customers.c.id == cid).values(default_address_id=aid)
            )


def snapshot(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, all columns, ordered by primary key."""
    out = {}
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            stmt = sa.select(table).order_by(*table.primary_key.columns)
            out[name] = [dict(r) for r in conn.execute(stmt).mappings()]
    return out
