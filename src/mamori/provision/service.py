"""``Provisions``: give personal data to a declared recipient on a checked basis, keep the
records the law requires, and hand over a sealed package; record data received.

Each subject passes the access decision with the provision's terms (consent to the
recipient, Art. 31 consent, no stop of provision); subjects that fail are listed with
their reasons, never dropped silently. Every subject provided is an ``export`` audit entry.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from mamori.access import AccessPolicy, Actor, ProvisionTerms
from mamori.consent import state as consent_state
from mamori.errors import ConsentRefused
from mamori.keys import Keyring
from mamori.policy.model import Localized, Policy, Recipient, RecipientKind
from mamori.policy.versions import PolicyVersions
from mamori.provision.export import ExportRow, build_package, check_sealing
from mamori.provision.model import Basis, LegalGround, ProvisionResult, RecordKind
from mamori.provision.records import ProvisionRecords, new_record_id
from mamori.store import Store
from mamori.vault import Vault

__all__ = ["Party", "ProvisionRefused", "Provisions"]

_NOTE_MAX = 2000


class ProvisionRefused(ConsentRefused):
    """A provision or receipt was not made; ``problems`` names each field. Nothing was
    provided, recorded or exported."""

    code = "provision_refused"


@dataclass(frozen=True, slots=True)
class Party:
    """Who provided data to us (Art. 30(1)(i)): name, address, representative."""

    name: str
    address: str
    representative: str


def _ja(text: Localized | None) -> str:
    return text.ja if text is not None else ""


P = ParamSpec("P")
R = TypeVar("R")


def _collector_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """Pause the cyclic garbage collector for the call and collect once after it. A
    provision of a million subjects makes millions of short-lived, acyclic objects (freed
    by reference counting anyway); the collector's passes over the growing heap cost about
    a fifth of the run (measured)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
            gc.collect()

    return run


