"""The whole path in a real browser: a person reads the policy, gives and withdraws
consent, files a disclosure request, verifies it with the code from the outbox, and
downloads the package after the officer (password and authenticator code) fulfils it in
the console; support staff are refused the audit log. No page logs a console error."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from tests.browser.conftest import PASSWORDS, Service

from mamori.consent import ConsentEvent
from mamori.requests.model import RequestState

# Chromium reports an error status of a page it loads; the one refusal this test expects.
EXPECTED_403 = "the server responded with a status of 403"


class Watch:
    """Console errors and uncaught exceptions of the pages of one browser context."""

    def __init__(self, context: Any) -> None:
        self.errors: list[str] = []
        context.on("page", self._attach)

    def _attach(self, page: Any) -> None:
        page.on(
            "console",
            lambda m: self.errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))


def _shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_person_and_staff_in_a_real_browser(
    service: Service, browser: Any, screenshots: Path
) -> None:
    core = service.core
    person_context = browser.new_context(locale="ja-JP", accept_downloads=True)
    person_watch = Watch(person_context)
    page = person_context.new_page()

    # the policy and its history
    page.goto(f"{service.url}/policy")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert "サービスの勧誘・販売を行うため" in page.content()
    _shot(page, screenshots, "01-policy")
    page.click("text=English")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "To promote and sell our services" in page.content()
    _shot(page, screenshots, "02-policy-en")
    page.goto(f"{service.url}/policy/history")
    _shot(page, screenshots, "03-history")
    page.goto(f"{service.url}/public-matters")
    _shot(page, screenshots, "04-public-matters")

    # sign in with the mailed code, then give and withdraw consent in one click each
    page.goto(f"{service.url}/center/signin")
    assert page.locator("section.purposes").is_visible()
    _shot(page, screenshots, "05-signin")
    sent = service.mails()
    page.fill("#email", "hanako@example.jp")
    page.click("button[type=submit] >> text=確認コードを送る")
    page.wait_for_url(re.compile(r"/center/signin/code"))
    page.fill("#code", service.code(sent))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/center/choices"))
    _shot(page, screenshots, "06-choices")
    sales = page.locator("#purpose-sales")
    sales.locator("button", has_text="上記の内容に同意する").click()
    page.locator("#purpose-sales .state.given").wait_for()
    _shot(page, screenshots, "07-consent-given")
    page.locator("#purpose-sales button", has_text="同意を撤回する").click()
    page.locator("#purpose-sales .state.withdrawn").wait_for()
    _shot(page, screenshots, "08-consent-withdrawn")
    events = [r.event for r in core.consent.history(service.person)]
    assert events == [ConsentEvent.given, ConsentEvent.withdrawn]
    [given] = [r for r in core.consent.history(service.person) if r.notice_hash]
    assert given.method.value == "web" and core.consent.notice_text(given.notice_hash)

    # a disclosure request, verified with the code from the outbox
    page.goto(f"{service.url}/center/requests/new")
    _shot(page, screenshots, "09-request-kinds")
    page.click("text=開示の請求")
    assert page.locator("section.purposes").is_visible()
    _shot(page, screenshots, "10-request-form")
    sent = service.mails()
    page.fill("#email", "hanako@example.jp")
    page.click("button[type=submit] >> text=請求する")
    page.wait_for_url(re.compile(r"/center/requests/rq_[a-z0-9]+/verify"))
    request_id = re.search(r"(rq_[a-z0-9]+)", page.url).group(1)  # type: ignore[union-attr]
    _shot(page, screenshots, "11-request-verify")
    page.fill("#code", service.code(sent))
    page.click("button[type=submit] >> text=確認する")
    page.wait_for_url(re.compile(rf"/center/requests/{request_id}\?"))
    assert "ご本人確認済み" in page.locator("#state").inner_text()
    _shot(page, screenshots, "12-request-status")

    # the officer logs in with password and authenticator code, and fulfils it
    staff_context = browser.new_context(locale="ja-JP")
    staff_watch = Watch(staff_context)
    console = staff_context.new_page()
    console.goto(f"{service.url}/console/requests/{request_id}")
    console.wait_for_url(re.compile(r"/console/login"))
    _shot(console, screenshots, "13-console-login")
    console.fill("#username", "boss")
    console.fill("#password", PASSWORDS["boss"])
    console.fill("#totp", service.totp_code())
    console.click("main button[type=submit]")
    console.wait_for_url(re.compile(rf"/console/requests/{request_id}"))
    _shot(console, screenshots, "14-console-request")
    console.click("#fulfil")
    console.locator("#state", has_text="completed").wait_for()
    assert core.requests.get(request_id).state is RequestState.completed
    _shot(console, screenshots, "15-console-fulfilled")
    console.goto(f"{service.url}/console")
    _shot(console, screenshots, "16-console-dashboard")
    console.goto(f"{service.url}/console/audit")
    console.click("#verify")
    console.locator("#verify-result .ok").wait_for()
    _shot(console, screenshots, "17-console-audit")

    # the person downloads the package
    page.reload()
    assert "完了" in page.locator("#state").inner_text()
    with page.expect_download() as waiting:
        page.click("#download")
    saved = waiting.value.path()
    with zipfile.ZipFile(io.BytesIO(Path(saved).read_bytes())) as archive:
        assert archive.namelist()
    _shot(page, screenshots, "18-request-completed")

    # support staff may not open the audit log
    support_context = browser.new_context(locale="ja-JP")
    support_watch = Watch(support_context)
    desk = support_context.new_page()
    desk.goto(f"{service.url}/console/login")
    desk.fill("#username", "helper")
    desk.fill("#password", PASSWORDS["helper"])
    desk.click("main button[type=submit]")
    desk.wait_for_url(re.compile(r"/console\?"))
    refused = desk.goto(f"{service.url}/console/audit")
    assert refused is not None and refused.status == 403
    assert "権限がありません" in desk.content()
    _shot(desk, screenshots, "19-console-refused")

    for context in (person_context, staff_context, support_context):
        context.close()
    assert person_watch.errors == []
    assert staff_watch.errors == []
    unexpected = [e for e in support_watch.errors if EXPECTED_403 not in e]
    assert unexpected == []
