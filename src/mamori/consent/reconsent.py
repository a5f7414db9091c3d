"""Which consents a new policy version supersedes: those whose target a change of
``consent`` severity touches (from :func:`mamori.policy.diff.diff`)."""

from __future__ import annotations

from mamori.policy.diff import PolicyDiff, Severity
from mamori.policy.model import Policy

__all__ = ["superseded_targets"]


def superseded_targets(changes: PolicyDiff | None, new: Policy) -> set[str]:
    """Consent targets to ask again for.

    A consent-severity change under ``purposes.ID`` touches ``purpose:ID``. One under
    ``recipients.ID`` touches consent to that recipient (provision and Art. 31
    acquisition) and consent to each purpose through which data now reaches it: a third
    party added to a purpose means what the person agreed to for that purpose has changed.
    """
    targets: set[str] = set()
    if changes is None:
        return targets
    for change in changes.by_severity(Severity.consent):
        parts = change.path.split(".")
        if len(parts) < 2:
            continue
        area, ident = parts[0], parts[1].split("[")[0]
        if area == "purposes":
            targets.add(f"purpose:{ident}")
        elif area == "recipients":
            targets.update((f"recipient:{ident}", f"referable:{ident}"))
            recipient = new.recipients.get(ident)
            if recipient is not None:
                targets.update(f"purpose:{p}" for p in recipient.purposes)
    return targets
