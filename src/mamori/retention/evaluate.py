"""The policy's retention rules applied to one subject's facts: which items are due.

A purpose rule ends a purpose for the subject (the earliest of its rules whose event has
happened). An item is let go on a purpose's account only when every purpose of the subject
that needs it has ended: an item another purpose still needs is kept. A subject's purposes
are those it was collected for. An item rule applies to the item whatever the purposes.
An item is due on the earliest day any of this makes it due; when every item the subject
holds is due, the subject is crypto-shredded, otherwise the due items are deleted. An event
that a later collection overtook (a purpose ended, consent withdrawn, an account closed,
then data collected again) no longer counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from mamori.policy.model import RetentionEvent, RetentionRule
from mamori.retention.duration import keep_until
from mamori.retention.facts import SubjectFacts
from mamori.retention.model import Due, Method, rule_label

__all__ = ["evaluate"]

_End = tuple[dt.date, str]  # the last day kept, and the rule's label


def _latest(times: list[dt.datetime | None]) -> dt.datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _all_of(purposes: Sequence[str], times: Mapping[str, dt.datetime]) -> dt.datetime | None:
    """When the last of ``purposes`` had its event, if every one of them had it."""
    if not purposes or any(p not in times for p in purposes):
        return None
    return max(times[p] for p in purposes)


def _purpose_event(rule: RetentionRule, purpose: str, f: SubjectFacts) -> dt.datetime | None:
    after = rule.after
    if after is RetentionEvent.collected:
        return f.collected.get(purpose)
    if after is RetentionEvent.last_used:
        return _latest([f.collected.get(purpose), f.used.get(purpose)])
    if after is RetentionEvent.account_closed:
        return f.account_closed
    if after is RetentionEvent.purpose_ended:
        return f.ended.get(purpose)
    return f.withdrawn.get(purpose)


def _item_event(
    rule: RetentionRule, item: str, needing: Sequence[str], f: SubjectFacts
) -> dt.datetime | None:
    after = rule.after
    if after is RetentionEvent.collected:
        return f.values[item]
    if after is RetentionEvent.last_used:
        return _latest([f.values[item], f.item_used.get(item)])
    if after is RetentionEvent.account_closed:
        return f.account_closed
    if after is RetentionEvent.purpose_ended:
        return _all_of(needing, f.ended)
    return _all_of(needing, f.withdrawn)


def _settle(facts: SubjectFacts) -> None:
    """Drop events that a later collection overtook: data collected for a purpose after it
    ended, or after consent to it was withdrawn, starts it again; data collected after the
    account closed means the account was opened again."""
    for times in (facts.ended, facts.withdrawn):
        for purpose in [p for p, at in times.items() if at < facts.collected.get(p, at)]:
            del times[purpose]
    closed = facts.account_closed
    if closed is not None and any(at > closed for at in facts.collected.values()):
        facts.account_closed = None


def evaluate(
    rules: Sequence[RetentionRule],
    purpose_items: Mapping[str, frozenset[str]],
    facts: SubjectFacts,
    today: dt.date,
    zone: ZoneInfo,
) -> list[Due]:
    """What of this subject is due for disposal on ``today`` (dates in ``zone``), one
    :class:`Due` per rule."""

    def last_day(at: dt.datetime, rule: RetentionRule) -> _End:
        return keep_until(at.astimezone(zone).date(), rule.keep), rule_label(rule)

    _settle(facts)
    mine = [p for p in facts.collected if p in purpose_items]
    ends: dict[str, _End] = {}
    for rule in rules:
        if rule.purpose is None or rule.purpose not in mine:
            continue
        at = _purpose_event(rule, rule.purpose, facts)
        if at is not None:
            end = last_day(at, rule)
            ends[rule.purpose] = min(ends.get(rule.purpose, end), end)
    due: dict[str, _End] = {}
    for item in facts.values:
        needing = [p for p in mine if item in purpose_items[p]]
        candidates: list[_End] = []
        for rule in rules:
            if rule.item == item:
                at = _item_event(rule, item, needing, facts)
                if at is not None:
                    candidates.append(last_day(at, rule))
        if needing and all(p in ends for p in needing):
            candidates.append(max(ends[p] for p in needing))
        if candidates:
            end = min(candidates)
            if end[0] < today:
                due[item] = end
    if not due:
        return []
    method = Method.crypto_shred if set(due) == set(facts.values) else Method.item_delete
    groups: dict[str, list[str]] = {}
    lasts: dict[str, dt.date] = {}
    for item, (last, label) in due.items():
        groups.setdefault(label, []).append(item)
        lasts[label] = max(lasts.get(label, last), last)
    return [
        Due(facts.subject, tuple(sorted(items)), label, lasts[label] + dt.timedelta(days=1), method)
        for label, items in sorted(groups.items())
    ]
