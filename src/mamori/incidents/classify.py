"""Which of PPC Rule 7's reportable situations the facts suggest."""

from __future__ import annotations

from collections.abc import Iterable

from mamori.incidents.model import MALICIOUS_CAUSES, MASS_THRESHOLD, Category, Cause
from mamori.policy.model import ItemClass, Policy

__all__ = ["suggest_categories"]


def suggest_categories(
    policy: Policy,
    items: Iterable[str],
    cause: Cause,
    affected_count: int,
    *,
    excluded: bool = False,
) -> tuple[Category, ...]:
    """The categories the data suggests, in the order of Rule 7.

    (i) an item of class ``special_care``; (ii) an item of class ``financial``; (iii) a
    possibly malicious cause; (iv) more than 1,000 persons (the count being the largest
    possible). Data under advanced encryption whose key did not leak (``excluded``) is not
    reportable: nothing is suggested.
    """
    if excluded:
        return ()
    classes = {policy.items[i].class_ for i in items if i in policy.items}
    found: list[Category] = []
    if ItemClass.special_care in classes:
        found.append(Category.special_care)
    if ItemClass.financial in classes:
        found.append(Category.financial)
    if cause in MALICIOUS_CAUSES:
        found.append(Category.malicious)
    if affected_count > MASS_THRESHOLD:
        found.append(Category.over_1000)
    return tuple(found)
