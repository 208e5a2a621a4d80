"""Row ids: UUIDs as text, time-ordered (version 7, RFC 9562), so new rows append to the
primary key's index instead of landing all over it (a million imported ids, or the
opt-outs of a busy IVR, each dirtying a page of its own)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62
_RAND_B = (1 << 62) - 1


def time_ordered_ids(now_ms: int | None = None) -> Iterator[str]:
    """Fresh version-7 UUIDs: the millisecond of ``now_ms`` (default: now), 12 random
    bits, then a 62-bit counter that starts at a random value, so each is unique and the
    next is larger."""
    text = _text(_high(time.time_ns() // 1_000_000 if now_ms is None else now_ms))
    prefix = text[:19]  # the same for every id: only the last 16 digits count
    counter = secrets.randbits(61)
    while True:
        low = _VARIANT | (counter & _RAND_B)
        yield f"{prefix}{low >> 48:04x}-{low & 0xFFFF_FFFF_FFFF:012x}"
        counter += 1


class TimeOrderedIds:
    """Version-7 UUIDs asked for one at a time, each with the millisecond it was made
    (never earlier than the one before): within a millisecond the counter counts on from
    a random start, as :func:`time_ordered_ids` does, so each id is larger than the last."""

    def __init__(self) -> None:
        self._ms = -1
        self._high = 0
        self._counter = 0

    def __call__(self) -> str:
        ms = time.time_ns() // 1_000_000
        if ms > self._ms:
            self._ms = ms
            self._high = _high(ms)
            self._counter = secrets.randbits(61)
        else:
            self._counter += 1
        return _text(self._high | (self._counter & _RAND_B))


def _high(ms: int) -> int:
    return (ms & 0xFFFF_FFFF_FFFF) << 80 | _VERSION_7 | secrets.randbits(12) << 64 | _VARIANT


def _text(value: int) -> str:
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
