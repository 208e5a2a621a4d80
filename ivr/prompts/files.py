"""The prompt folders' own files: their TOML read with one-line errors, and every file
replaced whole, so a reader (Asterisk, a running service) sees the old file or the new,
never half of one."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeGuard

FILE_MODE = 0o644
SHA256 = re.compile(r"[0-9a-f]{64}")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def read_toml(path: Path, error: type[ValueError]) -> dict[str, Any] | None:
    """The TOML document at ``path``, None when there is none; ``error`` (one line) when it
    cannot be read or parsed."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(f"{path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: {exc}") from exc


def is_whole(value: object) -> TypeGuard[int]:
    """A whole number >= 0 (bytes, milliseconds); TOML's ``true`` is not one."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def toml_key(name: str) -> str:
    """A prompt name as a TOML key: bare when it can be, else quoted (``"advertisers/acme"``)."""
    return name if _BARE_KEY.fullmatch(name) else f'"{name}"'


def write_text_atomically(path: Path, text: str, mode: int = FILE_MODE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace_whole(path, lambda partial: partial.write_text(text, encoding="utf-8"), mode)


def copy_atomically(source: Path, target: Path, mode: int = FILE_MODE) -> None:
    _replace_whole(target, lambda partial: shutil.copyfile(source, partial), mode)


def _replace_whole(target: Path, fill: Callable[[Path], object], mode: int) -> None:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-")
    os.close(fd)
    partial = Path(name)
    try:
        fill(partial)
        os.chmod(partial, mode)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
