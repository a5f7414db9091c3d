"""Test doubles that ship with mamori, like ``tink.testing``.

:class:`FakeVaultClient` stands in for an ``hvac.Client`` with the transit engine: the calls
:class:`~mamori.keys.VaultTransitKek` makes (encrypt and rewrap, each also with batch_input,
decrypt, rotate, read, update_key_configuration), ``vault:vN:`` ciphertexts, versions, upsert
on first encrypt and ``min_decryption_version``. It raises hvac's own exceptions, so it needs
the ``hvac`` package (the ``vault`` or ``test`` extra). Set ``down = True`` to make every
call fail as if Vault were unreachable. It is an in-memory fake, not a secure store.
"""

from __future__ import annotations

import base64
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["FakeVaultClient"]


def _invalid_request(message: str) -> Exception:
    from hvac.exceptions import InvalidRequest

    return InvalidRequest(message)  # type: ignore[no-any-return]


def _invalid_path(message: str) -> Exception:
    from hvac.exceptions import InvalidPath

    return InvalidPath(message)  # type: ignore[no-any-return]


class _Key:
    def __init__(self) -> None:
        self.versions: dict[int, tuple[AESGCM, int]] = {}
        self.min_decryption_version = 1
        self.rotate()

    @property
    def latest(self) -> int:
        return max(self.versions)

    def rotate(self) -> None:
        version = len(self.versions) + 1
        self.versions[version] = (AESGCM(AESGCM.generate_key(256)), int(time.time()))

    def encrypt(self, plaintext: bytes) -> str:
        nonce = os.urandom(12)
        sealed = self.versions[self.latest][0].encrypt(nonce, plaintext, None)
        return f"vault:v{self.latest}:" + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, ciphertext: str) -> bytes:
        parts = ciphertext.split(":")
        if len(parts) != 3 or parts[0] != "vault" or not parts[1][1:].isdigit():
            raise _invalid_request("invalid ciphertext: no prefix")
        version = int(parts[1][1:])
        if version not in self.versions:
            raise _invalid_request("invalid ciphertext: key version not found")
        if version < self.min_decryption_version:
            raise _invalid_request("ciphertext or signature version is disallowed by policy")
        try:
            raw = base64.b64decode(parts[2], validate=True)
            return self.versions[version][0].decrypt(raw[:12], raw[12:], None)
        except (InvalidTag, ValueError):
            raise _invalid_request("cipher: message authentication failed") from None


class _Transit:
    def __init__(self, owner: FakeVaultClient) -> None:
        self._owner = owner

    def _key(self, name: str, mount_point: str, create: bool = False) -> _Key:
        self._owner._check(mount_point)
        if name not in self._owner.keys:
            if not create:
                raise _invalid_path(f"no handler for route '{mount_point}/keys/{name}'")
            self._owner.keys[name] = _Key()
        return self._owner.keys[name]

    def encrypt_data(
        self,
        name: str,
        plaintext: str | None = None,
        batch_input: list[dict[str, str]] | None = None,
        mount_point: str = "transit",
        **_: Any,
    ) -> Any:
        key = self._key(name, mount_point, create=True)
        if batch_input is None:
            ciphertext = key.encrypt(base64.b64decode(plaintext or "", validate=True))
            return {"data": {"ciphertext": ciphertext, "key_version": key.latest}}
        results: list[dict[str, Any]] = []
        for item in batch_input:
            try:
                raw = base64.b64decode(item["plaintext"], validate=True)
            except (KeyError, ValueError):
                results.append({"error": "failed to base64-decode plaintext"})
                continue
            results.append({"ciphertext": key.encrypt(raw), "key_version": key.latest})
        if any("error" in r for r in results):  # Vault answers 400 to a partial failure
            raise _invalid_request("; ".join(r["error"] for r in results if "error" in r))
        return {"data": {"batch_results": results}}

    def decrypt_data(
        self, name: str, ciphertext: str, mount_point: str = "transit", **_: Any
    ) -> Any:
        plaintext = self._key(name, mount_point).decrypt(ciphertext)
        return {"data": {"plaintext": base64.b64encode(plaintext).decode()}}

    def rewrap_data(
        self,
        name: str,
        ciphertext: str = "",
        batch_input: list[dict[str, str]] | None = None,
        mount_point: str = "transit",
        **_: Any,
    ) -> Any:
        key = self._key(name, mount_point)
        results: list[dict[str, Any]] = []
        for item in batch_input or [{"ciphertext": ciphertext}]:
            try:
                results.append({"ciphertext": key.encrypt(key.decrypt(item["ciphertext"]))})
            except Exception as exc:
                results.append({"error": str(exc)})
        if batch_input is None:
            if "error" in results[0]:
                raise _invalid_request(results[0]["error"])
            return {"data": results[0]}
        return {"data": {"batch_results": results}}

    def rotate_key(self, name: str, mount_point: str = "transit") -> Any:
        self._key(name, mount_point).rotate()
        return None  # older Vaults answer 204 No Content

    def read_key(self, name: str, mount_point: str = "transit") -> Any:
        key = self._key(name, mount_point)
        return {
            "data": {
                "name": name,
                "type": "aes256-gcm96",
                "latest_version": key.latest,
                "min_decryption_version": key.min_decryption_version,
                "keys": {str(v): created for v, (_, created) in key.versions.items()},
            }
        }

    def update_key_configuration(
        self,
        name: str,
        min_decryption_version: int | None = None,
        mount_point: str = "transit",
        **_: Any,
    ) -> Any:
        key = self._key(name, mount_point)
        if min_decryption_version is not None:
            if not 1 <= min_decryption_version <= key.latest:
                raise _invalid_request("cannot set min decryption version above latest version")
            key.min_decryption_version = min_decryption_version
        return None


class _Secrets:
    def __init__(self, owner: FakeVaultClient) -> None:
        self.transit = _Transit(owner)


class FakeVaultClient:
    """An in-memory ``hvac.Client`` with one transit mount (``transit`` by default)."""

    def __init__(self, mount: str = "transit") -> None:
        self.mount = mount
        self.keys: dict[str, _Key] = {}
        self.down = False
        self.calls = 0
        self.secrets = _Secrets(self)

    def __repr__(self) -> str:
        return f"<FakeVaultClient mount={self.mount} keys={sorted(self.keys)}>"

    def create_key(self, name: str) -> None:
        self.keys[name] = _Key()

    def _check(self, mount_point: str) -> None:
        self.calls += 1
        if self.down:
            raise ConnectionError("Vault is unreachable (FakeVaultClient.down)")
        if mount_point != self.mount:
            raise _invalid_path(f"no handler for route '{mount_point}'")
