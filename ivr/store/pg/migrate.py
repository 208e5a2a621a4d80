"""Numbered PostgreSQL migrations (``ivr/store/migrations/pg/NNNN_name.sql``).

``schema_migrations`` holds the versions applied.  A session advisory lock is
held while migrating, so several processes starting at once apply each
migration once; each migration runs in its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files

import asyncpg
import structlog

from ivr.store.errors import StoreError
from ivr.store.migrate import Migration, check_not_newer, load_migrations
from ivr.store.pg.db import PgDb

log = structlog.get_logger()

MIGRATION_LOCK = 0x1F7_0001
"""The advisory lock key held while migrating (any constant no other lock uses)."""


def pg_migrations() -> list[Migration]:
    return load_migrations(files("ivr.store") / "migrations" / "pg")


async def schema_version(db: PgDb) -> int:
    if await db.scalar("SELECT to_regclass('schema_migrations') IS NULL"):
        return 0
    return int(await db.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


async def migrate(db: PgDb, migrations: Sequence[Migration]) -> list[Migration]:
    """Bring the schema up to date; the migrations applied here (not by another process)."""
    await db.execute("SELECT pg_advisory_lock(?)", (MIGRATION_LOCK,))
    try:
        current = await schema_version(db)
        check_not_newer(current, migrations)
        applied = [m for m in migrations if m.version > current]
        for migration in applied:
            await _apply(db, migration)
        return applied
    finally:
        await db.execute("SELECT pg_advisory_unlock(?)", (MIGRATION_LOCK,))


async def _apply(db: PgDb, migration: Migration) -> None:
    try:
        await db.execute("BEGIN")
        await db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        await db.executescript(migration.sql)
        await db.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
            (migration.version, migration.name),
        )
        await db.commit()
    except asyncpg.PostgresError as exc:
        await db.rollback()
        raise StoreError(f"migration {migration.label} failed: {exc}") from exc
    except BaseException:
        await db.rollback()
        raise
    log.info("store.migrated", migration=migration.label, backend="postgresql")
