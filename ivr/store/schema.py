"""``ivr db migrate``: bring a database's schema up to date and say what was applied.

The same migrations every process applies at open (SQLite: one ``BEGIN IMMEDIATE``
each; PostgreSQL: under the advisory lock), run on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from ivr.clock import Clock
from ivr.store import migrate as sqlite_migrate
from ivr.store.db import Db
from ivr.store.errors import StoreError
from ivr.store.legacy import hash_legacy_rows
from ivr.store.location import Location, PostgresLocation
from ivr.store.migrate import Migration
from ivr.store.pg import migrate as pg_migrate
from ivr.store.pg.db import PgDb, connect


@dataclass(frozen=True, slots=True)
class Migrated:
    backend: str
    version: int
    applied: list[Migration]

    def as_dict(self) -> dict[str, object]:
        return {
            "backend": self.backend,
            "version": self.version,
            "applied": [f"{m.version:04d}_{m.name}" for m in self.applied],
        }


async def migrate_database(
    location: Location, clock: Clock, busy_timeout_ms: int = 5000
) -> Migrated:
    if isinstance(location, PostgresLocation):
        return await _migrate_postgres(location, clock)
    db = await Db.connect(location.path, clock, busy_timeout_ms=busy_timeout_ms)
    try:
        mode = await db.use_wal(busy_timeout_ms / 1000)
        if mode != "wal":
            raise StoreError(f"{location}: cannot use write-ahead logging (journal mode {mode})")
        applied = await sqlite_migrate.migrate(db, sqlite_migrate.load_migrations())
        await hash_legacy_rows(db)
        return Migrated("sqlite", await sqlite_migrate.user_version(db), applied)
    finally:
        await db.close()


async def _migrate_postgres(location: PostgresLocation, clock: Clock) -> Migrated:
    try:
        with clock.busy():
            conn = await connect(location.url, synchronous_commit=True)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        raise StoreError(f"cannot connect to {location}: {exc}") from exc
    db = PgDb(conn, clock)
    try:
        applied = await pg_migrate.migrate(db, pg_migrate.pg_migrations())
        return Migrated("postgresql", await pg_migrate.schema_version(db), applied)
    finally:
        await db.close()
