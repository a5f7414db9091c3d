"""Staff: accounts of the people who run mamori, console logins and API tokens.

:class:`StaffAccounts` (``Mamori.staff``) adds and disables accounts, sets passwords
(argon2id), enrols authenticator apps (TOTP), opens and checks console sessions, and
issues, checks and revokes API tokens. What it hands out as proof of who calls is a
:class:`Principal`; a failure to prove it is :class:`~mamori.errors.Unauthenticated`.
"""

from mamori.staff._base import StaffRules
from mamori.staff.accounts import FIRST_OFFICER, StaffAccounts
from mamori.staff.model import (
    PASSWORD_MIN,
    Account,
    ConsoleSession,
    Principal,
    StaffRefused,
    TokenInfo,
)
from mamori.staff.tokens import PREFIX as TOKEN_PREFIX

__all__ = [
    "FIRST_OFFICER",
    "PASSWORD_MIN",
    "TOKEN_PREFIX",
    "Account",
    "ConsoleSession",
    "Principal",
    "StaffAccounts",
    "StaffRefused",
    "StaffRules",
    "TokenInfo",
]
