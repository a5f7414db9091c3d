"""Scanning files: CSV by column (the header as context), JSON Lines by key path, plain
text in chunks with line numbers.

Files are read as a stream: memory stays bounded whatever their size (a CSV field is
limited by :mod:`csv`'s field size limit). The encoding is UTF-8 (with or without a byte
order mark) or Shift_JIS (cp932, as Excel in Japan writes it), found from the first
megabyte unless given.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections import deque
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Literal

from mamori.discovery import Finding, Registry, mask, scan_stream
from mamori.discovery.scanners.errors import ScanInputError
from mamori.discovery.scanners.items import suggest_item
from mamori.discovery.scanners.progress import SILENT, Progress
from mamori.discovery.scanners.results import ColumnReport
from mamori.discovery.scanners.tally import EXAMPLES, NO_EXAMPLES, Detect, Tally, lost_zero
from mamori.policy.model import Item

__all__ = [
    "FORMATS",
    "FileFormat",
    "detect_encoding",
    "detect_format",
    "read_chunks",
    "scan_csv",
    "scan_jsonl",
    "scan_plain",
]

FileFormat = Literal["csv", "jsonl", "text"]
FORMATS: tuple[FileFormat, ...] = ("csv", "jsonl", "text")

_EXTENSIONS: Mapping[str, FileFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".txt": "text",
    ".log": "text",
    ".md": "text",
    ".text": "text",
}
_ENCODINGS = ("utf-8", "utf-8-sig", "cp932", "shift_jis")
_PROBE = 1 << 20  # bytes read to find the encoding and the format
_CHUNK = 1 << 16
_KEYS = 2000  # JSON key paths tallied one by one; more go together under "*"
_LINES = 20  # line numbers kept per entity of a text
_EVERY = 500  # rows between progress updates


def _open(path: Path) -> IO[bytes]:
    try:
        if path.is_dir():
            raise ScanInputError(f"{path} is a folder, not a file")
        return path.open("rb")
    except OSError as exc:
        raise ScanInputError(f"{path} cannot be read: {exc.strerror}") from None


def detect_encoding(path: Path, given: str | None = None) -> str:
    """``utf-8-sig``, ``utf-8`` or ``cp932`` from the file's first megabyte (or ``given``,
    checked to be one of those)."""
    if given is not None:
        name = given.lower().replace("_", "-")
        if name in ("shift-jis", "sjis", "windows-31j", "ms932"):
            return "cp932"
        if name not in ("utf-8", "utf-8-sig", "cp932", "utf8"):
            raise ScanInputError(
                f"encoding '{given}' is not supported (utf-8, utf-8-sig, cp932 / Shift_JIS)"
            )
        return "utf-8" if name == "utf8" else name
    with _open(path) as fh:
        head = fh.read(_PROBE)
        whole = len(head) < _PROBE
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for name in ("utf-8", "cp932"):
        try:
            codecs.getincrementaldecoder(name)().decode(head, final=whole)
        except UnicodeDecodeError:
            continue
        return name
    raise ScanInputError(
        f"{path} is neither UTF-8 nor Shift_JIS (cp932) text: give --encoding, or convert it"
    )


def detect_format(path: Path, encoding: str, given: str | None = None) -> FileFormat:
    """The format named by ``given``, by the file's extension, or from its first line."""
    if given is not None:
        if given not in FORMATS:
            raise ScanInputError(f"unknown format '{given}' (known: {', '.join(FORMATS)})")
        return next(f for f in FORMATS if f == given)
    known = _EXTENSIONS.get(path.suffix.lower())
    if known is not None:
        return known
    with _open(path) as fh:
        head = fh.read(_PROBE)
    if b"\x00" in head:
        raise ScanInputError(
            f"{path}: unknown format (binary content); scannable are "
            f"{', '.join(sorted(_EXTENSIONS))} or text (give --format)"
        )
    first = next((ln for ln in head.decode(encoding, "replace").splitlines() if ln.strip()), "")
    try:
        if isinstance(json.loads(first), dict):
            return "jsonl"
    except ValueError:
        pass
    return "text"


