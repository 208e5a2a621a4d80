"""Plain SQL on a test's database, whichever backend it is: what another program sees.

``?`` placeholders on both; rows as dicts (times as the text the store writes).
PostgreSQL is reached from a thread of its own, so this works inside async tests.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import asyncpg

from benchmarks.harness import peek_postgres
from ivr.store.location import PostgresLocation, parse_location

DatabaseError = (sqlite3.DatabaseError, asyncpg.PostgresError)
"""What a refused statement raises (an append-only trigger, a constraint)."""


def rows(db: Any, sql: str, *params: Any) -> list[dict[str, Any]]:
    """The rows of one statement; a statement that changes rows is committed."""
    location = parse_location(db)
    if isinstance(location, PostgresLocation):
        return peek_postgres(location.url, sql, params)
    with sqlite3.connect(location.path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, params)]


def values(db: Any, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in rows(db, sql, *params)]


def scalar(db: Any, sql: str, *params: Any) -> Any:
    found = values(db, sql, *params)
    return found[0][0] if found else None
