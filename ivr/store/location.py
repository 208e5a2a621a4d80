"""Where the store lives: ``IVR_DB`` as a path, ``sqlite:PATH`` or a PostgreSQL URL.

A PostgreSQL URL may carry a password: :func:`masked` is the only form of it
that goes into a log line or a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_PREFIX = "sqlite:"


@dataclass(frozen=True, slots=True)
class SqliteLocation:
    path: Path

    def __str__(self) -> str:
        return str(self.path)


@dataclass(frozen=True, slots=True)
class PostgresLocation:
    url: str

    def __str__(self) -> str:
        return masked(self.url)


Location = SqliteLocation | PostgresLocation


def parse_location(where: str | Path | Location) -> Location:
    """The store named by ``where``; a bare path (or ``sqlite:PATH``) is a SQLite file."""
    if isinstance(where, SqliteLocation | PostgresLocation):
        return where
    if isinstance(where, Path):
        return SqliteLocation(where)
    text = where.strip()
    if text.startswith(POSTGRES_SCHEMES):
        return PostgresLocation(text)
    if text.startswith(SQLITE_PREFIX):
        text = text[len(SQLITE_PREFIX) :]
        if text.startswith("//"):
            text = text[2:]
    if not text:
        raise ValueError("an empty database path")
    return SqliteLocation(Path(text))


_USER_INFO = re.compile(r"(postgres(?:ql)?://)[^@/\s]*@")


def masked_text(text: str) -> str:
    """``text`` with the user info of every PostgreSQL URL in it masked."""
    return _USER_INFO.sub(r"\1***@", text)


def masked(url: str) -> str:
    """``url`` with its user info replaced by ``***`` (nothing of a password survives)."""
    if not url.startswith(POSTGRES_SCHEMES):
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc="***@" + host))
