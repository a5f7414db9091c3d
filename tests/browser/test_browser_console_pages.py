"""The officer walks over the console's pages for incidents, retention, discovery scans
and staff in a real browser: registers an incident and confirms its categories, makes a
retention dry run, issues an API token (its secret shown once), opens the scans page;
no page logs a console error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import PASSWORDS, Service
from tests.browser.test_browser_flow import Watch, _shot

from mamori.incidents import IncidentState


def test_the_officer_on_the_new_console_pages(
    service: Service, browser: Any, screenshots: Path
) -> None:
    core = service.core
    context = browser.new_context(locale="ja-JP")
    watch = Watch(context)
    page = context.new_page()
    page.goto(f"{service.url}/console/login")
    page.fill("#username", "boss")
    page.fill("#password", PASSWORDS["boss"])
    page.fill("#totp", service.totp_code())
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/console\?"))
    assert page.locator("#c-staff").is_visible()

    # an incident registered and classified
    page.click("nav.side >> text=漏えい等")
    page.click("#new-incident")
    page.wait_for_url(re.compile(r"/console/incidents/new"))
    page.select_option("#cause", "misdelivery")
    page.check("input[name=items][value=email]")
    page.fill("#subjects", service.person)
    page.fill("#found_by", "カスタマーサポート")
    _shot(page, screenshots, "20-console-incident-new")
    page.click("#register")
    page.wait_for_url(re.compile(r"/console/incidents/in_[a-z0-9]+\?done=registered"))
    incident_id = re.search(r"(in_[a-z0-9]+)", page.url).group(1)  # type: ignore[union-attr]
    page.locator("#classify-title").wait_for()
    _shot(page, screenshots, "21-console-incident-steps")
    page.click("button >> text=区分を確定する")
    page.locator("#done", has_text="区分を確定しました").wait_for()
    assert core.incidents.get(incident_id).state is IncidentState.classified

    # retention: the plan and a dry run
    page.click("nav.side >> text=保存期間")
    page.click("#dry-run")
    page.locator("#run-report").wait_for()
    _shot(page, screenshots, "22-console-retention")

    # a token issued, its secret shown once
    page.click("nav.side >> text=職員")
    page.select_option("#token_user", "helper")
    page.fill("#token_name", "browser test")
    page.click("#issue-token")
    secret = page.locator("#token-secret").inner_text()
    assert core.staff.authenticate(secret).username == "helper"
    _shot(page, screenshots, "23-console-staff")

    # the scans page (no dataset has a URL here)
    page.click("nav.side >> text=検出スキャン")
    page.wait_for_url(re.compile(r"/console/scans"))
    _shot(page, screenshots, "24-console-scans")

    context.close()
    assert watch.errors == []
