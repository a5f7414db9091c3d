"""The errors of the scanners: what to scan could not be read or reached.

::

    MamoriError
    └── ScanInputError        scan_input_invalid     a file, format or URL that cannot be used
        └── ScanSourceError   scan_source_unreachable  the database cannot be reached

Both end the CLI with exit code 2 and store nothing. Messages name the file (and line) or
the URL without its password, never a value read from the source.
"""

from __future__ import annotations

from mamori.errors import MamoriError

__all__ = ["ScanInputError", "ScanSourceError"]


class ScanInputError(MamoriError):
    """The thing to scan cannot be used: unreadable file, unknown format, bad URL."""

    code = "scan_input_invalid"
    exit_code = 2


class ScanSourceError(ScanInputError):
    """The database to scan cannot be reached or read."""

    code = "scan_source_unreachable"
