"""``ivr db migrate``: bring a database's schema up to date and say what was applied.

The same migrations every process applies at open (SQLite: one ``BEGIN IMMEDIATE``
each; PostgreSQL: under the advisory lock), run on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.clock import Clock
from ivr.store import migrate as sqlite_migrate
from ivr.store import sqlite_backend
from ivr.store.location import Location, PostgresLocation
from ivr.store.migrate import Migration
from ivr.store.pg import backend as pg_backend
from ivr.store.pg import migrate as pg_migrate


@dataclass(frozen=True, slots=True)
class Migrated:
    backend: str
    version: int
    applied: list[Migration]

    def as_dict(self) -> dict[str, object]:
        return {
            "backend": self.backend,
            "version": self.version,
            "applied": [m.label for m in self.applied],
        }


async def migrate_database(
    location: Location, clock: Clock, busy_timeout_ms: int = 5000
) -> Migrated:
    """Open the database's writer connection as a store does (which migrates), then close it."""
    if isinstance(location, PostgresLocation):
        pg_db, applied = await pg_backend.open_writer(location, clock)
        try:
            return Migrated("postgresql", await pg_migrate.schema_version(pg_db), applied)
        finally:
            await pg_db.close()
    db, applied = await sqlite_backend.open_writer(location.path, clock, busy_timeout_ms)
    try:
        return Migrated("sqlite", await sqlite_migrate.user_version(db), applied)
    finally:
        await db.close()
