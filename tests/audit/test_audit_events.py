"""Audit events: canonical bytes exactly as ``json.dumps`` makes them, and the rules."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mamori.audit import (
    ACTIONS,
    AuditEntry,
    AuditEvent,
    InvalidAuditEvent,
    _event,
    canonical_json,
    format_at,
    known_actions,
    register_action,
)
from mamori.errors import MamoriError

AT = "2026-11-25T01:00:00.000000Z"


def reference(seq: int, at: str, event: AuditEvent, detail: Any) -> bytes:
    data = {
        "seq": seq,
        "at": at,
        "actor": event.actor,
        "action": event.action,
        "subject": event.subject,
        "purpose": event.purpose,
        "items": list(event.items),
        "detail": detail,
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


DETAILS: list[dict[str, Any]] = [
    {},
    {"request": "r-1", "count": 3, "ok": True, "none": None, "ratio": 0.25},
    {"reason": '引用 "quotes" \\ back\nslash\ttab\x01\u2028', "neg": -7, "big": 2**62},
    {"ids": ["a", "b", 1, None, False], "counts": {"email": 2, "zz": 1, "aa": 0.5}},
    {"z": 1, "a": 2, "m": [], "n": {}},
]


@pytest.mark.parametrize("detail", DETAILS)
def test_canonical_bytes_equal_json_dumps(detail: dict[str, Any]) -> None:
    event = AuditEvent("staff:太郎", "use", "s_1", "sales", ("name", "email"), detail)
    assert event.canonical(12, AT) == reference(12, AT, event, detail)


def test_none_subject_purpose_and_no_items() -> None:
    event = AuditEvent("system", "key_rotate")
    expected = reference(1, AT, event, {})
    assert event.canonical(1, AT) == expected
    assert b'"subject":null' in expected and b'"purpose":null' in expected


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
_keys = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
_values = _scalars | st.lists(_scalars, max_size=4) | st.dictionaries(_keys, _scalars, max_size=4)


@given(detail=st.dictionaries(_keys, _values, max_size=6), seq=st.integers(1, 10**12))
def test_canonical_bytes_equal_json_dumps_for_any_detail(detail: dict[str, Any], seq: int) -> None:
    try:
        event = AuditEvent("a", "erase", None, None, (), detail)
    except InvalidAuditEvent:  # lone surrogates in generated text
        return
    assert event.canonical(seq, AT) == reference(seq, AT, event, detail)


def test_detail_is_frozen_and_lists_become_tuples() -> None:
    source: dict[str, Any] = {"ids": ["a"], "m": {"k": 1}}
    event = AuditEvent("a", "use", detail=source)
    source["ids"].append("b")
    assert event.detail["ids"] == ("a",)
    with pytest.raises(TypeError):
        event.detail["x"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        event.actor = "b"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "steal"}, "action must be one of"),
        ({"actor": ""}, "actor must be 1 to 200"),
        ({"actor": "x" * 201}, "actor must be 1 to 200"),
        ({"actor": "山田 太郎"}, "actor must be printable, without spaces"),
        ({"actor": 7}, "actor must be a string"),
        ({"subject": "s" * 41}, "subject must be 1 to 40"),
        ({"subject": "a\nb"}, "subject must be printable"),
        ({"purpose": "two words"}, "purpose must be printable"),
        ({"items": "email"}, "items must be a sequence"),
        ({"items": ("ok", "")}, "item must be 1 to 64"),
        ({"items": ["i"] * 257}, "items holds at most 256"),
        ({"detail": []}, "detail must be a mapping"),
        ({"detail": {"n": [[1]]}}, "nested deeper than 2"),
        ({"detail": {"n": [{"a": 1}]}}, "nested deeper than 2"),
        ({"detail": {"n": {"a": {"b": 1}}}}, "nested deeper than 2"),
        ({"detail": {"n": {"a": [1]}}}, "nested deeper than 2"),
        ({"detail": {"note": "x" * 201}}, "at most 200 chars"),
        ({"detail": {"n": float("nan")}}, "finite"),
        ({"detail": {"n": 2**63}}, "64 bits"),
        ({"detail": {"Bad": 1}}, "keys are"),
        ({"detail": {1: 1}}, "keys are"),
        ({"detail": {"n": b"bytes"}}, "JSON scalars"),
        ({"detail": {"n": "\ud800"}}, "not valid text"),
        ({"detail": {f"k{i}": 1 for i in range(33)}}, "at most 32 keys"),
        ({"detail": {"n": list(range(257))}}, "at most 256 values"),
        ({"detail": {f"k{i}": "x" * 200 for i in range(30)}}, "larger than 4096 bytes"),
    ],
)
def test_invalid_events_are_refused(fields: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"actor": "staff:1", "action": "use"}
    with pytest.raises(InvalidAuditEvent, match=message) as caught:
        AuditEvent(**{**base, **fields})
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, MamoriError)
    assert caught.value.code == "audit_event_invalid" and caught.value.exit_code == 2


def test_messages_never_echo_a_value() -> None:
    with pytest.raises(InvalidAuditEvent) as caught:
        AuditEvent("staff:1", "use", "yamada.taro@example.com" * 2)
    assert "yamada" not in caught.value.message


def test_actions_are_known_and_extendable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_event, "_actions", set(ACTIONS))
    assert {"collect", "use", "deny", "erase", "checkpoint", "legal_exception"} <= ACTIONS
    assert "consent_given" not in known_actions()
    register_action("consent_given")
    assert "consent_given" in known_actions()
    AuditEvent("a", "consent_given")
    with pytest.raises(InvalidAuditEvent, match="action name"):
        register_action("Not An Action")


def test_str_and_int_subclasses_are_stored_as_plain_values() -> None:
    class Code(str):
        pass

    class Count(int):
        pass

    event = AuditEvent(Code("staff:1"), "use", detail={"c": Code("x"), "n": Count(3), "b": True})
    assert type(event.actor) is str and type(event.detail["c"]) is str
    assert type(event.detail["n"]) is int
    assert event.canonical(1, AT) == reference(1, AT, event, {"c": "x", "n": 3, "b": True})


def test_format_at_is_utc_with_microseconds() -> None:
    jst = dt.timezone(dt.timedelta(hours=9))
    assert format_at(dt.datetime(2026, 11, 25, 10, 0, tzinfo=jst)) == AT
    assert format_at(dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)) == (
        "2026-01-02T03:04:05.000006Z"
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        format_at(dt.datetime(2026, 1, 1))


def test_entry_round_trips_through_its_canonical_bytes() -> None:
    event = AuditEvent("a", "use", "s_1", "p", ("x",), {"ids": [1, 2], "m": {"k": "v"}})
    canonical = event.canonical(5, AT)
    entry = AuditEntry.from_canonical(canonical, b"\x01" * 32)
    assert entry.canonical() == canonical == canonical_json(entry.fields())
    assert entry.moment == dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)
    assert entry.to_dict() == {
        "seq": 5,
        "at": AT,
        "actor": "a",
        "action": "use",
        "subject": "s_1",
        "purpose": "p",
        "items": ["x"],
        "detail": {"ids": [1, 2], "m": {"k": "v"}},
        "hash": "01" * 32,
    }
    json.dumps(entry.to_dict())


def test_an_event_for_another_subject_equals_one_built_from_scratch() -> None:
    fields: dict[str, Any] = {
        "actor": "staff-1",
        "action": "use",
        "purpose": "inquiry",
        "items": ("name", "email"),
        "detail": {"role": "support", "reasons": []},
    }
    template = AuditEvent(**fields)
    for subject in ("s_abc", None):
        fast = template.with_subject(subject)
        slow = AuditEvent(subject=subject, **fields)
        assert fast == slow
        assert fast.canonical(7, "2026-11-25T01:00:00.000000Z") == slow.canonical(
            7, "2026-11-25T01:00:00.000000Z"
        )
    with pytest.raises(InvalidAuditEvent, match="subject"):
        template.with_subject("has space")
