from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from ivr.clock import VirtualClock
from ivr.store import SchemaTooNew, Store, StoreError
from ivr.store.db import Db
from ivr.store.migrate import load_migrations, migrate, split_statements, user_version

DESIGN_COLUMNS = {
    "calls": {
        "id", "channel_id", "advertiser", "campaign", "agent", "script", "number",
        "number_source", "lang", "profile", "extra", "started_at", "ended_at", "outcome",
    },
    "call_events": {"call_id", "seq", "at", "kind", "detail"},
    "optouts": {
        "id", "number", "advertiser", "kind", "scope", "charities", "source", "agent",
        "call_id", "created_at", "created_by", "revokes", "reason",
    },
}  # fmt: skip


def columns(path: Path, table: str) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def version_of(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def write_migrations(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, sql in files.items():
        (folder / name).write_text(sql, encoding="utf-8")
    return folder


async def test_a_fresh_database_gets_every_migration_and_the_design_tables(
    db_path: Path, clock: VirtualClock
) -> None:
    store = await Store.open(db_path, clock)
    await store.close()

    assert version_of(db_path) == len(load_migrations()) >= 1
    for table, expected in DESIGN_COLUMNS.items():
        assert expected <= columns(db_path, table), table


async def test_reopening_applies_nothing_and_keeps_the_data(
    db_path: Path, clock: VirtualClock
) -> None:
    store = await Store.open(db_path, clock)
    await store.purge_evidence(clock.now())  # a write, so the file holds a committed batch
    await store.close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO store_probe (id, at) VALUES (1, 'kept')")

    db = await Db.connect(db_path, clock, busy_timeout_ms=1000)
    try:
        assert await migrate(db, load_migrations()) == []
        assert await db.scalar("SELECT at FROM store_probe") == "kept"
    finally:
        await db.close()
    assert version_of(db_path) == len(load_migrations())


async def test_a_database_newer_than_the_code_is_refused_clearly(
    db_path: Path, clock: VirtualClock
) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 99")

    with pytest.raises(SchemaTooNew, match=r"version 99, newer than this ivr"):
        await Store.open(db_path, clock)


async def test_migrations_apply_in_order_and_a_failing_one_leaves_no_trace(
    tmp_path: Path, db_path: Path, clock: VirtualClock
) -> None:
    folder = write_migrations(
        tmp_path / "migrations",
        {
            "0002_second.sql": "ALTER TABLE a ADD COLUMN b TEXT;",
            "0001_first.sql": "CREATE TABLE a (x INTEGER);",
            "0003_broken.sql": "CREATE TABLE c (y INTEGER);\nINSERT INTO nowhere VALUES (1);",
            "README.txt": "not a migration",
        },
    )
    found = load_migrations(folder)
    assert [(m.version, m.name) for m in found] == [(1, "first"), (2, "second"), (3, "broken")]

    db = await Db.connect(db_path, clock, busy_timeout_ms=1000)
    try:
        with pytest.raises(StoreError, match="0003_broken"):
            await migrate(db, found)
        assert await user_version(db) == 2
        assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'c'") is None
        assert not db.in_transaction
        assert await migrate(db, found[:2]) == []
    finally:
        await db.close()
    assert columns(db_path, "a") == {"x", "b"}


def test_numbering_with_a_gap_is_refused(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "migrations", {"0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 1;"}
    )
    with pytest.raises(StoreError, match="without gaps"):
        load_migrations(folder)


def test_statements_are_cut_at_their_ends_not_inside_triggers() -> None:
    script = (
        "-- a comment; with a semicolon\n"
        "CREATE TABLE t (x TEXT DEFAULT ';');\n"
        "CREATE TRIGGER t_no_update BEFORE UPDATE ON t\n"
        "BEGIN\n    SELECT RAISE(ABORT, 'no');\n    SELECT 1;\nEND;\n"
        "-- trailing comment\n"
    )
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[0].endswith("DEFAULT ';');")
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_the_shipped_schema_splits_into_whole_statements() -> None:
    (initial,) = [m for m in load_migrations() if m.version == 1]
    statements = split_statements(initial.sql)
    triggers = [s for s in statements if "CREATE TRIGGER" in s]
    assert len(triggers) == 2
    assert all(s.rstrip(";").rstrip().endswith("END") for s in triggers)


async def test_two_processes_opening_a_fresh_database_at_once_both_succeed(
    db_path: Path, clock: VirtualClock
) -> None:
    first, second = await asyncio.gather(Store.open(db_path, clock), Store.open(db_path, clock))
    await first.close()
    await second.close()
    assert version_of(db_path) == len(load_migrations())