def _text(raw: IO[bytes], encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")


def _decoding_error(path: Path, encoding: str, where: str) -> ScanInputError:
    return ScanInputError(
        f"{path}{where}: not valid {encoding} text further into the file; give --encoding"
    )


def _reports(tallies: Mapping[str, Tally], items: Mapping[str, Item], min_share: float
             ) -> tuple[ColumnReport, ...]:  # fmt: skip
    return tuple(t.report(items, min_share) for t in tallies.values())


# CSV -------------------------------------------------------------------------------------


def _dialect(sample: str, path: Path) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        return csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel


def _headers(row: list[str]) -> list[str]:
    names: list[str] = []
    for n, cell in enumerate(row, 1):
        name = cell.strip() or f"column_{n}"
        while name in names:
            name = f"{name}_{n}"
        names.append(name)
    return names


def scan_csv(
    path: Path,
    encoding: str,
    detect: Detect,
    items: Mapping[str, Item],
    *,
    min_share: float,
    limit: int | None = None,
    progress: Progress = SILENT,
) -> tuple[ColumnReport, ...]:
    """One report per column; the first row is the header and gives each column's context."""
    size = path.stat().st_size
    progress.begin(path.name, size)
    with _open(path) as raw, _text(raw, encoding) as fh:
        try:
            dialect = _dialect(fh.read(_CHUNK), path)
            fh.seek(0)
            reader = csv.reader(fh, dialect)
            header = next(reader, None)
            if header is None:
                raise ScanInputError(f"{path}: the CSV file is empty")
            tallies = {name: Tally(name, None, (name,)) for name in _headers(header)}
            columns = list(tallies.values())
            for rows, row in enumerate(reader, 1):
                for tally, cell in zip(columns, row, strict=False):
                    tally.add(cell, detect, alternative=lost_zero(cell.strip()))
                if rows % _EVERY == 0:
                    progress.update(raw.tell())
                if limit is not None and rows >= limit:
                    break
        except csv.Error as exc:
            raise ScanInputError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None
        except UnicodeDecodeError:
            raise _decoding_error(path, encoding, "") from None
    progress.update(size)
    return _reports(tallies, items, min_share)


# JSON Lines ------------------------------------------------------------------------------


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(key path, text) of every string and integer inside a JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner, f"{path}[]")
    elif isinstance(value, str):
        yield path, value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield path, str(value)


def _key_context(path: str) -> tuple[str, ...]:
    last = path.replace("[]", "").rsplit(".", 1)[-1]
    return (path, last) if last != path else (path,)


def scan_jsonl(
    path: Path,
    encoding: str,
    detect: Detect,
    items: Mapping[str, Item],
    *,
    min_share: float,
    limit: int | None = None,
    progress: Progress = SILENT,
) -> tuple[ColumnReport, ...]:
    """One report per key path (``customer.phone``, ``orders[].email``): each line is one
    JSON value; the path's last key is its context."""
    size = path.stat().st_size
    progress.begin(path.name, size)
    tallies: dict[str, Tally] = {}
    line_no = 0
    with _open(path) as raw, _text(raw, encoding) as fh:
        try:
            records = 0
            for line_no, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    msg = getattr(exc, "msg", "not JSON")
                    raise ScanInputError(f"{path}:{line_no}: not JSON ({msg})") from None
                for key, text in _walk(value, ""):
                    key = key or "$"
                    tally = tallies.get(key)
                    if tally is None:
                        if len(tallies) >= _KEYS:
                            key = "*"
                            tally = tallies.get(key)
                        if tally is None:
                            tally = tallies[key] = Tally(key, None, _key_context(key))
                    tally.add(text, detect, alternative=lost_zero(text.strip()))
                records += 1
                if records % _EVERY == 0:
                    progress.update(raw.tell())
                if limit is not None and records >= limit:
                    break
        except UnicodeDecodeError:
            raise _decoding_error(path, encoding, f":{line_no + 1}") from None
    progress.update(size)
    return _reports(tallies, items, min_share)


