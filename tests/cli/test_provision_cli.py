"""``mamori provide``, ``receive``, ``records ...`` and ``open-package`` on a real SQLite
store."""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pyrage  # type: ignore[import-untyped]
import pytest
import typer
from typer.testing import CliRunner

from mamori.cli import app

NOTICE = "広告パートナー株式会社（米国）にお名前とメールアドレスを提供することに同意します。\n"
PASSPHRASE = "correct horse battery staple"
PARTNER = """  ad_partner:
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


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`mamori init` with the example policy and a third party `ad_partner`, published,
    and ten subjects imported."""
    root = tmp_path_factory.mktemp("provision")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MAMORI_DATABASE_URL", raising=False)
        mp.delenv("MAMORI_CONFIG", raising=False)
        mp.chdir(root)
        assert run("init", "site", "--example", "meta-all-stars")[0] == 0
        site = root / "site"
        mp.chdir(site)
        policy = (site / "policy.yaml").read_text(encoding="utf-8")
        policy = policy.replace(
            "    marketing: true\n", "    marketing: true\n    provision: true\n"
        )
        policy = policy.replace("\nrecipients:\n", "\nrecipients:\n" + PARTNER, 1)
        (site / "policy.yaml").write_text(policy, encoding="utf-8")
        code, _, err = run("policy", "publish", "--effective", "2022-03-22")
        assert code == 0, err
        rows = "".join(f"利用者 {n},user{n}@example.jp\n" for n in range(10))
        (site / "people.csv").write_text("name,email\n" + rows, encoding="utf-8")
        code, _, err = run(
            "subjects", "import", "people.csv", "--purpose", "account_admin", "--as", "officer"
        )
        assert code == 0, err
        (site / "notice.txt").write_text(NOTICE, encoding="utf-8")
        yield site


def subject(n: int) -> str:
    code, out, _ = run("subjects", "find", "--email", f"user{n}@example.jp", "--json")
    assert code == 0
    [sid] = json.loads(out)["subjects"]
    return str(sid)


def consent(sid: str) -> None:
    code, _, err = run(
        "consent", "give", sid, "recipient:ad_partner", "--notice-file", "notice.txt",
        "--rule17-from-policy",
    )  # fmt: skip
    assert code == 0, err


def subjects_file(path: Path, *sids: str) -> Path:
    path.write_text("# who\n\n" + "".join(f"{s}\n" for s in sids) + "\n", encoding="utf-8")
    return path


def provide(*args: str) -> tuple[int, dict[str, object], str]:
    code, out, err = run(
        "provide", "--recipient", "ad_partner", "--items", "name,email", "--purpose", "sales",
        "--basis", "consent", *args, "--json",
    )  # fmt: skip
    return code, (json.loads(out) if out.strip() else {}), err