class Provisions:
    def __init__(
        self,
        store: Store,
        vault: Vault,
        records: ProvisionRecords,
        keys: Keyring,
        versions: PolicyVersions,
        access: Callable[[], AccessPolicy],
        now: Callable[[], dt.datetime],
    ) -> None:
        self._store = store
        self._vault = vault
        self._records = records
        self._keys = keys
        self._versions = versions
        self._access = access
        self._now = now

    @_collector_paused
    def provide(
        self,
        *,
        recipient: str,
        items: Sequence[str],
        purpose: str,
        basis: Basis | str,
        actor: Actor,
        subjects: Iterable[str] | None = None,
        all_consented: bool = False,
        legal_ground: LegalGround | str | None = None,
        note: str | None = None,
        contract_ref: str | None = None,
        recipient_key: str | None = None,
        passphrase: str | None = None,
        pseudonymise: bool = False,
    ) -> ProvisionResult:
        """Provide ``items`` of ``subjects`` (or of every subject who consented to the
        recipient) for ``purpose`` on ``basis``; the package is sealed with age to
        ``recipient_key`` or ``passphrase``."""
        policy = self._access().policy
        problems: dict[str, str] = {}
        how = _basis(basis, problems)
        target = policy.recipients.get(recipient)
        if target is None:
            problems["recipient"] = "recipient_unknown"
        else:
            _check_declared(policy, target, items, purpose, problems)
            if how is not None:
                _check_basis(target, how, legal_ground, note, problems)
        if (subjects is None) == (not all_consented):
            problems["subjects"] = "give_subjects_or_all_consented"
        if (recipient_key is None) == (passphrase is None):
            problems["package"] = "give_recipient_key_or_passphrase"
        if problems or target is None or how is None:
            raise ProvisionRefused(problems, _message(problems))
        sealer = check_sealing(recipient_key=recipient_key, passphrase=passphrase)
        referable = target.links_referable and any(
            policy.items[i].personally_referable for i in items
        )
        terms = ProvisionTerms(
            recipient=recipient,
            consent=how is Basis.consent or (target.needs_art28_consent and how is not Basis.legal),
            referable=referable and how is not Basis.legal,
            third_party=how is Basis.consent,
        )
        chosen = (
            list(dict.fromkeys(subjects)) if subjects is not None else self._consented(recipient)
        )
        excluded: dict[str, tuple[str, ...]] = {}
        if how is Basis.joint_use:
            chosen = self._published_before(recipient, chosen, excluded)
        record_id = new_record_id() if terms.consent or terms.referable else None
        bulk = (
            self._records.bulk_record(RecordKind.art29, recipient, how.value, contract_ref)
            if terms.consent and contract_ref
            else None
        )
        export = {"recipient": recipient, "basis": how.value}
        if record_id is not None:
            export["record"] = bulk or record_id
        if how is Basis.legal and legal_ground is not None:
            export["ground"] = LegalGround(legal_ground).value
        provided: list[str] = []

        def rows() -> Iterator[ExportRow]:
            """Streamed into the package as they are decided: the values of a million
            subjects are never all in memory at once."""
            for use in self._vault.use_many(
                chosen, items, purpose, actor, provision=terms, export=export
            ):
                sid = use.decision.subject or ""
                if use.allowed:
                    provided.append(sid)
                    yield ExportRow(sid, use.values)
                else:
                    excluded[sid] = use.decision.reasons

        contents = build_package(
            rows=rows(),
            items=list(dict.fromkeys(items)),
            recipient=recipient,
            recipient_name=_ja(target.name),
            basis=how.value,
            record_id=(bulk or record_id) if terms.consent or terms.referable else None,
            purpose=purpose,
            created_at=self._now(),
            pseudonym_key=self._keys.mac("masks").key_bytes() if pseudonymise else None,
        )
        records: list[str] = []
        party = {
            "party": recipient,
            "party_name": _ja(target.name),
            "party_address": _ja(target.address),
            "party_representative": _ja(target.representative),
        }
        if provided and terms.consent:
            records.append(
                self._records.write(
                    kind=RecordKind.art29, basis=how.value, purpose=purpose, items=items,
                    subjects=provided, consent_confirmed=True, actor=actor.id,
                    contract_ref=contract_ref, record_id=record_id, **party,
                )
            )  # fmt: skip
        if provided and terms.referable:
            referable_items = [i for i in items if policy.items[i].personally_referable]
            records.append(
                self._records.write(
                    kind=RecordKind.art31, basis=how.value, purpose=purpose,
                    items=referable_items, subjects=provided, consent_confirmed=True,
                    actor=actor.id, contract_ref=contract_ref,
                    record_id=None if terms.consent else record_id, **party,
                )
            )  # fmt: skip
        sealed = sealer(contents.zip_bytes)
        return ProvisionResult(
            recipient=recipient,
            basis=how,
            provided=tuple(provided),
            excluded=excluded,
            records=tuple(records),
            package=sealed,
            manifest=contents.manifest,
        )

    def receive(
        self,
        *,
        provider: Party,
        how_acquired: str,
        items: Sequence[str],
        subjects: Sequence[str],
        actor: Actor,
        contract_ref: str | None = None,
    ) -> str:
        """Record data received from a third party after confirming who provided it and
        how they acquired it (Art. 30); returns the record id."""
        policy = self._access().policy
        problems: dict[str, str] = {}
        for name, value in (
            ("provider.name", provider.name),
            ("provider.address", provider.address),
            ("provider.representative", provider.representative),
            ("how_acquired", how_acquired),
        ):
            if not value or not value.strip():
                problems[name] = "required"
            elif len(value) > _NOTE_MAX:
                problems[name] = "too_long"
        unknown = [i for i in items if i not in policy.items]
        if not items or unknown:
            problems["items"] = "item_unknown" if unknown else "items_required"
        missing = [s for s in dict.fromkeys(subjects) if not self._vault.exists(s)]
        if not subjects or missing:
            problems["subjects"] = "subject_unknown" if missing else "subjects_required"
        if problems:
            raise ProvisionRefused(problems, _message(problems))
        return self._records.write(
            kind=RecordKind.art30,
            party=provider.name.strip()[:200],
            party_name=provider.name.strip(),
            party_address=provider.address.strip(),
            party_representative=provider.representative.strip(),
            basis="receipt",
            purpose=None,
            items=items,
            subjects=subjects,
            consent_confirmed=False,
            actor=actor.id,
            how_acquired=how_acquired.strip(),
            contract_ref=contract_ref,
        )

    # helpers -------------------------------------------------------------------------------

    def _consented(self, recipient: str) -> list[str]:
        """Subjects whose current choice for the recipient is ``given``."""
        target = f"recipient:{recipient}"
        mark = "?" if self._store.dialect == "sqlite" else "%s"
        with self._store.transaction(write=False) as cur:
            cur.execute(
                f"SELECT subject_id, state FROM consent_current WHERE state LIKE {mark} "
                "ORDER BY subject_id",
                (f'%"{target}":["given"%',),
            )
            rows = cur.fetchall()
        return [
            str(sid)
            for sid, text in rows
            if consent_state.loads(text).get(target, [""])[0] == "given"
        ]

    def _published_before(
        self, recipient: str, chosen: list[str], excluded: dict[str, tuple[str, ...]]
    ) -> list[str]:
        """Joint use covers only data acquired after it was published (Art. 27(5)(iii))."""
        since = None
        for version in self._versions.history():
            r = version.policy.recipients.get(recipient)
            if r is not None and r.kind is RecipientKind.joint_user and r.joint_use is not None:
                since = version.published_at
                break
        keep: list[str] = []
        created = self._vault.created_at(chosen)
        for sid in chosen:
            at = created.get(sid)
            if since is None or at is None or at < since:
                excluded[sid] = ("acquired_before_joint_use",)
            else:
                keep.append(sid)
        return keep


