"""The one place access is decided. Every read of personal data passes through :meth:`decide`.

``AccessPolicy`` compiles a :class:`~mamori.policy.model.Policy` once (purpose items, each
role's reach with inherited roles) so a decision is a few set look-ups. Checks, in order:
the purpose is declared; each item is declared and needed by the purpose; the actor's role
may touch the items and the purpose; the subject exists and is not erased. Use beyond the
declared purposes is possible only under a named Art. 18(3) exception with a note: it is
allowed and flagged. Later checks (consent, suspension) join here, nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from mamori.access.decision import Actor, Decision, LegalException, Outcome, Reason
from mamori.policy.checks import role_closure
from mamori.policy.model import Policy

__all__ = [
    "AccessPolicy",
    "ConsentChoice",
    "ConsentLookup",
    "ProvisionTerms",
    "SubjectState",
]

_STATIC_LIMIT = 4096  # decisions differ per subject only in its state; the rest is kept


class ConsentChoice(Protocol):
    """A subject's current choice for one consent target (see :mod:`mamori.consent`)."""

    @property
    def state(self) -> str: ...
    @property
    def record_id(self) -> str: ...
    @property
    def items(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class ProvisionTerms:
    """What giving data to a recipient needs of each subject, on top of the use itself:
    consent to the recipient (a third party, Art. 27(1); abroad, Art. 28(1)), consent to
    its acquiring personally referable items (Art. 31), and no stop of provision
    (Art. 35(3)) when it is a third party."""

    recipient: str
    consent: bool
    referable: bool
    third_party: bool


def _provision_checks(
    terms: ProvisionTerms, wanted: tuple[str, ...], subject: SubjectState
) -> tuple[str, ...]:
    found: list[str] = []
    if terms.third_party and "provision" in subject.suspended:
        found.append(Reason.suspended.value)
    consents = subject.consents
    if terms.consent:
        choice = consents.get(f"recipient:{terms.recipient}") if consents is not None else None
        state = choice.state if choice is not None else ""
        if state != "given":
            found.append(_CONSENT_DENY.get(state, Reason.consent_missing.value))
        elif choice is not None and not all(i in choice.items for i in wanted):
            found.append(Reason.consent_missing.value)
    if terms.referable:
        choice = consents.get(f"referable:{terms.recipient}") if consents is not None else None
        if choice is None or choice.state != "given":
            found.append(Reason.referable_consent_missing.value)
    return tuple(found)


class ConsentLookup(Protocol):
    def get(self, target: str) -> ConsentChoice | None: ...


@dataclass(frozen=True, slots=True)
class SubjectState:
    """What a decision needs to know of the subject: whether it exists, its consents
    (by target, ``purpose:ID``) and its suspended scopes (``all``, ``provision``,
    ``purpose:ID``)."""

    id: str
    exists: bool = True
    erased: bool = False
    consents: ConsentLookup | None = None
    suspended: frozenset[str] = frozenset()


_CONSENT_DENY = {
    "withdrawn": Reason.consent_withdrawn.value,
    "superseded": Reason.consent_superseded.value,
    "expired": Reason.consent_expired.value,
}
# A decision whose only reason is one of these is an allow: flagged (legal exception) or not.
_ALLOWING = {True: (Reason.legal_exception.value,), False: (Reason.consent.value,)}
_BEYOND = frozenset({Reason.purpose_unknown.value, Reason.item_not_in_purpose.value})


@dataclass(frozen=True, slots=True)
class _Static:
    """The part of a decision that does not depend on the subject."""

    wanted: tuple[str, ...]
    reasons: tuple[str, ...]
    flagged: bool
    rule: str
    consent: str | None  # "required", "opt_out", "beyond" or None
    target: str  # purpose:ID, the consent target and suspension scope
    provision: bool  # the purpose gives data to others: a provision suspension applies


class AccessPolicy:
    """A policy compiled for fast decisions."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._purpose_items = {pid: frozenset(p.items) for pid, p in policy.purposes.items()}
        self._items = frozenset(policy.items)
        self._roles: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        for rid in policy.roles:
            items, purposes = role_closure(policy, rid)
            self._roles[rid] = (frozenset(items), frozenset(purposes))
        self._static: dict[tuple[Any, ...], _Static] = {}

    def purpose_items(self, purpose: str) -> frozenset[str]:
        return self._purpose_items.get(purpose, frozenset())

    def role_items(self, role: str) -> frozenset[str]:
        """The items a role may touch (with inherited roles); empty for an unknown role."""
        reach = self._roles.get(role)
        return reach[0] if reach is not None else frozenset()

    def decide(
        self,
        actor: Actor,
        items: Iterable[str],
        purpose: str,
        subject: SubjectState | None = None,
        *,
        exception: LegalException | None = None,
        note: str | None = None,
        provision: ProvisionTerms | None = None,
    ) -> Decision:
        given = items if type(items) is tuple else tuple(items)
        key = (actor.role, given, purpose, exception, bool(note and note.strip()))
        static = self._static.get(key)
        if static is None:
            if len(self._static) >= _STATIC_LIMIT:
                self._static.clear()
            static = self._static[key] = self._decide_static(*key)
        reasons, rule = static.reasons, static.rule
        if subject is not None:
            if not subject.exists or subject.erased:
                missing = Reason.subject_unknown if not subject.exists else Reason.subject_erased
                reasons += (str(missing),)
            elif not static.flagged:
                reasons, rule = self._subject_checks(static, subject, reasons, rule)
                if provision is not None:
                    more = _provision_checks(provision, static.wanted, subject)
                    reasons = tuple(dict.fromkeys(reasons + more))
        flagged = static.flagged
        if not reasons or reasons == _ALLOWING[flagged]:
            outcome = Outcome.allow
        else:
            outcome = Outcome.deny
            if flagged:
                reasons = tuple(r for r in reasons if r != Reason.legal_exception)
        return Decision(
            outcome=outcome,
            reasons=reasons,
            purpose=purpose,
            items=static.wanted,
            subject=subject.id if subject is not None else None,
            actor=actor.id,
            role=actor.role,
            rule=rule,
            exception=exception if flagged else None,
        )

    @staticmethod
    def _subject_checks(
        static: _Static, subject: SubjectState, reasons: tuple[str, ...], rule: str
    ) -> tuple[tuple[str, ...], str]:
        """Suspension and consent: what the subject chose (Art. 35, Art. 18(1))."""
        suspended = subject.suspended
        if suspended and (
            "all" in suspended
            or static.target in suspended
            or (static.provision and "provision" in suspended)
        ):
            reasons += (Reason.suspended.value,)
        mode = static.consent
        if mode is None:
            return reasons, rule
        consents = subject.consents
        choice = consents.get(static.target) if consents is not None else None
        state = choice.state if choice is not None else ""
        if mode == "required":
            if state != "given":
                reasons += (_CONSENT_DENY.get(state, Reason.consent_missing.value),)
        elif mode == "opt_out":
            if state == "withdrawn":
                reasons += (Reason.consent_withdrawn.value,)
        elif (  # beyond the purposes: the person consented to this specific use
            choice is not None
            and state == "given"
            and all(i in choice.items for i in static.wanted)
        ):
            reasons = (*(r for r in reasons if r not in _BEYOND), Reason.consent.value)
            if reasons == (Reason.consent.value,):
                rule = f"consent:{choice.record_id} {rule.rsplit(' ', 1)[-1]}"
        return reasons, rule

    def _decide_static(
        self,
        role: str,
        items: tuple[str, ...],
        purpose: str,
        exception: LegalException | None,
        has_note: bool,
    ) -> _Static:
        """What does not depend on the subject: the items asked for (deduplicated), the
        reasons against, whether the use is flagged, and the rule. A flagged use carries
        ``legal_exception`` last; it stays only if nothing else denies."""
        wanted = tuple(dict.fromkeys(items))
        reasons: list[str] = []
        if not wanted:
            reasons.append(Reason.no_items)
        unknown = [i for i in wanted if i not in self._items]
        if unknown:
            reasons.append(Reason.item_unknown)
        declared = self._purpose_items.get(purpose)
        beyond = False
        if declared is None:
            beyond = True
            if exception is None:
                reasons.append(Reason.purpose_unknown)
        elif any(i not in declared for i in wanted if i not in unknown):
            beyond = True
            if exception is None:
                reasons.append(Reason.item_not_in_purpose)
        if beyond and exception is not None and not has_note:
            reasons.append(Reason.note_missing)
        reach = self._roles.get(role)
        if reach is None:
            reasons.append(Reason.role_unknown)
        else:
            role_items, role_purposes = reach
            if any(i not in role_items for i in wanted):
                reasons.append(Reason.role_lacks_item)
            if declared is not None and purpose not in role_purposes:
                reasons.append(Reason.role_lacks_purpose)
        flagged = beyond and exception is not None
        if flagged:
            reasons.append(Reason.legal_exception)
        rule = f"purpose:{purpose}" if not flagged else f"art18(3):{exception}"
        consent: str | None = None
        provision = False
        if beyond and exception is None:
            consent = "beyond"
        elif declared is not None:
            spec = self.policy.purposes[purpose]
            provision = spec.provision
            if spec.consent_required:
                consent = "required"
            elif spec.marketing:
                consent = "opt_out"
        return _Static(
            wanted,
            tuple(str(r) for r in reasons),
            flagged,
            f"{rule} role:{role}",
            consent,
            f"purpose:{purpose}",
            provision,
        )
