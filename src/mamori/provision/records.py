"""The records of Art. 29 (provision), Art. 30 (receipt) and Art. 31 (personally referable
information): written with each provision or receipt, kept for their legal periods
(Rule 14, 18, 28: three years; one year from the last provision where a contract serves as
the record), disclosable to the person (Art. 33(5)), removed when the period ends."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from mamori.audit import AuditEvent, AuditLog
from mamori.clock import Clock
from mamori.errors import NotFound
from mamori.ids import random_id
from mamori.provision.model import ProvisionRecord, RecordKind
from mamori.store import Store, read_date, read_time

__all__ = ["ProvisionRecords", "keep_until"]

_COLUMNS = (
    "id, kind, party, party_name, party_address, party_representative, basis, purpose, items, "
    "consent_confirmed, how_acquired, contract_ref, first_date, last_date, subjects, "
    "keep_until, created_by, created_at"
)
_CHUNK = 500


def keep_until(last: dt.date, contract: bool) -> dt.date:
    """The last day a record is kept: 1 year after the last provision when a contract
    serves as the record, 3 years otherwise."""
    years = 1 if contract else 3
    try:
        return last.replace(year=last.year + years)
    except ValueError:  # 29 February
        return last.replace(year=last.year + years, day=28)


def new_record_id() -> str:
    return random_id("pr_")


class ProvisionRecords:
    def __init__(
        self, store: Store, audit: AuditLog, clock: Clock, today: Callable[[], dt.date]
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self._today = today

    def write(
        self,
        *,
        kind: RecordKind,
        party: str,
        party_name: str,
        party_address: str,
        party_representative: str,
        basis: str,
        purpose: str | None,
        items: Sequence[str],
        subjects: Sequence[str],
        consent_confirmed: bool,
        actor: str,
        how_acquired: str | None = None,
        contract_ref: str | None = None,
        record_id: str | None = None,
    ) -> str:
        """Write a record, or, for a continuous provision under a contract (the same
        kind, party, basis and contract, still kept), extend that bulk record: its last
        date moves and the new subjects are added."""
        today = self._today()
        with self._store.transaction() as cur:
            existing = None
            if contract_ref:
                cur.execute(
                    self._store.sql(
                        "SELECT id, first_date FROM provision_records WHERE kind = ? AND "
                        "party = ? AND basis = ? AND contract_ref = ? AND keep_until >= ? "
                        "ORDER BY first_date DESC"
                    ),
                    (kind.value, party, basis, contract_ref, self._store.date_param(today)),
                )
                existing = cur.fetchone()
            if existing is not None:
                ident = str(existing[0])
                cur.execute(
                    self._store.sql(
                        "UPDATE provision_records SET last_date = ?, keep_until = ? WHERE id = ?"
                    ),
                    (
                        self._store.date_param(today),
                        self._store.date_param(keep_until(today, True)),
                        ident,
                    ),
                )
            else:
                day = self._store.date_param(today)
                ident = record_id or new_record_id()
                cur.execute(
                    self._store.sql(
                        f"INSERT INTO provision_records ({_COLUMNS}) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)"
                    ),
                    (
                        ident, kind.value, party, party_name, party_address,
                        party_representative, basis, purpose, json.dumps(list(items)),
                        consent_confirmed, how_acquired, contract_ref, day, day,
                        self._store.date_param(keep_until(today, bool(contract_ref))),
                        actor, self._store.timestamp(self._clock.now()),
                    ),
                )  # fmt: skip
            insert = (
                "INSERT INTO provision_record_subjects (record_id, subject_id) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING"
            )
            cur.executemany(self._store.sql(insert), [(ident, s) for s in dict.fromkeys(subjects)])
            cur.execute(
                self._store.sql(
                    "UPDATE provision_records SET subjects = (SELECT count(*) FROM "
                    "provision_record_subjects WHERE record_id = ?) WHERE id = ?"
                ),
                (ident, ident),
            )
            event = AuditEvent(
                actor=actor,
                action="record",
                purpose=purpose,
                items=tuple(items),
                detail={"record": ident, "kind": kind.value, "party": party[:64],
                        "subjects": len(subjects)},
            )  # fmt: skip
            self._audit.append_cursor(cur, self._store.dialect, [event], entries=False)
        return ident

    def bulk_record(
        self, kind: RecordKind, party: str, basis: str, contract_ref: str | None
    ) -> str | None:
        """The bulk record a provision under ``contract_ref`` would extend, if one is kept."""
        if not contract_ref:
            return None
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    "SELECT id FROM provision_records WHERE kind = ? AND party = ? AND basis = ? "
                    "AND contract_ref = ? AND keep_until >= ? ORDER BY first_date DESC"
                ),
                (kind.value, party, basis, contract_ref, self._store.date_param(self._today())),
            )
            row = cur.fetchone()
        return None if row is None else str(row[0])

    def get(self, record_id: str) -> ProvisionRecord:
        found = self._select("id = ?", (record_id,))
        if not found:
            raise NotFound(f"no provision record '{record_id}'")
        return found[0]

    def subjects_of(self, record_id: str) -> list[str]:
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    "SELECT subject_id FROM provision_record_subjects WHERE record_id = ? "
                    "ORDER BY subject_id"
                ),
                (record_id,),
            )
            return [str(r[0]) for r in cur.fetchall()]

    def for_subject(self, subject: str) -> list[ProvisionRecord]:
        """Every record that covers ``subject`` (Art. 33(5): the person may ask for them)."""
        return self._select(
            "id IN (SELECT record_id FROM provision_record_subjects WHERE subject_id = ?)",
            (subject,),
        )

    def query(
        self,
        *,
        kind: RecordKind | str | None = None,
        subject: str | None = None,
        expiring_within: int | None = None,
    ) -> list[ProvisionRecord]:
        clauses: list[str] = []
        params: list[object] = []
        if kind is not None:
            clauses.append("kind = ?")
            params.append(RecordKind(kind).value)
        if subject is not None:
            clauses.append(
                "id IN (SELECT record_id FROM provision_record_subjects WHERE subject_id = ?)"
            )
            params.append(subject)
        if expiring_within is not None:
            clauses.append("keep_until <= ?")
            params.append(
                self._store.date_param(self._today() + dt.timedelta(days=expiring_within))
            )
        return self._select(" AND ".join(clauses) or "1 = 1", tuple(params))

    def purge_expired(self, *, actor: str) -> list[str]:
        """Remove the records whose period has ended (each removal audited)."""
        today = self._today()
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql("SELECT id, kind FROM provision_records WHERE keep_until < ?"),
                (self._store.date_param(today),),
            )
            expired = [(str(r[0]), str(r[1])) for r in cur.fetchall()]
            for start in range(0, len(expired), _CHUNK):
                part = [i for i, _ in expired[start : start + _CHUNK]]
                marks = ", ".join(["?"] * len(part))
                cur.execute(
                    self._store.sql(
                        f"DELETE FROM provision_record_subjects WHERE record_id IN ({marks})"
                    ),
                    part,
                )
                cur.execute(
                    self._store.sql(f"DELETE FROM provision_records WHERE id IN ({marks})"), part
                )
            events = [
                AuditEvent(
                    actor=actor,
                    action="record_purge",
                    detail={"record": ident, "kind": kind, "reason": "retention_ended"},
                )
                for ident, kind in expired
            ]
            self._audit.append_cursor(cur, self._store.dialect, events, entries=False)
        return [i for i, _ in expired]

    def _select(self, where: str, params: tuple[Any, ...]) -> list[ProvisionRecord]:
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    f"SELECT {_COLUMNS} FROM provision_records WHERE {where} "
                    "ORDER BY first_date, id"
                ),
                params,
            )
            rows = cur.fetchall()
        return [_record(r) for r in rows]


def _record(row: Sequence[Any]) -> ProvisionRecord:
    (ident, kind, party, name, address, rep, basis, purpose, items, confirmed, how,
     contract, first, last, subjects, keep, by, at) = row  # fmt: skip
    return ProvisionRecord(
        id=ident,
        kind=RecordKind(kind),
        party=party,
        party_name=name,
        party_address=address,
        party_representative=rep,
        basis=basis,
        purpose=purpose,
        items=tuple(json.loads(items)),
        consent_confirmed=bool(confirmed),
        how_acquired=how,
        contract_ref=contract,
        first_date=read_date(first),
        last_date=read_date(last),
        subjects=int(subjects),
        keep_until=read_date(keep),
        created_by=by,
        created_at=read_time(at),
    )
