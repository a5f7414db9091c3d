"""``mamori datasets check | plan | import-fides``, driven in-process under a root command
that handles errors as ``mamori`` does (the group is registered in app.py by the lead)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
import yaml
from shopdb import SHOP_MAP, policy_text
from typer.testing import CliRunner

from mamori.cli import datasets_cmd
from mamori.cli._context import state
from mamori.cli.app import _Group
from mamori.connectors import check_datasets
from mamori.policy import parse_policy

root = typer.Typer(cls=_Group, pretty_exceptions_enable=False)
root.add_typer(datasets_cmd.app, name="datasets")


@root.callback()
def _root(ctx: typer.Context) -> None:
    state(ctx)


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(root, ["datasets", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _write(path: Path, datasets: str = SHOP_MAP) -> Path:
    path.write_text(policy_text(datasets), encoding="utf-8")
    return path


UNREACHABLE = (
    SHOP_MAP + "    newsletter:\n      primary_key: [id]\n      columns: {address: email}\n"
)


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line == text)


def test_check_ok(tmp_path: Path) -> None:
    code, out, _ = run("check", str(_write(tmp_path / "policy.yaml")))
    assert code == 0 and "ok" in out and "shop (8 tables)" in out


def test_check_reports_located_errors_and_exits_2(tmp_path: Path) -> None:
    policy = _write(tmp_path / "policy.yaml", UNREACHABLE)
    line = _line_of(policy, "      newsletter:")
    code, _, err = run("check", str(policy))
    assert code == 2
    assert f"policy.yaml:{line} datasets.shop.tables.newsletter: table 'newsletter'" in err
    code, out, _ = run("check", str(policy), "--json")
    data = json.loads(out)
    assert code == 2 and data["valid"] is False
    [error] = data["errors"]
    assert (error["code"], error["line"]) == ("unreachable_table", line)


def test_plan_text_and_json(tmp_path: Path) -> None:
    policy = _write(tmp_path / "policy.yaml")
    code, out, _ = run("plan", "shop", str(policy))
    assert code == 0
    assert "traversal" in out and "order_returns" in out and "delete rows" in out
    code, out, _ = run("plan", "shop", str(policy), "--json")
    data = json.loads(out)
    assert [s["table"] for s in data["traversal"]][-1] == "order_returns"
    assert [o["table"] for o in data["erase"]["order"]][-2:] == ["addresses", "customers"]


def test_plan_of_an_invalid_or_unknown_dataset(tmp_path: Path) -> None:
    policy = _write(tmp_path / "policy.yaml", UNREACHABLE)
    code, _, err = run("plan", "shop", str(policy))
    assert code == 2 and "unreachable_table" not in err and "newsletter" in err
    code, _, err = run("plan", "crm", str(_write(tmp_path / "ok.yaml")))
    assert code == 2 and "no dataset 'crm'" in err


FIDES = """\
dataset:
  - fides_key: shop_db
    name: Shop DB
    collections:
      - name: address
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta: {primary_key: true}
          - name: city
            data_categories: [user.contact.address.city]
          - name: street
            data_categories: [user.contact.address.street]
      - name: customer
        fields:
          - name: address_id
            data_categories: [system.operations]
            fides_meta:
              references:
                - {dataset: shop_db, field: address.id, direction: to}
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email, data_type: string}
          - name: id
            data_categories: [user.unique_id]
            fides_meta: {primary_key: true}
          - name: name
            data_categories: [user.name]
      - name: login
        fields:
          - name: customer_id
            data_categories: [user.unique_id]
            fidesops_meta:
              references:
                - {dataset: shop_db, field: customer.id, direction: from}
          - name: id
            data_categories: [system.operations]
            fides_meta: {primary_key: true}
          - name: time
            data_categories: [user.sensor]
      - name: payment_card
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta: {primary_key: true}
          - name: ccn
            data_categories: [user.financial.bank_account]
          - name: crm_id
            data_categories: [user.unique_id]
            fides_meta:
              references:
                - {dataset: crm, field: contact.id, direction: to}
      - name: product
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta: {primary_key: true}
"""

MAP = """\
user.contact.email: email
user.contact.address: postal_address
user.name: name
user.sensor: device_info
user.unique_id: null
system.operations: null
"""

IMPORTED = {
    "shop_db": {
        "system": "Shop DB",
        "engine": "other",
        "tables": {
            "address": {
                "primary_key": ["id"],
                "columns": {"city": "postal_address", "street": "postal_address"},
            },
            "customer": {
                "primary_key": ["id"],
                "identity": {"email": "email"},
                "columns": {"email": "email", "name": "name"},
                "references": [{"columns": ["address_id"], "table": "address", "to": ["id"]}],
            },
            "login": {
                "primary_key": ["id"],
                "columns": {"time": "device_info"},
                "references": [{"columns": ["customer_id"], "table": "customer", "to": ["id"]}],
            },
        },
    }
}


def _fides(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "fides.yml").write_text(FIDES, encoding="utf-8")
    (tmp_path / "map.yaml").write_text(MAP, encoding="utf-8")
    return tmp_path / "fides.yml", tmp_path / "map.yaml"


def test_import_fides_converts_and_reports_what_is_not_mapped(tmp_path: Path) -> None:
    fides, mapping = _fides(tmp_path)
    code, out, err = run("import-fides", str(fides), "--map", str(mapping))
    assert code == 0
    assert yaml.safe_load(out) == {"datasets": IMPORTED}
    assert "unmapped category user.financial.bank_account (shop_db.payment_card.ccn)" in err
    assert "reference to another dataset (crm)" in err
    assert "shop_db.product: no field maps to an item: left out" in err
    code, _, _ = run("import-fides", str(fides), "--map", str(mapping), "--strict")
    assert code == 1


def test_import_fides_json_and_output_file(tmp_path: Path) -> None:
    fides, mapping = _fides(tmp_path)
    code, out, _ = run("import-fides", str(fides), "-m", str(mapping), "--json")
    data = json.loads(out)
    assert code == 0 and data["datasets"] == IMPORTED
    assert data["unmapped"] == {"user.financial.bank_account": ["shop_db.payment_card.ccn"]}
    assert data["ignored"]["user.unique_id"] == [
        "shop_db.customer.id",
        "shop_db.login.customer_id",
        "shop_db.payment_card.crm_id",
    ]
    code, out, _ = run("import-fides", str(fides), "-m", str(mapping), "-o", "out.yaml")
    assert code == 0 and out == ""
    written = (tmp_path / "out.yaml").read_text(encoding="utf-8")
    # The imported map is a valid data map of a policy that declares the items.
    datasets = yaml.safe_dump(yaml.safe_load(written)["datasets"], allow_unicode=True)
    loaded = parse_policy(policy_text(datasets))
    assert check_datasets(loaded.policy) == []


def test_import_fides_refuses_bad_input(tmp_path: Path) -> None:
    fides, mapping = _fides(tmp_path)
    (tmp_path / "bad.yaml").write_text("user.name: [name]\n", encoding="utf-8")
    code, _, err = run("import-fides", str(fides), "--map", str(tmp_path / "bad.yaml"))
    assert code == 2 and "must map to an item id or null" in err
    (tmp_path / "notfides.yml").write_text("collections: []\n", encoding="utf-8")
    code, _, err = run("import-fides", str(tmp_path / "notfides.yml"), "--map", str(mapping))
    assert code == 2 and "not a Fides dataset file" in err
