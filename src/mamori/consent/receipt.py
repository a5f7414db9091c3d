"""A consent receipt the person can keep: the record, the notice they were shown, the
controller, and an Ed25519 signature anyone can check with the published key."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mamori.consent.model import ConsentRecord, Target, TargetKind
from mamori.policy.model import Localized, Policy

__all__ = ["RECEIPT_FORMAT", "make_receipt", "verify_receipt"]

RECEIPT_FORMAT = "mamori-consent-receipt/1"


def _text(value: Localized | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {"ja": value.ja, **({"en": value.en} if value.en else {})}


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def make_receipt(
    record: ConsentRecord,
    policy: Policy,
    notice: str | None,
    signer: tuple[str, Ed25519PrivateKey],
) -> dict[str, Any]:
    """The receipt of ``record`` under ``policy`` (the version in force when it is made)."""
    target = Target.parse(record.target)
    label = None
    if target.kind is TargetKind.purpose and target.id in policy.purposes:
        label = _text(policy.purposes[target.id].label)
    elif target.kind is not TargetKind.purpose and target.id in policy.recipients:
        label = _text(policy.recipients[target.id].name)
    controller = policy.controller
    body: dict[str, Any] = {
        "receipt": RECEIPT_FORMAT,
        "jurisdiction": "JP",
        "law": "個人情報の保護に関する法律 (Act on the Protection of Personal Information)",
        "controller": {
            "name": _text(controller.name),
            "address": _text(controller.address),
            "email": controller.contact.email,
            "phone": controller.contact.phone,
        },
        "record_id": record.record_id,
        "subject": record.subject,
        "target": {"kind": target.kind.value, "id": target.id, "label": label},
        "items": [
            {"id": i, "label": _text(policy.items[i].label) if i in policy.items else None}
            for i in record.items
        ],
        "event": record.event.value,
        "time": record.at.isoformat(),
        "valid_until": record.valid_until.isoformat() if record.valid_until else None,
        "policy_version": record.policy_version,
        "notice": {"hash": record.notice_hash, "lang": record.lang, "text": notice},
        "method": record.method.value,
        "channel": dict(record.channel),
        "rule17": dict(record.rule17) if record.rule17 else None,
        "recorded_by": record.recorded_by,
        "refers_to": record.refers_to,
    }
    key_id, key = signer
    body["signature"] = {
        "alg": "Ed25519",
        "key_id": key_id,
        "public_key": base64.b64encode(key.public_key().public_bytes_raw()).decode(),
        "value": base64.b64encode(key.sign(_canonical(body))).decode(),
    }
    return body


def verify_receipt(receipt: dict[str, Any], public_key: bytes | None = None) -> bool:
    """Whether the receipt is unchanged since it was signed (by ``public_key``, or by the
    key it names, which only proves integrity, not origin)."""
    body = dict(receipt)
    signature = body.pop("signature", None)
    if not isinstance(signature, dict):
        return False
    try:
        raw = public_key or base64.b64decode(signature["public_key"])
        Ed25519PublicKey.from_public_bytes(raw).verify(
            base64.b64decode(signature["value"]), _canonical(body)
        )
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return False
    return True
