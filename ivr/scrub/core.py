"""Scrubbing a call file against an advertiser's suppression list: the use case that
``POST /v1/scrub`` and ``ivr scrub`` both run.

The list is read once (:mod:`ivr.suppression_list`), then one pass over the file decides
every row and writes the whole answer to ``sink`` before anyone sends it, so its counts
can lead the answer and a file that turns out unreadable half-way is a clean error.
Kept rows are written byte for byte as they came; ``mark`` only appends two cells.
"""

from __future__ import annotations

import asyncio
import codecs
import io
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import BinaryIO

from ivr import gc_pause
from ivr.flow.profile import Profile
from ivr.regimes import Regimes
from ivr.rules.maycall import Regime
from ivr.rules.numbers import DEFAULT_REGION, normalize
from ivr.scrub import forked, plain
from ivr.scrub.csvfile import CsvLayout, MalformedCsv, Record, inspect_csv, records, text_of
from ivr.store import Store
from ivr.suppression_list import SuppressionList, Verdict, load_suppression_list
from ivr.suppressions import parse_category

MARK_HEADERS = ("suppressed", "suppression_reason")
FLUSH_ROWS = 5000

Verdicts = Callable[[str], Verdict | None]
"""An E.164 number in, its verdict out (``None``: not on the list)."""


class ScrubMode(StrEnum):
    REMOVE = "remove"
    MARK = "mark"


@dataclass(frozen=True)
class ScrubRequest:
    advertiser: str
    at: datetime
    """The moment the calls are decided for (the register's grace period is counted to it)."""
    profile: Profile
    """The advertiser's profile in force at ``at``: where numbers without a country code
    are read, and the categories."""
    regime: Regime
    """What the profile asks of a decision: under an opt-in one, consents count too."""
    mode: ScrubMode = ScrubMode.REMOVE
    category: str | None = None
    columns: Sequence[str] = ()
    """The number columns by name; none: detected."""

    @classmethod
    def under_profile(
        cls,
        regimes: Regimes,
        advertiser: str,
        at: datetime,
        *,
        mode: ScrubMode = ScrubMode.REMOVE,
        category: str | None = None,
        columns: Sequence[str] = (),
    ) -> ScrubRequest:
        """A scrub under ``advertiser``'s profile in force at ``at``; an unknown
        ``category`` of that profile is an ``InputError``."""
        profile, regime = regimes.regime_for(advertiser, at)
        return cls(
            advertiser, at, profile, regime, mode, parse_category(category, profile), columns
        )


@dataclass
class ScrubStats:
    rows: int = 0
    suppressed: int = 0
    invalid: int = 0
    columns: list[str] = field(default_factory=list)
    """The number columns' names (a headerless file's: ``#1``, ``#2``…)."""

    def add(self, rows: int, suppressed: int, invalid: int) -> None:
        """Counts of a part of the file passed elsewhere (a chunk, the forked half)."""
        self.rows += rows
        self.suppressed += suppressed
        self.invalid += invalid


async def scrub_file(
    store: Store,
    request: ScrubRequest,
    source: BinaryIO,
    sink: BinaryIO,
    *,
    progress: Callable[[int], None] | None = None,
    listed: Awaitable[SuppressionList] | None = None,
) -> ScrubStats:
    """Scrub ``source`` into ``sink``; ``listed``: the list already being read
    (:func:`list_loading`).

    The file is checked before the list is used. Raises
    :class:`~ivr.scrub.csvfile.MalformedCsv`,
    :class:`~ivr.scrub.columns.NumberColumnNotFound` or an ``InputError`` (unknown column).
    """
    region = request.profile.number_region
    layout = inspect_csv(source, request.columns, region)
    found = await (listed if listed is not None else _load(store, request))
    return await asyncio.to_thread(
        scrub, source, sink, layout, request.mode, found, region=region, progress=progress
    )


@asynccontextmanager
async def list_loading(
    store: Store, request: ScrubRequest
) -> AsyncIterator[asyncio.Task[SuppressionList]]:
    """``request``'s suppression list read in the background while the block runs (while
    the call file arrives, on SQLite without holding the GIL); dropped if it fails."""
    task = asyncio.ensure_future(_load(store, request))
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _load(store: Store, request: ScrubRequest) -> SuppressionList:
    return await load_suppression_list(
        store, request.advertiser, request.category, request.at, request.regime
    )


