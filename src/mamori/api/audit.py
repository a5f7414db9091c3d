"""``/v1/audit``: browse entries by time range, actor and action; verify the chain; sign
and list checkpoints. Entries hold ids and item names, never personal data values."""

from __future__ import annotations

import datetime as dt
from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from mamori.api.auth import actor_id, staff
from mamori.api.context import Core, StaffPrincipal, WritingCore
from mamori.api.permissions import Capability as C
from mamori.api.types import aware

__all__ = ["router"]

router = APIRouter(prefix="/v1/audit", tags=["audit"])

_LABEL = r"^[A-Za-z0-9_.:@-]{1,200}$"


@router.get("/entries")
def entries(
    core: Core,
    who: Annotated[StaffPrincipal, staff(C.audit_read)],
    since: Annotated[dt.datetime | None, Query(description="From (inclusive)")] = None,
    until: Annotated[dt.datetime | None, Query(description="To (exclusive)")] = None,
    actor: Annotated[str | None, Query(pattern=_LABEL)] = None,
    action: Annotated[str | None, Query(pattern=_LABEL)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Entries with ``since <= at < until``, oldest first, of one actor and action when
    given; a time without an offset is in the configured time zone."""
    zone = core.settings.zone
    found = core.audit.export(aware(since, zone, "since"), aware(until, zone, "until"))
    chosen = (
        e
        for e in found
        if (actor is None or e.get("actor") == actor)
        and (action is None or e.get("action") == action)
    )
    return list(islice(chosen, limit))


@router.get("/entries/{seq}")
def entry(
    core: Core,
    seq: Annotated[int, Path(ge=1, le=2**31 - 1)],
    who: Annotated[StaffPrincipal, staff(C.audit_read)],
) -> dict[str, Any]:
    """One entry with its hash."""
    return core.audit.get(seq).to_dict()


@router.post("/verify")
def verify(core: Core, who: Annotated[StaffPrincipal, staff(C.audit_verify)]) -> dict[str, Any]:
    """Recompute the chain from the database and check every stored checkpoint."""
    return core.audit.verify(workers=1).to_dict()


@router.post("/checkpoints", status_code=status.HTTP_201_CREATED)
def checkpoint(
    core: WritingCore, who: Annotated[StaffPrincipal, staff(C.audit_checkpoint)]
) -> dict[str, Any]:
    """Sign the Merkle root of the whole log with the audit signing key, and store it."""
    key_id, signer = core.keys.audit_signer()
    return core.audit.checkpoint(signer, key_id, actor=actor_id(who)).to_dict()


@router.get("/checkpoints")
def checkpoints(
    core: Core, who: Annotated[StaffPrincipal, staff(C.audit_read)]
) -> list[dict[str, Any]]:
    """The stored checkpoints, oldest first."""
    return [cp.to_dict() for cp in core.audit.checkpoints()]
