"""Requests of the person, in the policy's words (§7): received, verified by a code sent
only to the registered contact, tracked to the target date, fulfilled, refused with a
reason."""

from __future__ import annotations

import datetime as dt
import email.policy
import io
import json
import re
import zipfile
from collections.abc import Iterator
from email.parser import BytesParser
from pathlib import Path

import pytest

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import Conflict, SubjectNotFound
from mamori.jobs import Worker
from mamori.requests import CODE_ATTEMPTS, RequestRefused, RequestState
from mamori.settings import Settings

OFFICER = Actor("officer-1", "officer")
SUPPORT = Actor("staff-1", "support")
HANAKO = {
    "name": "山田 花子",
    "email": "hanako@example.jp",
    "phone": "090-1234-5678",
    "birth_date": "1985-01-02",
}


@pytest.fixture
def core(
    database_url: str, example_path: Path, clock: FixedClock, tmp_path: Path
) -> Iterator[Mamori]:
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


@pytest.fixture
def hanako(core: Mamori) -> str:
    return core.vault.collect(None, HANAKO, "account_admin", OFFICER, "signup").subject


def outbox(tmp_path: Path) -> list[email.message.EmailMessage]:
    parser = BytesParser(policy=email.policy.default)
    return [
        parser.parsebytes(p.read_bytes())  # type: ignore[misc]
        for p in sorted((tmp_path / "outbox").glob("*.eml"))
    ]


def code_from(message: email.message.EmailMessage) -> str:
    body = message.get_body()
    assert body is not None
    found = re.search(r"\b(\d{6})\b", body.get_content())
    assert found is not None
    return found.group(1)


def test_a_code_goes_only_to_the_registered_address_and_verifies_the_request(
    core: Mamori, hanako: str, tmp_path: Path
) -> None:
    submitted = core.requests.submit(
        "disclosure", actor="web", contact=("email", " HANAKO@example.jp ")
    )
    request = submitted.request
    assert request.subject == hanako and request.state is RequestState.received
    assert request.due_on == dt.date(2026, 12, 9)  # 14 days from receipt (policy)
    assert request.fee == 1000  # the policy's fee for a disclosure (Art. 38)
    core.requests.send_code(request.id, actor="web")
    [message] = outbox(tmp_path)
    assert str(message["To"]) == "hanako@example.jp"
    assert not core.requests.verify_code(
        request.id, "000000" if code_from(message) != "000000" else "111111", actor="web"
    )
    assert core.requests.verify_code(request.id, code_from(message), actor="web")
    assert core.requests.get(request.id).state is RequestState.verified


def test_a_person_comes_back_to_a_fulfilled_request_with_a_new_code(
    core: Mamori, hanako: str, tmp_path: Path
) -> None:
    request = core.requests.submit(
        "disclosure", actor="web", contact=("email", "hanako@example.jp")
    )
    rid = request.request.id
    core.requests.send_code(rid, actor="web")
    assert core.requests.verify_code(rid, code_from(outbox(tmp_path)[-1]), actor="web")
    core.fulfil(rid, actor="officer", now=True)
    done = core.requests.get(rid)
    assert done.state is RequestState.completed
    events = len(core.requests.events(rid))

    core.requests.send_code(rid, actor="web")  # days later: back to fetch the result
    code = code_from(outbox(tmp_path)[-1])
    wrong = "000000" if code != "000000" else "111111"
    assert not core.requests.verify_code(rid, wrong, actor="web")
    assert core.requests.verify_code(rid, code, actor="web")
    assert not core.requests.verify_code(rid, code, actor="web")  # used once
    after = core.requests.get(rid)
    assert after.state is RequestState.completed and after.verification == done.verification
    assert len(core.requests.events(rid)) == events  # nothing about the request changed


def test_a_withdrawn_request_sends_no_code(core: Mamori, hanako: str, tmp_path: Path) -> None:
    request = core.requests.submit(
        "disclosure", actor="web", contact=("email", "hanako@example.jp")
    )
    core.requests.withdraw(request.request.id, actor="web")
    with pytest.raises(Conflict):
        core.requests.send_code(request.request.id, actor="web")


def test_an_unknown_address_gets_the_same_answer_and_no_code(
    core: Mamori, hanako: str, tmp_path: Path
) -> None:
    request = core.requests.submit("disclosure", actor="web", contact=("email", "x@example.jp"))
    core.requests.send_code(request.request.id, actor="web")
    assert request.request.subject is None
    assert outbox(tmp_path) == []
    assert core.requests.get(request.request.id).state is RequestState.verifying
    assert not core.requests.verify_code(request.request.id, "123456", actor="web")


