"""``/v1/scans``: discovery scans — the stored scans, a scan of a text given in the request,
and a scan of a dataset of the data map compared with what the policy declares.

A dataset scan connects only to the URL the settings give that dataset (``dataset_urls``
or ``MAMORI_DATASET_<ID>_URL``), never to a URL from the request: a token must not make
the server connect anywhere. Every scan is stored (masked examples only) and audited like
``mamori scan``; no response carries a value found, only its masked form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from mamori.api.auth import actor_id, staff
from mamori.api.context import Core, StaffPrincipal, WritingCore
from mamori.api.errors import DatasetNotConfigured
from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN, LongText, ShortText
from mamori.connectors import dataset_url
from mamori.discovery import Finding, mask, scan_text
from mamori.discovery.scanners import DEFAULT_SAMPLE, MIN_SCORE
from mamori.discovery.scanners.tally import NO_EXAMPLES
from mamori.errors import ConfigError, NotFound

__all__ = ["router"]

router = APIRouter(prefix="/v1/scans", tags=["scans"])

DatasetId = Annotated[
    str, Path(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="A dataset of the data map")
]


class TextBody(BaseModel):
    text: Annotated[LongText, Field(min_length=1, description="The text to scan")]
    context: Annotated[list[ShortText], Field(max_length=20)] = Field(
        default_factory=list,
        description="Words describing the text (e.g. a column name: 電話番号, phone)",
    )


class DatasetBody(BaseModel):
    sample: Annotated[int, Field(ge=1, le=100_000)] = Field(
        DEFAULT_SAMPLE, description="Values read at most per column (never whole tables)"
    )
    compare: bool = Field(True, description="Compare with the dataset's declared columns")


def _finding(text: str, found: Finding) -> dict[str, Any]:
    masked = None if found.entity in NO_EXAMPLES else mask(text[found.start : found.end])
    return {
        "entity": found.entity,
        "start": found.start,
        "end": found.end,
        "score": round(found.score, 4),
        "recognizer": found.recognizer,
        "masked": masked,
    }


@router.get("")
def list_scans(
    core: Core,
    who: Annotated[StaffPrincipal, staff(C.scans_read)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[dict[str, Any]]:
    """The stored scans, newest first."""
    return [s.to_dict() for s in core.scans.list(limit=limit)]


@router.get("/{scan_id}")
def show_scan(
    core: Core,
    scan_id: Annotated[str, Path(pattern=ID_PATTERN, description="A scan id (sc_...)")],
    who: Annotated[StaffPrincipal, staff(C.scans_read)],
) -> dict[str, Any]:
    """One stored scan with its columns (masked examples only) and the comparison."""
    return core.scans.get(scan_id).to_dict()


@router.post("/text")
def scan_a_text(
    core: WritingCore, body: TextBody, who: Annotated[StaffPrincipal, staff(C.scans_read)]
) -> dict[str, Any]:
    """Find personal data in a text: each finding with its offsets into the text, its
    score and recognizer, and the value masked (My Numbers not even masked). The scan is
    stored and audited like ``mamori scan text``; the text itself is not kept."""
    found = [f for f in scan_text(body.text, context=body.context) if f.score >= MIN_SCORE]
    record = core.scans.text(body.text, actor=actor_id(who))
    return {
        "scan": record.id,
        "findings": [_finding(body.text, f) for f in found],
        "entities": [c.to_dict() for c in record.result.columns],
    }


@router.post("/datasets/{dataset}", status_code=status.HTTP_201_CREATED)
def scan_a_dataset(
    core: WritingCore,
    dataset: DatasetId,
    body: DatasetBody,
    who: Annotated[StaffPrincipal, staff(C.scans_run)],
) -> dict[str, Any]:
    """Scan the database of a dataset of the data map (its URL from the settings), column
    by column from a sample, and compare it with the columns the policy declares. Stored
    and audited like ``mamori scan db``; a column of My Numbers alerts the officer."""
    datasets = core.access().policy.datasets
    if dataset not in datasets:
        known = ", ".join(sorted(datasets)) or "none"
        raise NotFound(f"the policy in force maps no dataset '{dataset}' (datasets: {known})")
    try:
        url = dataset_url(core.settings, dataset)
    except ConfigError as exc:
        raise DatasetNotConfigured(exc.message) from None
    record = core.scans.database(
        url,
        actor=actor_id(who),
        sample=body.sample,
        compare_map=body.compare,
        dataset=dataset if body.compare else None,
    )
    return record.to_dict()
