"""A person's request from the privacy center: the form, the code to the registered
address, the status with days left, the download once fulfilled, a refusal's reasons."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient
from tests.web.center.conftest import form_token, last_code, messages, sign_in

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.requests.model import RequestState


def _submit(client: TestClient, kind: str, address: str, **extra: str) -> str:
    token = form_token(client, f"/center/requests/new?kind={kind}")
    answer = client.post(
        "/center/requests",
        data={"kind": kind, "email": address, "csrf": token, **extra},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    found = re.match(r"/center/requests/(rq_[a-z0-9]+)/verify\?lang=ja$", location)
    assert found is not None, answer.headers["location"]
    return found.group(1)


def _verify(client: TestClient, outbox: Path, request_id: str) -> None:
    token = form_token(client, f"/center/requests/{request_id}/verify")
    done = client.post(
        f"/center/requests/{request_id}/verify",
        data={"code": last_code(outbox), "csrf": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"/center/requests/{request_id}"
    )
    cookie = done.headers["set-cookie"]
    assert "mamori_center=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Path=/center" in cookie


def test_a_disclosure_from_form_to_download(
    core: Mamori, client: TestClient, hanako: str, clock: FixedClock
) -> None:
    outbox = Path(core.settings.outbox_dir)
    kinds = client.get("/center/requests/new").text
    for kind in ("disclosure", "correction", "erasure", "stop_provision"):
        assert f"kind={kind}" in kinds
    request_id = _submit(client, "disclosure", "hanako@example.jp", method="electronic")
    assert core.requests.get(request_id).state is RequestState.verifying
    assert len(messages(outbox)) == 1
    status_before = client.get(f"/center/requests/{request_id}", follow_redirects=False)
    assert status_before.status_code == 401
    _verify(client, outbox, request_id)
    page = client.get(f"/center/requests/{request_id}")
    assert page.status_code == 200
    assert "ご本人確認済み" in page.text and "あと14日" in page.text
    assert "ダウンロード" not in page.text
    clock.advance(dt.timedelta(minutes=10))
    core.fulfil(request_id, actor="test:officer", now=True)
    page = client.get(f"/center/requests/{request_id}")
    assert "完了" in page.text and 'id="download"' in page.text
    package = client.get(f"/center/requests/{request_id}/download")
    assert package.status_code == 200
    assert package.headers["content-type"] == "application/zip"
    assert "attachment" in package.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        assert archive.namelist()
    assert any(e.actor == "person" and e.subject == hanako for e in core.audit.tail(3))
    clock.advance(dt.timedelta(minutes=21))  # the session is short (30 minutes)
    assert client.get(f"/center/requests/{request_id}").status_code == 401


def test_the_session_opens_the_persons_own_requests_only(
    core: Mamori, client: TestClient, hanako: str, taro: str
) -> None:
    outbox = Path(core.settings.outbox_dir)
    mine = _submit(client, "purpose_notice", "hanako@example.jp")
    theirs = core.requests.submit("disclosure", actor="test", subject=taro).request.id
    _verify(client, outbox, mine)
    assert client.get(f"/center/requests/{mine}").status_code == 200
    refused = client.get(f"/center/requests/{theirs}")
    assert refused.status_code == 403 and "<html" in refused.text
    assert client.get(f"/center/requests/{theirs}/download").status_code == 403


def test_a_refusal_shows_its_reason(core: Mamori, client: TestClient, hanako: str) -> None:
    outbox = Path(core.settings.outbox_dir)
    request_id = _submit(client, "erasure", "hanako@example.jp", reason="もう使っていません")
    _verify(client, outbox, request_id)
    core.requests.reject(
        request_id, code="other_law", reason="法令により保存が義務付けられています。", actor="t"
    )
    page = client.get(f"/center/requests/{request_id}", params={"lang": "ja"}).text
    assert "お応えできなかった理由" in page and "法令により保存が義務付けられています。" in page
    assert "other_law" in page


def test_an_unregistered_address_gets_the_same_answer_and_no_code(
    core: Mamori, client: TestClient, hanako: str
) -> None:
    request_id = _submit(client, "disclosure", "someone@example.jp")
    assert messages(Path(core.settings.outbox_dir)) == []
    page = client.get(f"/center/requests/{request_id}/verify").text
    assert "6桁の確認コード" in page
    token = form_token(client, f"/center/requests/{request_id}/verify")
    wrong = client.post(
        f"/center/requests/{request_id}/verify", data={"code": "000000", "csrf": token}
    )
    assert wrong.status_code == 401 and "コードが正しくない" in wrong.text


def test_a_signed_in_person_follows_and_withdraws_their_request(
    core: Mamori, client: TestClient, hanako: str
) -> None:
    outbox = Path(core.settings.outbox_dir)
    request_id = _submit(client, "suspension", "hanako@example.jp", scope="purpose:sales")
    assert core.requests.details(core.requests.get(request_id))["scope"] == "purpose:sales"
    sign_in(client, outbox, "hanako@example.jp")
    listed = client.get("/center/choices").text
    assert request_id in listed
    token = form_token(client, f"/center/requests/{request_id}")
    client.post(f"/center/requests/{request_id}/withdraw", data={"csrf": token})
    assert core.requests.get(request_id).state is RequestState.withdrawn


def test_a_request_without_the_form_token_writes_nothing(
    core: Mamori, client: TestClient, hanako: str
) -> None:
    form_token(client, "/center/requests/new?kind=disclosure")
    refused = client.post(
        "/center/requests",
        data={"kind": "disclosure", "email": "hanako@example.jp", "csrf": "nope"},
    )
    assert refused.status_code == 403
    assert core.requests.query() == []
    missing = client.post("/center/requests", data={"kind": "disclosure"})
    assert missing.status_code == 403


def test_a_kind_not_offered_is_refused(client: TestClient) -> None:
    page = client.get("/center/requests/new", params={"kind": "unknown"})
    assert page.status_code == 400 and "<html" in page.text
