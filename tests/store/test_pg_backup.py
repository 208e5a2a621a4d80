"""``ivr backup`` on PostgreSQL: ``pg_dump -Fc`` of the server's version, or one clear line."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.clock import VirtualClock
from ivr.store import Store, StoreError
from tests import sql

from .conftest import ivr_request


def pg_restore_for(dump_program: str) -> str:
    return str(Path(dump_program).with_name("pg_restore"))


async def test_a_backup_while_writing_restores_to_a_consistent_copy(
    postgres_url: str,
    tmp_path: Path,
    clock: VirtualClock,
    new_postgres_database: Callable[[], str],
) -> None:
    from ivr.store.pg.dump import find_pg_dump

    store = await Store.open(postgres_url, clock)
    try:
        before = [await store.record_optout(ivr_request(f"before-{i}")) for i in range(20)]
        writing = asyncio.gather(
            *(store.record_optout(ivr_request(f"during-{i}")) for i in range(200))
        )
        target = tmp_path / "ivr.dump"
        await store.backup(target)
        during = await writing
        major = int(await store._writer.db.scalar("SHOW server_version_num")) // 10000
    finally:
        await store.close()
    assert target.stat().st_size > 0
    assert not (tmp_path / "ivr.dump.partial").exists()

    copy_url = new_postgres_database()
    program = pg_restore_for(find_pg_dump(major))
    process = await asyncio.create_subprocess_exec(
        program, "--no-owner", f"--dbname={copy_url}", str(target)
    )
    assert await process.wait() == 0
    copied = {row[0] for row in sql.values(copy_url, "SELECT id FROM optouts")}
    assert {row.id for row in before} <= copied <= {row.id for row in before + list(during)}


async def test_without_pg_dump_the_backup_is_one_clear_error(
    postgres_url: str, tmp_path: Path, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("ivr.store.pg.dump.LIBRARY_BINARIES", str(tmp_path / "{major}"))
    store = await Store.open(postgres_url, clock)
    try:
        with pytest.raises(StoreError, match=r"no pg_dump of PostgreSQL \d+ found"):
            await store.backup(tmp_path / "ivr.dump")
        monkeypatch.setenv("IVR_PG_DUMP", str(tmp_path / "missing"))
        with pytest.raises(StoreError, match=r"IVR_PG_DUMP: .* does not exist"):
            await store.backup(tmp_path / "ivr.dump")
    finally:
        await store.close()
    assert not (tmp_path / "ivr.dump").exists()
    assert shutil.which("pg_dump") is None
