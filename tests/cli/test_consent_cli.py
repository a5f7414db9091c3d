"""``mamori consent ...``, ``mamori suspend`` and ``mamori suspensions`` on a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mamori.cli import app
from mamori.consent import verify_receipt

NOTICE = "サービスの勧誘・販売のため、氏名とメールアドレスを利用します。\n"
US_PARTNER = """  us_partner:
    name: {ja: 米国提携会社, en: US partner}
    kind: third_party
    country: US
    address: {ja: 米国(架空), en: USA (fictitious)}
    representative: {ja: 代表者(例示), en: CEO (illustrative)}
    items: [name, email]
    purposes: [sales]
    rule17:
      country_system: {ja: 米国の個人情報保護制度, en: The US system for personal information}
      recipient_measures: {ja: 提携会社の講じる措置, en: The measures the partner takes}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`mamori init` with the example policy and a foreign third party, published, and six
    subjects imported."""
    root = tmp_path_factory.mktemp("consent")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MAMORI_DATABASE_URL", raising=False)
        mp.delenv("MAMORI_CONFIG", raising=False)
        mp.chdir(root)
        assert run("init", "site", "--example", "meta-all-stars")[0] == 0
        site = root / "site"
        mp.chdir(site)
        policy = (site / "policy.yaml").read_text(encoding="utf-8")
        policy = policy.replace(
            "    marketing: true\n", "    marketing: true\n    provision: true\n", 1
        )
        policy = policy.replace("\n# §5 (organisational measures)", US_PARTNER + "\n# §5", 1)
        (site / "policy.yaml").write_text(policy, encoding="utf-8")
        assert run("policy", "publish", "--effective", "2022-03-22")[0] == 0
        rows = "".join(f"利用者 {n},user{n}@example.jp\n" for n in range(6))
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


def history(sid: str) -> list[dict[str, object]]:
    code, out, _ = run("consent", "history", sid, "--json")
    assert code == 0
    events: list[dict[str, object]] = json.loads(out)
    return events


def test_give_then_withdraw(project: Path) -> None:
    sid = subject(0)
    code, out, err = run(
        "consent", "give", sid, "purpose:sales", "--notice-file", "notice.txt",
        "--items", "name,email", "--valid-days", "30", "--json",
    )  # fmt: skip
    assert code == 0, err
    given = json.loads(out)
    assert given["event"] == "given" and given["target"] == "purpose:sales"
    assert given["items"] == ["name", "email"] and given["policy_version"] == 1
    assert given["notice_hash"] and given["recorded_by"].startswith("cli:")
    code, out, _ = run("consent", "state", sid, "--json")
    [choice] = json.loads(out)
    assert choice["state"] == "given" and choice["record_id"] == given["record_id"]
    code, out, _ = run("consent", "state", sid)
    assert code == 0 and "purpose:sales" in out and "given" in out

    code, out, _ = run("consent", "withdraw", sid, "purpose:sales", "--method", "app", "--json")
    assert code == 0
    withdrawn = json.loads(out)
    assert withdrawn["event"] == "withdrawn" and withdrawn["refers_to"] == given["record_id"]
    code, out, _ = run("consent", "state", sid, "--json")
    [choice] = json.loads(out)
    assert choice["state"] == "withdrawn"
    assert [e["event"] for e in history(sid)] == ["given", "withdrawn"]
    code, out, _ = run("consent", "history", sid)
    assert code == 0 and "withdrawn" in out


def test_receipt_is_signed_and_carries_the_notice(project: Path) -> None:
    sid = subject(1)
    code, out, _ = run(
        "consent", "give", sid, "purpose:service_info", "--notice-file", "notice.txt",
        "--lang", "ja", "--valid-until", "2099-12-31T23:59:59+09:00", "--json",
    )  # fmt: skip
    assert code == 0
    record_id = json.loads(out)["record_id"]
    code, out, _ = run("consent", "receipt", record_id)
    assert code == 0
    receipt = json.loads(out)
    assert verify_receipt(receipt)
    assert receipt["record_id"] == record_id and receipt["notice"]["text"] == NOTICE
    assert receipt["valid_until"].startswith("2099-12-31T")
    assert not verify_receipt({**receipt, "subject": "s_someone_else"})
    target = project / "receipts" / "r.json"
    code, _, err = run("consent", "receipt", record_id, "--out", str(target))
    assert code == 0 and "wrote" in err
    assert json.loads(target.read_text(encoding="utf-8")) == receipt
    code, _, err = run("consent", "receipt", "cr_nope")
    assert code == 2 and "no consent record 'cr_nope'" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["purpos:sales"], "target: target_invalid"),
        (["recipient:nobody"], "target: recipient_unknown"),
        (["recipient:group_companies"], "target: consent_not_needed"),
        (["purpose:sales", "--items", "birth_date"], "items: item_not_covered"),
        (["purpose:sales", "--lang", "fr"], "lang: lang_unknown"),
        (["purpose:sales", "--method", "gpc"], "method: method_unknown"),
        (["purpose:sales", "--valid-until", "2099-01-01T00:00"], "valid_until"),
        (["purpose:sales", "--valid-until", "2001-01-01T00:00+09:00"], "valid_until: in_past"),
        (["purpose:sales", "--rule17-from-policy"], "rule17"),
    ],
)
def test_bad_consent_exits_2_names_the_field_and_writes_nothing(
    project: Path, args: list[str], expected: str
) -> None:
    sid = subject(2)
    code, out, err = run("consent", "give", sid, *args, "--notice-file", "notice.txt")
    assert code == 2 and expected in err
    assert "Traceback" not in out + err and len(err.strip().splitlines()) == 1
    assert history(sid) == []


def test_bad_notice_file_unknown_subject_and_bad_withdrawal_exit_2(project: Path) -> None:
    sid = subject(2)
    code, _, err = run("consent", "give", sid, "purpose:sales", "--notice-file", "missing.txt")
    assert code == 2 and "missing.txt" in err
    (project / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    code, _, err = run("consent", "give", sid, "purpose:sales", "--notice-file", "latin1.txt")
    assert code == 2 and "latin1.txt" in err and "UTF-8" in err
    code, _, err = run(
        "consent", "give", "s_nobody", "purpose:sales", "--notice-file", "notice.txt"
    )
    assert code == 2 and "no subject 's_nobody'" in err
    code, _, err = run("consent", "withdraw", sid, "recipient:nobody")
    assert code == 2 and "target: recipient_unknown" in err
    assert history(sid) == []


def test_pending_and_expire(project: Path) -> None:
    code, out, _ = run("consent", "pending", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run("consent", "pending")
    assert code == 0 and "nobody" in out
    code, out, _ = run("consent", "expire", "--json")
    assert code == 0 and json.loads(out) == {"expired": 0}
    code, out, _ = run("consent", "expire")
    assert code == 0 and "0 consents expired" in out


def audit_tail(n: int) -> list[dict[str, object]]:
    code, out, _ = run("audit", "tail", "-n", str(n), "--json")
    assert code == 0
    entries: list[dict[str, object]] = json.loads(out)
    return entries


def test_suspend_denies_use_in_scope_and_lift_restores(project: Path) -> None:
    sid = subject(3)
    use = ("use", sid, "--items", "name,email", "--purpose", "inquiries", "--as", "support")
    assert run(*use)[0] == 0
    code, out, err = run(
        "suspend", sid, "--scope", "purpose:inquiries", "--reason", "rights_at_risk",
        "--note", "本人からの請求", "--request", "req-7", "--json",
    )  # fmt: skip
    assert code == 0, err
    event = json.loads(out)
    assert event["event"] == "suspended" and event["request_id"] == "req-7"
    [entry] = audit_tail(1)
    assert entry["action"] == "suspend" and entry["subject"] == sid

    code, out, _ = run(*use)
    assert code == 1 and "denied" in out and "suspended" in out
    [entry] = audit_tail(1)
    assert entry["action"] == "deny" and entry["subject"] == sid
    assert entry["detail"]["reasons"] == ["suspended"]  # type: ignore[index]
    code, out, _ = run(*use[:5], "account_admin", "--as", "support")
    assert code == 0, "another purpose is out of the scope"

    code, out, _ = run("suspensions", "--json")
    assert {"subject": sid, "scope": "purpose:inquiries"}.items() <= json.loads(out)[0].items()
    code, out, _ = run("suspensions", sid)
    assert code == 0 and "purpose:inquiries" in out
    code, _, err = run("suspend", sid, "--scope", "purpose:inquiries", "--reason", "breach")
    assert code == 1 and "already suspended" in err

    code, out, _ = run("suspend", sid, "--lift", "--scope", "purpose:inquiries", "--note", "ok")
    assert code == 0 and "lifted" in out
    assert run(*use)[0] == 0
    code, out, _ = run("suspensions", sid, "--json")
    assert json.loads(out) == []
    code, out, _ = run("suspensions", sid, "--history", "--json")
    assert [e["event"] for e in json.loads(out)] == ["suspended", "lifted"]
    code, out, _ = run("suspensions", sid, "--history")
    assert code == 0 and "lifted" in out and sid in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--scope", "purposes", "--reason", "breach"], "a scope is all, provision or purpose:ID"),
        (["--scope", "purpose:nope", "--reason", "breach"], "scope: purpose_unknown"),
        (["--scope", "all", "--reason", "because"], "reason: reason_unknown"),
    ],
)
def test_bad_suspension_exits_2_and_writes_nothing(
    project: Path, args: list[str], expected: str
) -> None:
    sid = subject(4)
    code, out, err = run("suspend", sid, *args)
    assert code == 2 and expected in err and len(err.strip().splitlines()) == 1
    code, out, _ = run("suspensions", sid, "--history", "--json")
    assert json.loads(out) == []


def test_suspension_bad_input_unknown_subject_and_flags(project: Path) -> None:
    sid = subject(4)
    code, _, err = run("suspend", "s_nobody", "--scope", "all", "--reason", "breach")
    assert code == 2 and "no subject 's_nobody'" in err
    code, _, err = run("suspend", sid, "--lift", "--scope", "all")
    assert code == 2 and "no suspension for all" in err
    assert run("suspend", sid, "--scope", "all")[0] == 2  # no --reason
    assert run("suspend", sid, "--lift", "--scope", "all", "--reason", "breach")[0] == 2
    assert run("suspensions", "--history")[0] == 2
    code, out, _ = run("suspensions", sid, "--history", "--json")
    assert json.loads(out) == []


def test_rule17_from_the_policy_for_a_foreign_third_party(project: Path) -> None:
    sid = subject(5)
    give = ("consent", "give", sid, "recipient:us_partner", "--notice-file", "notice.txt")
    code, _, err = run(*give)
    assert code == 2 and "rule17: rule17_missing" in err
    assert history(sid) == []
    code, out, err = run(*give, "--rule17-from-policy", "--lang", "en", "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["rule17"] == {
        "country": "US",
        "system": "The US system for personal information",
        "measures": "The measures the partner takes",
    }
    code, out, _ = run("consent", "receipt", record["record_id"])
    receipt = json.loads(out)
    assert verify_receipt(receipt) and receipt["rule17"] == record["rule17"]
    assert receipt["target"]["label"] == {"ja": "米国提携会社", "en": "US partner"}
