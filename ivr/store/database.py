"""What the store's SQL runs on, on either backend.

The SQL above this line is written once, with ``?`` placeholders, in the subset
SQLite and PostgreSQL share; a backend's :class:`Database` carries out the rest
(placeholders, transactions, its own errors).  Dialect differences the SQL must
name go through the attributes here (``for_update``), never through a test of
which backend runs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

import asyncpg

from ivr.store.errors import IntegrityViolation

T = TypeVar("T")
Params = Sequence[Any]
Row = Any
"""A row by column name or position: ``sqlite3.Row`` or ``asyncpg.Record``."""

DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    sqlite3.Error,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
)
"""What a backend raises when the database fails (not our own mistakes)."""
INTEGRITY_ERRORS: tuple[type[BaseException], ...] = (
    IntegrityViolation,
    sqlite3.IntegrityError,
    asyncpg.IntegrityConstraintViolationError,
)
"""A constraint refused a row: the job's own mistake, not the database's failure."""
CONFLICT_ERRORS: tuple[type[BaseException], ...] = (asyncpg.TransactionRollbackError,)
"""The server rolled the transaction back because of another one (PostgreSQL SQLSTATE
class 40: a deadlock victim, a serialization failure): nothing of it was written, and
the same transaction run again may well pass."""


async def in_savepoint(db: Database, name: str, work: Callable[[], Awaitable[T]]) -> T:
    """``work()`` inside the open transaction, all or nothing (a savepoint ``name``)."""
    await db.execute(f"SAVEPOINT {name}")
    try:
        result = await work()
    except BaseException:
        if db.in_transaction:
            await db.execute(f"ROLLBACK TO {name}")
            await db.execute(f"RELEASE {name}")
        raise
    await db.execute(f"RELEASE {name}")
    return result


def is_unique_violation(exc: BaseException, index: str, columns: str) -> bool:
    """Whether ``exc`` is the unique index ``index`` (SQLite names its ``columns``)."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        return exc.constraint_name == index
    return isinstance(exc, sqlite3.IntegrityError) and columns in str(exc)


class Database(Protocol):
    """One connection (or a pool of them, for reads)."""

    atomic_statements: bool
    """A failed statement leaves its transaction usable (SQLite); else each job
    runs in a savepoint of its own (PostgreSQL aborts the whole transaction)."""
    for_update: str
    """Appended to a SELECT that reads a row to advance it (a chain head)."""
    large_cache: str
    """A statement that lets this connection keep many pages in memory (a long import's
    index pages); empty where the server keeps them."""
    comma_joined: str
    """An aggregate of the text column ``{}``'s values joined by commas, in no order: a
    million plain values come back as one, read with no object built per row."""
    numbered_marks: bool
    """Whether ``?NNN`` marks are read: a bulk insert of rows that share most of their
    values is then one statement binding each row's own values and the shared ones once;
    else ``executemany`` (as good where a server binds the rows in its own code)."""
    write_probe: str
    """A statement that makes its transaction a write one (the readiness probe) without
    touching a row another process writes: on PostgreSQL a row shared by several processes
    would let their batches deadlock (one holding it, waiting for a chain head the other
    holds)."""

    @property
    def in_transaction(self) -> bool: ...

    async def begin(self, durable: bool = True) -> None:
        """Start a write transaction that holds the write lock from its first statement;
        its commit syncs to disk unless ``durable`` is false (then the next durable
        commit does)."""

    async def commit(self) -> None: ...

    async def rollback(self) -> None:
        """Roll back the open transaction, if any; a failing rollback changes nothing more."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for each of ``rows``."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def scalar(self, sql: str, params: Params = ()) -> Any: ...

    def stream(self, sql: str, params: Params = (), *, chunk_size: int = 500) -> AsyncIterator[Row]:
        """Rows ``chunk_size`` at a time: memory stays flat on any table size."""

    async def in_one_call(self, work: Callable[[Database], Awaitable[T]]) -> T:
        """Run ``work`` (a whole write transaction) as one call on the connection: SQLite
        runs it on its thread in one hop, a database over the network awaits it."""

    def chunks(
        self, sql: str, params: Params = (), *, chunk_size: int = 500
    ) -> AsyncIterator[list[Row]]:
        """Rows by position, a list of ``chunk_size`` at a time (a read of a million rows)."""

    async def close(self) -> None: ...
