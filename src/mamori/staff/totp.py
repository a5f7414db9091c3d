"""Time-based one-time codes (RFC 6238, pyotp) for staff logins.

The secret is sealed with mamori's sealing key, bound to the account id, so a copied
row does not open for another account. A code is accepted in the 30-second step it
belongs to or one step either side (clock drift), and never twice: the step of the last
accepted code is kept and a code of that step or an earlier one is refused.
"""

from __future__ import annotations

import datetime as dt

import pyotp
from pyotp.exceptions import OTPVerificationError

from mamori.keys import Keyring

__all__ = ["ISSUER", "matching_step", "new_secret", "open_secret", "provisioning_uri", "seal"]

ISSUER = "mamori"
_DRIFT_STEPS = 1


def new_secret() -> str:
    """A random base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` URI an authenticator app reads (usually as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def matching_step(
    secret: str, code: str, now: dt.datetime, last_step: int | None = None
) -> int | None:
    """The time step ``code`` is valid for at ``now``, or None (wrong, or already used)."""
    given = code.strip().replace(" ", "") if isinstance(code, str) else ""
    if len(given) != 6 or not given.isascii() or not given.isdigit():
        return None
    try:
        step = pyotp.TOTP(secret).verify_and_get_timecode(
            given, for_time=now, valid_window=_DRIFT_STEPS
        )
    except OTPVerificationError:
        return None
    if last_step is not None and step <= last_step:
        return None
    return step


def _aad(account_id: str) -> bytes:
    return b"mamori:staff_totp:" + account_id.encode()


def seal(keys: Keyring, account_id: str, secret: str) -> bytes:
    return keys.sealer().encrypt(secret.encode("ascii"), _aad(account_id))


def open_secret(keys: Keyring, account_id: str, sealed: bytes) -> str:
    return keys.sealer().decrypt(bytes(sealed), _aad(account_id)).decode("ascii")
