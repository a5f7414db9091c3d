"""``LocalKeyring``: key-encryption keys in a local JSON file, readable by its owner only.

The file::

    {"format": 1, "primary": "kek-…",
     "keys": [{"id": "kek-…", "created": "2026-…", "key": "<base64>", "retired": null}]}

It is created with mode 0600 and never overwritten; every change is written to a new file
that replaces the old one atomically (mode 0600). Retiring a key deletes its material and
keeps its id and retirement time. Another process (the web server) notices a rotation: it
rereads the file before wrapping (once per batch) and when asked for a key it does not hold yet.
"""

from __future__ import annotations

import os
import secrets
import stat
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from mamori.clock import Clock, SystemClock
from mamori.errors import ConfigError, Conflict, NotFound
from mamori.keys._errors import UnwrapError
from mamori.keys._kek import KekCipher, KekInfo, Rewrap
from mamori.keys._keyfile_format import Entry, dump, parse
from mamori.keys._secret import Secret, SecretBytes

__all__ = ["LocalKeyring"]

_MAX_BYTES = 1024 * 1024


def _new_entry(clock: Clock, taken: set[str]) -> Entry:
    while (kek_id := f"kek-{secrets.token_hex(6)}") in taken:
        pass
    return Entry(kek_id, clock.now(), SecretBytes(os.urandom(32), kek_id), None)


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600, refusing if anything is already there."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(
            f"key file {path} already exists; mamori never overwrites keys "
            "(data wrapped by them would become unreadable)"
        ) from None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a new 0600 file beside ``path`` and move it over ``path``."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    _write_new(tmp, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read(path: Path) -> tuple[bytes, tuple[int, int, int]]:
    """The file's bytes and identity, refusing a file others can read."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise ConfigError(
            f"key file {path} does not exist: run `mamori init` to create it "
            "(or set key_file, MAMORI_KEK or vault_addr)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"key file {path} cannot be opened: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"key file {path} is not a regular file")
        mode = stat.S_IMODE(st.st_mode)
        if os.name == "posix" and mode & 0o077:
            raise ConfigError(
                f"key file {path} has mode {mode:04o}: group and others can access it; "
                f"only its owner may: run `chmod 600 {path}`"
            )
        if st.st_size > _MAX_BYTES:
            raise ConfigError(f"key file {path} is malformed: larger than {_MAX_BYTES} bytes")
        return fh.read(_MAX_BYTES + 1), (st.st_ino, st.st_mtime_ns, st.st_size)


@dataclass(frozen=True)
class _State:
    """One reading of the file, swapped in whole so threads never see half of two."""

    primary: str
    entries: tuple[Entry, ...]
    ciphers: dict[str, KekCipher]
    stamp: tuple[int, int, int] | None


class LocalKeyring(Secret):
    """Key-encryption keys in a local file. Use :meth:`create` or :meth:`load`."""

    __slots__ = ("_clock", "_lock", "_path", "_state")

    def __init__(self, path: Path, clock: Clock) -> None:
        self._path = path
        self._clock = clock
        self._lock = threading.RLock()
        self._state = _State("", (), {}, None)

    @classmethod
    def create(cls, path: str | Path, clock: Clock | None = None) -> LocalKeyring:
        """Create a new key file (mode 0600) with one key; refuse if the file exists."""
        ring = cls(Path(path), clock or SystemClock())
        entry = _new_entry(ring._clock, set())
        _write_new(ring._path, dump(entry.id, [entry]))
        ring._reload()
        return ring

    @classmethod
    def load(cls, path: str | Path, clock: Clock | None = None) -> LocalKeyring:
        """Read an existing key file; refuse one that group or others can read."""
        ring = cls(Path(path), clock or SystemClock())
        ring._reload()
        return ring

    @property
    def path(self) -> Path:
        return self._path

    def _label(self) -> str:
        return f"{self._path} primary={self._state.primary}"

    def _reload(self) -> None:
        data, stamp = _read(self._path)
        primary, entries = parse(self._path, data)
        ciphers = {e.id: KekCipher(e.id, e.key.expose()) for e in entries if e.key is not None}
        self._state = _State(primary, tuple(entries), ciphers, stamp)

    def _current(self) -> _State:
        """The state, reread first if another process changed the file."""
        with self._lock:
            try:
                st = os.stat(self._path)
            except OSError:
                st = None
            if st is None or (st.st_ino, st.st_mtime_ns, st.st_size) != self._state.stamp:
                self._reload()
            return self._state

    def _save(self, primary: str, entries: list[Entry]) -> None:
        _replace(self._path, dump(primary, entries))
        self._reload()

    @property
    def primary_id(self) -> str:
        return self._current().primary

    def wrap(self, plaintext: bytes, context: bytes) -> tuple[str, bytes]:
        state = self._current()
        return state.primary, state.ciphers[state.primary].wrap(plaintext, context)

    def wrap_many(self, items: Sequence[tuple[bytes, bytes]]) -> tuple[str, list[bytes]]:
        """Like ``wrap`` for each pair, with one look at the file for the whole batch."""
        state = self._current()
        return state.primary, state.ciphers[state.primary].wrap_many(items)

    def unwrap(self, kek_id: str, blob: bytes, context: bytes) -> bytes:
        cipher = self._state.ciphers.get(kek_id)
        if cipher is None:  # a rotation in another process may have added it
            cipher = self._current().ciphers.get(kek_id)
            if cipher is None:
                raise UnwrapError(kek_id)
        return cipher.unwrap(blob, context)

    def rewrap(self, items: Sequence[Rewrap]) -> list[tuple[str, bytes]]:
        state = self._current()
        primary = state.ciphers[state.primary]
        return [
            (state.primary, primary.wrap(self.unwrap(kek_id, blob, context), context))
            for kek_id, blob, context in items
        ]

    def rotate(self) -> str:
        with self._lock:
            state = self._current()
            entry = _new_entry(self._clock, {e.id for e in state.entries})
            self._save(entry.id, [*state.entries, entry])
            return entry.id

    def retire(self, kek_id: str) -> None:
        with self._lock:
            state = self._current()
            found = [e for e in state.entries if e.id == kek_id]
            if not found:
                raise NotFound(f"key-encryption key '{kek_id}' is not in {self._path}")
            if kek_id == state.primary:
                raise Conflict(f"'{kek_id}' is the primary key-encryption key: rotate first")
            if found[0].retired is not None:
                return
            now = self._clock.now()
            entries = [
                replace(e, key=None, retired=now) if e.id == kek_id else e for e in state.entries
            ]
            self._save(state.primary, entries)

    def ids(self) -> list[str]:
        return [e.id for e in self._current().entries if e.retired is None]

    def describe(self) -> list[KekInfo]:
        state = self._current()
        return [
            KekInfo(e.id, e.created, e.id == state.primary, e.retired is not None, e.retired)
            for e in state.entries
        ]
