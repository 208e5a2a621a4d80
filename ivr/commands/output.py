"""Where a command's file goes: stdout, or a file that appears only when complete."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ivr.config import ConfigError


def check_output_target(target: str | Path | None, what: str = "output") -> None:
    """A file we are about to write whose folder is missing (or that is a folder), said in one
    line before any work is done."""
    if target is None or str(target) == "-":
        return
    path = Path(target)
    if path.is_dir():
        raise ConfigError(f"{what} {path} is a folder; name a file")
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"{what} {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"{what} {path}: no permission to write in {folder}")


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
        opened = partial.open("wb")
    except OSError as exc:
        raise ConfigError(f"output {path}: cannot write it: {exc.strerror}") from exc
    try:
        with opened as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
