"""A view over the stored state decodes one target's entry without parsing the rest."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.consent.model import ConsentEvent
from mamori.consent.state import ConsentView, dumps, loads

NOW = dt.datetime(2026, 11, 25, 1, tzinfo=dt.UTC)
LATER = "2026-12-01T00:00:00+00:00"
PAST = "2026-11-01T00:00:00+00:00"

STATE = {
    "purpose:sales": ["given", "rec-1", PAST, None, 3, []],
    "purpose:sales_extra": ["withdrawn", "rec-2", PAST, None, 3, []],
    "purpose:research": ["given", "rec-3", PAST, PAST, 3, ["name"]],
    "recipient:ads": ["given", "rec-4", PAST, LATER, 2, ["cookie_id", "device_info"]],
}


@pytest.mark.parametrize("target", [*STATE, "purpose:sale", "purpose:none", "rec-1", "sales"])
def test_one_target_from_the_text_equals_the_parsed_state(target: str) -> None:
    text = dumps(STATE)
    lazy = ConsentView.from_text(text, NOW)
    parsed = ConsentView(loads(text), NOW)
    assert lazy.get(target) == parsed.get(target)
    assert (target in lazy) == (target in STATE)


def test_a_target_named_like_a_prefix_of_another_is_not_confused() -> None:
    lazy = ConsentView.from_text(dumps(STATE), NOW)
    assert lazy["purpose:sales"].state is ConsentEvent.given
    assert lazy["purpose:sales_extra"].state is ConsentEvent.withdrawn


def test_expiry_applies_to_a_single_decoded_entry() -> None:
    lazy = ConsentView.from_text(dumps(STATE), NOW)
    assert lazy["purpose:research"].state is ConsentEvent.expired
    assert lazy["recipient:ads"].items == frozenset({"cookie_id", "device_info"})


def test_listing_the_targets_parses_the_whole_state() -> None:
    lazy = ConsentView.from_text(dumps(STATE), NOW)
    assert list(lazy) == sorted(STATE)
    assert len(lazy) == len(STATE)
    assert dict(lazy) == dict(ConsentView(STATE, NOW))


@pytest.mark.parametrize("text", [None, ""])
def test_no_stored_state_is_no_choices(text: str | None) -> None:
    view = ConsentView.from_text(text, NOW)
    assert len(view) == 0
    assert view.get("purpose:sales") is None
    with pytest.raises(KeyError):
        view["purpose:sales"]
