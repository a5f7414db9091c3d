"""``/v1/provisions``, ``/v1/receipts`` and ``/v1/records``: giving data to recipients,
recording data received, and the Art. 29-31 records."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from mamori.api.auth import actor_id, actor_of, staff
from mamori.api.context import Core, StaffPrincipal, WritingCore
from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN, Name, Note, RecordId, ShortText
from mamori.provision import Basis, LegalGround, Party, RecordKind

__all__ = ["router"]

router = APIRouter(tags=["provision"])

SubjectIds = Annotated[
    list[Annotated[str, Field(pattern=ID_PATTERN)]], Field(min_length=1, max_length=100_000)
]


class ProvideBody(BaseModel):
    recipient: Name
    items: Annotated[list[Name], Field(min_length=1, max_length=64)]
    purpose: Name
    basis: Basis
    subjects: SubjectIds | None = Field(None, description="Or all_consented")
    all_consented: bool = False
    legal_ground: LegalGround | None = None
    note: Note | None = None
    contract_ref: ShortText | None = None
    recipient_key: Annotated[str, Field(max_length=200, pattern=r"^age1[0-9a-z]+$")] | None = Field(
        None, description="The recipient's age public key"
    )
    passphrase: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    pseudonymise: bool = False


class PartyBody(BaseModel):
    name: Annotated[ShortText, Field(min_length=1)]
    address: Annotated[ShortText, Field(min_length=1)]
    representative: Annotated[ShortText, Field(min_length=1)]


class ReceiveBody(BaseModel):
    provider: PartyBody
    how_acquired: Annotated[Note, Field(min_length=1)]
    items: Annotated[list[Name], Field(min_length=1, max_length=64)]
    subjects: SubjectIds
    contract_ref: ShortText | None = None


@router.post("/v1/provisions", status_code=status.HTTP_201_CREATED)
def provide(
    core: WritingCore, body: ProvideBody, who: Annotated[StaffPrincipal, staff(C.provision)]
) -> dict[str, Any]:
    """Provide items to a recipient on a checked basis; who was left out and why, the
    records written, and the sealed package (base64)."""
    result = core.provisions.provide(
        recipient=body.recipient,
        items=body.items,
        purpose=body.purpose,
        basis=body.basis,
        actor=actor_of(who),
        subjects=body.subjects,
        all_consented=body.all_consented,
        legal_ground=body.legal_ground,
        note=body.note,
        contract_ref=body.contract_ref,
        recipient_key=body.recipient_key,
        passphrase=body.passphrase,
        pseudonymise=body.pseudonymise,
    )
    package = base64.b64encode(result.package).decode("ascii") if result.package else None
    return {**result.to_dict(), "package": package}


@router.post("/v1/receipts", status_code=status.HTTP_201_CREATED)
def receive(
    core: Core, body: ReceiveBody, who: Annotated[StaffPrincipal, staff(C.provision)]
) -> dict[str, Any]:
    """Record data received from a third party (Art. 30); the record written."""
    record_id = core.provisions.receive(
        provider=Party(body.provider.name, body.provider.address, body.provider.representative),
        how_acquired=body.how_acquired,
        items=body.items,
        subjects=body.subjects,
        actor=actor_of(who),
        contract_ref=body.contract_ref,
    )
    return core.records.get(record_id).to_dict()


@router.get("/v1/records")
def list_records(
    core: Core,
    who: Annotated[StaffPrincipal, staff(C.records_read)],
    kind: RecordKind | None = None,
    subject: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    expiring_within: Annotated[int | None, Query(ge=-1, le=3650)] = None,
) -> list[dict[str, Any]]:
    """Records of provision and receipt, by kind, subject or end of their period."""
    found = core.records.query(kind=kind, subject=subject, expiring_within=expiring_within)
    return [r.to_dict() for r in found]


@router.get("/v1/records/{record_id}")
def show_record(
    core: Core, record_id: RecordId, who: Annotated[StaffPrincipal, staff(C.records_read)]
) -> dict[str, Any]:
    """One record with the subjects it covers."""
    record = core.records.get(record_id)
    return {**record.to_dict(), "subjects": core.records.subjects_of(record_id)}


@router.post("/v1/records/purge")
def purge_records(
    core: Core, who: Annotated[StaffPrincipal, staff(C.records_purge)]
) -> dict[str, Any]:
    """Remove the records whose period has ended (each removal audited)."""
    return {"removed": core.records.purge_expired(actor=actor_id(who))}