def test_codes_expire_after_15_minutes_and_allow_5_attempts(
    core: Mamori, hanako: str, tmp_path: Path, clock: FixedClock
) -> None:
    first = core.requests.submit("erasure", actor="web", contact=("email", "hanako@example.jp"))
    rid = first.request.id
    core.requests.send_code(rid, actor="web")
    code = code_from(outbox(tmp_path)[0])
    clock.advance(dt.timedelta(minutes=15))
    assert not core.requests.verify_code(rid, code, actor="web")
    core.requests.send_code(rid, actor="web")
    code = code_from(outbox(tmp_path)[-1])
    wrong = "000000" if code != "000000" else "999999"
    for _ in range(CODE_ATTEMPTS):
        assert not core.requests.verify_code(rid, wrong, actor="web")
    assert not core.requests.verify_code(rid, code, actor="web")  # used up: staff must verify
    verified = core.requests.verify_by_staff(
        rid,
        actor="officer-1",
        checked=["運転免許証（提示のみ、写しは保存せず）"],
        method="in_person",
    )
    assert verified.state is RequestState.verified
    assert verified.verification == {
        "method": "in_person",
        "checked": ["運転免許証（提示のみ、写しは保存せず）"],
        "by": "officer-1",
    }


def test_duplicates_and_idempotent_submission(core: Mamori, hanako: str) -> None:
    one = core.requests.submit("disclosure", actor="web", subject=hanako, idempotency_key="k1")
    again = core.requests.submit("disclosure", actor="web", subject=hanako, idempotency_key="k1")
    same_kind = core.requests.submit("disclosure", actor="web", subject=hanako)
    other = core.requests.submit("erasure", actor="web", subject=hanako)
    assert not one.duplicate and again.duplicate and same_kind.duplicate
    assert again.request.id == one.request.id == same_kind.request.id
    assert not other.duplicate and other.request.id != one.request.id


def test_bad_requests_are_refused_naming_the_field(core: Mamori, hanako: str) -> None:
    with pytest.raises(RequestRefused) as bad:
        core.requests.submit(
            "correction", actor="web", subject=hanako, details={"values": {"shoe": "x"}}
        )
    assert bad.value.problems == {"details.values.shoe": "item_unknown"}
    with pytest.raises(RequestRefused) as kind:
        core.requests.submit("deletion", actor="web", subject=hanako)
    assert kind.value.problems == {"kind": "kind_unknown"}
    with pytest.raises(RequestRefused) as method:
        core.requests.submit("disclosure", actor="web", subject=hanako, details={"method": "fax"})
    assert method.value.problems == {"details.method": "method_not_offered"}
    assert core.requests.query(subject=hanako) == []


def test_rejection_needs_a_reason_shown_to_the_person(core: Mamori, hanako: str) -> None:
    rid = core.requests.submit("disclosure", actor="web", subject=hanako).request.id
    with pytest.raises(RequestRefused) as missing:
        core.requests.reject(rid, code="other_law", reason="  ", actor="officer-1")
    assert missing.value.problems == {"reason": "reason_required"}
    done = core.requests.reject(
        rid,
        code="business_hindrance",
        reason="業務の適正な実施に著しい支障を及ぼすため",
        actor="officer-1",
    )
    assert done.state is RequestState.rejected and done.reject_code == "business_hindrance"
    assert done.closed_at is not None
    with pytest.raises(Conflict):
        core.requests.withdraw(rid, actor="web")
    assert [e.to_state for e in core.requests.events(rid)] == [
        RequestState.received,
        RequestState.rejected,
    ]
    assert [e.action for e in core.audit.tail(2)] == ["request", "request"]


def test_overdue_and_due_soon_lists_with_days_left(
    core: Mamori, hanako: str, clock: FixedClock
) -> None:
    old = core.requests.submit("disclosure", actor="web", subject=hanako).request
    clock.advance(dt.timedelta(days=10))
    new = core.requests.submit("erasure", actor="web", subject=hanako).request
    clock.advance(dt.timedelta(days=5))
    today = core.today()
    assert old.days_left(today) == -1 and new.days_left(today) == 9
    assert [r.id for r in core.requests.query(overdue=True)] == [old.id]
    assert [r.id for r in core.requests.query(due_within=10)] == [old.id, new.id]
    assert core.requests.query(due_within=3) == [core.requests.get(old.id)]


