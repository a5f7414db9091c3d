"""``VaultTransitKek``: key-encryption keys kept in HashiCorp Vault's transit engine.

Vault never hands out the KEK; mamori sends a data key to ``transit/encrypt`` and keeps the
``vault:vN:…`` ciphertext. The KEK id is ``vault:{mount}/{key}:vN``, read from the
ciphertext. The context is bound inside the plaintext (a SHA-256 digest before the key,
checked on unwrap), which works on every Vault version and key type and lets
``transit/rewrap`` move blobs to the newest version without mamori seeing the keys.
Retiring a version raises the key's ``min_decryption_version`` (Vault keeps the material,
so the step can be undone in Vault). ``hvac`` is imported only by :func:`vault_from_settings`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from typing import Any

from mamori.errors import ConfigError, Conflict, SettingMissing
from mamori.keys._errors import KeyProviderError, UnwrapError
from mamori.keys._kek import KekInfo, Rewrap
from mamori.keys._secret import Secret

__all__ = ["VaultTransitKek", "vault_from_settings"]

_CIPHERTEXT = re.compile(r"vault:v(\d+):")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bind(context: bytes) -> bytes:
    return hashlib.sha256(b"mamori:vault-context:v1\x00" + context).digest()


def _rejected(exc: Exception) -> bool:
    """Vault answered 400 (e.g. the ciphertext does not authenticate), not an outage."""
    try:
        from hvac.exceptions import InvalidRequest
    except ImportError:  # pragma: no cover - hvac is installed with the vault extra
        return False
    return isinstance(exc, InvalidRequest)


def _missing(exc: Exception) -> bool:
    try:
        from hvac.exceptions import InvalidPath
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, InvalidPath)


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, dict):
        value = value.get("creation_time")
    if isinstance(value, int):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


class VaultTransitKek(Secret):
    """KEKs as versions of one Vault transit key. ``client`` is an ``hvac.Client``."""

    __slots__ = ("_client", "key_name", "mount")

    def __init__(self, client: Any, mount: str = "transit", key_name: str = "mamori") -> None:
        self._client = client
        self.mount = mount
        self.key_name = key_name

    def _label(self) -> str:
        return f"{self.mount}/{self.key_name}"

    def _id(self, version: int) -> str:
        return f"vault:{self.mount}/{self.key_name}:v{version}"

    def _version(self, kek_id: str) -> int:
        prefix = self._id(0)[:-1]
        if not kek_id.startswith(prefix) or not kek_id[len(prefix) :].isdigit():
            raise UnwrapError(kek_id)
        return int(kek_id[len(prefix) :])

    def _call(
        self, what: str, method: Callable[..., Any], *, unwrapping: str = "", **kwargs: Any
    ) -> dict[str, Any]:
        """Call Vault. A 400 answer while ``unwrapping`` is UnwrapError; the rest an outage."""
        try:
            answer = method(name=self.key_name, mount_point=self.mount, **kwargs)
        except Exception as exc:
            if unwrapping and _rejected(exc):
                raise UnwrapError(unwrapping) from None
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            hint = (
                f" (does the key exist? `vault write -f {self.mount}/keys/{self.key_name}`)"
                if _missing(exc)
                else ""
            )
            raise KeyProviderError(
                f"Vault transit {what} with key {self._label()} failed: "
                f"{type(exc).__name__}{': ' + first if first else ''}{hint}"
            ) from None
        data = answer.get("data") if isinstance(answer, dict) else None
        return data if isinstance(data, dict) else {}

    def _key(self) -> dict[str, Any]:
        key = self._call("read_key", self._client.secrets.transit.read_key)
        if "latest_version" not in key:
            raise KeyProviderError(f"Vault transit read_key of {self._label()} gave no versions")
        return key

    @property
    def primary_id(self) -> str:
        return self._id(int(self._key()["latest_version"]))

    def wrap(self, plaintext: bytes, context: bytes) -> tuple[str, bytes]:
        data = self._call(
            "encrypt",
            self._client.secrets.transit.encrypt_data,
            plaintext=_b64(_bind(context) + plaintext),
        )
        ciphertext = str(data.get("ciphertext", ""))
        found = _CIPHERTEXT.match(ciphertext)
        if found is None:
            raise KeyProviderError(f"Vault transit encrypt with {self._label()} gave no ciphertext")
        return self._id(int(found.group(1))), ciphertext.encode("ascii")

    def wrap_many(self, items: Sequence[tuple[bytes, bytes]]) -> tuple[str, list[bytes]]:
        """One ``transit/encrypt`` request with ``batch_input`` for the whole batch. Vault
        encrypts a batch under one key version; answers under more than one are refused."""
        if not items:
            return self.primary_id, []
        batch = [{"plaintext": _b64(_bind(context) + plaintext)} for plaintext, context in items]
        data = self._call(
            "encrypt",
            self._client.secrets.transit.encrypt_data,
            plaintext="",
            batch_input=batch,
        )
        results = data.get("batch_results")
        if not isinstance(results, list) or len(results) != len(items):
            raise KeyProviderError(
                f"Vault transit encrypt with {self._label()} gave a wrong number of results"
            )
        versions: set[int] = set()
        blobs: list[bytes] = []
        for result in results:
            ciphertext = str(result.get("ciphertext", "")) if isinstance(result, dict) else ""
            found = _CIPHERTEXT.match(ciphertext)
            if found is None or result.get("error"):
                raise KeyProviderError(
                    f"Vault transit encrypt with {self._label()} gave no ciphertext"
                )
            versions.add(int(found.group(1)))
            blobs.append(ciphertext.encode("ascii"))
        if len(versions) != 1:
            raise KeyProviderError(
                f"Vault transit encrypt with {self._label()} used more than one key version"
            )
        return self._id(versions.pop()), blobs

    def unwrap(self, kek_id: str, blob: bytes, context: bytes) -> bytes:
        version = self._version(kek_id)
        text = blob.decode("ascii", "replace")
        found = _CIPHERTEXT.match(text)
        if found is None or int(found.group(1)) != version:
            raise UnwrapError(kek_id)
        data = self._call(
            "decrypt",
            self._client.secrets.transit.decrypt_data,
            unwrapping=kek_id,
            ciphertext=text,
        )
        try:
            plain = base64.b64decode(str(data["plaintext"]), validate=True)
        except (KeyError, ValueError):
            raise UnwrapError(kek_id) from None
        if len(plain) < 32 or not hmac.compare_digest(plain[:32], _bind(context)):
            raise UnwrapError(kek_id)
        return plain[32:]

    def rewrap(self, items: Sequence[Rewrap]) -> list[tuple[str, bytes]]:
        if not items:
            return []
        for kek_id, blob, _ in items:
            found = _CIPHERTEXT.match(blob.decode("ascii", "replace"))
            if found is None or int(found.group(1)) != self._version(kek_id):
                raise UnwrapError(kek_id)
        batch = [{"ciphertext": blob.decode("ascii")} for _, blob, _ in items]
        data = self._call(
            "rewrap",
            self._client.secrets.transit.rewrap_data,
            unwrapping=items[0][0],
            ciphertext="",
            batch_input=batch,
        )
        results = data.get("batch_results")
        if not isinstance(results, list) or len(results) != len(items):
            raise KeyProviderError("Vault transit rewrap gave a wrong number of results")
        out = []
        for (kek_id, _, _), result in zip(items, results, strict=True):
            found = _CIPHERTEXT.match(str(result.get("ciphertext", "")))
            if result.get("error") or found is None:
                raise UnwrapError(kek_id)
            out.append((self._id(int(found.group(1))), str(result["ciphertext"]).encode("ascii")))
        return out

    def rotate(self) -> str:
        self._call("rotate_key", self._client.secrets.transit.rotate_key)
        return self.primary_id

    def retire(self, kek_id: str) -> None:
        """Retire version N and every older one: ``min_decryption_version`` = N + 1."""
        version = self._version(kek_id)
        key = self._key()
        if version >= int(key["latest_version"]):
            raise Conflict(f"'{kek_id}' is the primary key-encryption key: rotate first")
        if version < int(key.get("min_decryption_version", 1)):
            return
        self._call(
            "update_key_configuration",
            self._client.secrets.transit.update_key_configuration,
            min_decryption_version=version + 1,
        )

    def ids(self) -> list[str]:
        return [i.id for i in self.describe() if not i.retired]

    def describe(self) -> list[KekInfo]:
        key = self._key()
        latest = int(key["latest_version"])
        floor = int(key.get("min_decryption_version", 1))
        versions = sorted(int(v) for v in key.get("keys", {}))
        times = {int(v): _time(t) for v, t in key.get("keys", {}).items()}
        return [KekInfo(self._id(v), times[v], v == latest, v < floor) for v in versions]


def vault_from_settings(addr: str, token: str, mount: str, key_name: str) -> VaultTransitKek:
    """A provider talking to the Vault at ``addr`` (settings vault_addr, vault_token …)."""
    if not addr:
        raise SettingMissing(
            "setting 'vault_addr' is required for key_provider 'vault': set MAMORI_VAULT_ADDR"
        )
    try:
        import hvac
    except ImportError:
        raise ConfigError(
            "key_provider 'vault' needs the hvac package: pip install 'mamori[vault]'"
        ) from None
    return VaultTransitKek(hvac.Client(url=addr, token=token or None), mount, key_name)
