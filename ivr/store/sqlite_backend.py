"""The embedded backend: one SQLite file in WAL mode, ``synchronous=FULL``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from ivr.clock import Clock
from ivr.store.db import Db
from ivr.store.errors import StoreError
from ivr.store.legacy import hash_legacy_rows
from ivr.store.location import SqliteLocation
from ivr.store.migrate import Migration, load_migrations, migrate


async def open_writer(path: Path, clock: Clock, busy_timeout_ms: int) -> tuple[Db, list[Migration]]:
    """The writer's connection to the file in WAL mode, its schema brought up to date;
    and the migrations this call applied."""
    db = await Db.connect(path, clock, busy_timeout_ms=busy_timeout_ms)
    try:
        mode = await db.use_wal(busy_timeout_ms / 1000)
        if mode != "wal":
            raise StoreError(f"{path}: cannot use write-ahead logging (journal mode {mode})")
        applied = await migrate(db, load_migrations())
        await hash_legacy_rows(db)
    except BaseException:
        await db.close()
        raise
    return db, applied


class SqliteBackend:
    def __init__(self, path: Path, clock: Clock, writer_db: Db, reader: Db, busy_ms: int) -> None:
        self.location = SqliteLocation(path)
        self.path = path
        self.writer_db = writer_db
        self.reader = reader
        self._clock = clock
        self._busy_ms = busy_ms

    @classmethod
    async def open(cls, path: Path, clock: Clock, busy_timeout_ms: int) -> SqliteBackend:
        """Open (and create or migrate) the database file."""
        db, _ = await open_writer(path, clock, busy_timeout_ms)
        try:
            reader = await Db.connect(path, clock, busy_timeout_ms=busy_timeout_ms, read_only=True)
        except BaseException:
            await db.close()
            raise
        return cls(path, clock, db, reader, busy_timeout_ms)

    async def connect(self, *, read_only: bool) -> Db:
        return await Db.connect(
            self.path, self._clock, busy_timeout_ms=self._busy_ms, read_only=read_only
        )

    @contextlib.asynccontextmanager
    async def streaming(self) -> AsyncIterator[Db]:
        db = await self.connect(read_only=True)
        try:
            yield db
        finally:
            await db.close()

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Db]:
        async with self.streaming() as db:
            await db.execute("BEGIN")
            try:
                yield db
            finally:
                await db.rollback()

    async def backup(self, target: Path) -> None:
        """SQLite's online backup, written beside ``target`` first and then moved in place."""
        partial_copy = target.with_name(target.name + ".partial")
        partial_copy.unlink(missing_ok=True)
        async with self.streaming() as source:
            await source.backup_to(partial_copy)
        with self._clock.busy():
            _fsync(partial_copy)
            os.replace(partial_copy, target)

    async def close(self) -> None:
        await self.writer_db.close()
        await self.reader.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
