"""PostgreSQL's migrations: the same tables as SQLite's, applied once under a lock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ivr.clock import VirtualClock
from ivr.store import SchemaTooNew, Store, StoreError
from ivr.store.migrate import load_migrations
from ivr.store.pg.db import PgDb, connect
from ivr.store.pg.migrate import migrate, pg_migrations, schema_version
from tests import sql

from .test_migrate import DESIGN_COLUMNS, write_migrations


def test_every_sqlite_migration_has_its_postgresql_twin() -> None:
    sqlite = [(m.version, m.name) for m in load_migrations()]
    postgres = [(m.version, m.name) for m in pg_migrations()]
    assert postgres == sqlite, "add ivr/store/migrations/pg/NNNN_name.sql beside each migration"


def columns(url: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in sql.rows(
        url,
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public'",
    ):
        found.setdefault(row["table_name"], set()).add(row["column_name"])
    return found


def sqlite_columns(path: Path) -> dict[str, set[str]]:
    tables = [r[0] for r in sql.values(path, "SELECT name FROM sqlite_master WHERE type='table'")]
    return {t: {r[1] for r in sql.values(path, f"PRAGMA table_info({t})")} for t in tables}


async def test_a_fresh_database_gets_the_same_tables_and_columns_as_sqlite(
    postgres_url: str, db_path: Path, clock: VirtualClock
) -> None:
    for where in (postgres_url, db_path):
        store = await Store.open(where, clock)
        await store.close()

    found = columns(postgres_url)
    assert sql.scalar(postgres_url, "SELECT MAX(version) FROM schema_migrations") == len(
        pg_migrations()
    )
    for table, expected in DESIGN_COLUMNS.items():
        assert expected <= found[table], table
    found.pop("schema_migrations")
    assert found == sqlite_columns(db_path)


async def test_a_database_newer_than_the_code_is_refused_clearly(
    postgres_url: str, clock: VirtualClock
) -> None:
    store = await Store.open(postgres_url, clock)
    await store.close()
    sql.rows(postgres_url, "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')")

    with pytest.raises(SchemaTooNew, match=r"version 99, newer than this ivr"):
        await Store.open(postgres_url, clock)


async def test_several_processes_starting_at_once_apply_each_migration_once(
    postgres_url: str, clock: VirtualClock
) -> None:
    stores = await asyncio.gather(*(Store.open(postgres_url, clock) for _ in range(4)))
    for store in stores:
        await store.close()
    applied = sql.values(postgres_url, "SELECT version FROM schema_migrations ORDER BY version")
    assert applied == [(m.version,) for m in pg_migrations()]


async def test_a_failing_migration_leaves_no_trace(
    tmp_path: Path, postgres_url: str, clock: VirtualClock
) -> None:
    found = load_migrations(
        write_migrations(
            tmp_path / "migrations",
            {
                "0001_first.sql": "CREATE TABLE a (x INTEGER);",
                "0002_broken.sql": "CREATE TABLE c (y INTEGER);\nINSERT INTO nowhere VALUES (1);",
            },
        )
    )
    db = PgDb(await connect(postgres_url), clock)
    try:
        with pytest.raises(StoreError, match="0002_broken"):
            await migrate(db, found)
        assert await schema_version(db) == 1
        assert await db.scalar("SELECT to_regclass('c')") is None
        assert not db.in_transaction
        assert await migrate(db, found[:1]) == []
    finally:
        await db.close()


async def test_the_server_not_fsyncing_is_warned_about(
    postgres_url: str, clock: VirtualClock
) -> None:
    from structlog.testing import capture_logs

    fsync = sql.scalar(postgres_url, "SHOW fsync")
    with capture_logs() as logs:
        store = await Store.open(postgres_url, clock)
        await store.close()
    warned = [e for e in logs if e["event"] == "store.fsync_off"]
    assert len(warned) == (1 if fsync == "off" else 0)
    assert all("***@" in e["db"] or "@" not in e["db"] for e in warned)
