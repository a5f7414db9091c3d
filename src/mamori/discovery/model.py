"""What a scan reports: one :class:`Finding` per value that looks like personal data."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ENTITIES", "Finding"]

#: Every entity the built-in recognizers report, in the order of the detector list of APPI.md.
ENTITIES: tuple[str, ...] = (
    "my_number",
    "jp_phone",
    "postal_code",
    "jp_address",
    "person_name",
    "email",
    "credit_card",
    "ip_address",
    "date_of_birth",
    "passport",
    "residence_card",
    "drivers_license",
    "basic_pension_number",
    "health_insurer_number",
    "device_token",
    "advertising_id",
    "cookie_id",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One value found in a text.

    ``start`` and ``end`` are offsets into the ORIGINAL text given to the scan (not its
    normalised form), so ``text[start:end]`` is the value as written. ``score`` is 0..1:
    how sure the recognizer is, raised by context words near the value or given by the
    caller (a column name). ``recognizer`` names the recognizer that reported it.
    """

    entity: str
    start: int
    end: int
    score: float
    recognizer: str
