"""Access decisions, in the policy's own words (META ALL-STARS roles and purposes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamori.access import AccessPolicy, Actor, LegalException, SubjectState
from mamori.policy.loader import load_policy

SUPPORT = Actor("staff-1", "support")
MARKETING = Actor("staff-2", "marketing")
OFFICER = Actor("staff-9", "officer")
ALICE = SubjectState("s_alice")


@pytest.fixture(scope="module")
def access() -> AccessPolicy:
    example = Path(__file__).resolve().parents[2] / "examples" / "meta-all-stars" / "policy.yaml"
    return AccessPolicy(load_policy(example).policy)


def test_support_staff_may_read_contact_details_to_answer_an_inquiry(access: AccessPolicy) -> None:
    decision = access.decide(SUPPORT, ["name", "email", "phone"], "inquiries", ALICE)
    assert decision.allowed and decision.reasons == ()
    assert decision.rule == "purpose:inquiries role:support"


def test_support_staff_cannot_read_birth_date_for_sales(access: AccessPolicy) -> None:
    decision = access.decide(SUPPORT, ["birth_date"], "sales", ALICE)
    assert not decision.allowed
    assert set(decision.reasons) == {"item_not_in_purpose", "role_lacks_item", "role_lacks_purpose"}


def test_marketing_cannot_use_phone_for_service_info_it_was_not_declared_for(
    access: AccessPolicy,
) -> None:
    decision = access.decide(MARKETING, ["phone"], "service_info", ALICE)
    assert not decision.allowed
    assert "item_not_in_purpose" in decision.reasons


def test_an_undeclared_purpose_is_refused(access: AccessPolicy) -> None:
    decision = access.decide(OFFICER, ["name"], "credit_scoring", ALICE)
    assert decision.reasons == ("purpose_unknown",)


def test_unknown_items_and_roles(access: AccessPolicy) -> None:
    assert "item_unknown" in access.decide(OFFICER, ["shoe_size"], "sales").reasons
    assert "role_unknown" in access.decide(Actor("x", "intern"), ["name"], "sales").reasons
    assert access.decide(OFFICER, [], "sales").reasons == ("no_items",)


def test_erased_and_unknown_subjects(access: AccessPolicy) -> None:
    erased = SubjectState("s_gone", erased=True)
    assert access.decide(OFFICER, ["name"], "sales", erased).reasons == ("subject_erased",)
    missing = SubjectState("s_none", exists=False)
    assert access.decide(OFFICER, ["name"], "sales", missing).reasons == ("subject_unknown",)


def test_use_beyond_purposes_only_under_a_named_legal_exception_with_a_note(
    access: AccessPolicy,
) -> None:
    bare = access.decide(OFFICER, ["phone"], "police_inquiry", ALICE)
    assert not bare.allowed
    no_note = access.decide(
        OFFICER, ["phone"], "police_inquiry", ALICE, exception=LegalException.law
    )
    assert no_note.reasons == ("note_missing",)
    flagged = access.decide(
        OFFICER,
        ["phone"],
        "police_inquiry",
        ALICE,
        exception=LegalException.law,
        note="照会書 2026-123 (刑事訴訟法197条2項)",
    )
    assert flagged.allowed and flagged.flagged
    assert flagged.reasons == ("legal_exception",)
    assert flagged.rule.startswith("art18(3):law")


def test_a_legal_exception_does_not_widen_a_role(access: AccessPolicy) -> None:
    decision = access.decide(
        SUPPORT, ["birth_date"], "police_inquiry", ALICE, exception=LegalException.law, note="x"
    )
    assert not decision.allowed and decision.reasons == ("role_lacks_item",)


def test_roles_inherit_what_their_parents_may_touch() -> None:
    starter = Path(__file__).resolve().parents[2] / "src" / "mamori" / "examples" / "starter"
    access = AccessPolicy(load_policy(starter / "policy.yaml").policy)
    assert access.decide(Actor("o", "officer"), ["name", "email"], "account").allowed


def test_decisions_are_frozen_values(access: AccessPolicy) -> None:
    decision = access.decide(SUPPORT, ["name"], "inquiries", ALICE)
    with pytest.raises(AttributeError):
        decision.outcome = "deny"  # type: ignore[misc]
    assert decision.to_dict()["outcome"] == "allow"


def test_remembered_decisions_still_depend_on_the_subject(access: AccessPolicy) -> None:
    """The subject-free part of a decision is computed once; each subject's state still
    decides, and a flagged use that is denied for the subject is not flagged."""
    first = access.decide(SUPPORT, ["email"], "inquiries", ALICE)
    gone = access.decide(SUPPORT, ["email"], "inquiries", SubjectState("s_gone", erased=True))
    again = access.decide(SUPPORT, ("email",), "inquiries", SubjectState("s_bob"))
    assert first.allowed and again.allowed and again.subject == "s_bob"
    assert not gone.allowed and gone.reasons == ("subject_erased",)
    note = "照会書 2026-124"
    law = LegalException.law
    ok = access.decide(OFFICER, ["phone"], "police_inquiry", ALICE, exception=law, note=note)
    erased = SubjectState("s_gone", erased=True)
    denied = access.decide(OFFICER, ["phone"], "police_inquiry", erased, exception=law, note=note)
    assert ok.flagged and ok.reasons == ("legal_exception",)
    assert not denied.allowed and not denied.flagged and denied.reasons == ("subject_erased",)
