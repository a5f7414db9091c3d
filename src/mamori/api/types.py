"""Field types shared by the routers: ids, item lists and free text without NUL."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Path, Query
from pydantic import StringConstraints

from mamori.api.errors import InvalidInput

__all__ = [
    "ID_PATTERN",
    "ItemsQuery",
    "LongText",
    "Name",
    "Note",
    "PurposeQuery",
    "RecordId",
    "RequestId",
    "ShortText",
    "SubjectId",
    "aware",
    "split_items",
]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$"
_NAME = r"^[a-z][a-z0-9_]{0,63}$"

SubjectId = Annotated[str, Path(pattern=ID_PATTERN, description="A subject id (s_...)")]
RequestId = Annotated[str, Path(pattern=ID_PATTERN, description="A request id (rq_...)")]
RecordId = Annotated[str, Path(pattern=ID_PATTERN, description="A record id")]
Name = Annotated[str, StringConstraints(pattern=_NAME)]
PurposeQuery = Annotated[str, Query(pattern=_NAME, description="A purpose of the policy")]
ItemsQuery = Annotated[
    str,
    Query(
        pattern=r"^[a-z][a-z0-9_]{0,63}(,[a-z][a-z0-9_]{0,63}){0,63}$",
        description="Comma-separated item ids, e.g. name,email",
    ),
]


_NO_NUL = r"^[^\x00]*$"
ShortText = Annotated[str, StringConstraints(max_length=200, pattern=_NO_NUL)]
Note = Annotated[str, StringConstraints(max_length=2000, pattern=_NO_NUL)]
LongText = Annotated[str, StringConstraints(max_length=100_000, pattern=_NO_NUL)]


def split_items(text: str) -> list[str]:
    return [i for i in text.split(",") if i]


def aware(moment: dt.datetime | None, zone: dt.tzinfo, name: str) -> dt.datetime | None:
    """``moment`` in UTC; without an offset it is in ``zone``. A time that cannot be
    expressed in UTC (year 1 east of Greenwich) is bad input naming ``name``."""
    if moment is None:
        return None
    given = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    try:
        return given.astimezone(dt.UTC)
    except OverflowError:
        raise InvalidInput(f"{name}: the time is out of range") from None
