"""Signing in to the privacy center by a one-time code mailed to the registered address.

The person gives the email address registered with us. If it names exactly one person
(looked up by blind index, as request submissions are), a six-digit code goes to that
address with the ``verification_code`` notice (audited by the notifier); the answer is
the same either way, so the form does not reveal who is registered.

Nothing is stored for a pending sign-in: the browser keeps a cookie sealed with mamori's
sealing key (AES-GCM) holding the subject, a random nonce and the expiry, and the code is
the HMAC of those under the ``codes`` key. A code is good for 15 minutes and five tries
(counted in this process), and the attempts are rate-limited per address.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from mamori.core import Mamori
from mamori.errors import Conflict
from mamori.keys import CODES, DecryptionError
from mamori.policy.model import Normaliser
from mamori.requests.registry import CODE_ATTEMPTS, CODE_MINUTES
from mamori.vault.normalise import normalise

__all__ = ["PENDING_COOKIE", "Pending", "SignIn"]

PENDING_COOKIE = "mamori_signin"
_AAD = b"mamori:center_signin"
_LABEL = "center_signin"
_MAX_COOKIE = 2048
_TRACKED = 10_000


@dataclass(frozen=True, slots=True)
class Pending:
    subject: str  # "" when the address named nobody: no code was sent, none will match
    nonce: str
    expires: int  # seconds since the epoch


class SignIn:
    """Start and finish sign-ins for one core."""

    def __init__(self, core: Mamori) -> None:
        self._core = core
        self._attempts: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def _code(self, pending: Pending) -> str:
        body = f"{pending.subject}|{pending.nonce}|{pending.expires}"
        digest = self._core.keys.mac(CODES).digest(_LABEL, body)
        return f"{int.from_bytes(digest[:8], 'big') % 10**6:06d}"

    def start(self, address: str, lang: str) -> str:
        """Send a code if ``address`` is registered to one person; the sealed cookie value
        either way. An address that is not an email address raises InvalidValue."""
        core = self._core
        policy = core.access().policy
        item = next((i for i, d in policy.items.items() if d.normaliser is Normaliser.email), None)
        if item is None:
            raise Conflict("the policy in force declares no email item to sign in with")
        normal = normalise(Normaliser.email, address)
        found = core.vault.find(item, normal)
        subject = found[0] if len(found) == 1 else ""
        expires = int(core.clock.now().timestamp()) + CODE_MINUTES * 60
        pending = Pending(subject, secrets.token_urlsafe(12), expires)
        if subject:
            core.notifier.send(
                to=normal,
                template="verification_code",
                lang=lang,
                context={
                    "code": self._code(pending),
                    "minutes": CODE_MINUTES,
                    "controller": policy.controller.name.get(lang),
                },
                actor="person",
                subject_id=subject,
            )
        raw = json.dumps({"s": subject, "n": pending.nonce, "e": expires}).encode()
        sealed = core.keys.sealer().encrypt(raw, _AAD)
        return base64.urlsafe_b64encode(sealed).decode("ascii")

    def pending(self, cookie: str | None) -> Pending | None:
        """The pending sign-in of a cookie (None when absent, forged or expired)."""
        if not cookie or len(cookie) > _MAX_COOKIE:
            return None
        try:
            raw = self._core.keys.sealer().decrypt(base64.urlsafe_b64decode(cookie), _AAD)
            data = json.loads(raw)
            pending = Pending(str(data["s"]), str(data["n"]), int(data["e"]))
        except (DecryptionError, ValueError, KeyError, TypeError, binascii.Error):
            return None
        if pending.expires <= self._core.clock.now().timestamp():
            return None
        return pending

    def finish(self, pending: Pending, code: str) -> str | None:
        """The subject when ``code`` is right (constant time), else None. After five wrong
        tries the pending sign-in is spent."""
        with self._lock:
            tries = self._attempts.pop(pending.nonce, 0)
            self._attempts[pending.nonce] = tries + 1
            while len(self._attempts) > _TRACKED:
                self._attempts.popitem(last=False)
        if tries >= CODE_ATTEMPTS or not pending.subject:
            return None
        if not hmac.compare_digest(self._code(pending), code.strip()):
            return None
        with self._lock:
            self._attempts[pending.nonce] = CODE_ATTEMPTS  # a code opens one session
        return pending.subject
