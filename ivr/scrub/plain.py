"""The line pass over the common call file a chunk at a time, with few Python steps a line:
no quotes (a line is a record), one number column, numbers read for the Netherlands,
suppressed rows removed.

One regular expression over a chunk finds every line's number cell, after spaces and
dashes are taken out of the whole chunk (:func:`~ivr.rules.numbers.normalize` takes them
out first too, and they never end a cell or a line); the expression reads the Dutch mobile
forms itself, exactly as ``normalize``'s fast path does, and ``normalize`` reads any other
cell. A chunk whose lines the expression does not match one for one (a blank or short
line, a lone ``\\r``) is not decided here: the caller passes it line by line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import not_
from typing import BinaryIO

from ivr.rules.numbers import DEFAULT_REGION, normalize

CHUNK_BYTES = 1 << 22

Suppressed = Callable[[Sequence[str | None]], list[bool]]
"""Numbers (E.164, ``None``: not a number) in, whether each is suppressed out."""


@dataclass(frozen=True, slots=True)
class Decided:
    kept: bytes
    """The chunk's lines that are not suppressed, byte for byte."""
    rows: int
    suppressed: int
    invalid: int


def number_cells(delimiter: str, column: int) -> re.Pattern[str]:
    """Each line's cell ``column`` (0-based) of a compacted text: group 1 holds the
    national digits (``6…``) of a Dutch mobile number written ``06…``, ``+316…`` or
    ``00316…``, else group 2 holds the whole cell."""
    d = re.escape(delimiter)
    other = f"[^{d}\\r\\n]"
    nonblank = "(?=[^\\r\\n])" if column == 0 else ""
    return re.compile(
        f"^{nonblank}(?:{other}*{d}){{{column}}}"
        f"(?:(?:0|\\+31|0031)(6[1-68][0-9]{{7}})(?=[{d}\\r\\n]|\\Z)|({other}*))",
        re.MULTILINE,
    )


ReadAt = Callable[[int, int], bytes]
"""``read_at(offset, size)``: up to ``size`` bytes of the file from ``offset``."""


def reader(source: BinaryIO) -> tuple[ReadAt, int, bool]:
    """How to read ``source`` by position, its size, and whether those reads leave its
    position alone (a real file, read with ``pread``: another process may read it too)."""
    try:
        fd = source.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        fd = -1
    if fd >= 0 and hasattr(os, "pread"):
        source.flush()  # what was written through ``source`` is in the file for pread
        return (lambda offset, size: os.pread(fd, size, offset)), os.fstat(fd).st_size, True

    def read_at(offset: int, size: int) -> bytes:
        source.seek(offset)
        return source.read(size)

    return read_at, source.seek(0, os.SEEK_END), False


def chunks(read_at: ReadAt, start: int, end: int) -> Iterator[bytes]:
    """The bytes from ``start`` to ``end`` in pieces of about :data:`CHUNK_BYTES` that
    end at a ``\\n`` (the last one wherever ``end`` is)."""
    rest = b""
    while start < end and (block := read_at(start, min(CHUNK_BYTES, end - start))):
        start += len(block)
        block = rest + block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            yield block[:cut]
    if rest:
        yield rest


def first_line(read_at: ReadAt, start: int, end: int) -> bytes:
    """The line at ``start``, with its line end (``\\n``, ``\\r\\n`` or ``\\r``); only the
    chunk's text up to its first ``\\n`` is split (all of it would cost 20 ms a chunk)."""
    chunk = next(chunks(read_at, start, end), b"")
    head = chunk[: chunk.find(b"\n") + 1 or None]
    return (head.splitlines(keepends=True) or [b""])[0]


def line_start_after(read_at: ReadAt, offset: int, end: int) -> int | None:
    """Where the first line that starts after ``offset`` after a ``\\n`` starts."""
    while offset < end and (block := read_at(offset, min(1 << 16, end - offset))):
        found = block.find(b"\n")
        if found >= 0:
            return offset + found + 1 if offset + found + 1 < end else None
        offset += len(block)
    return None


def decide(chunk: bytes, cells: re.Pattern[str], suppressed: Suppressed) -> Decided | None:
    """The chunk's answer, or ``None`` when its lines are not all plain records. Raises
    ``UnicodeDecodeError`` when the chunk is not UTF-8."""
    if not chunk.isascii():
        chunk.decode()
    lines = chunk.splitlines(keepends=True)
    found = cells.findall(chunk.replace(b" ", b"").replace(b"-", b"").decode())
    if len(found) != len(lines):
        return None
    numbers = [
        "+31" + digits if digits else normalize(cell, DEFAULT_REGION) for digits, cell in found
    ]
    flags = suppressed(numbers)
    kept = b"".join(compress(lines, map(not_, flags)))
    return Decided(kept, len(lines), sum(flags), numbers.count(None))
