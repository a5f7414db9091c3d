"""``Keyring``: the keys the rest of mamori uses, all wrapped by the key-encryption key.

- a data key per subject (:meth:`Keyring.new_data_key`, :meth:`Keyring.new_data_keys` for a
  batch, :meth:`Keyring.open_data_key`), the
  wrap bound to the subject and key id, opened keys kept in an LRU cache;
- service keys in ``service_keys``, made on first use: ``blind_index`` (HMAC-SHA256) and
  ``audit_signing`` (Ed25519);
- rotation of the KEK (:meth:`Keyring.rotate`) and a status per KEK (:meth:`Keyring.status`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from mamori.clock import Clock
from mamori.keys import _wrapped
from mamori.keys._aead import DataKey, generate_many
from mamori.keys._blind import BlindIndex
from mamori.keys._factory import provider_from_settings
from mamori.keys._kek import KekProvider
from mamori.keys._secret import Secret, SecretBytes
from mamori.keys._values import KeyStatus, RotationReport, WrappedDataKey
from mamori.settings import Settings
from mamori.store import Store

__all__ = ["AUDIT_SIGNING", "BLIND_INDEX", "CODES", "MASKS", "SEALING", "Keyring"]

BLIND_INDEX = "blind_index"
AUDIT_SIGNING = "audit_signing"
# Keys of mamori's own records: request payloads and packages (AES-256-GCM), verification
# codes (HMAC), masks written into external systems at erasure (HMAC).
SEALING = "sealing"
CODES = "codes"
MASKS = "masks"
Progress = Callable[[int, int], None]


def _make_service_key(name: str) -> tuple[str, SecretBytes]:
    if name == AUDIT_SIGNING:
        private = Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes_raw()
        key_id = "ed25519-" + hashlib.sha256(public).hexdigest()[:16]
        return key_id, SecretBytes(private.private_bytes_raw(), key_id)
    key_id = "hmac-" + secrets.token_hex(8)
    return key_id, SecretBytes(os.urandom(32), key_id)


class Keyring(Secret):
    """Data keys, service keys and KEK rotation over one store and one KEK provider."""

    __slots__ = (
        "_blind",
        "_cache",
        "_cache_size",
        "_clock",
        "_lock",
        "_macs",
        "_provider",
        "_services",
        "_signer",
        "_store",
    )

    def __init__(
        self, provider: KekProvider, store: Store, clock: Clock, *, cache_size: int = 50_000
    ) -> None:
        self._provider = provider
        self._store = store
        self._clock = clock
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[bytes, DataKey]] = OrderedDict()
        self._services: dict[str, tuple[str, SecretBytes]] = {}
        self._blind: BlindIndex | None = None
        self._macs: dict[str, BlindIndex] = {}
        self._signer: tuple[str, Ed25519PrivateKey] | None = None
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: Settings, store: Store, clock: Clock) -> Keyring:
        return cls(provider_from_settings(settings, clock), store, clock)

    def _label(self) -> str:
        return f"provider={self._provider!r}"

    @property
    def provider(self) -> KekProvider:
        return self._provider

    # data keys ---------------------------------------------------------------------------

    def new_data_key(self, subject_id: str) -> tuple[DataKey, WrappedDataKey]:
        """A fresh data key for ``subject_id`` and its wrapped form, to store in its subject row."""
        [(raw, key_id, key)] = generate_many(1)
        kek_id, blob = self._provider.wrap(raw, _wrapped.data_key_context(subject_id, key_id))
        self._remember(subject_id, key)
        return key, WrappedDataKey(key_id, kek_id, blob)

    def new_data_keys(self, subject_ids: Sequence[str]) -> list[tuple[DataKey, WrappedDataKey]]:
        """A fresh data key and its wrapped form for each subject, in order: the same as
        :meth:`new_data_key` per subject, with the random bytes drawn once and one call to
        the KEK provider (one request to Vault) for the whole batch."""
        if not subject_ids:
            return []
        made = generate_many(len(subject_ids))
        context = _wrapped.data_key_context
        kek_id, blobs = self._provider.wrap_many(
            [
                (raw, context(sid, key_id))
                for sid, (raw, key_id, _) in zip(subject_ids, made, strict=True)
            ]
        )
        out = [
            (key, WrappedDataKey(key_id, kek_id, blob))
            for (_, key_id, key), blob in zip(made, blobs, strict=True)
        ]
        if self._cache_size > 0:
            with self._lock:
                cache = self._cache
                for sid, (_, key_id, key) in zip(subject_ids, made, strict=True):
                    cache[sid] = (key_id, key)
                    cache.move_to_end(sid)
                while len(cache) > self._cache_size:
                    cache.popitem(last=False)
        return out

    def open_data_key(self, subject_id: str, key_id: bytes, kek_id: str, wrapped: bytes) -> DataKey:
        """The subject's data key from its subject row (cached); UnwrapError if it fails."""
        with self._lock:
            hit = self._cache.get(subject_id)
            if hit is not None and hit[0] == key_id:
                self._cache.move_to_end(subject_id)
                return hit[1]
        context = _wrapped.data_key_context(subject_id, key_id)
        key = DataKey(self._provider.unwrap(kek_id, wrapped, context), key_id)
        self._remember(subject_id, key)
        return key

    def _remember(self, subject_id: str, key: DataKey) -> None:
        if self._cache_size <= 0:
            return
        with self._lock:
            self._cache[subject_id] = (key.key_id, key)
            self._cache.move_to_end(subject_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def forget(self, subject_id: str) -> None:
        """Drop the subject's opened data key from memory (at erasure)."""
        with self._lock:
            self._cache.pop(subject_id, None)

    # service keys ------------------------------------------------------------------------

    def _service_key(self, name: str) -> tuple[str, SecretBytes]:
        with self._lock:
            if name in self._services:
                return self._services[name]
            table = _wrapped.SERVICE_KEYS.table
            query = select(table.c.key_id, table.c.kek_id, table.c.wrapped).where(
                table.c.name == name
            )
            with self._store.engine.connect() as conn:
                row = conn.execute(query).first()
            if row is None:
                key_id, raw = _make_service_key(name)
                kek_id, blob = self._provider.wrap(
                    raw.expose(), _wrapped.service_key_context(name, key_id)
                )
                values = {"name": name, "key_id": key_id, "kek_id": kek_id, "wrapped": blob}
                try:
                    with self._store.engine.begin() as conn:
                        conn.execute(insert(table).values(created_at=self._clock.now(), **values))
                except IntegrityError:  # another process made it first: use theirs
                    return self._service_key(name)
                self._services[name] = (key_id, raw)
                return self._services[name]
            context = _wrapped.service_key_context(name, row.key_id)
            material = self._provider.unwrap(row.kek_id, row.wrapped, context)
            self._services[name] = (row.key_id, SecretBytes(material, row.key_id))
            return self._services[name]

    def ensure_service_keys(self) -> None:
        """Make (or load) every service key now. Call it at setup (``mamori init``): the
        first use otherwise writes a service_keys row in its own transaction, which on
        SQLite must not happen while the caller holds a write transaction."""
        self.blind_index()
        self.audit_signer()
        for name in (SEALING, CODES, MASKS):
            self._service_key(name)

    def sealer(self) -> DataKey:
        """The AES-256-GCM key that seals mamori's own records (request payloads,
        disclosure packages); use it with associated data naming the record."""
        key_id, raw = self._service_key(SEALING)
        return DataKey(raw, hashlib.sha256(key_id.encode()).digest()[:8])

    def mac(self, name: str) -> BlindIndex:
        """An HMAC key for ``codes`` (verification codes) or ``masks`` (erasure masks)."""
        if name not in (CODES, MASKS):
            raise ValueError("mac() serves the codes and masks keys")
        mac = self._macs.get(name)
        if mac is None:
            key_id, raw = self._service_key(name)
            mac = self._macs[name] = BlindIndex(raw.expose(), key_id)
        return mac

    def blind_index(self) -> BlindIndex:
        """The HMAC key of blind indexes (made on first use)."""
        if self._blind is None:
            key_id, raw = self._service_key(BLIND_INDEX)
            self._blind = BlindIndex(raw.expose(), key_id)
        return self._blind

    def audit_signer(self) -> tuple[str, Ed25519PrivateKey]:
        """The audit checkpoint signing key: (its id, the Ed25519 private key)."""
        if self._signer is None:
            key_id, raw = self._service_key(AUDIT_SIGNING)
            self._signer = key_id, Ed25519PrivateKey.from_private_bytes(raw.expose())
        return self._signer

    def audit_public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key that verifies audit checkpoints."""
        return self.audit_signer()[1].public_key().public_bytes_raw()

    # rotation and status -----------------------------------------------------------------

    def rotate(self, batch_size: int = 1000, progress: Progress | None = None) -> RotationReport:
        """Make a new primary KEK, rewrap every key under it, then retire the old KEKs.

        If an earlier rotation is unfinished (the provider still holds an old KEK that is
        not retired), this finishes it instead of making yet another KEK; the report says
        ``resumed``. Each batch is its own short transaction, and old KEKs keep unwrapping
        until none is referenced, so reads go on during the rotation.
        """
        started = time.perf_counter()
        primary = self._provider.primary_id
        if any(kek_id != primary for kek_id in self._provider.ids()):
            return self._finish(started, batch_size, progress, resumed=True)
        self._provider.rotate()
        return self._finish(started, batch_size, progress, resumed=False)

    def finish_rotation(
        self, batch_size: int = 1000, progress: Progress | None = None
    ) -> RotationReport:
        """Rewrap keys not under the primary KEK and retire unused old KEKs; no new KEK."""
        return self._finish(time.perf_counter(), batch_size, progress, resumed=True)

    def _finish(
        self, started: float, batch_size: int, progress: Progress | None, *, resumed: bool
    ) -> RotationReport:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        engine, provider = self._store.engine, self._provider
        new = provider.primary_id
        counts = _wrapped.references(engine)
        old = sorted({k for k in counts if k != new} | {k for k in provider.ids() if k != new})
        total = sum(dk + sk for kek_id, (dk, sk) in counts.items() if kek_id != new)
        done = 0

        def on_batch(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, max(total, done))

        if progress is not None:
            progress(0, total)
        remaining = total
        for _ in range(3):  # later passes catch keys written under an old KEK meanwhile
            new = provider.primary_id
            moved = sum(
                source.rewrap_pass(engine, provider, new, batch_size, on_batch)
                for source in (_wrapped.SERVICE_KEYS, _wrapped.DATA_KEYS)
            )
            remaining = _wrapped.pending(engine, new)
            if remaining == 0 or moved == 0:
                break
            total = done + remaining
        retired: list[str] = []
        if remaining == 0:
            for kek_id in provider.ids():
                if kek_id != new:
                    provider.retire(kek_id)
                    retired.append(kek_id)
        seconds = time.perf_counter() - started
        return RotationReport(tuple(old), new, done, seconds, resumed, tuple(retired), remaining)

    def status(self) -> list[KeyStatus]:
        """Each KEK: created, age, primary, retired, and the data and service keys it wraps."""
        counts = _wrapped.references(self._store.engine)
        now = self._clock.now()
        out = []
        for info in self._provider.describe():
            dk, sk = counts.pop(info.id, (0, 0))
            age = (now - info.created).days if info.created is not None else None
            out.append(KeyStatus(info.id, info.created, age, info.primary, info.retired, dk, sk))
        for kek_id, (dk, sk) in sorted(counts.items()):
            out.append(KeyStatus(kek_id, None, None, False, False, dk, sk, missing=True))
        return out
