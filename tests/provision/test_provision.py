"""Third parties, in the policy's words (§6): nothing goes to a third party without
consent, except outsourcing, joint use and the law; the records of Art. 29-31 are kept for
their periods; the package opens with age and holds exactly what its manifest says."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pyrage
import pytest

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.policy.loader import parse_policy
from mamori.provision import Party, ProvisionRefused, RecordKind, open_package
from mamori.settings import Settings

OFFICER = Actor("officer-1", "officer")
NOTICE = "広告パートナー株式会社（米国）にお名前とメールアドレスを提供することに同意します。"
PASSPHRASE = "correct horse battery staple"
RULE17 = {"country": "US", "system": "包括的な法律はありません", "measures": "契約による措置"}

PARTNER = """
  ad_partner:
    name: {ja: 広告パートナー株式会社, en: Ad Partner K.K.}
    kind: third_party
    country: US
    address: {ja: 米国カリフォルニア州(架空), en: "California (fictitious)"}
    representative: {ja: 代表者 ジョン・ドウ, en: "John Doe, CEO"}
    items: [name, email, cookie_id]
    purposes: [sales, service_info]
    links_referable: true
    rule17:
      country_system: {ja: 包括的な法律はありません, en: No comprehensive law}
      recipient_measures: {ja: 契約による措置, en: Measures under contract}
