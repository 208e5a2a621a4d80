"""Reading a call file: its layout from the first records, then its records raw.

A call file is UTF-8 CSV (BOM allowed) with `,` or `;`, with or without a
header (docs/design.md §15.38). Only the first records are read to learn the layout;
the pass reads every record once and keeps each one's raw text, so a kept row
goes back byte for byte.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from ivr.rules.numbers import DEFAULT_REGION
from ivr.scrub.columns import (
    SAMPLE_CELLS,
    SAMPLE_RECORDS_MAX,
    NumberColumnNotFound,
    detect_columns,
    is_header,
    looks_like_number,
    named_columns,
    positional_names,
)


class MalformedCsv(Exception):
    """The file is not UTF-8 CSV."""


@dataclass(frozen=True)
class CsvLayout:
    delimiter: str
    names: list[str]
    """The header's cells; headerless: ``#1``, ``#2``… as wide as the widest sampled row."""
    has_header: bool
    columns: tuple[int, ...]
    """The number columns (0-based), never empty."""
    width: int
    """Cells of the header (headerless: of the first line); ``mark`` pads shorter rows to it."""
    bom: bool
    quoted: bool = True
    """False when the file has no ``"`` at all: then every line is one record."""

    @property
    def column_names(self) -> list[str]:
        """The number columns by name (a column beyond the header by position, ``#n``)."""
        return [self.names[i] if i < len(self.names) else f"#{i + 1}" for i in self.columns]


DELIMITERS = (",", ";")
SNIFF_LINES = 50

Record = tuple[list[str], str]
"""A record's cells and its raw text (one line, or more when a quoted cell holds a break)."""


def detect_delimiter(lines: Sequence[str]) -> str:
    """``,`` or ``;``: of those that read the first lines as CSV, the one that splits them
    into records of one width above 1, then the one that leaves no quote open, then the
    one that gives more cells that look like numbers, then the one that gives the first
    record more cells (a tie is ``,``)."""
    return max(DELIMITERS, key=lambda delimiter: _split_score(lines, delimiter))


def _split_score(lines: Sequence[str], delimiter: str) -> tuple[bool, bool, bool, int, int]:
    """(readable, one width above 1, read to the end without an open quote, number-like
    cells, first width)."""
    records: list[list[str]] = []
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    closed = True
    try:
        records.extend(cells for cells in reader if cells)
    except csv.Error:
        if reader.line_num < len(lines):
            return False, False, False, 0, 0
        closed = False  # a quoted cell goes on past the lines read, or never ends
    if not records:
        return True, False, closed, 0, 0
    widths = {len(cells) for cells in records}
    numbers = sum(looks_like_number(cell) for cells in records for cell in cells)
    first = len(records[0])
    return True, len(widths) == 1 and first > 1, closed, numbers, first


def text_of(file: BinaryIO) -> io.TextIOWrapper:
    """The file from its start as text (a BOM is dropped); ``detach()`` it after use."""
    file.seek(0)
    return io.TextIOWrapper(file, encoding="utf-8-sig", newline="", errors="strict")


def inspect_csv(
    file: BinaryIO, wanted: Sequence[str] = (), region: str = DEFAULT_REGION
) -> CsvLayout:
    """The layout, from the first records: :class:`MalformedCsv` when they are unreadable,
    :class:`NumberColumnNotFound` when no column holds numbers."""
    file.seek(0)
    bom = file.read(3) == codecs.BOM_UTF8
    text = text_of(file)
    try:
        head = list(itertools.islice(text, SNIFF_LINES))
        if not head or not head[0].strip():
            raise MalformedCsv("the file is empty or its first line is blank")
        delimiter = detect_delimiter(head)
        reader = csv.reader(itertools.chain(head, text), delimiter=delimiter, strict=True)
        first = next(reader)
        sample = _sample(reader)
    except UnicodeDecodeError as exc:
        raise MalformedCsv(f"the file is not valid UTF-8: {exc.reason}") from None
    except csv.Error as exc:
        raise MalformedCsv(f"unreadable CSV near line {reader.line_num}: {exc}") from None
    finally:
        text.detach()
    has_header = is_header(first)
    if not has_header:
        sample.insert(0, first)
    widest = max(len(cells) for cells in sample) if sample else 0
    names = first if has_header else positional_names(max(widest, len(first)))
    if any(name.strip() for name in wanted):
        columns = named_columns(names, wanted)
    else:
        columns = detect_columns(first if has_header else None, sample, region)
    if not columns:
        raise NumberColumnNotFound(names)
    return CsvLayout(delimiter, names, has_header, columns, len(first), bom, _has_quotes(file))


def _sample(reader: Iterator[list[str]]) -> list[list[str]]:
    """The records after the first, until every column has its sample or enough were read."""
    sample: list[list[str]] = []
    filled: list[int] = []
    for cells in reader:
        if not cells:
            continue
        sample.append(cells)
        for index, cell in enumerate(cells):
            if index >= len(filled):
                filled.extend([0] * (index + 1 - len(filled)))
            filled[index] += bool(cell.strip())
        if len(sample) >= SAMPLE_RECORDS_MAX or (
            len(sample) >= SAMPLE_CELLS and min(filled) >= SAMPLE_CELLS
        ):
            break
    return sample


def _has_quotes(file: BinaryIO) -> bool:
    file.seek(0)
    while chunk := file.read(1 << 20):
        if b'"' in chunk:
            return True
    return False


def records(text: Iterator[str], layout: CsvLayout) -> Iterator[Record]:
    """Every record of the file, the header too, with its raw text; blank lines are
    records without cells. Raises :class:`MalformedCsv`."""
    read = _csv_records if layout.quoted else _plain_records
    try:
        yield from read(text, layout.delimiter)
    except UnicodeDecodeError as exc:
        raise MalformedCsv(f"the file is not valid UTF-8: {exc.reason}") from None
    except csv.Error as exc:
        raise MalformedCsv(f"unreadable CSV: {exc}") from None


def data_records(file: BinaryIO, layout: CsvLayout) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells) of every data record, the first record of the file being 1;
    blank lines are skipped."""
    text = text_of(file)
    try:
        start = 2 if layout.has_header else 1
        rows = records(text, layout)
        if layout.has_header:
            next(rows)
        for number, (cells, _) in enumerate(rows, start):
            if cells:
                yield number, cells
    finally:
        text.detach()


def _plain_records(lines: Iterator[str], delimiter: str) -> Iterator[Record]:
    for line in lines:
        body = line.rstrip("\r\n")
        yield (body.split(delimiter) if body else []), line


def _csv_records(lines: Iterator[str], delimiter: str) -> Iterator[Record]:
    raw: list[str] = []

    def recorded() -> Iterator[str]:
        for line in lines:
            raw.append(line)
            yield line

    for cells in csv.reader(recorded(), delimiter=delimiter, strict=True):
        yield cells, "".join(raw)
        raw.clear()
