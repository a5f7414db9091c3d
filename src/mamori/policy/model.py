"""The policy declaration as typed, frozen values.

A policy file is a YAML mapping; :class:`Policy` is its validated form. Collections of
named things (items, purposes, recipients, roles, datasets) are mappings keyed by id, so
a duplicate id is a duplicate key and every reference reads ``purposes.sales.items[2]``.
Structural rules (types, unknown keys, enums) live here; rules that relate one part to
another (references, officer, consent for special-care items, ...) live in ``checks.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    model_validator,
)

__all__ = [
    "EQUIVALENT_COUNTRIES",
    "FEE_KINDS",
    "Column",
    "Controller",
    "Dataset",
    "Duration",
    "Erasure",
    "Fee",
    "Item",
    "ItemClass",
    "JointUse",
    "Localized",
    "Policy",
    "Purpose",
    "Recipient",
    "RecipientKind",
    "Reference",
    "RequestKind",
    "RequestKindOffer",
    "Requests",
    "RetentionRule",
    "Role",
    "Rule17",
    "SecurityMeasures",
    "Table",
]

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

# Countries whose protection system the PPC recognises as equivalent (Rule 15): the
# EEA members and the United Kingdom. Provision to them needs no Art. 28 consent.
EEA_AND_UK = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
    "IS LI NO GB".split()
)
EQUIVALENT_COUNTRIES = EEA_AND_UK


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Localized(_Frozen):
    """A text in Japanese (required) and English (optional; rendering falls back to ja)."""

    ja: Text
    en: Text | None = None

    def get(self, lang: str) -> str:
        if lang == "en" and self.en:
            return self.en
        return self.ja


class ItemClass(StrEnum):
    ordinary = "ordinary"
    special_care = "special_care"  # 要配慮個人情報 (Art. 2(3))
    financial = "financial"  # misuse may cause monetary loss (Rule 7(ii))
    identification_code = "identification_code"  # 個人識別符号 (Art. 2(2))


class Normaliser(StrEnum):
    none = "none"
    text = "text"
    name = "name"
    date = "date"
    phone = "phone"
    email = "email"
    token = "token"
    my_number = "my_number"


class Item(_Frozen):
    """A declared kind of personal data (個人情報の項目)."""

    label: Localized
    description: Localized | None = None
    class_: ItemClass = Field(ItemClass.ordinary, alias="class")
    personally_referable: bool = False
    normaliser: Normaliser = Normaliser.text
    detectors: tuple[Id, ...] = ()


class Purpose(_Frozen):
    """A declared purpose of use (利用目的) and the items it needs."""

    label: Localized
    description: Localized | None = None
    items: tuple[Id, ...] = Field(min_length=1)
    consent_required: bool = False
    profiling: bool = False
    provision: bool = False
    marketing: bool = False
    # The only lawful uses of a My Number (番号法 Art. 9): without one, none is collected.
    my_number_use: Literal["social_security", "tax", "disaster"] | None = None


class RecipientKind(StrEnum):
    outsourcee = "outsourcee"  # 委託先 (Art. 27(5)(i))
    joint_user = "joint_user"  # 共同利用者 (Art. 27(5)(iii))
    third_party = "third_party"  # 第三者 (Art. 27(1))


class Party(_Frozen):
    name: Localized
    address: Localized
    representative: Localized


class JointUse(_Frozen):
    """What Art. 27(5)(iii) requires to be known before joint use begins."""

    responsible_party: Party
    scope: Localized  # the range of joint users (共同して利用する者の範囲)


class Rule17(_Frozen):
    """What the person is told before consenting to a foreign recipient (Rule 17)."""

    country_system: Localized  # the country's system for protecting personal information
    recipient_measures: Localized  # the measures the recipient takes


class EquivalentMeasures(_Frozen):
    """A foreign recipient bound to measures equivalent to APPI (Art. 28(1), Rule 16)."""

    basis: Literal["contract", "apec_cbpr"]
    reviewed_on: dt.date


class Recipient(_Frozen):
    """Someone personal data is given to: outsourcee, joint user or third party."""

    name: Localized
    kind: RecipientKind
    country: CountryCode = "JP"
    address: Localized | None = None
    representative: Localized | None = None
    items: tuple[Id, ...] = Field(min_length=1)
    purposes: tuple[Id, ...] = Field(min_length=1)
    contract: Text | None = None
    assessed_on: dt.date | None = None
    joint_use: JointUse | None = None
    rule17: Rule17 | None = None
    equivalent_measures: EquivalentMeasures | None = None
    # Art. 31: the recipient is expected to link personally referable items (cookie ids,
    # device ids) it receives to a person, so each person must consent to its acquiring them.
    links_referable: bool = False

    @property
    def foreign(self) -> bool:
        return self.country != "JP"

    @property
    def needs_art28_consent(self) -> bool:
        """Abroad, outside the equivalent countries and without equivalent measures: any
        provision (outsourcing and joint use included) needs the person's consent, given
        after the Rule 17 information (Art. 28(1))."""
        return (
            self.foreign
            and self.country not in EQUIVALENT_COUNTRIES
            and self.equivalent_measures is None
        )


class Role(_Frozen):
    """A staff role and the items and purposes it may touch."""

    label: Localized
    items: tuple[Id, ...] = ()
    purposes: tuple[Id, ...] = ()
    inherits: tuple[Id, ...] = ()
    officer: bool = False


_DURATION = re.compile(r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?$")


def _check_duration(value: str) -> str:
    match = _DURATION.match(value)
    if not match or value == "P":
        raise ValueError(f"'{value}' is not an ISO 8601 duration in years, months, days (P90D)")
    return value


Duration = Annotated[str, AfterValidator(_check_duration)]


class RetentionEvent(StrEnum):
    collected = "collected"
    last_used = "last_used"
    account_closed = "account_closed"
    purpose_ended = "purpose_ended"
    consent_withdrawn = "consent_withdrawn"


class RetentionRule(_Frozen):
    """How long data is kept: ``keep`` after ``after``, for an item or a purpose."""

    item: Id | None = None
    purpose: Id | None = None
    after: RetentionEvent
    keep: Duration = "P0D"
    description: Localized | None = None

    @model_validator(mode="after")
    def _one_target(self) -> RetentionRule:
        if (self.item is None) == (self.purpose is None):
            raise ValueError("a retention rule names exactly one of 'item' or 'purpose'")
        return self


class RequestKind(StrEnum):
    purpose_notice = "purpose_notice"  # Art. 32(2)
    disclosure = "disclosure"  # Art. 33(1)
    provision_records = "provision_records"  # Art. 33(5)
    correction = "correction"  # Art. 34
    suspension = "suspension"  # Art. 35(1)
    erasure = "erasure"  # Art. 35(1)
    stop_provision = "stop_provision"  # Art. 35(3)


# Art. 38(1): a fee may be charged only for the notice of purposes and for disclosure
# (including the disclosure of provision records, Art. 33(5)).
FEE_KINDS = frozenset(
    {RequestKind.purpose_notice, RequestKind.disclosure, RequestKind.provision_records}
)


class Fee(_Frozen):
    amount: int = Field(ge=0, le=100_000)
    currency: Literal["JPY"] = "JPY"
    note: Localized | None = None


class VerificationMethod(StrEnum):
    otp_email = "otp_email"
    otp_sms = "otp_sms"
    account_login = "account_login"
    documents = "documents"


class DisclosureMethod(StrEnum):
    electronic = "electronic"
    paper = "paper"


class RequestKindOffer(_Frozen):
    kind: RequestKind
    fee: Fee | None = None
    methods: tuple[DisclosureMethod, ...] = ()


class Requests(_Frozen):
    """The request procedure of Art. 32(1)(iii) and Art. 37."""

    kinds: tuple[RequestKindOffer, ...] = Field(min_length=1)
    target_days: int = Field(14, ge=1, le=60)
    verification: tuple[VerificationMethod, ...] = Field(min_length=1)
    agents_accepted: bool = True
    procedure: Localized | None = None


class SecurityMeasures(_Frozen):
    """Published security measures (Art. 32(1)(iv), PPC guideline §10), per category."""

    basic_policy: tuple[Localized, ...] = ()
    handling_rules: tuple[Localized, ...] = ()
    organisational: tuple[Localized, ...] = Field(min_length=1)
    human: tuple[Localized, ...] = Field(min_length=1)
    physical: tuple[Localized, ...] = Field(min_length=1)
    technical: tuple[Localized, ...] = Field(min_length=1)
    external_environment: tuple[Localized, ...] = ()


class Contact(_Frozen):
    form_url: HttpUrl | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    phone: Text | None = None
    desk: Localized | None = None

    @model_validator(mode="after")
    def _some_way(self) -> Contact:
        if self.form_url is None and self.email is None and self.phone is None:
            raise ValueError("a contact needs at least one of form_url, email or phone")
        return self


class Controller(_Frozen):
    """The business handling the data (個人情報取扱事業者), as Art. 32 asks."""

    name: Localized
    service: Localized | None = None
    address: Localized
    representative: Localized
    contact: Contact
    established: dt.date


# SQL names in the data map: plain identifiers (a table may be schema-qualified). They are
# quoted by SQLAlchemy when queries are built; the pattern keeps them unambiguous.
SqlName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")]
TableName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$"),
]


class Erasure(StrEnum):
    """What erasing a person does to a column of an external table."""

    null = "null"  # set the column to NULL
    mask = "mask"  # replace the value by a keyed hash (stable, not reversible)
    delete_row = "delete_row"  # delete the whole row (children first)
    keep = "keep"  # keep it (another law requires it); shown in the plan


class Column(_Frozen):
    """A mapped column: the item it holds, what erasure does, whether correction writes it."""

    item: Id
    erase: Erasure = Erasure.null
    correct: bool = False


class Reference(_Frozen):
    """This table's ``columns`` hold the values of ``table``'s ``to`` columns (a foreign
    key, declared in the database or not). Followed in both directions."""

    columns: tuple[SqlName, ...] = Field(min_length=1)
    table: TableName
    to: tuple[SqlName, ...] = Field(min_length=1)


class Table(_Frozen):
    """A table holding personal data: how the person is found in it or reached from
    another table, and what each column holds."""

    primary_key: tuple[SqlName, ...] = ()
    identity: dict[SqlName, Id] = Field(default_factory=dict)  # column -> item to match on
    subject_key: SqlName | None = None  # a column holding mamori's subject id
    columns: dict[SqlName, Id | Column] = Field(min_length=1)
    references: tuple[Reference, ...] = ()

    def column(self, name: str) -> Column:
        """The mapped column ``name`` in its long form."""
        value = self.columns[name]
        return value if isinstance(value, Column) else Column(item=value)


class Dataset(_Frozen):
    """Where personal data lives outside the vault (the data map). The connection URL is
    never in the policy: it comes from the settings (``dataset_urls``) or the environment
    (``MAMORI_DATASET_<ID>_URL``)."""

    system: Text
    engine: Literal["postgresql", "mysql", "sqlite", "other"] = "other"
    department: Localized | None = None
    purposes: tuple[Id, ...] = ()
    tables: dict[TableName, Table] = Field(default_factory=dict)


class Section(_Frozen):
    """Optional wording that replaces a rendered section's generated paragraphs."""

    ja: tuple[Text, ...] = Field(min_length=1)
    en: tuple[Text, ...] = ()


