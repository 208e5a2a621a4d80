"""An online backup taken while the writer works is a consistent database."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from ivr.clock import VirtualClock
from ivr.store import Store

from .conftest import ivr_request


async def test_a_backup_while_writing_is_a_consistent_copy(
    sqlite_store: Store, tmp_path: Path, clock: VirtualClock
) -> None:
    before = [await sqlite_store.record_optout(ivr_request(f"before-{i}")) for i in range(20)]
    writing = asyncio.gather(
        *(sqlite_store.record_optout(ivr_request(f"during-{i}")) for i in range(500))
    )
    target = tmp_path / "backup.sqlite3"
    await sqlite_store.backup(target)
    during = await writing

    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copied = {row[0] for row in conn.execute("SELECT id FROM optouts")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    assert {row.id for row in before} <= copied
    assert copied <= {row.id for row in before + list(during)}
    assert version > 0
    assert not (tmp_path / "backup.sqlite3.partial").exists()

    copy = await Store.open(target, clock)  # the copy opens as a database of its own
    try:
        assert await copy.get_optout(before[0].id) == before[0]
    finally:
        await copy.close()


async def test_a_backup_replaces_an_older_one(sqlite_store: Store, tmp_path: Path) -> None:
    target = tmp_path / "backup.sqlite3"
    await sqlite_store.backup(target)
    row = await sqlite_store.record_optout(ivr_request("call-1"))
    await sqlite_store.backup(target)

    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT id FROM optouts").fetchall() == [(row.id,)]