def test_provide_by_consent_seals_a_package_open_package_opens(
    project: Path, tmp_path: Path
) -> None:
    a, b, c = subject(0), subject(1), subject(2)
    consent(a)
    consent(b)
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "key.txt"
    key_file.write_text(str(identity) + "\n", encoding="utf-8")
    package = tmp_path / "out" / "ad.zip.age"
    code, result, err = provide(
        "--subjects", str(subjects_file(tmp_path / "ids.txt", a, b, c)),
        "--to-key", str(identity.to_public()), "-o", str(package),
    )  # fmt: skip
    assert code == 0, err
    assert result["provided"] == 2
    assert result["excluded"] == {c: ["consent_missing"]}
    records = result["records"]
    assert isinstance(records, list)
    [record_id] = records
    assert result["package"] == str(package)
    assert stat.S_IMODE(package.stat().st_mode) == 0o600
    assert result["sha256"] == hashlib.sha256(package.read_bytes()).hexdigest()

    code, out, err = run("open-package", str(package), "--identity", str(key_file))
    assert code == 0, err
    assert "data.jsonl" in out and "manifest.json" in out and "ad_partner" in out
    folder = tmp_path / "opened"
    code, _, err = run("open-package", str(package), "--identity", str(key_file), "-o", str(folder))
    assert code == 0, err
    rows = [json.loads(ln) for ln in (folder / "data.jsonl").read_text("utf-8").splitlines()]
    assert sorted(r["id"] for r in rows) == sorted([a, b])
    assert {r["email"] for r in rows} == {"user0@example.jp", "user1@example.jp"}
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["record_id"] == record_id and manifest["row_count"] == 2
    assert stat.S_IMODE((folder / "data.csv").stat().st_mode) == 0o600
    before = (folder / "data.jsonl").read_bytes()
    code, _, err = run("open-package", str(package), "--identity", str(key_file), "-o", str(folder))
    assert code == 2 and "exists" in err
    assert (folder / "data.jsonl").read_bytes() == before

    code, out, _ = run("records", "list", "--kind", "art29", "--json")
    assert code == 0
    listed = {r["id"]: r for r in json.loads(out)}
    assert listed[record_id]["party"] == "ad_partner" and listed[record_id]["subjects"] == 2
    code, out, _ = run("records", "list", "--kind", "art29")
    assert code == 0 and record_id in out and "art29" in out
    code, out, _ = run("records", "list", "--subject", c, "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run("records", "show", record_id, "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["kind"] == "art29" and shown["consent_confirmed"] is True
    assert shown["subject_ids"] == sorted([a, b])
    code, out, _ = run("records", "show", record_id)
    assert code == 0 and a in out and b in out and "広告パートナー株式会社" in out


def test_the_excluded_are_listed_for_people_and_nobody_provided_exits_1(
    project: Path, tmp_path: Path
) -> None:
    a, nobody = subject(3), subject(4)
    consent(a)
    identity = pyrage.x25519.Identity.generate()
    package = tmp_path / "p.zip.age"
    code, out, err = run(
        "provide", "--recipient", "ad_partner", "--items", "name", "--purpose", "sales",
        "--basis", "consent", "--subjects", str(subjects_file(tmp_path / "ids", a, nobody)),
        "--to-key", str(identity.to_public()), "-o", str(package),
    )  # fmt: skip
    assert code == 0, err
    assert "provided 1 subject" in out and "consent_missing" in out and nobody in out
    assert "sha256" in out and package.exists()

    empty = tmp_path / "none.zip.age"
    code, result, err = provide(
        "--subjects", str(subjects_file(tmp_path / "only", nobody)),
        "--to-key", str(identity.to_public()), "-o", str(empty),
    )  # fmt: skip
    assert code == 1
    assert result["provided"] == 0 and result["excluded"] == {nobody: ["consent_missing"]}
    assert result["package"] is None and not empty.exists()


def test_all_consented_and_a_passphrase_from_the_environment(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = subject(5)
    consent(a)
    monkeypatch.setenv("PROVIDE_PASSPHRASE", PASSPHRASE)
    package = tmp_path / "p.zip.age"
    code, result, err = provide(
        "--all-consented", "--passphrase-env", "PROVIDE_PASSPHRASE", "--pseudonymise",
        "-o", str(package),
    )  # fmt: skip
    assert code == 0, err
    assert isinstance(result["provided"], int) and result["provided"] >= 1
    code, out, err = run(
        "open-package", str(package), "--passphrase-env", "PROVIDE_PASSPHRASE", "--json"
    )
    assert code == 0, err
    opened = json.loads(out)
    assert opened["manifest"]["pseudonymised"] is True
    assert opened["manifest"]["row_count"] == result["provided"]
    assert {f["name"] for f in opened["files"]} >= {"data.jsonl", "data.csv", "manifest.json"}

    monkeypatch.delenv("PROVIDE_PASSPHRASE")
    code, _, err = run("open-package", str(package), "--passphrase-env", "PROVIDE_PASSPHRASE")
    assert code == 2 and "PROVIDE_PASSPHRASE" in err
    monkeypatch.setenv("PROVIDE_PASSPHRASE", "wrong passphrase, long enough")
    code, _, err = run("open-package", str(package), "--passphrase-env", "PROVIDE_PASSPHRASE")
    assert code == 2 and "cannot be decrypted" in err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"--basis": "opt_out"}, "PPC"),
        ({"--basis": "legal"}, "legal_ground: legal_ground_required"),
        ({"--items": "phone"}, "items: item_not_declared_for_recipient"),
        ({"--as": "nobody"}, "as: role_unknown"),
        ({"--all-consented": None}, "subjects: give_subjects_or_all_consented"),
        ({"--to-key": "age1nope"}, "age X25519 public key"),
        ({"--to-key": None, "--passphrase-env": "PROVIDE_SHORT"}, "passphrase is too short"),
        ({"--to-key": None, "--passphrase-env": "PROVIDE_UNSET"}, "PROVIDE_UNSET"),
    ],
)
def test_bad_provision_exits_2_and_writes_nothing(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, str | None],
    expected: str,
) -> None:
    monkeypatch.setenv("PROVIDE_SHORT", "short")
    monkeypatch.delenv("PROVIDE_UNSET", raising=False)
    a = subject(6)
    consent(a)
    code, out, _ = run("records", "list", "--json")
    before = json.loads(out)
    options: dict[str, str | None] = {
        "--recipient": "ad_partner", "--items": "name,email", "--purpose": "sales",
        "--basis": "consent", "--subjects": str(subjects_file(tmp_path / "ids", a)),
        "--to-key": str(pyrage.x25519.Identity.generate().to_public()),
    }  # fmt: skip
    options.update(change)
    flags: list[str] = []
    for flag, value in options.items():
        if value is not None or flag == "--all-consented":
            flags += [flag] if value is None else [flag, value]
    package = tmp_path / "p.zip.age"
    code, _, err = run("provide", *flags, "-o", str(package))
    assert code == 2, err
    assert expected in err
    assert not package.exists()
    code, out, _ = run("records", "list", "--json")
    assert json.loads(out) == before


