"""The structure of a rendered document, and the builder of its blocks from a policy.

A :class:`Document` is a title and numbered :class:`Section` s of blocks (paragraphs,
bullet lists, sub-headed groups). :class:`Builder` produces the blocks of each section for
one policy in one language; :mod:`mamori.policy.render` assembles and renders them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from mamori.policy._texts import COUNTRIES, LANGS, MONTHS, text
from mamori.policy.model import (
    EQUIVALENT_COUNTRIES,
    ItemClass,
    Localized,
    Policy,
    Recipient,
    RecipientKind,
    RetentionRule,
)

__all__ = [
    "Block",
    "Builder",
    "BulletList",
    "Document",
    "Group",
    "Paragraph",
    "Section",
    "check_lang",
]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text (escaped when rendered)."""

    kind: ClassVar[str] = "paragraph"
    text: str


@dataclass(frozen=True)
class BulletList:
    """An unordered list of plain-text items."""

    kind: ClassVar[str] = "list"
    items: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    """A sub-headed group of blocks inside a section."""

    kind: ClassVar[str] = "group"
    heading: str
    blocks: tuple[Block, ...]


Block = Paragraph | BulletList | Group


@dataclass(frozen=True)
class Section:
    """A numbered (or unnumbered) section; ``id`` is its anchor and override key."""

    number: str | None
    heading: str
    blocks: tuple[Block, ...]
    id: str = ""


@dataclass(frozen=True)
class Document:
    """A whole document: title, sections and footer lines (the controller)."""

    title: str
    lang: str
    sections: tuple[Section, ...]
    footer: tuple[str, ...] = ()


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}: use one of {', '.join(LANGS)}")
    return lang


# The categories of security measures, in the order of PPC general guideline §10.
_SECURITY = (
    *("basic_policy", "handling_rules", "organisational", "human", "physical", "technical"),
    "external_environment",
)
_DURATION = re.compile(r"(\d+)([YMD])")


