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

from mamori.access.decision import Actor, Decision, LegalException, Outcome, Reason
from mamori.policy.checks import role_closure
from mamori.policy.model import Policy

__all__ = ["AccessPolicy", "SubjectState"]


@dataclass(frozen=True, slots=True)
class SubjectState:
    """What a decision needs to know of the subject."""

    id: str
    exists: bool = True
    erased: bool = False


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
    ) -> Decision:
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
        if beyond and exception is not None and not (note and note.strip()):
            reasons.append(Reason.note_missing)
        reach = self._roles.get(actor.role)
        if reach is None:
            reasons.append(Reason.role_unknown)
        else:
            role_items, role_purposes = reach
            if any(i not in role_items for i in wanted):
                reasons.append(Reason.role_lacks_item)
            if declared is not None and purpose not in role_purposes:
                reasons.append(Reason.role_lacks_purpose)
        if subject is not None:
            if not subject.exists:
                reasons.append(Reason.subject_unknown)
            elif subject.erased:
                reasons.append(Reason.subject_erased)
        flagged = beyond and exception is not None
        outcome = Outcome.deny if reasons else Outcome.allow
        if flagged and outcome is Outcome.allow:
            reasons.append(Reason.legal_exception)
        rule = f"purpose:{purpose}" if not flagged else f"art18(3):{exception}"
        return Decision(
            outcome=outcome,
            reasons=tuple(str(r) for r in reasons),
            purpose=purpose,
            items=wanted,
            subject=subject.id if subject is not None else None,
            actor=actor.id,
            role=actor.role,
            rule=f"{rule} role:{actor.role}",
            exception=exception if flagged else None,
        )