def scrub(
    source: BinaryIO,
    sink: BinaryIO,
    layout: CsvLayout,
    mode: ScrubMode,
    listed: SuppressionList,
    *,
    region: str = DEFAULT_REGION,
    progress: Callable[[int], None] | None = None,
) -> ScrubStats:
    """One pass over ``source``: every row decided, the answer written to ``sink``."""
    with gc_pause.paused():
        return _scrub(source, sink, layout, mode, listed, region, progress)


def _scrub(
    source: BinaryIO,
    sink: BinaryIO,
    layout: CsvLayout,
    mode: ScrubMode,
    listed: SuppressionList,
    region: str,
    progress: Callable[[int], None] | None,
) -> ScrubStats:
    stats = ScrubStats(columns=layout.column_names)
    answer = _Answer(sink, stats, progress)
    by_line = not layout.quoted and len(layout.columns) == 1
    try:
        if layout.bom:
            sink.write(codecs.BOM_UTF8)
        if by_line and mode is ScrubMode.REMOVE and region == DEFAULT_REGION:
            _scrub_chunks(source, answer, layout, listed)
            return stats
        text = text_of(source)
        try:
            if by_line:
                _scrub_lines(text, answer, layout, mode, listed.verdict, region, layout.has_header)
            else:
                _scrub_records(records(text, layout), answer, layout, mode, listed.verdict, region)
            answer.flush()
        finally:
            text.detach()
    except UnicodeDecodeError as exc:
        raise MalformedCsv(f"the file is not valid UTF-8: {exc.reason}") from None
    return stats


class _Answer:
    """The answer's pieces, written to the sink a few thousand rows at a time."""

    def __init__(
        self, sink: BinaryIO, stats: ScrubStats, progress: Callable[[int], None] | None
    ) -> None:
        self.pieces: list[str] = []
        self.stats = stats
        self._sink = sink
        self._progress = progress

    def flush(self) -> None:
        self.write("".join(self.pieces).encode())
        self.pieces.clear()

    def write(self, data: bytes) -> None:
        self._sink.write(data)
        if self._progress is not None:
            self._progress(self.stats.rows)


FORK_BYTES = 16 << 20
"""From this size on, the chunked pass gives the second half of the file to a forked
copy of the process (:mod:`ivr.scrub.forked`), which runs beside it on another core."""

FORKED_SLACK_S = 10.0
"""How long past four times this process's own half the copy may take for the other
half (a busy machine) before this process kills it and passes that half itself."""