"""


@pytest.fixture
def core(
    database_url: str, example_path: Path, example_text: str, clock: FixedClock, tmp_path: Path
) -> Iterator[Mamori]:
    env = {
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    }
    text = example_text.replace(
        "    marketing: true\n", "    marketing: true\n    provision: true\n"
    )
    text = text.replace("\nrecipients:\n", "\nrecipients:\n" + PARTNER.lstrip("\n"), 1)
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(parse_policy(text), effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


def person(core: Mamori, n: int) -> str:
    values = {"name": f"利用者{n}", "email": f"u{n}@example.jp", "cookie_id": f"c{n:08d}"}
    return core.vault.collect(None, values, "service_info", OFFICER, "web").subject


def consent(core: Mamori, subject: str, *, referable: bool = True) -> None:
    core.consent.give(subject, "recipient:ad_partner", notice=NOTICE, actor=subject, rule17=RULE17)
    if referable:
        core.consent.give(
            subject, "referable:ad_partner", notice=NOTICE, actor=subject, rule17=RULE17
        )


def test_a_third_party_without_consent_receives_nothing_and_each_refusal_names_the_reason(
    core: Mamori,
) -> None:
    a, b = person(core, 1), person(core, 2)
    result = core.provisions.provide(
        recipient="ad_partner", items=["name", "email"], purpose="sales", basis="consent",
        actor=OFFICER, subjects=[a, b], passphrase=PASSPHRASE,
    )  # fmt: skip
    assert result.provided == ()
    assert result.excluded == {a: ("consent_missing",), b: ("consent_missing",)}
    assert result.records == ()
    files = open_package(result.package or b"", passphrase=PASSPHRASE)
    assert files["data.jsonl"] == b""


def test_consented_subjects_are_provided_with_an_art29_record_and_the_rest_listed(
    core: Mamori,
) -> None:
    a, b, c = person(core, 1), person(core, 2), person(core, 3)
    consent(core, a)
    consent(core, b)
    core.consent.withdraw(b, "recipient:ad_partner", actor=b)
    identity = pyrage.x25519.Identity.generate()
    result = core.provisions.provide(
        recipient="ad_partner", items=["name", "email"], purpose="sales", basis="consent",
        actor=OFFICER, subjects=[a, b, c], recipient_key=str(identity.to_public()),
    )  # fmt: skip
    assert result.provided == (a,)
    assert result.excluded == {b: ("consent_withdrawn",), c: ("consent_missing",)}
    [record_id] = result.records
    record = core.records.get(record_id)
    assert record.kind is RecordKind.art29 and record.consent_confirmed
    assert (record.party_name, record.party_address, record.party_representative) == (
        "広告パートナー株式会社",
        "米国カリフォルニア州(架空)",
        "代表者 ジョン・ドウ",
    )
    assert record.items == ("name", "email") and core.records.subjects_of(record_id) == [a]
    assert record.first_date == record.last_date == dt.date(2026, 11, 25)
    assert record.keep_until == dt.date(2029, 11, 25)  # three years
    files = open_package(result.package or b"", identity=str(identity))
    rows = [json.loads(line) for line in files["data.jsonl"].decode().splitlines()]
    assert rows == [{"id": a, "name": "利用者1", "email": "u1@example.jp"}]
    manifest = json.loads(files["manifest.json"])
    assert manifest["record_id"] == record_id and manifest["row_count"] == 1
    exported = [e for e in core.audit.tail(10) if e.action == "export"]
    assert [e.subject for e in exported] == [a]
    assert exported[0].detail["recipient"] == "ad_partner"
    assert core.records.for_subject(a) == [record] and core.records.for_subject(c) == []


def test_personally_referable_items_need_consent_to_the_recipients_acquisition(
    core: Mamori,
) -> None:
    a, b = person(core, 1), person(core, 2)
    consent(core, a)
    consent(core, b, referable=False)
    result = core.provisions.provide(
        recipient="ad_partner", items=["email", "cookie_id"], purpose="service_info",
        basis="consent", actor=OFFICER, all_consented=True, passphrase=PASSPHRASE,
    )  # fmt: skip
    assert result.provided == (a,) and result.excluded == {b: ("referable_consent_missing",)}
    kinds = sorted(core.records.get(r).kind.value for r in result.records)
    assert kinds == ["art29", "art31"]


def test_a_stop_of_provision_excludes_the_subject(core: Mamori) -> None:
    a = person(core, 1)
    consent(core, a)
    core.suspensions.suspend(a, "provision", "provision_without_consent", actor="o")
    result = core.provisions.provide(
        recipient="ad_partner", items=["name"], purpose="sales", basis="consent",
        actor=OFFICER, subjects=[a], passphrase=PASSPHRASE,
    )  # fmt: skip
    assert result.excluded == {a: ("suspended",)}


def test_bases_are_checked_against_the_recipient(core: Mamori) -> None:
    a = person(core, 1)
    cases = [
        ({"basis": "opt_out"}, {"basis": "opt_out_not_supported"}),
        ({"basis": "outsourcing"}, {"basis": "recipient_not_outsourcee"}),
        ({"basis": "joint_use"}, {"basis": "recipient_not_joint_user"}),
        ({"basis": "legal"}, {"legal_ground": "legal_ground_required", "note": "note_required"}),
        ({"basis": "consent", "items": ["phone"]}, {"items": "item_not_declared_for_recipient"}),
        (
            {"basis": "consent", "purpose": "research"},
            {"purpose": "purpose_not_declared_for_recipient"},
        ),
    ]
    for change, problems in cases:
        args = {"items": ["name"], "purpose": "sales", **change}
        with pytest.raises(ProvisionRefused) as refused:
            core.provisions.provide(
                recipient="ad_partner", actor=OFFICER, subjects=[a], passphrase=PASSPHRASE,
                **args,  # type: ignore[arg-type]
            )  # fmt: skip
        assert refused.value.problems == problems, change
    with pytest.raises(ProvisionRefused, match="PPC"):
        core.provisions.provide(
            recipient="ad_partner", items=["name"], purpose="sales", basis="opt_out",
            actor=OFFICER, subjects=[a], passphrase=PASSPHRASE,
        )  # fmt: skip
    assert core.records.query() == []


def test_outsourcing_and_the_law_need_no_consent_and_no_record(core: Mamori) -> None:
    a = person(core, 1)
    hosting = core.provisions.provide(
        recipient="cloud_hosting", items=["name", "email"], purpose="sales",
        basis="outsourcing", actor=OFFICER, subjects=[a], passphrase=PASSPHRASE,
    )  # fmt: skip
    assert hosting.provided == (a,) and hosting.records == ()
    police = core.provisions.provide(
        recipient="ad_partner", items=["name"], purpose="sales", basis="legal",
        legal_ground="law", note="捜査関係事項照会書 第123号", actor=OFFICER, subjects=[a],
        passphrase=PASSPHRASE,
    )  # fmt: skip
    assert police.provided == (a,) and police.records == ()
    exports = [e for e in core.audit.tail(3) if e.action == "export"]
    assert [(e.detail["recipient"], e.detail["basis"]) for e in exports] == [
        ("cloud_hosting", "outsourcing"),
        ("ad_partner", "legal"),
    ]
    assert exports[1].detail["ground"] == "law" and "ground" not in exports[0].detail


def test_joint_use_covers_only_data_acquired_after_it_was_published(
    core: Mamori, clock: FixedClock
) -> None:
    a = person(core, 1)
    result = core.provisions.provide(
        recipient="group_companies", items=["name"], purpose="service_info",
        basis="joint_use", actor=OFFICER, subjects=[a], passphrase=PASSPHRASE,
    )  # fmt: skip
    assert result.provided == (a,)  # collected after the joint use was published
    assert core.vault.created_at([a])[a] >= core.versions.history()[0].published_at


def test_records_expire_and_are_purged_with_an_audit_entry(core: Mamori, clock: FixedClock) -> None:
    a = person(core, 1)
    consent(core, a)
    result = core.provisions.provide(
        recipient="ad_partner", items=["name"], purpose="sales", basis="consent",
        actor=OFFICER, subjects=[a], passphrase=PASSPHRASE, contract_ref="DPA-2026-7",
    )  # fmt: skip
    [record_id] = result.records
    assert core.records.get(record_id).keep_until == dt.date(2027, 11, 25)  # contract: 1 year
    clock.advance(dt.timedelta(days=30))
    again = core.provisions.provide(
        recipient="ad_partner", items=["name"], purpose="sales", basis="consent",
        actor=OFFICER, subjects=[a], passphrase=PASSPHRASE, contract_ref="DPA-2026-7",
    )  # fmt: skip
    assert again.records == (record_id,)  # a continuous provision: one bulk record
    bulk = core.records.get(record_id)
    assert (bulk.first_date, bulk.last_date) == (dt.date(2026, 11, 25), dt.date(2026, 12, 25))
    assert bulk.keep_until == dt.date(2027, 12, 25)
    clock.set(dt.datetime(2027, 12, 25, 12, tzinfo=dt.UTC))
    assert core.records.purge_expired(actor="retention") == []
    clock.set(dt.datetime(2027, 12, 26, 12, tzinfo=dt.UTC))
    assert core.records.purge_expired(actor="retention") == [record_id]
    assert core.records.query() == []
    assert core.audit.tail(1)[0].action == "record_purge"


def test_receipt_from_a_third_party_is_confirmed_and_recorded(core: Mamori) -> None:
    a = person(core, 1)
    with pytest.raises(ProvisionRefused) as missing:
        core.provisions.receive(
            provider=Party("提供元株式会社", "", "代表 太郎"), how_acquired="",
            items=["name"], subjects=[a], actor=OFFICER,
        )  # fmt: skip
    assert missing.value.problems == {"provider.address": "required", "how_acquired": "required"}
    record_id = core.provisions.receive(
        provider=Party("提供元株式会社", "東京都千代田区(架空)", "代表取締役 提供 太郎"),
        how_acquired="本人からウェブフォームで取得（同意あり）",
        items=["name", "email"], subjects=[a], actor=OFFICER,
    )  # fmt: skip
    record = core.records.get(record_id)
    assert record.kind is RecordKind.art30 and record.how_acquired.startswith("本人から")  # type: ignore[union-attr]
    assert record.keep_until == dt.date(2029, 11, 25)


def test_a_provision_records_request_discloses_the_records_of_the_person(core: Mamori) -> None:
    import io
    import zipfile

    a = person(core, 1)
    consent(core, a)
    result = core.provisions.provide(
        recipient="ad_partner", items=["name"], purpose="sales", basis="consent",
        actor=OFFICER, subjects=[a], passphrase=PASSPHRASE,
    )  # fmt: skip
    rid = core.requests.submit("provision_records", actor="web", subject=a).request.id
    core.requests.verify_by_staff(rid, actor="officer-1", checked=["本人確認書類"])
    core.fulfil(rid, actor="officer-1", now=True)
    archive = zipfile.ZipFile(io.BytesIO(core.requests.download(rid, actor=a)))
    data = json.loads(archive.read("data.json"))
    assert [r["id"] for r in data["provision_records"]] == list(result.records)
    assert data["provision_records"][0]["party_name"] == "広告パートナー株式会社"
    assert data["vault"] == {}  # only the records were asked for


def test_a_bad_passphrase_is_refused_before_anything_is_provided_or_recorded(
    core: Mamori,
) -> None:
    from mamori.provision import ExportError

    a = person(core, 1)
    consent(core, a)
    before = core.audit.count()
    with pytest.raises(ExportError, match="too short"):
        core.provisions.provide(
            recipient="ad_partner", items=["name"], purpose="sales", basis="consent",
            actor=OFFICER, subjects=[a], passphrase="short",
        )  # fmt: skip
    assert core.records.query() == [] and core.audit.count() == before


def test_exports_and_the_manifest_name_the_bulk_record_they_extend(core: Mamori) -> None:
    a = person(core, 1)
    consent(core, a)
    first = core.provisions.provide(
        recipient="ad_partner", items=["name"], purpose="sales", basis="consent",
        actor=OFFICER, subjects=[a], passphrase=PASSPHRASE, contract_ref="DPA-9",
    )  # fmt: skip
    second = core.provisions.provide(
        recipient="ad_partner", items=["name"], purpose="sales", basis="consent",
        actor=OFFICER, subjects=[a], passphrase=PASSPHRASE, contract_ref="DPA-9",
    )  # fmt: skip
    assert first.records == second.records
    assert second.manifest is not None and second.manifest["record_id"] == first.records[0]
    exports = [e for e in core.audit.tail(4) if e.action == "export"]
    assert {e.detail["record"] for e in exports} == {first.records[0]}
