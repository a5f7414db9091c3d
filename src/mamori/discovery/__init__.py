"""Discovery: find Japanese personal data where nobody declared it.

``scan_text`` runs the recognizers of a :class:`Registry` over a text and returns
:class:`Finding` values with offsets into the text as given (matches work on values glued to
Japanese text, in full-width forms and with any dash variant: the text is NFKC-normalised
with an offset map back). ``scan_stream`` does the same over text arriving in chunks.
"""

from mamori.discovery.engine import scan_stream, scan_text
from mamori.discovery.errors import RecognizerError, RecognizerFileError, RecognizerNotFound
from mamori.discovery.mask import mask
from mamori.discovery.model import ENTITIES, Finding
from mamori.discovery.recognizer import Pattern, PatternRecognizer, Recognizer
from mamori.discovery.registry import Registry

__all__ = [
    "ENTITIES",
    "Finding",
    "Pattern",
    "PatternRecognizer",
    "Recognizer",
    "RecognizerError",
    "RecognizerFileError",
    "RecognizerNotFound",
    "Registry",
    "mask",
    "scan_stream",
    "scan_text",
]
