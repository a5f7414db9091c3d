"""IP addresses, version 4 and 6, checked with :mod:`ipaddress`."""

from __future__ import annotations

import ipaddress

from mamori.discovery.recognizer import Pattern, PatternRecognizer

__all__ = ["IP_ADDRESS", "validate_ip"]


def validate_ip(value: str) -> bool:
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return False
    if addr.version == 6:
        groups = [g for g in value.split(":") if g]
        # "1::" or "12:30::" read like times and ratios; an address shows more of itself
        return len(groups) >= 3 or "." in value
    return True


IP_ADDRESS = PatternRecognizer(
    name="ip_address",
    entity="ip_address",
    trigger="[0-9]",
    patterns=(
        Pattern(
            "v4",
            # octets are checked by ipaddress; the first digit leads so scanning is fast
            r"[0-9](?<![0-9.][0-9])[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"
            r"(?![0-9]|\.[0-9])",
            0.7,
        ),
        Pattern(
            "v6",
            r"(?<![0-9A-Fa-f.])(?<![0-9A-Fa-f]:)(?!:[^:])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)"
            r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:[0-9]{1,3}\.){3}[0-9]{1,3})?"
            r"(?![0-9A-Fa-f:]|\.[0-9])",
            0.7,
        ),
    ),
    context=(
        "ip",
        "アドレス",
        "address",
        "アクセス元",
        "接続元",
        "remote",
        "client",
        "host",
        "送信元",
        "ログイン",
        "login",
        "src",
    ),
    negative_context=("version", "バージョン", "ver.", "ver ", "oid", "第", "章", "節", "項"),
    validator=validate_ip,
    context_boost=0.25,
)