def test_disclosure_package_downloaded_once_verified_and_audited(
    core: Mamori, hanako: str, tmp_path: Path
) -> None:
    core.consent.give(hanako, "purpose:sales", notice="お知らせ", actor=hanako)
    rid = core.requests.submit("disclosure", actor="web", subject=hanako).request.id
    core.requests.verify_by_staff(rid, actor="officer-1", checked=["マイナンバーカード（提示）"])
    with pytest.raises(Conflict):
        core.requests.download(rid, actor=hanako)
    done = core.fulfil(rid, actor="officer-1", now=True)
    assert done.state is RequestState.completed  # type: ignore[union-attr]
    body = core.requests.download(rid, actor=hanako)
    archive = zipfile.ZipFile(io.BytesIO(body))
    names = set(archive.namelist())
    assert {"data.json", "vault.csv", "index.html", "manifest.json"} <= names
    data = json.loads(archive.read("data.json"))
    assert data["vault"]["email"] == "hanako@example.jp"
    assert data["vault"]["phone"] == "+819012345678"
    assert [c["event"] for c in data["consents"]] == ["given"]
    manifest = json.loads(archive.read("manifest.json"))
    import hashlib

    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    html = archive.read("index.html").decode()
    assert "保有個人データの開示" in html and "Disclosure of your personal data" in html
    assert core.audit.tail(1)[0].action == "download"
    assert any(m["Subject"] and "対応結果" in str(m["Subject"]) for m in outbox(tmp_path))


def test_erasure_by_request_shreds_the_subject(core: Mamori, hanako: str) -> None:
    rid = core.requests.submit("erasure", actor="web", subject=hanako).request.id
    core.requests.verify_by_staff(rid, actor="officer-1", checked=["本人確認書類"])
    job = core.fulfil(rid, actor="officer-1")
    assert Worker(core).run_once() is not None
    assert core.jobs.get(job.id).state == "done"  # type: ignore[union-attr]
    request = core.requests.get(rid)
    assert request.state is RequestState.completed
    assert request.result == {"systems": {"vault": "done"}}
    with pytest.raises(SubjectNotFound):
        core.vault.for_request(hanako, None, rid, OFFICER)


def test_correction_and_suspension_by_request(core: Mamori, hanako: str, tmp_path: Path) -> None:
    fix = core.requests.submit(
        "correction", actor="web", subject=hanako, details={"values": {"phone": "080-9999-0000"}}
    ).request.id
    core.requests.verify_by_staff(fix, actor="officer-1", checked=["本人確認書類"])
    core.fulfil(fix, actor="officer-1", now=True)
    assert core.vault.use(hanako, ["phone"], "inquiries", SUPPORT).values == {
        "phone": "+818099990000"
    }
    stop = core.requests.submit(
        "suspension", actor="web", subject=hanako, details={"scope": "purpose:sales"}
    ).request.id
    core.requests.verify_by_staff(stop, actor="officer-1", checked=["本人確認書類"])
    core.fulfil(stop, actor="officer-1", now=True)
    [active] = core.suspensions.active(hanako)
    assert active.scope == "purpose:sales"
    assert core.suspensions.history(hanako)[0].request_id == stop
    assert not core.vault.use(hanako, ["name"], "sales", Actor("m", "marketing")).allowed
    bodies = [m.get_body().get_content() for m in outbox(tmp_path)]  # type: ignore[union-attr]
    assert any("phone" in b and "訂正" in b for b in bodies)
    assert not any("080" in b or "+8180" in b for b in bodies)  # item names, not values


def test_request_payloads_are_sealed_and_codes_never_stored_in_clear(
    core: Mamori, hanako: str, tmp_path: Path
) -> None:
    rid = core.requests.submit(
        "correction",
        actor="web",
        contact=("email", "hanako@example.jp"),
        details={"values": {"name": "山田 はなこ"}},
    ).request.id
    core.requests.send_code(rid, actor="web")
    code = code_from(outbox(tmp_path)[0])
    with core.store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT payload, contact_digest FROM requests").all()
        codes = conn.exec_driver_sql("SELECT code_mac FROM verification_codes").all()
        audit = [bytes(r[0]) for r in conn.exec_driver_sql("SELECT canonical FROM audit_log")]
    blob = b"".join(bytes(v) for row in rows for v in row if v is not None)
    assert "はなこ".encode() not in blob and b"hanako@example.jp" not in blob
    assert code.encode() not in b"".join(bytes(r[0]) for r in codes)
    assert not any(b"hanako@" in a or code.encode() in a for a in audit)
