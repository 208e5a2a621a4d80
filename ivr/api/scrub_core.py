"""Scrubbing a call file against the suppression list, streamed (API and ``ivr scrub``).

The file is read twice from disk: :func:`inspect_csv` checks it all (UTF-8,
CSV, the number column) before a byte is answered, so a bad file is a clean
4xx; :func:`scrub` then streams it back in batches, looking numbers up with
one query per batch. Kept rows are written back byte for byte, as the caller
sent them; ``mark`` only appends two cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import BinaryIO

from ivr.rules.numbers import normalize
from ivr.rules.reasons import Reason
from ivr.rules.suppression import is_suppressed, suppression_reasons
from ivr.store import Store
from ivr.suppressions import InputError

NUMBER_HEADERS = ("number", "nummer", "telefoon", "telefoonnummer", "phone", "msisdn")
MARK_HEADERS = ("suppressed", "suppression_reason")
BATCH_ROWS = 5000

Judge = Callable[[Sequence[str]], Awaitable[Mapping[str, Sequence[Reason]]]]
"""E.164 numbers in, the reasons of each out (empty: not suppressed)."""


class ScrubMode(StrEnum):
    REMOVE = "remove"
    MARK = "mark"


class MalformedCsv(Exception):
    """The file is not UTF-8 CSV with a header."""


@dataclass(frozen=True)
class CsvLayout:
    delimiter: str
    header: list[str]
    column: int
    rows: int
    bom: bool
    quoted: bool = True
    """False when the file has no ``"`` at all: then every line is one record."""


@dataclass
class ScrubStats:
    rows: int = 0
    suppressed: int = 0
    invalid: int = 0


def detect_delimiter(header_line: str) -> str:
    """``;`` when the header has more semicolons than commas, else ``,``."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def number_column(header: Sequence[str], named: str | None) -> int:
    wanted = [cell.strip().lower() for cell in header]
    if named:
        if named.strip().lower() not in wanted:
            raise InputError("unknown_column", f"the file has no column {named!r}")
        return wanted.index(named.strip().lower())
    for index, cell in enumerate(wanted):
        if cell in NUMBER_HEADERS:
            return index
    return 0


def _text(file: BinaryIO) -> io.TextIOWrapper:
    file.seek(0)
    return io.TextIOWrapper(file, encoding="utf-8-sig", newline="", errors="strict")


def inspect_csv(file: BinaryIO, column: str | None = None) -> CsvLayout:
    """Read the whole file once: its delimiter, header, number column and row count."""
    file.seek(0)
    bom = file.read(3) == codecs.BOM_UTF8
    text = _text(file)
    try:
        first = text.readline()
        if not first.strip():
            raise MalformedCsv("the file is empty or its first line (the header) is blank")
        delimiter = detect_delimiter(first)
        reader = csv.reader(_chain(first, text), delimiter=delimiter, strict=True)
        header = next(reader)
        rows = sum(1 for _ in reader)
    except UnicodeDecodeError as exc:
        raise MalformedCsv(f"the file is not valid UTF-8: {exc.reason}") from None
    except csv.Error as exc:
        raise MalformedCsv(f"unreadable CSV near record {reader.line_num}: {exc}") from None
    finally:
        text.detach()
    column_index = number_column(header, column)
    return CsvLayout(delimiter, header, column_index, rows, bom, _has_quotes(file))


def _has_quotes(file: BinaryIO) -> bool:
    file.seek(0)
    while chunk := file.read(1 << 20):
        if b'"' in chunk:
            return True
    return False


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def iter_records(file: BinaryIO, layout: CsvLayout) -> Iterator[list[str]]:
    """The data records after the header (blank lines skipped)."""
    text = _text(file)
    try:
        reader = csv.reader(text, delimiter=layout.delimiter)
        next(reader, None)
        for cells in reader:
            if cells:
                yield cells
    finally:
        text.detach()


Record = tuple[list[str], str]
"""A record's cells and its raw text (one line, or more when a quoted cell holds a break)."""


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

    for cells in csv.reader(recorded(), delimiter=delimiter):
        yield cells, "".join(raw)
        raw.clear()


def _with_cells(raw: str, cells: Sequence[str], delimiter: str) -> str:
    body = raw.rstrip("\r\n")
    return body + delimiter + delimiter.join(cells) + raw[len(body) :]


async def scrub(
    file: BinaryIO,
    layout: CsvLayout,
    mode: ScrubMode,
    judge: Judge,
    stats: ScrubStats | None = None,
    batch_rows: int = BATCH_ROWS,
) -> AsyncIterator[str]:
    """The scrubbed file, piece by piece (a piece per batch of rows)."""
    stats = stats if stats is not None else ScrubStats()
    text = _text(file)
    read = _plain_records if not layout.quoted else _csv_records
    records = read(text, layout.delimiter)
    try:
        _, header = next(records)
        if mode is ScrubMode.MARK:
            header = _with_cells(header, MARK_HEADERS, layout.delimiter)
        yield ("\ufeff" if layout.bom else "") + header
        while batch := list(itertools.islice(records, batch_rows)):
            yield await _scrub_batch(batch, layout, mode, judge, stats)
    finally:
        text.detach()


async def _scrub_batch(
    batch: list[Record],
    layout: CsvLayout,
    mode: ScrubMode,
    judge: Judge,
    stats: ScrubStats,
) -> str:
    numbers = [
        normalize(cells[layout.column]) if len(cells) > layout.column else None
        for cells, _ in batch
    ]
    verdicts = await judge(list(dict.fromkeys(n for n in numbers if n is not None)))
    out: list[str] = []
    for (cells, raw), number in zip(batch, numbers, strict=True):
        if not cells:
            out.append(raw)
            continue
        stats.rows += 1
        reasons = verdicts.get(number, ()) if number is not None else ()
        suppressed = bool(reasons) and is_suppressed(reasons)
        stats.suppressed += suppressed
        stats.invalid += number is None
        if mode is ScrubMode.REMOVE:
            if not suppressed:
                out.append(raw)
            continue
        state = "invalid" if number is None else "yes" if suppressed else "no"
        codes = "|".join(r.code for r in reasons) if suppressed else ""
        out.append(_with_cells(raw, (state, codes), layout.delimiter))
    return "".join(out)


def store_judge(store: Store, advertiser: str, category: str | None, at: datetime) -> Judge:
    """Look a batch up in the store and decide each number as a single look-up would."""

    async def judge(numbers: Sequence[str]) -> Mapping[str, Sequence[Reason]]:
        if not numbers:
            return {}
        found = await store.active_optouts_many(numbers, advertiser)
        # A number without opt-outs has no reasons: most of a call file needs no rules.
        return {
            number: suppression_reasons(rows, advertiser, category, at)
            for number, rows in found.items()
            if rows
        }

    return judge
