"""``/v1/incidents`` and ``/v1/alerts``: incidents from registration to closing — the
officer confirms the reportable categories, drafts and records the reports to the PPC,
notifies the persons affected — and the officer's alerts (acknowledge, or open an
incident from one)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from mamori.api.auth import actor_id, staff
from mamori.api.context import Core, StaffPrincipal, WritingCore
from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN, Name, Note, RecordId, ShortText, aware
from mamori.incidents import Category, Cause, Incident, IncidentState, Reporter, ReportKind
from mamori.incidents.model import NARRATIVE_FIELDS

__all__ = ["router"]

router = APIRouter(tags=["incidents"])

Id = Annotated[str, Field(pattern=ID_PATTERN)]
Lang = Literal["ja", "en"]
Texts = Annotated[
    dict[Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")], Annotated[str, Field(max_length=4000)]],
    Field(
        max_length=len(NARRATIVE_FIELDS), description=f"Report texts: {', '.join(NARRATIVE_FIELDS)}"
    ),
]


class AcknowledgeBody(BaseModel):
    incident: Id | None = None


class IncidentFields(BaseModel):
    """What an incident is registered with; the affected subjects are ``subjects`` or a
    query (``holding``, ``created_from``, ``created_until``). A time without an offset is
    in the configured time zone."""

    items: Annotated[list[Name], Field(min_length=1, max_length=64)]
    subjects: Annotated[list[Id], Field(min_length=1, max_length=100_000)] | None = None
    holding: Annotated[list[Name], Field(min_length=1, max_length=64)] | None = None
    created_from: dt.datetime | None = None
    created_until: dt.datetime | None = None
    occurred_at: dt.datetime | None = None
    estimated_count: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = None
    upper_bound: bool | None = None
    reporter: Reporter = Reporter.ppc
    client_recipient: Name | None = None
    client_name: ShortText | None = None
    client_email: Annotated[str, Field(max_length=320)] | None = None
    texts: Texts | None = None


class OpenBody(IncidentFields):
    learned_at: dt.datetime = Field(description="When it was learned of (day 1)")
    cause: Cause


class FromAlertBody(IncidentFields):
    learned_at: dt.datetime | None = Field(None, description="Default: when the alert was raised")
    cause: Cause | None = Field(None, description="Default: from the alert's kind")


class TextsBody(BaseModel):
    texts: Texts


class ClassifyBody(BaseModel):
    categories: Annotated[list[Category], Field(max_length=4)] | None = Field(
        None, description="Confirm these instead of the suggestion ([] for not reportable)"
    )
    reason: Note | None = Field(None, description="Why, when they differ from the suggestion")
    excluded_reason: Note | None = Field(
        None, description="Advanced encryption with the key safe: how (then not reportable)"
    )


class SubmittedBody(BaseModel):
    submitted_at: dt.datetime | None = Field(None, description="Default: now")


class NotifyBody(BaseModel):
    lang: Lang | None = None


class CloseBody(BaseModel):
    note: ShortText = Field("", description="A closing note (no personal data)")


def _fields(core: Core, body: IncidentFields, **times: dt.datetime | None) -> dict[str, Any]:
    zone = core.settings.zone
    given = body.model_dump(exclude_unset=True, exclude={"learned_at", "cause", *times})
    for name, moment in times.items():
        if moment is not None:
            given[name] = aware(moment, zone, name)
    return given


def _incident(core: Core, incident: Incident) -> dict[str, Any]:
    return incident.to_dict(core.today(), core.settings.zone)


@router.post("/v1/incidents", status_code=status.HTTP_201_CREATED)
def open_incident(
    core: WritingCore, body: OpenBody, who: Annotated[StaffPrincipal, staff(C.incidents_write)]
) -> dict[str, Any]:
    """Register an incident: day 1 is the day it was learned of; the categories the data
    suggests and the report deadlines come back with it."""
    fields = _fields(
        core, body, learned_at=body.learned_at, created_from=body.created_from,
        created_until=body.created_until, occurred_at=body.occurred_at,
    )  # fmt: skip
    incident = core.incidents.open(actor=actor_id(who), cause=body.cause, **fields)
    return _incident(core, incident)


@router.get("/v1/incidents")
def list_incidents(
    core: Core,
    who: Annotated[StaffPrincipal, staff(C.incidents_read)],
    state: IncidentState | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Incidents, newest first, with their report deadlines."""
    today, zone = core.today(), core.settings.zone
    found = core.incidents.list(state=state, open_only=open_only)
    return [i.to_dict(today, zone) for i in found]


@router.get("/v1/incidents/{record}")
def show_incident(
    core: Core, record: RecordId, who: Annotated[StaffPrincipal, staff(C.incidents_read)]
) -> dict[str, Any]:
    """One incident with its events and the notices sent to the persons affected."""
    incident = core.incidents.get(record)
    return {
        **incident.to_dict(core.today(), core.settings.zone),
        "events": core.incidents.events(record),
        "notices": core.incidents.notices(record),
    }


