"""Row ids: UUIDs as text. An imported list gets time-ordered ones (version 7, RFC 9562),
so a million new ids append to the primary key's index instead of landing all over it."""

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
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    high = (ms & 0xFFFF_FFFF_FFFF) << 80 | _VERSION_7 | secrets.randbits(12) << 64 | _VARIANT
    counter = secrets.randbits(61)
    while True:
        text = f"{high | (counter & _RAND_B):032x}"
        yield f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
        counter += 1
