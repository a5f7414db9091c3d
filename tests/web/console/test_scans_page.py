"""Discovery scans in the console: the officer scans a dataset of the data map (its URL
from the settings, never from the form) and compares it; the scan is stored and listed
with its source without the password; a column of My Numbers is marked and linked to the
alert it raised; engineers read, support may not; every form needs its token."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient
from tests.web.console.conftest import KEK, Staff, log_in

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.discovery.recognizers.my_number import my_number_check_digit
from mamori.discovery.scanners import MY_NUMBER_ALERT
from mamori.policy.loader import parse_policy
from mamori.settings import Settings

ROWS = 12
SHOP = {
    "system": "Test shop",
    "engine": "sqlite",
    "purposes": ["sales"],
    "tables": {
        "customers": {
            "primary_key": ["id"],
            "identity": {"email": "email"},
            "columns": {"phone": "phone"},
        }
    },
}


def _my_number(n: int) -> str:
    base = f"{31415926000 + n * 7919:011d}"
    return base + str(my_number_check_digit(base))


MY_NUMBERS = [_my_number(i) for i in range(ROWS)]


def _seed(path: Path) -> None:
    meta = sa.MetaData()
    customers = sa.Table(
        "customers",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(255)),
        sa.Column("phone", sa.String(20)),
        sa.Column("mobile", sa.String(20)),  # personal, not in the data map
        sa.Column("my_number", sa.String(20)),  # not in the data map
    )
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                customers.insert(),
                [
                    {"id": i, "email": f"member{i}@example.jp",
                     "phone": f"090-{3000 + i:04d}-{4000 + i:04d}",
                     "mobile": f"080-{5000 + i:04d}-{6000 + i:04d}",
                     "my_number": MY_NUMBERS[i]}
                    for i in range(ROWS)
                ],
            )  # fmt: skip
    finally:
        engine.dispose()


@pytest.fixture
def core(
    database_url: str,
    example_text: str,
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Mamori]:
    """The example policy with two datasets: ``shop`` has a URL in the settings (with a
    password that never shows), ``crm`` has none."""
    monkeypatch.delenv("MAMORI_DATASET_SHOP_URL", raising=False)
    monkeypatch.delenv("MAMORI_DATASET_CRM_URL", raising=False)
    _seed(tmp_path / "shop.db")
    data = yaml.safe_load(example_text)
    data["datasets"] = {"shop": SHOP, "crm": {**SHOP, "system": "CRM without a URL"}}
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(policy_file),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAMORI_API_RATE_PER_MINUTE": "600",
        "MAMORI_API_RATE_BURST": "100",
        "MAMORI_DATASET_URLS": json.dumps(
            {"shop": f"sqlite+pysqlite://scanner:s3cret-pw@/{tmp_path / 'shop.db'}"}
        ),
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        text = policy_file.read_text(encoding="utf-8")
        core.publish(parse_policy(text), effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


def test_who_may_open_and_run_scans(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    answer = client.get("/console/scans", follow_redirects=False)
    assert answer.status_code == 303 and "/console/login" in answer.headers["location"]
    token = log_in(client, "helper", clock=clock, staff=staff)
    assert client.get("/console/scans").status_code == 403
    assert (
        client.post("/console/scans/run", data={"csrf": token, "dataset": "shop"}).status_code
        == 403
    )
    token = log_in(client, "eng", clock=clock, staff=staff)
    page = client.get("/console/scans")
    assert page.status_code == 200 and 'href="/console/scans?lang=ja"' in page.text
    assert 'action="/console/scans/run' not in page.text
    refused = client.post("/console/scans/run", data={"csrf": token, "dataset": "shop"})
    assert refused.status_code == 403
    assert core.scans.list() == []
    log_in(client, "boss", clock=clock, staff=staff)
    page = client.get("/console/scans").text
    assert '<option value="shop">' in page and '<option value="crm">' not in page
    assert "<code>crm</code>" in page  # named among those without a URL
    assert 'name="url"' not in page


def test_the_officer_scans_a_dataset_and_compares_it(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    answer = client.post(
        "/console/scans/run",
        data={"csrf": token, "dataset": "shop", "sample": "50", "compare": "yes"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    [summary] = core.scans.list()
    assert answer.headers["location"] == f"/console/scans/{summary.id}?done=scanned&lang=ja"
    assert summary.actor == "staff:boss" and summary.dataset == "shop"
    assert "s3cret-pw" not in summary.source
    record = core.scans.get(summary.id)
    comparison = record.result.comparison
    assert comparison is not None
    undeclared = {c.column for c in comparison.undeclared}
    assert undeclared == {"mobile", "my_number"} and summary.undeclared == 2

    listed = client.get("/console/scans").text
    assert summary.id in listed and "staff:boss" in listed and "s3cret-pw" not in listed
    assert "scanner@" in listed

    page = client.get(answer.headers["location"]).text
    assert "s3cret-pw" not in page and "スキャンを保存しました" in page
    assert "customers.mobile" in page and "未申告" in page and "申告済み" in page
    for i in range(ROWS):  # only masked examples, never a value
        assert (
            f"member{i}@example.jp" not in page and f"080-{5000 + i:04d}-{6000 + i:04d}" not in page
        )
    for number in MY_NUMBERS:
        assert number not in page

    # the My Number column is marked and links to the alert it raised
    [alert] = core.alerts.list(kind=MY_NUMBER_ALERT)
    assert alert.detail["scan"] == summary.id
    row = re.search(r'<tr class="bad" id="mynumber-\d+">(.*?)</tr>', page, re.S)
    assert row is not None and "customers.my_number" in row.group(1)
    assert f'href="/console/alerts/{alert.id}?lang=ja"' in row.group(1)
    assert "個人番号（マイナンバー）を保持する列があります" in page
    shown = client.get(f"/console/alerts/{alert.id}")
    assert shown.status_code == 200 and summary.id in shown.text
    assert "s3cret-pw" not in shown.text

    # engineers read the scan, without a link to an alert they may not open
    log_in(client, "eng", clock=clock, staff=staff)
    read = client.get(f"/console/scans/{summary.id}").text
    assert alert.id in read and f'href="/console/alerts/{alert.id}' not in read
    assert client.get(f"/console/alerts/{alert.id}").status_code == 403


def test_a_dataset_without_a_url_or_unknown_is_refused(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    crm = client.post("/console/scans/run", data={"csrf": token, "dataset": "crm"})
    assert crm.status_code == 422 and "MAMORI_DATASET_CRM_URL" in crm.text
    unknown = client.post("/console/scans/run", data={"csrf": token, "dataset": "nowhere"})
    assert unknown.status_code == 404
    # a URL in the form is not a field the page reads
    sneaky = client.post(
        "/console/scans/run",
        data={"csrf": token, "dataset": "../etc", "url": "sqlite:////etc/passwd"},
    )
    assert sneaky.status_code == 400
    assert core.scans.list() == []
    assert client.get("/console/scans/sc_nosuchscan").status_code == 404


def test_a_scan_without_comparison_and_the_form_token(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    log_in(client, "boss", clock=clock, staff=staff)
    forged = client.post(
        "/console/scans/run", data={"csrf": "forged", "dataset": "shop", "compare": "yes"}
    )
    assert forged.status_code == 403
    missing = client.post("/console/scans/run", data={"dataset": "shop"})
    assert missing.status_code == 400
    assert core.scans.list() == []
    token = log_in(client, "boss", clock=clock, staff=staff)
    client.post("/console/scans/run", data={"csrf": token, "dataset": "shop"})
    [summary] = core.scans.list()
    assert summary.dataset is None and summary.undeclared is None
    page = client.get(f"/console/scans/{summary.id}").text
    assert "照合していません" in page