@router.post("/v1/incidents/{record}/texts")
def describe_incident(
    core: WritingCore,
    record: RecordId,
    body: TextsBody,
    who: Annotated[StaffPrincipal, staff(C.incidents_write)],
) -> dict[str, Any]:
    """Add to or replace the report's free texts (kept sealed: they may name people)."""
    return _incident(core, core.incidents.describe(record, actor=actor_id(who), texts=body.texts))


@router.post("/v1/incidents/{record}/classify")
def classify_incident(
    core: WritingCore,
    record: RecordId,
    body: ClassifyBody,
    who: Annotated[StaffPrincipal, staff(C.incidents_write)],
) -> dict[str, Any]:
    """Confirm the reportable categories (PPC Rule 7): the suggestion, or a choice with a
    reason; the deadlines follow the categories confirmed."""
    incident = core.incidents.classify(
        record,
        actor=actor_id(who),
        categories=body.categories,
        reason=body.reason,
        excluded_reason=body.excluded_reason,
    )
    return _incident(core, incident)


@router.get("/v1/incidents/{record}/reports/{kind}")
def draft_report(
    core: Core,
    record: RecordId,
    kind: Annotated[ReportKind, Path(description="preliminary (速報) or final (確報)")],
    who: Annotated[StaffPrincipal, staff(C.incidents_read)],
    lang: Lang | None = None,
) -> dict[str, Any]:
    """The draft of the preliminary or final report with the items of PPC Rule 8."""
    return core.incidents.draft(record, kind, lang=lang).to_dict()


@router.post("/v1/incidents/{record}/reports/{kind}")
def record_report(
    core: WritingCore,
    record: RecordId,
    kind: Annotated[ReportKind, Path(description="preliminary (速報) or final (確報)")],
    body: SubmittedBody,
    who: Annotated[StaffPrincipal, staff(C.incidents_write)],
) -> dict[str, Any]:
    """Record that the report was submitted (to the PPC, or to the client)."""
    submitted = aware(body.submitted_at, core.settings.zone, "submitted_at")
    incident = core.incidents.record_report(
        record, kind, actor=actor_id(who), submitted_at=submitted
    )
    return _incident(core, incident)


@router.post("/v1/incidents/{record}/notify")
def notify_persons(
    core: WritingCore,
    record: RecordId,
    body: NotifyBody,
    who: Annotated[StaffPrincipal, staff(C.incidents_write)],
) -> dict[str, Any]:
    """Notify each affected person at their registered email (Art. 26(2)); a person
    already notified is not written to again."""
    return core.incidents.notify(record, actor=actor_id(who), lang=body.lang).to_dict()


@router.post("/v1/incidents/{record}/close")
def close_incident(
    core: WritingCore,
    record: RecordId,
    body: CloseBody,
    who: Annotated[StaffPrincipal, staff(C.incidents_write)],
) -> dict[str, Any]:
    """Close after the final report, or once classified as not reportable."""
    return _incident(core, core.incidents.close(record, actor=actor_id(who), note=body.note))


@router.get("/v1/alerts")
def list_alerts(
    core: Core,
    who: Annotated[StaffPrincipal, staff(C.incidents_read)],
    open_only: bool = True,
    kind: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,63}$")] = None,
) -> list[dict[str, Any]]:
    """Alerts to the officer, newest first (by default those not yet acknowledged)."""
    return [a.to_dict() for a in core.alerts.list(open_only=open_only, kind=kind)]


@router.post("/v1/alerts/{record}/acknowledge")
def acknowledge(
    core: Core,
    record: RecordId,
    body: AcknowledgeBody,
    who: Annotated[StaffPrincipal, staff(C.incidents_write)],
) -> dict[str, Any]:
    """Mark an alert as seen, linked to an incident when one is named."""
    if body.incident is not None:
        core.incidents.get(body.incident)  # 404 for an incident that does not exist
    return core.alerts.acknowledge(record, actor_id(who), incident=body.incident).to_dict()


@router.post("/v1/alerts/{record}/incident", status_code=status.HTTP_201_CREATED)
def incident_from_alert(
    core: WritingCore,
    record: RecordId,
    body: FromAlertBody,
    who: Annotated[StaffPrincipal, staff(C.incidents_write)],
) -> dict[str, Any]:
    """Open an incident from the alert and acknowledge it, linked to the incident; by
    default learned of when the alert was raised, for the subject it is about."""
    fields = _fields(
        core, body, learned_at=body.learned_at, created_from=body.created_from,
        created_until=body.created_until, occurred_at=body.occurred_at,
    )  # fmt: skip
    if body.cause is not None:
        fields["cause"] = body.cause
    return _incident(core, core.alerts.to_incident(record, actor=actor_id(who), **fields))
