"""Numbered schema migrations, run at open.

Migrations are the files ``NNNN_name.sql`` in ``ivr/store/migrations/``, numbered
from 0001 without gaps.  ``PRAGMA user_version`` holds the last one applied.
Each is applied in its own ``BEGIN IMMEDIATE`` transaction that first re-reads
the version, so two processes opening a fresh database at once apply it once.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

import structlog

from ivr.store.db import Db
from ivr.store.errors import SchemaTooNew, StoreError

log = structlog.get_logger()

_FILE_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def label(self) -> str:
        """As its file is named, without ``.sql``: ``0002_evidence``."""
        return f"{self.version:04d}_{self.name}"


def load_migrations(root: Traversable | None = None) -> list[Migration]:
    """The migrations shipped with the package (or found in ``root``), in order."""
    folder = root if root is not None else files("ivr.store") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match and entry.is_file():
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations must be numbered 0001, 0002, … without gaps: {versions}")
    return found


def split_statements(script: str) -> list[str]:
    """Cut a script at the semicolons that end a statement (not those inside a trigger)."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if _has_code(pending):
                statements.append(pending.strip())
            pending = ""
    if _has_code(pending[:-1]):
        raise StoreError(f"unfinished statement at the end of a migration: {pending.strip()!r}")
    return statements


def _has_code(text: str) -> bool:
    lines = (line.split("--", 1)[0] for line in text.splitlines())
    return any(line.strip(" \t;") for line in lines)


async def user_version(db: Db) -> int:
    return int(await db.scalar("PRAGMA user_version"))


def check_not_newer(current: int, migrations: Sequence[Migration]) -> None:
    """:class:`SchemaTooNew` when a newer ivr migrated the database past ``migrations``."""
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise SchemaTooNew(
            f"the database is at schema version {current}, newer than this ivr "
            f"(which knows up to {latest}): upgrade ivr or restore an older copy"
        )


async def migrate(db: Db, migrations: Sequence[Migration]) -> list[Migration]:
    """Bring the schema up to date; the migrations applied here (not by another process)."""
    current = await user_version(db)
    check_not_newer(current, migrations)
    return [m for m in migrations if m.version > current and await _apply(db, m)]


async def _apply(db: Db, migration: Migration) -> bool:
    try:
        await db.execute("BEGIN IMMEDIATE")
        if await user_version(db) >= migration.version:
            await db.rollback()
            return False
        for statement in split_statements(migration.sql):
            await db.execute(statement)
        await db.execute(f"PRAGMA user_version = {migration.version}")
        await db.execute("COMMIT")
    except sqlite3.Error as exc:
        await db.rollback()
        raise StoreError(f"migration {migration.label} failed: {exc}") from exc
    except BaseException:
        await db.rollback()
        raise
    log.info("store.migrated", migration=migration.label)
    return True
