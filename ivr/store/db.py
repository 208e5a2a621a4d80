"""One aiosqlite connection whose every call tells the clock a thread is at work.

The :class:`~ivr.clock.VirtualClock` only moves time when the process is idle;
a query running in aiosqlite's thread is not idle, so each call is wrapped in
``clock.busy()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from ivr.clock import Clock

T = TypeVar("T")
Params = Sequence[Any]

_SYNCHRONOUS = {True: "PRAGMA synchronous = FULL", False: "PRAGMA synchronous = NORMAL"}
"""A commit in WAL mode: synced to disk (FULL), or left to the next synced commit (NORMAL)."""


class Db:
    atomic_statements = True
    for_update = ""  # the writer's BEGIN IMMEDIATE already holds the whole database
    large_cache = "PRAGMA cache_size = -65536"  # 64 MiB: a million random index inserts
    numbered_marks = True
    comma_joined = "group_concat({}, ',')"
    write_probe = (  # one writer at a time on SQLite: one shared row is harmless
        "INSERT INTO store_probe (id, at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
        " ON CONFLICT (id) DO UPDATE SET at = excluded.at"
    )

    def __init__(self, conn: aiosqlite.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock
        self.durable_commits = True
        """Whether ``synchronous`` is FULL now (:meth:`begin` changes it only when asked)."""

    @classmethod
    async def connect(
        cls, path: Path | str, clock: Clock, *, busy_timeout_ms: int, read_only: bool = False
    ) -> Db:
        """Open a connection in autocommit mode (transactions are explicit) with our pragmas."""
        with clock.busy():
            conn = await aiosqlite.connect(
                path,
                isolation_level=None,
                timeout=busy_timeout_ms / 1000,
                check_same_thread=False,
            )
        conn.row_factory = sqlite3.Row
        db = cls(conn, clock)
        try:
            await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = FULL")
            if read_only:
                await db.execute("PRAGMA query_only = ON")
        except BaseException:
            await db.close()
            raise
        return db

    async def use_wal(self, timeout_s: float) -> str:
        """Switch to write-ahead logging; the journal mode in effect.

        SQLite answers "database is locked" at once, without its busy handler,
        when two connections switch a new file at the same moment: try again.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return str(await self.scalar("PRAGMA journal_mode = WAL"))
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            with self._clock.busy():
                await asyncio.sleep(0.005)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def begin(self, durable: bool = True) -> None:
        if durable != self.durable_commits:
            await self.execute(_SYNCHRONOUS[durable])
            self.durable_commits = durable
        await self.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        await self.execute("COMMIT")

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""
        with self._clock.busy():
            cursor = await self._conn.execute(sql, params)
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        with self._clock.busy():
            await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with self._clock.busy():
            rows = await self._conn.execute_fetchall(sql, params)
        return list(rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def stream(
        self, sql: str, params: Params = (), *, chunk_size: int = 500
    ) -> AsyncIterator[sqlite3.Row]:
        """Rows ``chunk_size`` at a time (``fetchmany``): memory stays flat on any table size."""
        async for rows in self._fetched(sql, params, chunk_size, sqlite3.Row):
            for row in rows:
                yield row

    async def chunks(
        self, sql: str, params: Params = (), *, chunk_size: int = 500
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Rows by position, a list of ``chunk_size`` at a time: plain tuples, half the
        cost of :class:`sqlite3.Row` on a read of a million rows."""
        async for rows in self._fetched(sql, params, chunk_size, None):
            yield rows

    async def _fetched(
        self, sql: str, params: Params, chunk_size: int, row_factory: type | None
    ) -> AsyncIterator[list[Any]]:
        with self._clock.busy():
            cursor = await self._conn.execute(sql, params)
        cursor.row_factory = row_factory
        try:
            while True:
                with self._clock.busy():
                    rows = await cursor.fetchmany(chunk_size)
                if not rows:
                    return
                yield list(rows)
        finally:
            with self._clock.busy():
                await cursor.close()

    async def rollback(self) -> None:
        """Roll back the open transaction, if any; a failing rollback changes nothing more."""
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self.execute("ROLLBACK")

    async def backup_to(self, target: Path | str) -> None:
        """Copy the whole database to ``target`` in one step (one consistent snapshot)."""
        with self._clock.busy():
            async with aiosqlite.connect(target, check_same_thread=False) as copy:
                await self._conn.backup(copy)

    async def in_one_call(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """Run ``work`` (a whole write transaction) on the connection's thread in one hop.

        ``work`` is ordinary store code (``await db.execute(…)``); it is handed a
        :class:`_OnThread` whose methods never suspend, so its coroutine runs to its end
        in one step on aiosqlite's thread.  Without that thread's entry point (another
        aiosqlite), each statement takes its own hop as before.
        """
        run_on_thread = getattr(self._conn, "_execute", None)
        if run_on_thread is None:
            return await work(self)
        with self._clock.busy():
            result: T = await run_on_thread(_run_to_end, work, _OnThread(self._conn._conn, self))
        return result

    async def close(self) -> None:
        with self._clock.busy():
            await self._conn.close()


def _run_to_end(work: Callable[[Any], Awaitable[T]], db: _OnThread) -> T:
    """Drive ``work(db)`` to its end without an event loop (nothing in it suspends)."""
    coroutine = work(db)
    if not isinstance(coroutine, Coroutine):
        raise TypeError("work must be a coroutine function")
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coroutine.close()
    raise RuntimeError("a write transaction awaited something other than its database")


class _OnThread:
    """The writer's connection seen from its own thread: the :class:`Db` calls, done at once."""

    atomic_statements = True
    for_update = ""
    large_cache = Db.large_cache
    numbered_marks = Db.numbered_marks
    comma_joined = Db.comma_joined
    write_probe = Db.write_probe

    def __init__(self, conn: sqlite3.Connection, owner: Db) -> None:
        self._conn = conn
        self._owner = owner

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def begin(self, durable: bool = True) -> None:
        if durable != self._owner.durable_commits:
            self._conn.execute(_SYNCHRONOUS[durable])
            self._owner.durable_commits = durable
        self._conn.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        self._conn.execute("COMMIT")

    async def rollback(self) -> None:
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    async def execute(self, sql: str, params: Params = ()) -> int:
        return self._conn.execute(sql, params).rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, params).fetchall()

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
        return row

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self._conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def stream(self, sql: str, params: Params = (), *, chunk_size: int = 500) -> Any:
        raise TypeError("a write transaction does not stream")

    def chunks(self, sql: str, params: Params = (), *, chunk_size: int = 500) -> Any:
        raise TypeError("a write transaction does not stream")

    async def in_one_call(self, work: Callable[[Any], Awaitable[T]]) -> T:
        return await work(self)

    async def close(self) -> None:
        raise TypeError("the writer's connection is closed by its Db")
