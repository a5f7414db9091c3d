"""A person's short session on the privacy center, opened by a verified one-time code.

No table holds it: the session is a token carrying the request id, the subject and the
expiry, signed with mamori's ``codes`` HMAC key. It lives in an HttpOnly, SameSite=Strict
cookie (Secure over TLS) and opens that one request only. A form post made with the cookie
also needs the CSRF token derived from the session (double submit: a readable cookie the
page copies into ``X-CSRF-Token``), and a foreign ``Origin`` is refused.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from mamori.clock import Clock
from mamori.errors import Forbidden, Unauthenticated
from mamori.keys import CODES, Keyring

__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "SESSION_COOKIE", "PersonSession", "PersonSessions"]

SESSION_COOKIE = "mamori_person"
CSRF_COOKIE = "mamori_csrf"
CSRF_HEADER = "X-CSRF-Token"
_LABEL = "person_session"
_CSRF_LABEL = "person_csrf"
_MAX_TOKEN = 1024


@dataclass(frozen=True, slots=True)
class PersonSession:
    request_id: str
    subject: str
    expires: int  # seconds since the epoch


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PersonSessions:
    """Issue and check person session tokens."""

    def __init__(self, keys: Callable[[], Keyring], clock: Clock, minutes: int) -> None:
        self._keys = keys
        self._clock = clock
        self.seconds = minutes * 60

    def _mac(self, label: str, body: str) -> bytes:
        return self._keys().mac(CODES).digest(label, body)

    def issue(self, request_id: str, subject: str) -> str:
        expires = int(self._clock.now().timestamp()) + self.seconds
        payload = {"r": request_id, "s": subject, "e": expires}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._mac(_LABEL, body))}"

    def read(self, token: str | None) -> PersonSession:
        """The session of a token; :class:`Unauthenticated` for none, a forged one or an
        expired one."""
        if not token or len(token) > _MAX_TOKEN or token.count(".") != 1:
            raise Unauthenticated("no session: verify the code sent for your request first")
        body, _, mac = token.partition(".")
        try:
            given = _unb64(mac)
            payload = json.loads(_unb64(body))
        except (ValueError, binascii.Error):
            raise Unauthenticated("the session is not valid", "malformed") from None
        if not hmac.compare_digest(given, self._mac(_LABEL, body)):
            raise Unauthenticated("the session is not valid", "bad_signature")
        try:
            session = PersonSession(str(payload["r"]), str(payload["s"]), int(payload["e"]))
        except (KeyError, TypeError, ValueError):
            raise Unauthenticated("the session is not valid", "malformed") from None
        if session.expires <= self._clock.now().timestamp():
            raise Unauthenticated("the session has ended: ask for a new code", "expired")
        return session

    def csrf(self, token: str) -> str:
        """The CSRF token that goes with a session token."""
        return _b64(self._mac(_CSRF_LABEL, token))

    def check_csrf(self, token: str, given: str | None) -> None:
        if not given or not hmac.compare_digest(given.encode(), self.csrf(token).encode()):
            raise Forbidden(f"a form post needs the {CSRF_HEADER} header of this session")
