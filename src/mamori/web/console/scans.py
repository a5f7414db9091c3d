"""``/console/scans``: discovery scans — the stored scans, one scan with its columns
(masked examples only, a column of My Numbers marked and linked to the alert it raised),
and a scan of a dataset of the data map compared with what the policy declares.

The database a scan connects to is the one the settings give the dataset
(``dataset_urls`` or ``MAMORI_DATASET_<ID>_URL``): the page offers the datasets, never a
field for a URL, so nobody can make the server connect elsewhere from a form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.api.permissions import may
from mamori.api.types import ID_PATTERN
from mamori.connectors import dataset_url
from mamori.core import Mamori
from mamori.discovery.scanners import DEFAULT_SAMPLE, MY_NUMBER_ALERT, ScanRecord, safe_url
from mamori.errors import ConfigError, NoPolicyInForce
from mamori.staff import Principal
from mamori.web.console.auth import Csrf, staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, redirect, render
from mamori.web.forms import PageError, api_of, check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/scans", route_class=Route, include_in_schema=False)

Reader = Annotated[Principal, staff_page(C.scans_read)]
Runner = Annotated[Principal, staff_page(C.scans_run)]
ScanId = Annotated[str, Path(pattern=ID_PATTERN)]
_DATASET = r"^[a-z][a-z0-9_]{0,62}$"
_SHOWN = 200
MY_NUMBER = "my_number"


def _datasets(core: Mamori) -> list[tuple[str, str, bool]]:
    """The data map's datasets: id, system, and whether the settings give it a URL."""
    try:
        policy = core.access().policy
    except NoPolicyInForce:
        return []
    out = []
    for dataset_id, dataset in sorted(policy.datasets.items()):
        try:
            dataset_url(core.settings, dataset_id)
            configured = True
        except ConfigError:
            configured = False
        out.append((dataset_id, dataset.system, configured))
    return out


def _shown_source(kind: str, source: str) -> str:
    """The source as a page shows it: a database URL without its password, always."""
    return safe_url(source) if kind == "db" else source


@router.get("", response_class=HTMLResponse)
def scans_page(request: Request, who: Reader) -> HTMLResponse:
    core = core_of(request)
    listed = core.scans.list(limit=_SHOWN)
    return render(
        request,
        "console/scans.html.j2",
        principal=who,
        scans=[(s, _shown_source(s.kind, s.source)) for s in listed],
        datasets=_datasets(core),
        may_run=may(who.role, who.is_officer, C.scans_run),
        default_sample=DEFAULT_SAMPLE,
    )


def _my_number_alerts(core: Mamori, record: ScanRecord) -> dict[tuple[str | None, str], str]:
    """(table, column) -> the id of the alert a column of My Numbers raised in this scan."""
    found: dict[tuple[str | None, str], str] = {}
    for alert in core.alerts.list(open_only=False, kind=MY_NUMBER_ALERT):
        detail = alert.detail
        if detail.get("scan") == record.id:
            found[(detail.get("table"), str(detail.get("column")))] = alert.id
    return found


@router.get("/{scan_id}", response_class=HTMLResponse)
def scan_page(request: Request, scan_id: ScanId, who: Reader) -> HTMLResponse:
    core = core_of(request)
    record = core.scans.get(scan_id)
    result = record.result
    alerts = _my_number_alerts(core, record)
    columns = [
        (c, c.personal and c.entity == MY_NUMBER, alerts.get((c.table, c.column[:200])))
        for c in result.columns
    ]
    return render(
        request,
        "console/scan.html.j2",
        principal=who,
        record=record,
        result=result,
        source=_shown_source(result.kind, result.source),
        columns=columns,
        comparison=result.comparison,
        may_see_alerts=may(who.role, who.is_officer, C.incidents_read),
        done=request.query_params.get("done"),
    )


@router.post("/run")
def run_scan(
    request: Request,
    who: Runner,
    csrf: Csrf,
    dataset: Annotated[str, Form(pattern=_DATASET)],
    sample: Annotated[int, Form(ge=1, le=100_000)] = DEFAULT_SAMPLE,
    compare: Annotated[str, Form(pattern=r"^(yes|no)$")] = "no",
) -> Response:
    """Scan the database the settings give ``dataset`` and, with ``compare``, compare it
    with the columns the data map declares; stored and audited like ``mamori scan db``."""
    check_form(request, csrf)
    core = api_of(request).writing()
    datasets = core.access().policy.datasets
    if dataset not in datasets:
        raise PageError(
            404,
            "dataset_not_found",
            f"データマップにデータセット「{dataset}」はありません。",
            f"The data map has no dataset '{dataset}'.",
        )
    try:
        url = dataset_url(core.settings, dataset)
    except ConfigError:
        raise PageError(
            422,
            "dataset_not_configured",
            f"データセット「{dataset}」の接続先が設定にありません（dataset_urls または "
            f"MAMORI_DATASET_{dataset.upper()}_URL）。",
            f"The settings give dataset '{dataset}' no URL (dataset_urls or "
            f"MAMORI_DATASET_{dataset.upper()}_URL).",
        ) from None
    wanted = compare == "yes"
    record = core.scans.database(
        url,
        actor=who.actor_id,
        sample=sample,
        compare_map=wanted,
        dataset=dataset if wanted else None,
    )
    return redirect(request, f"{CONSOLE}/scans/{record.id}?done=scanned")
