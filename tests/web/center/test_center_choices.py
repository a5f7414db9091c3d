"""Signing in by a mailed code, and consent given and withdrawn on the same page with the
notice shown recorded (method web, its hash, the Rule 17 information for a foreign third
party)."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from fastapi.testclient import TestClient
from tests.web.center.conftest import form_token, last_code, messages, sign_in

from mamori.consent import ConsentEvent
from mamori.core import Mamori


def _outbox(core: Mamori) -> Path:
    return Path(core.settings.outbox_dir)


def _notice_of(page: str, target: str) -> str:
    """The notice text the page shows for ``target``."""
    anchor = target.replace(":", "-")
    section = page[page.index(f'id="{anchor}"') :]
    found = re.search(r'<div class="notice"[^>]*>(.*?)</div>', section, re.DOTALL)
    assert found is not None
    return html.unescape(found.group(1))


def test_choices_need_a_session(client: TestClient) -> None:
    page = client.get("/center/choices", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/center/signin")


def test_sign_in_by_code_then_give_and_withdraw_in_one_click_each(
    core: Mamori, client: TestClient, hanako: str
) -> None:
    sign_in(client, _outbox(core), "Hanako@Example.jp")
    page = client.get("/center/choices")
    assert page.status_code == 200
    cookie = page.request.headers.get("cookie", "")
    assert "mamori_center=" in cookie
    for target in ("purpose:sales", "purpose:service_info", "purpose:research"):
        assert f'value="{target}"' in page.text
    shown = _notice_of(page.text, "purpose:research")
    assert "市場調査" in shown
    token = form_token(client, "/center/choices")
    digest = hashlib.sha256(shown.encode()).hexdigest()
    given = client.post(
        "/center/choices/give",
        data={"target": "purpose:research", "notice": digest, "csrf": token},
    )
    assert given.status_code == 200 and "同意を記録しました" in given.text
    [record] = core.consent.history(hanako)
    assert record.event is ConsentEvent.given and record.method.value == "web"
    assert record.notice_hash == digest and record.lang == "ja"
    assert core.consent.notice_text(digest) == shown
    assert record.channel == {"user_agent": "testclient"}  # the test client has no address
    withdrawn = client.post(
        "/center/choices/withdraw", data={"target": "purpose:research", "csrf": token}
    )
    assert withdrawn.status_code == 200 and "撤回を記録しました" in withdrawn.text
    assert core.consent.state(hanako)["purpose:research"].state is ConsentEvent.withdrawn
    assert [r.event for r in core.consent.history(hanako)] == [
        ConsentEvent.given,
        ConsentEvent.withdrawn,
    ]
    history = client.get("/center/choices").text
    assert digest[:16] in history


def test_an_htmx_choice_answers_with_the_updated_choice_only(
    core: Mamori, client: TestClient, hanako: str
) -> None:
    sign_in(client, _outbox(core), "hanako@example.jp")
    page = client.get("/center/choices").text
    token = form_token(client, "/center/choices")
    notice = hashlib.sha256(_notice_of(page, "purpose:sales").encode()).hexdigest()
    answer = client.post(
        "/center/choices/give",
        data={"target": "purpose:sales", "notice": notice, "csrf": token},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section class="choice" id="purpose-sales"')
    assert "<html" not in answer.text and "同意しています" in answer.text


def test_the_foreign_third_party_shows_and_records_the_rule17_information(
    core: Mamori, client: TestClient, hanako: str
) -> None:
    sign_in(client, _outbox(core), "hanako@example.jp")
    page = client.get("/center/choices", params={"lang": "en"}).text
    shown = _notice_of(page, "recipient:ad_partner")
    assert "The US has no comprehensive law." in shown and "Measures under contract." in shown
    token = form_token(client, "/center/choices?lang=en")
    digest = hashlib.sha256(shown.encode()).hexdigest()
    given = client.post(
        "/center/choices/give?lang=en",
        data={"target": "recipient:ad_partner", "notice": digest, "csrf": token},
    )
    assert given.status_code == 200 and "Your consent was recorded." in given.text
    [record] = core.consent.history(hanako)
    assert record.lang == "en" and record.notice_hash == digest
    assert record.rule17 == {
        "country": "US",
        "system": "The US has no comprehensive law.",
        "measures": "Measures under contract.",
    }


def test_a_notice_that_changed_since_it_was_shown_is_refused(
    core: Mamori, client: TestClient, hanako: str
) -> None:
    sign_in(client, _outbox(core), "hanako@example.jp")
    token = form_token(client, "/center/choices")
    stale = client.post(
        "/center/choices/give",
        data={"target": "purpose:research", "notice": "0" * 64, "csrf": token},
    )
    assert stale.status_code == 409 and "表示内容が更新されました" in stale.text
    assert core.consent.history(hanako) == []


def test_forms_without_the_right_token_or_from_another_site_are_refused(
    core: Mamori, client: TestClient, hanako: str
) -> None:
    sign_in(client, _outbox(core), "hanako@example.jp")
    wrong = client.post(
        "/center/choices/withdraw", data={"target": "purpose:sales", "csrf": "forged"}
    )
    assert wrong.status_code == 403 and "<html" in wrong.text
    token = form_token(client, "/center/choices")
    foreign = client.post(
        "/center/choices/withdraw",
        data={"target": "purpose:sales", "csrf": token},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert core.consent.history(hanako) == []


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    core: Mamori, client: TestClient, hanako: str
) -> None:
    token = form_token(client, "/center/signin")
    answer = client.post("/center/signin", data={"email": "nobody@example.jp", "csrf": token})
    assert answer.status_code == 200 and "確認コード" in answer.text
    assert messages(Path(core.settings.outbox_dir)) == []
    wrong = client.post("/center/signin/code", data={"code": "123456", "csrf": token})
    assert wrong.status_code == 401 and "コードが正しくない" in wrong.text
    assert client.get("/center/choices", follow_redirects=False).status_code == 303


def test_a_code_opens_one_session_and_five_wrong_tries_spend_it(
    core: Mamori, client: TestClient, hanako: str
) -> None:
    outbox = _outbox(core)
    token = form_token(client, "/center/signin")
    client.post("/center/signin", data={"email": "hanako@example.jp", "csrf": token})
    code = last_code(outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        refused = client.post("/center/signin/code", data={"code": wrong, "csrf": token})
        assert refused.status_code == 401
    spent = client.post("/center/signin/code", data={"code": code, "csrf": token})
    assert spent.status_code == 401
    assert client.get("/center/choices", follow_redirects=False).status_code == 303


def test_a_bad_address_is_named(client: TestClient) -> None:
    token = form_token(client, "/center/signin")
    answer = client.post("/center/signin", data={"email": "not an address", "csrf": token})
    assert answer.status_code == 400 and "メールアドレスの形式" in answer.text
