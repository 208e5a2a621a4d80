"""asyncpg behind the store's :class:`~ivr.store.database.Database`.

Every time column is ``timestamptz``; on our connections it reads and writes as
the same text the SQLite backend stores (:func:`ivr.store.rows.db_time`), so rows,
hashes and answers are the same on both backends.  Each await is wrapped in
``clock.busy()``: the virtual clock must not move while the server works.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from ivr.clock import Clock
from ivr.store.database import Params, Row
from ivr.store.rows import db_time

T = TypeVar("T")

Connection: TypeAlias = "asyncpg.Connection[Any] | PoolConnectionProxy[Any]"
SERVER_SETTINGS = {"TimeZone": "UTC", "application_name": "ivr"}
_BEGIN_UNSYNCED = "BEGIN; SET LOCAL synchronous_commit = off"
"""A transaction whose commit the next synchronous commit brings to disk (one round trip)."""


@functools.lru_cache(maxsize=2048)
def numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, …`` (not inside quoted text)."""
    out: list[str] = []
    count = 0
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == "?" and not quoted:
            count += 1
            out.append(f"${count}")
        else:
            out.append(char)
    return "".join(out)


def _encode_time(value: str | datetime) -> str:
    return db_time(value) if isinstance(value, datetime) else value


def _decode_time(text: str) -> str:
    return db_time(datetime.fromisoformat(text))


async def prepare_connection(conn: asyncpg.Connection) -> None:
    """Times as our text form on this connection (asyncpg's ``init`` hook)."""
    await conn.set_type_codec(
        "timestamptz",
        schema="pg_catalog",
        encoder=_encode_time,
        decoder=_decode_time,
        format="text",
    )


async def connect(url: str, *, synchronous_commit: bool = False) -> asyncpg.Connection:
    settings = dict(SERVER_SETTINGS)
    if synchronous_commit:
        settings["synchronous_commit"] = "on"
    conn = await asyncpg.connect(url, server_settings=settings)
    try:
        await prepare_connection(conn)
    except BaseException:
        await conn.close()
        raise
    return conn


async def create_pool(url: str, size: int) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url,
        min_size=1,
        max_size=size,
        server_settings=dict(SERVER_SETTINGS),
        init=prepare_connection,
    )
    assert pool is not None
    return pool


def _changed(status: str) -> int:
    """Rows changed, from a command tag such as ``INSERT 0 3`` or ``UPDATE 1``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _Statements:
    """What :class:`PgDb` and :class:`PgPool` share: PostgreSQL's side of the dialect
    (:class:`~ivr.store.database.Database`), and what they build on their own ``fetchall``."""

    atomic_statements = False
    large_cache = ""
    numbered_marks = False
    comma_joined = "string_agg({}, ',')"

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class PgDb(_Statements):
    """One connection: the writer's, or a streaming read's."""

    for_update = " FOR UPDATE"
    write_probe = "SELECT txid_current()"  # a transaction id: its commit is written and flushed

    def __init__(self, conn: Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    @property
    def in_transaction(self) -> bool:
        return self._conn.is_in_transaction()

    async def begin(self, durable: bool = True) -> None:
        await self.execute("BEGIN" if durable else _BEGIN_UNSYNCED)

    async def commit(self) -> None:
        await self.execute("COMMIT")

    async def in_one_call(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """A whole transaction: asyncpg is already asynchronous, there is no thread to spare."""
        return await work(self)

    async def rollback(self) -> None:
        if self.in_transaction and not self._conn.is_closed():
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                await self.execute("ROLLBACK")

    async def execute(self, sql: str, params: Params = ()) -> int:
        with self._clock.busy():
            status = await self._conn.execute(numbered(sql), *params)
        return _changed(status)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """One statement for each of ``rows``, sent in one pipeline (not a round trip each)."""
        with self._clock.busy():
            await self._conn.executemany(numbered(sql), rows)

    async def executescript(self, sql: str) -> None:
        """Several statements in one go (no parameters): a migration."""
        with self._clock.busy():
            await self._conn.execute(sql)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        with self._clock.busy():
            return list(await self._conn.fetch(numbered(sql), *params))

    async def stream(
        self, sql: str, params: Params = (), *, chunk_size: int = 500
    ) -> AsyncIterator[Row]:
        async for rows in self.chunks(sql, params, chunk_size=chunk_size):
            for row in rows:
                yield row

    async def chunks(
        self, sql: str, params: Params = (), *, chunk_size: int = 500
    ) -> AsyncIterator[list[Row]]:
        """A cursor's rows ``chunk_size`` at a time; the cursor lives in the open transaction
        (a snapshot's), else in a read-only one of its own."""
        async with self._read_transaction():
            with self._clock.busy():
                cursor = await self._conn.cursor(numbered(sql), *params)
            while True:
                with self._clock.busy():
                    rows = await cursor.fetch(chunk_size)
                if not rows:
                    return
                yield list(rows)

    @contextlib.asynccontextmanager
    async def _read_transaction(self) -> AsyncIterator[None]:
        if self._conn.is_in_transaction():
            yield
            return
        with self._clock.busy():
            transaction = self._conn.transaction(readonly=True)
            await transaction.start()
        try:
            yield
        finally:
            with self._clock.busy(), contextlib.suppress(asyncpg.InterfaceError, OSError):
                await transaction.rollback()

    async def close(self) -> None:
        with self._clock.busy():
            await self._conn.close()


class PgPool(_Statements):
    """Reads from a pool of connections (``IVR_DB_POOL``); each call borrows one."""

    for_update = ""
    write_probe = ""
    in_transaction = False

    def __init__(self, pool: asyncpg.Pool, clock: Clock) -> None:
        self._pool = pool
        self._clock = clock

    async def begin(self, durable: bool = True) -> None:
        raise TypeError("reads from the pool run outside transactions")

    commit = begin

    async def in_one_call(self, work: Callable[[Any], Awaitable[T]]) -> T:
        raise TypeError("reads from the pool run outside transactions")

    async def rollback(self) -> None:
        return None

    async def execute(self, sql: str, params: Params = ()) -> int:
        with self._clock.busy():
            status = await self._pool.execute(numbered(sql), *params)
        return _changed(status)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        with self._clock.busy():
            await self._pool.executemany(numbered(sql), rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        with self._clock.busy():
            return list(await self._pool.fetch(numbered(sql), *params))

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[PgDb]:
        """One connection of the pool, for the length of the block."""
        with self._clock.busy():
            conn = await self._pool.acquire()
        try:
            yield PgDb(conn, self._clock)
        finally:
            with self._clock.busy():
                await self._pool.release(conn)

    async def stream(
        self, sql: str, params: Params = (), *, chunk_size: int = 500
    ) -> AsyncIterator[Row]:
        async with self.connection() as db:
            async for row in db.stream(sql, params, chunk_size=chunk_size):
                yield row

    async def chunks(
        self, sql: str, params: Params = (), *, chunk_size: int = 500
    ) -> AsyncIterator[list[Row]]:
        async with self.connection() as db:
            async for rows in db.chunks(sql, params, chunk_size=chunk_size):
                yield rows

    async def close(self) -> None:
        with self._clock.busy():
            await self._pool.close()
