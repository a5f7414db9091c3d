"""Fulfilling a request: in mamori's vault and in every system of the data map.

Each kind is one function of :class:`Fulfiller`. Progress is stored on the request as it
goes (per system: done, or the error), so a failure leaves the request ``in_progress``
with the error, and running it again redoes only what is not done. Erasure works on the
external systems first (the person's identifying values are needed to find their rows)
and crypto-shreds the vault entry last.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mamori.access import Actor
from mamori.errors import Conflict, MamoriError
from mamori.policy.model import Normaliser, RequestKind
from mamori.requests.model import Request, RequestState
from mamori.requests.package import build_package

if TYPE_CHECKING:
    from mamori.core import Mamori

__all__ = ["Fulfiller", "identities_of"]


def identities_of(core: Mamori, subject: str, values: Mapping[str, str]) -> dict[str, list[str]]:
    """Candidate values of each identity item, as external systems may store them: the
    normal form, and for a Japanese phone number the national forms too."""
    policy = core.access().policy
    out: dict[str, list[str]] = {}
    for item, value in values.items():
        declared = policy.items.get(item)
        if declared is None:
            continue
        forms = [value]
        if declared.normaliser is Normaliser.phone and value.startswith("+81"):
            national = "0" + value[3:]
            forms += [national]
            if len(national) == 11:
                forms.append(f"{national[:3]}-{national[3:7]}-{national[7:]}")
            elif len(national) == 10:
                forms.append(f"{national[:2]}-{national[2:6]}-{national[6:]}")
        out[item] = forms
    return out


class Fulfiller:
    """Runs the fulfilment of one request through the core's services."""

    def __init__(self, core: Mamori) -> None:
        self._core = core

    def run(self, request_id: str, *, actor: str) -> Request:
        core = self._core
        desk = core.requests
        request = desk.get(request_id)
        if request.state is RequestState.verified:
            request = desk.start(request_id, actor=actor)
        if request.state is not RequestState.in_progress:
            raise Conflict(f"request {request_id} is {request.state.value}, not in progress")
        if request.subject is None:
            raise Conflict(f"request {request_id} has no verified subject")
        progress: dict[str, Any] = dict(request.result or {})
        try:
            handler = {
                RequestKind.disclosure: self._disclosure,
                RequestKind.provision_records: self._provision_records,
                RequestKind.correction: self._correction,
                RequestKind.erasure: self._erasure,
                RequestKind.suspension: self._suspension,
                RequestKind.stop_provision: self._stop_provision,
                RequestKind.purpose_notice: self._purpose_notice,
            }[request.kind]
            handler(request, progress, Actor(actor, _officer_role(core)))
        except MamoriError as exc:
            return desk.record_result(
                request_id,
                result=progress,
                error=f"{exc.code}: {exc.message}"[:2000],
                complete=False,
                actor=actor,
            )
        return desk.record_result(
            request_id, result=progress, error=None, complete=True, actor=actor
        )

    # kinds ---------------------------------------------------------------------------------

    def _values(self, request: Request, actor: Actor) -> dict[str, str]:
        assert request.subject is not None
        return self._core.vault.for_request(request.subject, None, request.id, actor)

    def _systems(self) -> list[str]:
        return sorted(self._core.access().policy.datasets)

    def _disclosure(self, request: Request, progress: dict[str, Any], actor: Actor) -> None:
        core = self._core
        assert request.subject is not None
        values = self._values(request, actor)
        identities = identities_of(core, request.subject, values)
        systems: dict[str, Any] = {}
        status = progress.setdefault("systems", {})
        for dataset in self._systems():
            with core.connector(dataset) as system:
                rows = system.disclose(identities, subject_id=request.subject)
            systems[dataset] = rows
            status[dataset] = "done"
        self._package(request, values, systems, progress)

    def _provision_records(self, request: Request, progress: dict[str, Any], actor: Actor) -> None:
        self._package(request, {}, {}, progress, records_only=True)

    def _package(
        self,
        request: Request,
        values: Mapping[str, str],
        systems: Mapping[str, Any],
        progress: dict[str, Any],
        *,
        records_only: bool = False,
    ) -> None:
        core = self._core
        assert request.subject is not None
        consents = [r.to_dict() for r in core.consent.history(request.subject)]
        recipients = [c for c in consents if not c["target"].startswith("purpose:")]
        suspensions = [e.to_dict() for e in core.suspensions.history(request.subject)]
        body = build_package(
            request_id=request.id,
            subject=request.subject,
            policy=core.access().policy,
            values={} if records_only else values,
            systems={} if records_only else systems,
            consents=recipients if records_only else consents,
            suspensions=[] if records_only else suspensions,
            provision_records=[r.to_dict() for r in core.records.for_subject(request.subject)],
            generated_at=core.clock.now().isoformat(),
        )
        core.requests.store_package(request.id, body)
        progress["package"] = {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
        self._tell(request, "request_result", {"kind": request.kind.value})

    def _correction(self, request: Request, progress: dict[str, Any], actor: Actor) -> None:
        core = self._core
        assert request.subject is not None
        asked = core.requests.details(request).get("values", {})
        policy = core.access().policy
        status = progress.setdefault("systems", {})
        if status.get("vault") != "done":
            vault_items = {k: v for k, v in asked.items() if k in policy.items}
            values = self._values(request, actor)  # before: to find rows outside
            progress["identities_before"] = sorted(values)
            core.vault.correct(request.subject, vault_items, actor, reason=f"request {request.id}")
            status["vault"] = "done"
        else:
            values = self._values(request, actor)
        identities = identities_of(core, request.subject, values)
        changed: dict[str, list[str]] = {}
        for dataset in self._systems():
            if status.get(dataset) == "done":
                continue
            with core.connector(dataset) as system:
                report = system.correct(identities, asked, subject_id=request.subject)
            changed[dataset] = sorted(
                f"{table}.{column}" for table, cols in report.columns.items() for column in cols
            )
            status[dataset] = "done"
        progress["changed_items"] = sorted(asked)
        progress.setdefault("changed_columns", {}).update(changed)
        self._tell(request, "request_result", {"kind": "correction", "items": sorted(asked)})

    def _erasure(self, request: Request, progress: dict[str, Any], actor: Actor) -> None:
        core = self._core
        assert request.subject is not None
        status = progress.setdefault("systems", {})
        if status.get("vault") == "done":
            return
        values = self._values(request, actor)
        identities = identities_of(core, request.subject, values)
        for dataset in self._systems():
            if status.get(dataset) == "done":
                continue
            try:
                with core.connector(dataset) as system:
                    report = system.erase(identities, subject_id=request.subject)
            except MamoriError as exc:
                status[dataset] = f"failed: {exc.code}"
                raise
            status[dataset] = "done"
            progress.setdefault("erased", {})[dataset] = report.to_dict()
        core.vault.erase(request.subject, actor, reason=f"request {request.id}")
        status["vault"] = "done"

    def _suspension(self, request: Request, progress: dict[str, Any], actor: Actor) -> None:
        core = self._core
        assert request.subject is not None
        asked = core.requests.details(request)
        try:
            event = core.suspensions.suspend(
                request.subject,
                asked.get("scope", "all"),
                asked.get("reason", "rights_at_risk"),
                actor=actor.id,
                request_id=request.id,
            )
            progress["suspension"] = event.suspension_id
        except Conflict:
            progress["suspension"] = "already_suspended"
        self._tell(request, "request_result", {"kind": "suspension"})

    def _stop_provision(self, request: Request, progress: dict[str, Any], actor: Actor) -> None:
        core = self._core
        assert request.subject is not None
        asked = core.requests.details(request)
        with contextlib.suppress(Conflict):
            core.suspensions.suspend(
                request.subject,
                "provision",
                asked.get("reason", "provision_without_consent"),
                actor=actor.id,
                request_id=request.id,
            )
        state = core.consent.state(request.subject)
        withdrawn = []
        for target, choice in state.items():
            if target.startswith(("recipient:", "referable:")) and choice.given:
                if asked.get("recipients") and target.split(":", 1)[1] not in asked["recipients"]:
                    continue
                core.consent.withdraw(request.subject, target, actor=actor.id, method="api")
                withdrawn.append(target)
        progress["withdrawn"] = withdrawn
        self._tell(request, "request_result", {"kind": "stop_provision"})

    def _purpose_notice(self, request: Request, progress: dict[str, Any], actor: Actor) -> None:
        self._tell(request, "request_result", {"kind": "purpose_notice"})
        progress["notified"] = True

    def _tell(self, request: Request, template: str, context: dict[str, Any]) -> None:
        """Tell the person the result at their registered email (if they have one)."""
        core = self._core
        assert request.subject is not None
        policy = core.access().policy
        email = next((i for i, d in policy.items.items() if d.normaliser is Normaliser.email), None)
        if email is None:
            return
        try:
            address = core.vault.for_request(
                request.subject, [email], request.id, Actor("system", _officer_role(core))
            ).get(email)
        except MamoriError:
            return  # erased: nobody to write to
        if address is None:
            return
        lang = core.settings.default_lang
        core.notifier.send(
            to=address,
            template=template,
            lang=lang,
            context={
                **context,
                "request": request.id,
                "controller": policy.controller.name.ja
                if lang == "ja"
                else (policy.controller.name.en or policy.controller.name.ja),
                "purposes": [
                    (p.label.ja if lang == "ja" else (p.label.en or p.label.ja))
                    for p in policy.purposes.values()
                ],
                "items": context.get("items", []),
                "date": core.today().isoformat(),
            },
            actor="system",
            subject_id=request.subject,
        )


def _officer_role(core: Mamori) -> str:
    policy = core.access().policy
    return policy.officer_role or ""
