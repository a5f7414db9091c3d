"""The consent choices the privacy center offers, each with the exact notice shown.

A choice is a purpose that needs consent or is used for marketing (a withdrawal of the
latter stands as an objection), or a recipient that needs consent (a third party, or a
recipient abroad that needs it under Art. 28(1), shown with its Rule 17 information), or
a recipient's acquisition of personally referable information (Art. 31). The notice text
is built from the policy in force; what the person saw is what is recorded, and a post
names the hash of the notice it answers so a policy changed in between is caught.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from mamori.consent import Target, TargetKind, rule17_shown
from mamori.policy.model import Policy, Recipient, RecipientKind

__all__ = ["Offer", "notice_hash", "offers"]


@dataclass(frozen=True, slots=True)
class Offer:
    """One choice: its target, title, the items it covers, the notice and Rule 17 info."""

    target: Target
    title: str
    description: str
    items: tuple[str, ...]
    notice: str
    rule17: dict[str, str] | None
    marketing: bool = False

    @property
    def key(self) -> str:
        return self.target.key

    @property
    def notice_hash(self) -> str:
        return notice_hash(self.notice)


def notice_hash(text: str) -> str:
    """The SHA-256 the consent ledger records for a notice."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _labels(policy: Policy, items: tuple[str, ...], lang: str) -> str:
    sep = "、" if lang == "ja" else ", "
    return sep.join(policy.items[i].label.get(lang) for i in items if i in policy.items)


def _controller(policy: Policy, lang: str) -> str:
    return policy.controller.name.get(lang)


def _purpose_notice(policy: Policy, pid: str, lang: str, version: int) -> str:
    purpose = policy.purposes[pid]
    items = _labels(policy, purpose.items, lang)
    if lang == "ja":
        lines = [
            f"{_controller(policy, 'ja')}は、次の利用目的のために、次の情報を利用します。",
            f"利用目的: {purpose.label.ja}",
            f"利用する情報: {items}",
        ]
        if purpose.description is not None:
            lines.append(f"説明: {purpose.description.ja}")
        lines.append(
            f"プライバシーポリシー第{version}版に基づきます。"
            "同意はいつでもこのページから撤回できます。"
        )
    else:
        lines = [
            f"{_controller(policy, 'en')} uses the following information for this purpose.",
            f"Purpose: {purpose.label.get('en')}",
            f"Information used: {items}",
        ]
        if purpose.description is not None:
            lines.append(f"Details: {purpose.description.get('en')}")
        lines.append(
            f"Under version {version} of the privacy policy. You can withdraw your consent "
            "on this page at any time."
        )
    return "\n".join(lines)


def _recipient_notice(
    policy: Policy,
    rid: str,
    recipient: Recipient,
    kind: TargetKind,
    lang: str,
    version: int,
    rule17: dict[str, str] | None,
) -> str:
    items = recipient.items
    if kind is TargetKind.referable:
        items = tuple(i for i in items if policy.items[i].personally_referable)
    labels = _labels(policy, items, lang)
    purposes = ("、" if lang == "ja" else "; ").join(
        policy.purposes[p].label.get(lang) for p in recipient.purposes if p in policy.purposes
    )
    name = recipient.name.get(lang)
    if lang == "ja":
        if kind is TargetKind.referable:
            head = f"{name}が、次の個人関連情報を個人データとして取得することに同意を求めます。"
        else:
            head = f"{_controller(policy, 'ja')}は、次の提供先に個人データを提供します。"
        lines = [head, f"提供先: {name}（{recipient.country}）", f"情報: {labels}"]
        lines.append(f"提供先の利用目的: {purposes}")
        if rule17 is not None:
            lines += [
                f"提供先の国: {rule17['country']}",
                f"その国の個人情報の保護に関する制度: {rule17['system']}",
                f"提供先が講ずる措置: {rule17['measures']}",
            ]
        lines.append(
            f"プライバシーポリシー第{version}版に基づきます。"
            "同意はいつでもこのページから撤回できます。"
        )
    else:
        if kind is TargetKind.referable:
            head = f"{name} asks to acquire the following personally referable information "
            head += "as personal data."
        else:
            head = f"{_controller(policy, 'en')} provides personal data to this recipient."
        lines = [head, f"Recipient: {name} ({recipient.country})", f"Information: {labels}"]
        lines.append(f"The recipient's purposes: {purposes}")
        if rule17 is not None:
            lines += [
                f"Country of the recipient: {rule17['country']}",
                f"That country's system for protecting personal information: {rule17['system']}",
                f"Measures the recipient takes: {rule17['measures']}",
            ]
        lines.append(
            f"Under version {version} of the privacy policy. You can withdraw your consent "
            "on this page at any time."
        )
    return "\n".join(lines)


def offers(policy: Policy, lang: str, version: int) -> list[Offer]:
    """Every choice the policy in force (version ``version``) offers, in policy order."""
    out: list[Offer] = []
    for pid, purpose in policy.purposes.items():
        if not (purpose.consent_required or purpose.marketing):
            continue
        out.append(
            Offer(
                Target(TargetKind.purpose, pid),
                purpose.label.get(lang),
                purpose.description.get(lang) if purpose.description else "",
                purpose.items,
                _purpose_notice(policy, pid, lang, version),
                None,
                marketing=purpose.marketing and not purpose.consent_required,
            )
        )
    for rid, recipient in policy.recipients.items():
        kinds: list[TargetKind] = []
        if recipient.kind is RecipientKind.third_party or recipient.needs_art28_consent:
            kinds.append(TargetKind.recipient)
        referable = tuple(i for i in recipient.items if policy.items[i].personally_referable)
        if recipient.links_referable and referable:
            kinds.append(TargetKind.referable)
        for kind in kinds:
            rule17 = rule17_shown(recipient, lang) if recipient.needs_art28_consent else None
            items = referable if kind is TargetKind.referable else recipient.items
            out.append(
                Offer(
                    Target(kind, rid),
                    recipient.name.get(lang),
                    "",
                    items,
                    _recipient_notice(policy, rid, recipient, kind, lang, version, rule17),
                    rule17,
                )
            )
    return out
