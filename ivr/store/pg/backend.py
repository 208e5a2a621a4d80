"""The shared backend: PostgreSQL through asyncpg.

One connection for the writer (``synchronous_commit = on`` whatever the server's
default: every commit it makes is durable before its callers hear of it), a pool
of ``IVR_DB_POOL`` connections for reads.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import structlog

from ivr.clock import Clock
from ivr.store.errors import StoreError
from ivr.store.location import PostgresLocation
from ivr.store.migrate import Migration
from ivr.store.pg import dump
from ivr.store.pg.db import PgDb, PgPool, connect, create_pool
from ivr.store.pg.migrate import migrate, pg_migrations

log = structlog.get_logger()


async def open_writer(location: PostgresLocation, clock: Clock) -> tuple[PgDb, list[Migration]]:
    """The writer's connection (``synchronous_commit = on``), the schema brought up to date
    under the advisory lock; and the migrations this call applied."""
    try:
        with clock.busy():
            conn = await connect(location.url, synchronous_commit=True)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        raise StoreError(f"cannot connect to {location}: {exc}") from exc
    writer = PgDb(conn, clock)
    try:
        applied = await migrate(writer, pg_migrations())
    except BaseException:
        await writer.close()
        raise
    return writer, applied


class PostgresBackend:
    def __init__(self, location: PostgresLocation, writer_db: PgDb, reader: PgPool) -> None:
        self.location = location
        self.writer_db = writer_db
        self.reader = reader

    @classmethod
    async def open(
        cls, location: PostgresLocation, clock: Clock, pool_size: int
    ) -> PostgresBackend:
        """Connect, migrate under the advisory lock, warn when the server does not fsync."""
        writer, _ = await open_writer(location, clock)
        try:
            if await writer.scalar("SHOW fsync") != "on":
                log.warning(
                    "store.fsync_off",
                    db=str(location),
                    hint="the server does not fsync: a power loss can lose committed opt-outs",
                )
            with clock.busy():
                pool = await create_pool(location.url, pool_size)
        except BaseException:
            await writer.close()
            raise
        return cls(location, writer, PgPool(pool, clock))

    @contextlib.asynccontextmanager
    async def streaming(self) -> AsyncIterator[PgPool]:
        yield self.reader  # each stream borrows a pool connection of its own

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[PgDb]:
        async with self.reader.connection() as db:
            await db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield db
            finally:
                await db.rollback()

    async def backup(self, target: Path) -> None:
        version = int(await self.reader.scalar("SHOW server_version_num"))
        await dump.pg_dump(self.location.url, target, version // 10000)

    async def close(self) -> None:
        await self.writer_db.close()
        await self.reader.close()
