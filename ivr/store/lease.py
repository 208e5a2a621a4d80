"""The Asterisk lease (docs/design.md 15.36): one live process per Asterisk id.

SQLite: an exclusive ``flock`` on ``<db>.<asterisk id>.lock``; PostgreSQL: a session
advisory lock on a hash of the id, on a connection of its own.  The operating system
or the server releases either when the process dies, so a killed process can start
again at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from ivr.clock import Clock
from ivr.store.errors import StoreError
from ivr.store.location import Location, PostgresLocation, SqliteLocation
from ivr.store.pg.db import connect


class LeaseHeld(StoreError):
    """Another live process serves the same Asterisk."""

    def __init__(self, asterisk_id: str) -> None:
        super().__init__(
            f"Asterisk {asterisk_id} is served by another live process "
            "(one ivr serve per Asterisk id: set IVR_ASTERISK_ID per box)"
        )
        self.asterisk_id = asterisk_id


def lock_path(db: Path, asterisk_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._:-]", "_", asterisk_id)
    return db.with_name(f"{db.name}.{safe}.lock")


def advisory_key(asterisk_id: str) -> int:
    """A signed 64-bit key for ``pg_try_advisory_lock``."""
    digest = hashlib.sha256(f"ivr.asterisk:{asterisk_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass
class FileLease:
    fd: int

    async def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


@dataclass
class AdvisoryLease:
    conn: asyncpg.Connection
    clock: Clock

    async def release(self) -> None:
        with contextlib.suppress(Exception), self.clock.busy():
            await self.conn.close()


Lease = FileLease | AdvisoryLease


async def take_lease(location: Location, asterisk_id: str, clock: Clock) -> Lease:
    """Hold the lease of ``asterisk_id`` for this process, or raise :class:`LeaseHeld`."""
    if isinstance(location, SqliteLocation):
        return _take_file_lease(lock_path(location.path, asterisk_id), asterisk_id)
    assert isinstance(location, PostgresLocation)
    with clock.busy():
        conn = await connect(location.url)
        try:
            held = await conn.fetchval("SELECT pg_try_advisory_lock($1)", advisory_key(asterisk_id))
        except BaseException:
            await conn.close()
            raise
        if not held:
            await conn.close()
            raise LeaseHeld(asterisk_id)
    return AdvisoryLease(conn, clock)


def _take_file_lease(path: Path, asterisk_id: str) -> FileLease:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise LeaseHeld(asterisk_id) from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return FileLease(fd)
