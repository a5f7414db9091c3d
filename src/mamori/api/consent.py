"""``/v1/subjects/{id}/consents`` and ``/v1/consents``: give and withdraw consent, the
current choices, the history, signed receipts, and the subjects to ask again."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from mamori.api.auth import actor_id, staff
from mamori.api.context import Core, StaffPrincipal
from mamori.api.permissions import Capability as C
from mamori.api.types import LongText, Name, RecordId, ShortText, SubjectId
from mamori.consent import CollectionMethod, Target, TargetKind, make_receipt, rule17_shown
from mamori.errors import ConsentRefused

__all__ = ["router"]

router = APIRouter(tags=["consent"])

TargetText = Annotated[
    str,
    Field(
        pattern=r"^(purpose|recipient|referable):[a-z][a-z0-9_]{0,63}$",
        description="purpose:ID, recipient:ID or referable:ID",
    ),
]


class Channel(BaseModel):
    user_agent: ShortText | None = None
    ip: Annotated[str, Field(max_length=64, pattern=r"^[0-9A-Fa-f:.]+$")] | None = None


class GiveBody(BaseModel):
    target: TargetText
    notice: Annotated[LongText, Field(min_length=1, description="The notice shown")]
    lang: Literal["ja", "en"] = "ja"
    method: CollectionMethod = CollectionMethod.api
    items: Annotated[list[Name], Field(max_length=64)] | None = Field(
        None, description="Items consented to (default: all the target covers)"
    )
    valid_until: dt.datetime | None = Field(None, description="With an offset")
    channel: Channel | None = None
    rule17_from_policy: bool = Field(
        False, description="The person was shown the Rule 17 information of the recipient"
    )


class WithdrawBody(BaseModel):
    target: TargetText
    method: CollectionMethod = CollectionMethod.api
    channel: Channel | None = None


def _channel(channel: Channel | None) -> dict[str, str] | None:
    if channel is None:
        return None
    return {k: v for k, v in channel.model_dump().items() if v is not None}


@router.post("/v1/subjects/{subject}/consents", status_code=status.HTTP_201_CREATED)
def give(
    core: Core,
    subject: SubjectId,
    body: GiveBody,
    who: Annotated[StaffPrincipal, staff(C.consent_write)],
) -> dict[str, Any]:
    """Record that the subject consented to the target after being shown the notice."""
    rule17 = None
    if body.rule17_from_policy:
        target = Target.parse(body.target)
        if target.kind is TargetKind.purpose:
            raise ConsentRefused({"rule17_from_policy": "not_a_recipient"})
        recipient = core.access().policy.recipients.get(target.id)
        rule17 = rule17_shown(recipient, body.lang) if recipient is not None else None
    record = core.consent.give(
        subject,
        body.target,
        notice=body.notice,
        actor=actor_id(who),
        lang=body.lang,
        method=body.method,
        items=body.items,
        valid_until=body.valid_until,
        channel=_channel(body.channel),
        rule17=rule17,
    )
    return record.to_dict()


@router.post("/v1/subjects/{subject}/consents/withdrawals", status_code=status.HTTP_201_CREATED)
def withdraw(
    core: Core,
    subject: SubjectId,
    body: WithdrawBody,
    who: Annotated[StaffPrincipal, staff(C.consent_write)],
) -> dict[str, Any]:
    """Record a withdrawal (without an earlier consent it stands as an objection)."""
    record = core.consent.withdraw(
        subject,
        body.target,
        actor=actor_id(who),
        method=body.method,
        channel=_channel(body.channel),
    )
    return record.to_dict()


@router.get("/v1/subjects/{subject}/consents")
def current(
    core: Core, subject: SubjectId, who: Annotated[StaffPrincipal, staff(C.consent_read)]
) -> list[dict[str, Any]]:
    """The subject's current choice per target."""
    return [choice.to_dict() for _, choice in sorted(core.consent.state(subject).items())]


@router.get("/v1/subjects/{subject}/consents/history")
def history(
    core: Core, subject: SubjectId, who: Annotated[StaffPrincipal, staff(C.consent_read)]
) -> list[dict[str, Any]]:
    """Every consent event of the subject, oldest first."""
    return [record.to_dict() for record in core.consent.history(subject)]


@router.get("/v1/consents/pending")
def pending(
    core: Core, who: Annotated[StaffPrincipal, staff(C.consent_read)]
) -> list[dict[str, Any]]:
    """Subjects to ask again: a policy change superseded their consent."""
    return [p.to_dict() for p in core.consent.pending()]


@router.get("/v1/consents/{record}/receipt")
def receipt(
    core: Core, record: RecordId, who: Annotated[StaffPrincipal, staff(C.consent_read)]
) -> dict[str, Any]:
    """A signed receipt of a consent record, with the notice that was shown."""
    found = core.consent.record(record)
    notice = core.consent.notice_text(found.notice_hash) if found.notice_hash else None
    return make_receipt(found, core.access().policy, notice, core.keys.audit_signer())