def _scrub_chunks(
    source: BinaryIO, answer: _Answer, layout: CsvLayout, listed: SuppressionList
) -> None:
    """:func:`_scrub_lines` in ``remove`` mode, a chunk of lines at a time
    (:mod:`ivr.scrub.plain`), a large file in two halves at once."""
    cells = plain.number_cells(layout.delimiter, layout.columns[0])
    read_at, end, positional = plain.reader(source)
    start = len(codecs.BOM_UTF8) if layout.bom else 0
    if layout.has_header:
        first = plain.first_line(read_at, start, end)
        first.decode()
        answer.write(first)
        start += len(first)
    half = None
    if positional and end - start >= FORK_BYTES and hasattr(os, "fork"):
        half = plain.line_start_after(read_at, start + (end - start) // 2, end)
    if half is None:
        _scrub_span(plain.chunks(read_at, start, end), answer, layout, cells, listed)
        return
    listed.suppressed(())  # what the copy would otherwise work out for itself

    def second_half(out: BinaryIO) -> forked.Counts:
        theirs = _Answer(out, ScrubStats(), None)
        _scrub_span(plain.chunks(read_at, half, end), theirs, layout, cells, listed)
        return theirs.stats.rows, theirs.stats.suppressed, theirs.stats.invalid

    with forked.Forked(second_half) as other:
        started = time.monotonic()
        _scrub_span(plain.chunks(read_at, start, half), answer, layout, cells, listed)
        done = other.result(FORKED_SLACK_S + 4 * (time.monotonic() - started))
        if done is None:
            _scrub_span(plain.chunks(read_at, half, end), answer, layout, cells, listed)
            return
        out, counts = done
        answer.stats.add(*counts)
        while piece := out.read(1 << 20):
            answer.write(piece)


def _scrub_span(
    chunks: Iterable[bytes],
    answer: _Answer,
    layout: CsvLayout,
    cells: re.Pattern[str],
    listed: SuppressionList,
) -> None:
    for chunk in chunks:
        decided = plain.decide(chunk, cells, listed.suppressed)
        if decided is None:
            lines = io.StringIO(chunk.decode(), newline="")
            _scrub_lines(lines, answer, layout, ScrubMode.REMOVE, listed.verdict, DEFAULT_REGION)
            answer.flush()
            continue
        answer.stats.add(decided.rows, decided.suppressed, decided.invalid)
        answer.write(decided.kept)


def _scrub_lines(
    lines: Iterator[str],
    answer: _Answer,
    layout: CsvLayout,
    mode: ScrubMode,
    verdict: Verdicts,
    region: str,
    header: bool = False,
) -> None:
    """The common case, kept tight: no quotes in the file (a line is a record) and one
    number column. Decides exactly as :func:`_scrub_records`; ``header``: the first line
    is the file's header."""
    stats, pieces, mark = answer.stats, answer.pieces, mode is ScrubMode.MARK
    delimiter, column = layout.delimiter, layout.columns[0]
    if header:
        first = next(lines)
        count = first.rstrip("\r\n").count(delimiter) + 1
        pieces.append(_with_cells(first, count, layout, MARK_HEADERS) if mark else first)
    rows, suppressed_rows, invalid = stats.rows, stats.suppressed, stats.invalid
    for line in lines:
        body = line.rstrip("\r\n")
        if not body:
            pieces.append(line)
            continue
        cells = body.split(delimiter, column + 1)
        number = normalize(cells[column], region) if column < len(cells) else None
        found = None if number is None else verdict(number)
        suppressed = found is not None and found.suppressed
        rows += 1
        if suppressed:
            suppressed_rows += 1
        elif number is None:
            invalid += 1
        if mark:
            state = "yes" if suppressed else "no" if number is not None else "invalid"
            codes = "|".join(found.codes) if found is not None and suppressed else ""
            count = body.count(delimiter) + 1
            pieces.append(_with_cells(line, count, layout, (state, codes)))
        elif not suppressed:
            pieces.append(line)
        if len(pieces) >= FLUSH_ROWS:
            stats.rows, stats.suppressed, stats.invalid = rows, suppressed_rows, invalid
            answer.flush()
    stats.rows, stats.suppressed, stats.invalid = rows, suppressed_rows, invalid


def _scrub_records(
    rows: Iterator[Record],
    answer: _Answer,
    layout: CsvLayout,
    mode: ScrubMode,
    verdict: Verdicts,
    region: str,
) -> None:
    stats, pieces, mark = answer.stats, answer.pieces, mode is ScrubMode.MARK
    if layout.has_header:
        cells, header = next(rows)
        pieces.append(_with_cells(header, len(cells), layout, MARK_HEADERS) if mark else header)
    for cells, raw in rows:
        if not cells:
            pieces.append(raw)
            continue
        valid = False
        codes: dict[str, None] = {}
        for index in layout.columns:
            if index < len(cells) and (number := normalize(cells[index], region)):
                valid = True
                found = verdict(number)
                if found is not None and found.suppressed:
                    codes.update(dict.fromkeys(found.codes))
        stats.rows += 1
        if codes:
            stats.suppressed += 1
        elif not valid:
            stats.invalid += 1
        if mark:
            state = "yes" if codes else "no" if valid else "invalid"
            pieces.append(_with_cells(raw, len(cells), layout, (state, "|".join(codes))))
        elif not codes:
            pieces.append(raw)
        if len(pieces) >= FLUSH_ROWS:
            answer.flush()


def _with_cells(raw: str, count: int, layout: CsvLayout, cells: Sequence[str]) -> str:
    """``raw`` with ``cells`` appended, after padding a short record to the layout's width."""
    body = raw.rstrip("\r\n")
    pad = layout.delimiter * max(0, layout.width - count)
    return body + pad + layout.delimiter + layout.delimiter.join(cells) + raw[len(body) :]