def test_receive_writes_an_art30_record(project: Path, tmp_path: Path) -> None:
    a, b = subject(7), subject(8)
    code, out, err = run(
        "receive", "--provider-name", "提供元株式会社", "--provider-address", "東京都(架空)",
        "--provider-representative", "代表取締役 例示", "--how-acquired", "本人からの直接取得",
        "--items", "name,email", "--subjects", str(subjects_file(tmp_path / "ids", a, b)),
        "--json",
    )  # fmt: skip
    assert code == 0, err
    record = json.loads(out)
    assert record["kind"] == "art30" and record["subjects"] == 2
    assert record["how_acquired"] == "本人からの直接取得" and record["basis"] == "receipt"
    code, out, _ = run("records", "list", "--kind", "art30", "--subject", a, "--json")
    assert [r["id"] for r in json.loads(out)] == [record["id"]]
    code, out, _ = run("records", "show", record["id"], "--json")
    assert json.loads(out)["subject_ids"] == sorted([a, b])
    code, _, err = run(
        "receive", "--provider-name", " ", "--provider-address", "x",
        "--provider-representative", "y", "--how-acquired", "z", "--items", "name",
        "--subjects", str(subjects_file(tmp_path / "ids", a)),
    )  # fmt: skip
    assert code == 2 and "provider.name: required" in err


def test_records_bad_input_and_purge_with_nothing_expired(project: Path) -> None:
    code, _, err = run("records", "list", "--kind", "art99")
    assert code == 2 and "kind" in err
    code, _, err = run("records", "show", "pr_nope")
    assert code == 2 and "pr_nope" in err
    code, out, _ = run("records", "list", "--json")
    before = json.loads(out)
    code, out, _ = run("records", "purge", "--json")
    assert code == 0 and json.loads(out) == {"removed": []}
    code, out, _ = run("records", "purge")
    assert code == 0 and "removed 0 records" in out
    code, out, _ = run("records", "list", "--json")
    assert json.loads(out) == before
