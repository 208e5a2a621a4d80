"""Where a command's file goes: stdout, or a file that appears only when complete."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def output_file(target: str | None) -> Iterator[BinaryIO]:
    """``None`` or ``-`` is stdout; a path is written beside it and moved in place at the end,
    so a failed run never leaves a file that looks complete."""
    if target in (None, "-"):
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(target)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
