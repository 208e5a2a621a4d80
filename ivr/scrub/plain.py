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


def chunks(source: BinaryIO) -> Iterator[bytes]:
    """``source`` from where it stands, in pieces of about :data:`CHUNK_BYTES` that end at
    a ``\\n`` (the last one wherever the file ends)."""
    rest = b""
    while block := source.read(CHUNK_BYTES):
        block = rest + block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            yield block[:cut]
    if rest:
        yield rest


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
