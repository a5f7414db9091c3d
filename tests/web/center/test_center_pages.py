"""The center's pages: purposes shown before anything is entered, Japanese first with the
English switch kept across links, inquiries with a reference, the differences between
policy versions, security headers, and rate limits answered with a page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.center.conftest import consent_policy, form_token, settings_env

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.inquiries.model import InquiryChannel
from mamori.policy.loader import parse_policy
from mamori.settings import Settings
from mamori.web import create_app

FORMS = (
    ("/center/signin", 'name="email"'),
    ("/center/requests/new?kind=disclosure", 'name="email"'),
    ("/center/requests/new?kind=correction", 'name="value_name"'),
    ("/center/inquiry", 'name="title"'),
)


@pytest.mark.parametrize(("path", "first_field"), FORMS)
def test_purposes_are_shown_before_any_field(
    client: TestClient, path: str, first_field: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    text = page.text
    assert text.index('class="purposes"') < text.index(first_field)
    assert "利用目的" in text and "サービスの勧誘・販売を行うため" in text
    english = client.get(path + ("&" if "?" in path else "?") + "lang=en").text
    assert english.index('class="purposes"') < english.index(first_field)
    assert "To promote and sell our services" in english


def test_english_is_kept_across_links_and_forms(client: TestClient) -> None:
    page = client.get("/center", params={"lang": "en"}).text
    assert '<html lang="en">' in page and "Privacy center" in page
    assert 'href="/center/choices?lang=en"' in page
    assert 'href="/center?lang=ja"' in page  # the switch back to Japanese
    form = client.get("/center/inquiry", params={"lang": "en"}).text
    assert 'action="/center/inquiry?lang=en"' in form


def test_pages_have_no_inline_script_and_strict_headers(client: TestClient) -> None:
    page = client.get("/center/inquiry")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "<script>" not in page.text and "onclick" not in page.text and "<style" not in page.text
    assert '<script src="/static/htmx.min.js" defer></script>' in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "mamori_form=" in page.headers["set-cookie"]
    assert "HttpOnly" in page.headers["set-cookie"]
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    htmx = client.get("/static/htmx.min.js")
    assert htmx.status_code == 200 and htmx.text.startswith("/*! htmx 2.")
    assert client.get("/static/center.css").status_code == 200


def test_an_inquiry_gets_a_reference(core: Mamori, client: TestClient) -> None:
    token = form_token(client, "/center/inquiry")
    answer = client.post(
        "/center/inquiry",
        data={
            "kind": "complaint",
            "title": "メールが届きすぎる",
            "body": "配信停止したのに届きます。",
            "email": "hanako@example.jp",
            "csrf": token,
        },
    )
    assert answer.status_code == 201
    assert "受付番号" in answer.text
    [ticket] = core.inquiries.list()
    assert ticket.id in answer.text and ticket.due_on.isoformat() in answer.text
    assert ticket.channel is InquiryChannel.web and ticket.has_contact
    assert core.inquiries.get(ticket.id, actor="test").body == "配信停止したのに届きます。"


def test_an_inquiry_with_a_forged_token_writes_nothing(core: Mamori, client: TestClient) -> None:
    form_token(client, "/center/inquiry")
    answer = client.post(
        "/center/inquiry",
        data={"kind": "question", "title": "t", "body": "b", "csrf": "forged"},
    )
    assert answer.status_code == 403
    assert core.inquiries.list() == []


def test_missing_fields_are_named_on_a_page(client: TestClient) -> None:
    token = form_token(client, "/center/inquiry")
    answer = client.post("/center/inquiry", data={"kind": "question", "csrf": token})
    assert answer.status_code == 400
    assert "title" in answer.text and "body" in answer.text and "<html" in answer.text


def test_the_differences_between_versions(
    core: Mamori, client: TestClient, policy_file: Path
) -> None:
    assert client.get("/policy/history/diff").status_code == 404
    changed = policy_file.read_text(encoding="utf-8").replace(
        "ja: サービスの勧誘・販売を行うため", "ja: 当社サービスの勧誘・販売を行うため", 1
    )
    core.publish(parse_policy(changed), effective=dt.date(2026, 12, 1))
    history = client.get("/policy/history").text
    assert "/policy/history/diff?from=v1&amp;to=v2" in history
    page = client.get("/policy/history/diff", params={"from": "v1", "to": "v2"})
    assert page.status_code == 200
    assert "<ins>当社</ins>" in page.text
    assert "purposes.sales" in page.text
    default = client.get("/policy/history/diff")
    assert "v1 → v2" in default.text
    assert client.get("/policy/history/diff", params={"from": "v9", "to": "v2"}).status_code == 404


def test_code_requests_are_rate_limited_with_a_page(
    database_url: str, tmp_path: Path, example_text: str, clock: FixedClock
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(consent_policy(example_text), encoding="utf-8")
    env = settings_env(
        database_url, policy, tmp_path, MAMORI_API_RATE_PER_MINUTE="1", MAMORI_API_RATE_BURST="2"
    )
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        with TestClient(create_app(core), base_url="http://testserver") as client:
            token = form_token(client, "/center/signin")
            answers = [
                client.post("/center/signin", data={"email": "a@example.jp", "csrf": token})
                for _ in range(3)
            ]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert answers[2].status_code == 429
    assert "Retry-After" in answers[2].headers and "<html" in answers[2].text
