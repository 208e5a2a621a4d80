"""A tiny progress bar on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

WIDTH = 30
REDRAW_S = 0.1


class Progress:
    def __init__(
        self,
        label: str,
        total: int | None = None,
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self.enabled = self._stream.isatty() if enabled is None else enabled
        self._drawn_at = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.enabled and time.monotonic() - self._drawn_at >= REDRAW_S:
            self._draw()

    def line(self) -> str:
        if not self.total:
            return f"{self.label}  {self.done:,} rows"
        share = min(1.0, self.done / self.total)
        filled = round(share * WIDTH)
        bar = "#" * filled + "." * (WIDTH - filled)
        return f"{self.label}  [{bar}] {share:4.0%}  {self.done:,}/{self.total:,}"

    def _draw(self) -> None:
        self._drawn_at = time.monotonic()
        self._stream.write("\r" + self.line())
        self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.enabled:
            self._draw()
            self._stream.write("\n")
            self._stream.flush()
