"""An ``incidents`` row as an :class:`Incident`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from mamori.incidents.model import Category, Cause, Incident, IncidentState, Reporter
from mamori.store import read_date, read_time

__all__ = ["COLUMNS", "incident_from_row"]

COLUMNS = (
    "id, state, learned_at, learned_on, occurred_at, cause, reporter, client_recipient, "
    "client_name, client_email, items, selection, listed_count, affected_count, "
    "count_is_upper_bound, suggested, categories, classify_reason, excluded_reason, "
    "classified_by, classified_at, preliminary_due, final_due, preliminary_at, final_at, "
    "closed_at, alert_id, created_by, created_at"
)


def incident_from_row(row: Sequence[Any]) -> Incident:
    (iid, state, learned_at, learned_on, occurred_at, cause, reporter, client_recipient,
     client_name, client_email, items, selection, listed, affected, bound, suggested,
     categories, classify_reason, excluded_reason, classified_by, classified_at,
     preliminary_due, final_due, preliminary_at, final_at, closed_at, alert_id, created_by,
     created_at) = row  # fmt: skip

    def moment(value: Any) -> dt.datetime | None:
        return read_time(value) if value is not None else None

    return Incident(
        id=iid,
        state=IncidentState(state),
        learned_at=read_time(learned_at),
        learned_on=read_date(learned_on),
        occurred_at=moment(occurred_at),
        cause=Cause(cause),
        reporter=Reporter(reporter),
        client_recipient=client_recipient,
        client_name=client_name,
        client_email=client_email,
        items=tuple(json.loads(items)),
        selection=json.loads(selection),
        listed_count=int(listed),
        affected_count=int(affected),
        count_is_upper_bound=bool(bound),
        suggested=tuple(Category(c) for c in json.loads(suggested)),
        categories=(
            None if categories is None else tuple(Category(c) for c in json.loads(categories))
        ),
        classify_reason=classify_reason,
        excluded_reason=excluded_reason,
        classified_by=classified_by,
        classified_at=moment(classified_at),
        preliminary_due=read_date(preliminary_due),
        final_due=read_date(final_due),
        preliminary_at=moment(preliminary_at),
        final_at=moment(final_at),
        closed_at=moment(closed_at),
        alert_id=alert_id,
        created_by=created_by,
        created_at=read_time(created_at),
    )