SECTION_IDS = (
    "preamble",
    "compliance",
    "definition",
    "purposes",
    "acquisition",
    "security",
    "provision",
    "requests",
    "inquiries",
    "changes",
    "miscellaneous",
)
SectionId = Literal[
    "preamble",
    "compliance",
    "definition",
    "purposes",
    "acquisition",
    "security",
    "provision",
    "requests",
    "inquiries",
    "changes",
    "miscellaneous",
]


class Policy(_Frozen):
    """A whole policy declaration (format 1)."""

    format: Literal[1] = 1
    controller: Controller
    items: dict[Id, Item] = Field(min_length=1)
    purposes: dict[Id, Purpose] = Field(min_length=1)
    recipients: dict[Id, Recipient] = Field(default_factory=dict)
    roles: dict[Id, Role] = Field(min_length=1)
    retention: tuple[RetentionRule, ...] = ()
    requests: Requests
    security_measures: SecurityMeasures
    datasets: dict[Id, Dataset] = Field(default_factory=dict)
    sections: dict[SectionId, Section] = Field(default_factory=dict)
    # The purpose notices to the persons are sent under (policy changes, request results);
    # sending one is a use of their contact address for it, so suspension applies.
    notice_purpose: Id | None = None

    @property
    def officer_role(self) -> str | None:
        """The id of the role with ``officer: true`` (a valid policy has exactly one)."""
        return next((rid for rid, role in self.roles.items() if role.officer), None)

    def canonical(self) -> dict[str, Any]:
        """The content as plain JSON data: what versions hash and diffs compare."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