class Builder:
    """Blocks of the documents for one policy in one language."""

    def __init__(self, policy: Policy, lang: str) -> None:
        self.p = policy
        self.lang = check_lang(lang)

    def t(self, key: str, /, **values: object) -> str:
        return text(key, self.lang, **values)

    def loc(self, value: Localized) -> str:
        return value.get(self.lang)

    def join(self, parts: Iterable[str]) -> str:
        return self.t("sep").join(parts)

    def kv(self, key: str, value: str) -> str:
        return self.t("kv", key=self.t(key), value=value)

    def items(self, ids: Iterable[str]) -> str:
        return self.join(self.loc(self.p.items[i].label) for i in ids if i in self.p.items)

    def purposes(self, ids: Iterable[str]) -> str:
        labels = (self.loc(self.p.purposes[i].label) for i in ids if i in self.p.purposes)
        return self.join(self.t("quoted", text=label) for label in labels)

    def date(self, day: dt.date) -> str:
        if self.lang == "en":
            return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
        return f"{day.year}年{day.month:02d}月{day.day:02d}日"

    def recipients(self, kind: RecipientKind) -> list[Recipient]:
        return [r for r in self.p.recipients.values() if r.kind is kind]

    # -- sections of the privacy policy ------------------------------------------------

    def preamble(self) -> tuple[Block, ...]:
        c = self.p.controller
        if c.service is None:
            return (Paragraph(self.t("p.preamble_no_service", controller=self.loc(c.name))),)
        para = self.t("p.preamble", controller=self.loc(c.name), service=self.loc(c.service))
        return (Paragraph(para),)

    def definition(self) -> tuple[Block, ...]:
        labels = []
        for item in self.p.items.values():
            label = self.loc(item.label)
            if item.description is not None:
                label = self.t("paren", text=label, note=self.loc(item.description))
            labels.append(label)
        blocks: list[Block] = [Paragraph(self.t("p.definition")), BulletList(tuple(labels))]
        referable = [i for i, item in self.p.items.items() if item.personally_referable]
        if referable:
            blocks.append(Paragraph(self.t("p.referable", items=self.items(referable))))
        return tuple(blocks)

    def purpose_list(self) -> BulletList:
        return BulletList(tuple(self.loc(p.label) for p in self.p.purposes.values()))

    def purposes_section(self) -> tuple[Block, ...]:
        blocks: list[Block] = [Paragraph(self.t("p.purposes")), self.purpose_list()]
        for flag, key in (
            ("consent_required", "p.consent"),
            ("profiling", "p.profiling"),
            ("marketing", "p.marketing"),
            ("provision", "p.provision_purposes"),
        ):
            ids = [i for i, p in self.p.purposes.items() if getattr(p, flag)]
            if ids:
                blocks.append(Paragraph(self.t(key, purposes=self.purposes(ids))))
        lines = tuple(
            self.t("kv", key=self.loc(p.label), value=self.items(p.items))
            for p in self.p.purposes.values()
        )
        blocks.append(Group(self.t("h.item_map"), (BulletList(lines),)))
        return tuple(blocks)

    def retention_line(self, rule: RetentionRule) -> str:
        if rule.item is not None:
            target = self.items([rule.item])
        else:
            purpose = self.p.purposes.get(rule.purpose or "")
            label = self.loc(purpose.label) if purpose else str(rule.purpose)
            target = self.t("for_purpose", label=label)
        if rule.description is not None:
            return self.t("kv", key=target, value=self.loc(rule.description))
        event = self.t(f"ev.{rule.after.value}")
        found = [(int(n), u) for n, u in _DURATION.findall(rule.keep) if int(n)]
        parts = [self.t(f"dur.{u}", n=n, s="" if n == 1 else "s") for n, u in found]
        if not parts:
            return self.t("keep0", target=target, event=event)
        duration = " ".join(parts) if self.lang == "en" else "".join(parts)
        return self.t("keep", target=target, event=event, duration=duration)

    def acquisition(self) -> tuple[Block, ...]:
        blocks: list[Block] = [Paragraph(self.t("p.acquisition"))]
        special = [i for i, item in self.p.items.items() if item.class_ is ItemClass.special_care]
        if special:
            blocks.append(Paragraph(self.t("p.special_care", items=self.items(special))))
        if self.p.retention:
            lines = tuple(self.retention_line(rule) for rule in self.p.retention)
            retention = (Paragraph(self.t("p.retention")), BulletList(lines))
            blocks.append(Group(self.t("h.retention"), retention))
        return tuple(blocks)

    def security_groups(self) -> tuple[Block, ...]:
        groups: list[Block] = []
        for category in _SECURITY:
            measures: tuple[Localized, ...] = getattr(self.p.security_measures, category)
            if measures:
                lines = BulletList(tuple(self.loc(m) for m in measures))
                groups.append(Group(self.t(f"cat.{category}"), (lines,)))
        return tuple(groups)

    def foreign_lines(self, r: Recipient) -> list[str]:
        if not r.foreign:
            return []
        ja, en = COUNTRIES.get(r.country, (r.country, r.country))
        lines = [self.kv("country", en if self.lang == "en" else ja)]
        if r.country in EQUIVALENT_COUNTRIES:
            lines.append(self.t("eea"))
        elif r.equivalent_measures is not None:
            basis = self.t(f"basis.{r.equivalent_measures.basis}")
            lines.append(self.t("equivalent", basis=basis))
        if r.rule17 is not None:
            lines.append(self.kv("rule17.system", self.loc(r.rule17.country_system)))
            lines.append(self.kv("rule17.measures", self.loc(r.rule17.recipient_measures)))
        return lines

    def joint_use_groups(self) -> tuple[Block, ...]:
        groups: list[Block] = []
        for r in self.recipients(RecipientKind.joint_user):
            if r.joint_use is None:
                continue
            party = r.joint_use.responsible_party
            responsible = self.join(
                [
                    self.loc(party.name),
                    self.kv("address", self.loc(party.address)),
                    self.kv("representative", self.loc(party.representative)),
                ]
            )
            lines = (
                self.kv("ju.items", self.items(r.items)),
                self.kv("ju.scope", self.loc(r.joint_use.scope)),
                self.kv("ju.purposes", self.purposes(r.purposes)),
                self.kv("ju.responsible", responsible),
            )
            heading = self.t("paren", text=self.t("h.joint_use"), note=self.loc(r.name))
            groups.append(Group(heading, (Paragraph(self.t("p.joint_use")), BulletList(lines))))
        return tuple(groups)

    def provision(self) -> tuple[Block, ...]:
        joint = self.joint_use_groups()
        cases = ["p.provision_law", "p.provision_outsourcing", "p.provision_succession"]
        cases += ["p.provision_joint_use"] if joint else []
        blocks: list[Block] = [
            Paragraph(self.t("p.provision")),
            BulletList(tuple(self.t(c) for c in cases)),
        ]
        if outsourcees := self.recipients(RecipientKind.outsourcee):
            names = BulletList(tuple(self.loc(r.name) for r in outsourcees))
            foreign = tuple(
                Group(self.loc(r.name), (BulletList(tuple(self.foreign_lines(r))),))
                for r in outsourcees
                if r.foreign
            )
            body: tuple[Block, ...] = (Paragraph(self.t("p.outsourcing")), names, *foreign)
            blocks.append(Group(self.t("h.outsourcing"), body))
        blocks.extend(joint)
        if third := self.recipients(RecipientKind.third_party):
            parties: list[Block] = [Paragraph(self.t("p.third_parties"))]
            for r in third:
                lines = [self.kv("items", self.items(r.items))]
                lines.append(self.kv("purposes_of", self.purposes(r.purposes)))
                parties.append(
                    Group(self.loc(r.name), (BulletList((*lines, *self.foreign_lines(r))),))
                )
            blocks.append(Group(self.t("h.third_parties"), tuple(parties)))
        if any(item.personally_referable for item in self.p.items.values()):
            blocks.append(Paragraph(self.t("p.referable_provision")))
        return tuple(blocks)

    def requests(self, contact_section: int) -> tuple[Block, ...]:
        req = self.p.requests
        kinds = []
        for offer in req.kinds:
            fee = offer.fee
            details = [self.t("fee", amount=f"{fee.amount:,}") if fee else self.t("free")]
            if fee is not None and fee.note is not None:
                details[0] = self.t("paren", text=details[0], note=self.loc(fee.note))
            if offer.methods:
                methods = self.join(self.t(f"dm.{m.value}") for m in offer.methods)
                details.append(self.t("methods", methods=methods))
            label = self.t(f"rk.{offer.kind.value}")
            kinds.append(self.t("paren", text=label, note=self.t("detail_sep").join(details)))
        blocks: list[Block] = [
            Paragraph(self.t("p.requests", section=contact_section)),
            BulletList(tuple(kinds)),
        ]
        if req.procedure is not None:
            blocks.append(Paragraph(self.loc(req.procedure)))
        blocks.append(Paragraph(self.t("p.agents" if req.agents_accepted else "p.no_agents")))
        verify = BulletList(tuple(self.t(f"vm.{m.value}") for m in req.verification))
        blocks.append(
            Group(self.t("h.verification"), (Paragraph(self.t("p.verification")), verify))
        )
        blocks.append(Paragraph(self.t("p.target_days", days=req.target_days)))
        return tuple(blocks)

    def contact(self) -> BulletList:
        c = self.p.controller
        desk = self.loc(c.contact.desk) if c.contact.desk else ""
        lines = [self.kv("desk", " ".join(x for x in (self.loc(c.name), desk) if x))]
        if c.contact.form_url is not None:
            lines.append(self.kv("form", str(c.contact.form_url)))
        if c.contact.email is not None:
            lines.append(self.kv("email", c.contact.email))
        if c.contact.phone is not None:
            lines.append(self.kv("phone", c.contact.phone))
        return BulletList(tuple(lines))

    def footer(self) -> tuple[str, ...]:
        c = self.p.controller
        return (self.loc(c.name), self.loc(c.address), self.loc(c.representative))