def _basis(value: Basis | str, problems: dict[str, str]) -> Basis | None:
    try:
        how = Basis(value)
    except ValueError:
        problems["basis"] = "basis_unknown"
        return None
    if how is Basis.opt_out:
        problems["basis"] = "opt_out_not_supported"
        return None
    return how


def _check_declared(
    policy: Policy, target: Recipient, items: Sequence[str], purpose: str, problems: dict[str, str]
) -> None:
    if not items:
        problems["items"] = "items_required"
    elif any(i not in target.items for i in items):
        problems["items"] = "item_not_declared_for_recipient"
    if purpose not in policy.purposes:
        problems["purpose"] = "purpose_unknown"
    elif purpose not in target.purposes:
        problems["purpose"] = "purpose_not_declared_for_recipient"


def _check_basis(
    target: Recipient,
    how: Basis,
    ground: LegalGround | str | None,
    note: str | None,
    problems: dict[str, str],
) -> None:
    if how is Basis.outsourcing and target.kind is not RecipientKind.outsourcee:
        problems["basis"] = "recipient_not_outsourcee"
    if how is Basis.joint_use and (
        target.kind is not RecipientKind.joint_user or target.joint_use is None
    ):
        problems["basis"] = "recipient_not_joint_user"
    if how is Basis.legal:
        try:
            LegalGround(ground or "")
        except ValueError:
            problems["legal_ground"] = "legal_ground_required"
        if not (note and note.strip()):
            problems["note"] = "note_required"
        elif len(note) > _NOTE_MAX:
            problems["note"] = "too_long"


_EXPLAIN = {
    "opt_out_not_supported": (
        "provision by opt-out (Art. 27(2)) needs a filing with the PPC and is not done by "
        "mamori; use consent, or another basis that applies"
    ),
}


def _message(problems: Mapping[str, Any]) -> str:
    detail = ", ".join(f"{k}: {v}" for k, v in problems.items())
    extra = [_EXPLAIN[v] for v in problems.values() if v in _EXPLAIN]
    return f"not provided ({detail})" + (f": {extra[0]}" if extra else "")