# plain text ------------------------------------------------------------------------------


class _Lines:
    """Chunks of a stream, kept while a finding may still point into them, to turn a
    finding's offset into a line number and a masked example."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.chunks: deque[tuple[int, str]] = deque()  # (offset, text)
        self.kept = 0
        self.base_line = 1  # line number at the start of the first kept chunk
        self.total = 0
        self.lines = 0

    def feed(self, chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            self.chunks.append((self.total, chunk))
            self.total += len(chunk)
            self.kept += len(chunk)
            self.lines += chunk.count("\n")
            while self.kept - len(self.chunks[0][1]) > self.keep:
                _, old = self.chunks.popleft()
                self.kept -= len(old)
                self.base_line += old.count("\n")
            yield chunk

    def locate(self, start: int, end: int) -> tuple[int, str] | None:
        """The line of ``start`` and the text between the offsets (None if let go)."""
        while len(self.chunks) > 1 and self.chunks[1][0] <= start:
            _, old = self.chunks.popleft()
            self.kept -= len(old)
            self.base_line += old.count("\n")
        if not self.chunks or self.chunks[0][0] > start:
            return None
        offset, first = self.chunks[0]
        line = self.base_line + first.count("\n", 0, start - offset)
        parts = []
        for at, chunk in self.chunks:
            if at >= end:
                break
            parts.append(chunk[max(0, start - at) : end - at])
        return line, "".join(parts)


class _EntityTally:
    def __init__(self) -> None:
        self.count = 0
        self.lines: list[int] = []
        self.line_set = 0
        self.last_line = 0
        self.examples: list[str] = []


def scan_plain(
    chunks: Iterator[str],
    registry: Registry | None,
    items: Mapping[str, Item],
    *,
    min_score: float,
) -> tuple[ColumnReport, ...]:
    """One report per entity found: how often, on which lines (the first few), masked
    examples. ``sampled`` is the number of lines, ``matched`` the lines with the entity."""
    lines = _Lines(keep=1 << 18)  # several windows of scan_stream: findings never lag more
    found: dict[str, _EntityTally] = {}
    for finding in scan_stream(lines.feed(chunks), registry=registry):
        if finding.score < min_score:
            continue
        _count(found, finding, lines)
    total_lines = lines.lines + (1 if lines.total and not _ends_with_newline(lines) else 0)
    reports = []
    for entity, tally in sorted(found.items()):
        reports.append(
            ColumnReport(
                column=entity,
                sampled=total_lines,
                matched=tally.line_set,
                entity=entity,
                entities={entity: tally.count},
                examples=tuple(tally.examples),
                lines=tuple(tally.lines),
                suggested_item=suggest_item(entity, items),
                personal=True,
            )
        )
    return tuple(reports)


def _ends_with_newline(lines: _Lines) -> bool:
    return bool(lines.chunks) and lines.chunks[-1][1].endswith("\n")


def _count(found: dict[str, _EntityTally], finding: Finding, lines: _Lines) -> None:
    tally = found.setdefault(finding.entity, _EntityTally())
    tally.count += 1
    where = lines.locate(finding.start, finding.end)
    if where is None:
        return
    line, text = where
    if line != tally.last_line:
        tally.line_set += 1
        tally.last_line = line
        if len(tally.lines) < _LINES:
            tally.lines.append(line)
    if len(tally.examples) < EXAMPLES and finding.entity not in NO_EXAMPLES:
        shown = mask(text)
        if shown not in tally.examples:
            tally.examples.append(shown)


def read_chunks(path: Path, encoding: str, progress: Progress = SILENT) -> Iterator[str]:
    """The file's text in chunks (a decoding error names the file)."""
    progress.begin(path.name, path.stat().st_size)
    with _open(path) as raw, _text(raw, encoding) as fh:
        try:
            while chunk := fh.read(_CHUNK):
                progress.update(raw.tell())
                yield chunk
        except UnicodeDecodeError:
            raise _decoding_error(path, encoding, "") from None
