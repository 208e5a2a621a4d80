"""What differs between the backends besides the connection: opening, long reads,
backups and closing.  :class:`~ivr.store.store.Store` runs the same SQL on either."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from ivr.clock import Clock
from ivr.store.database import Database
from ivr.store.location import Location, PostgresLocation


class Backend(Protocol):
    @property
    def location(self) -> Location: ...

    @property
    def writer_db(self) -> Database:
        """The writer task's own connection."""

    @property
    def reader(self) -> Database:
        """Short reads (look-ups, one call)."""

    def streaming(self) -> AbstractAsyncContextManager[Database]:
        """A connection for one long read (export, search) that holds back no other read."""

    def snapshot(self) -> AbstractAsyncContextManager[Database]:
        """A connection in a read-only transaction: every read sees one moment."""

    async def backup(self, target: Path) -> None:
        """A consistent copy of the whole database at ``target``."""

    async def close(self) -> None: ...


async def open_backend(
    location: Location, clock: Clock, *, busy_timeout_ms: int = 5000, pool_size: int = 10
) -> Backend:
    """Open (and create or migrate) the database at ``location`` on its backend."""
    from ivr.store.pg.backend import PostgresBackend
    from ivr.store.sqlite_backend import SqliteBackend

    if isinstance(location, PostgresLocation):
        return await PostgresBackend.open(location, clock, pool_size)
    return await SqliteBackend.open(location.path, clock, busy_timeout_ms)
