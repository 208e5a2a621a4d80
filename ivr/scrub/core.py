"""Scrubbing a call file against an advertiser's suppression list: the use case that
``POST /v1/scrub`` and ``ivr scrub`` both run.

The pass writes the whole answer to ``sink`` before anyone sends it, so its counts
can lead the answer and a file that turns out unreadable half-way is a clean error.
Kept rows are written byte for byte as they came; ``mark`` only appends two cells.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import BinaryIO

from ivr.rules.numbers import normalize
from ivr.rules.reasons import Reason
from ivr.rules.suppression import is_suppressed
from ivr.scrub.csvfile import CsvLayout, Record, inspect_csv, records, text_of

MARK_HEADERS = ("suppressed", "suppression_reason")
BATCH_ROWS = 5000

Judge = Callable[[Sequence[str]], Awaitable[Mapping[str, Sequence[Reason]]]]
"""E.164 numbers in, the reasons of each out (missing or empty: not suppressed)."""


class ScrubMode(StrEnum):
    REMOVE = "remove"
    MARK = "mark"


@dataclass
class ScrubStats:
    rows: int = 0
    suppressed: int = 0
    invalid: int = 0
    columns: list[str] = field(default_factory=list)
    """The number columns' names (a headerless file's: ``#1``, ``#2``…)."""


async def scrub_file(
    source: BinaryIO,
    sink: BinaryIO,
    mode: ScrubMode,
    judge: Judge,
    columns: Sequence[str] = (),
    *,
    progress: Callable[[int], None] | None = None,
) -> ScrubStats:
    """Scrub ``source`` into ``sink``; the number columns are ``columns`` or detected.

    Raises :class:`~ivr.scrub.csvfile.MalformedCsv`,
    :class:`~ivr.scrub.columns.NumberColumnNotFound` or an ``InputError`` (unknown column).
    """
    layout = inspect_csv(source, columns)
    return await scrub(source, sink, layout, mode, judge, progress=progress)


async def scrub(
    source: BinaryIO,
    sink: BinaryIO,
    layout: CsvLayout,
    mode: ScrubMode,
    judge: Judge,
    *,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[int], None] | None = None,
) -> ScrubStats:
    stats = ScrubStats(columns=layout.column_names)
    text = text_of(source)
    try:
        rows = records(text, layout)
        if layout.bom:
            sink.write(codecs.BOM_UTF8)
        if layout.has_header:
            cells, header = next(rows)
            if mode is ScrubMode.MARK:
                header = _with_cells(header, len(cells), layout, MARK_HEADERS)
            sink.write(header.encode())
        while batch := list(itertools.islice(rows, batch_rows)):
            sink.write((await _scrub_batch(batch, layout, mode, judge, stats)).encode())
            if progress is not None:
                progress(stats.rows)
    finally:
        text.detach()
    return stats


def _numbers(cells: list[str], columns: tuple[int, ...]) -> list[str]:
    """The valid numbers of a record's number columns, E.164."""
    found = []
    for index in columns:
        if index < len(cells) and (number := normalize(cells[index])) is not None:
            found.append(number)
    return found


async def _scrub_batch(
    batch: list[Record], layout: CsvLayout, mode: ScrubMode, judge: Judge, stats: ScrubStats
) -> str:
    numbers = [_numbers(cells, layout.columns) for cells, _ in batch]
    verdicts = await judge(list(dict.fromkeys(n for found in numbers for n in found)))
    out: list[str] = []
    for (cells, raw), found in zip(batch, numbers, strict=True):
        if not cells:
            out.append(raw)
            continue
        stats.rows += 1
        codes: dict[str, None] = {}
        for number in found:
            reasons = verdicts.get(number, ())
            if reasons and is_suppressed(reasons):
                codes.update(dict.fromkeys(r.code for r in reasons))
        suppressed = bool(codes)
        stats.suppressed += suppressed
        stats.invalid += not found
        if mode is ScrubMode.REMOVE:
            if not suppressed:
                out.append(raw)
            continue
        state = "yes" if suppressed else "invalid" if not found else "no"
        out.append(_with_cells(raw, len(cells), layout, (state, "|".join(codes))))
    return "".join(out)


def _with_cells(raw: str, count: int, layout: CsvLayout, cells: Sequence[str]) -> str:
    """``raw`` with ``cells`` appended, after padding a short record to the layout's width."""
    body = raw.rstrip("\r\n")
    pad = layout.delimiter * max(0, layout.width - count)
    return body + pad + layout.delimiter + layout.delimiter.join(cells) + raw[len(body) :]
