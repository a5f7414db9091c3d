"""Push device tokens: APNs (64 hexadecimal characters, also the old ``<xxxxxxxx ...>``
form) and Firebase Cloud Messaging registration tokens (``…:APA91b…``)."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer

__all__ = ["DEVICE_TOKEN"]

DEVICE_TOKEN = PatternRecognizer(
    name="device_token",
    entity="device_token",
    trigger="[0-9]",
    patterns=(
        Pattern("apns", r"[0-9a-fA-F](?<![0-9A-Za-z].)[0-9a-fA-F]{63}(?![0-9A-Za-z])", 0.5),
        Pattern("apns_spaced", r"<[0-9a-f]{8}(?: [0-9a-f]{8}){7}>", 0.6),
        Pattern("fcm", r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{11,}:APA91b[A-Za-z0-9_\-]{100,}", 0.95),
    ),
    context=(
        "device token",
        "devicetoken",
        "device_token",
        "デバイストークン",
        "apns",
        "push",
        "プッシュ",
        "fcm",
        "registration",
        "トークン",
        "token",
    ),
    negative_context=(
        "sha",
        "hash",
        "ハッシュ",
        "checksum",
        "チェックサム",
        "commit",
        "digest",
        "署名",
        "signature",
        "fingerprint",
        "フィンガープリント",
        "key",
        "鍵",
    ),
    before=32,
)
