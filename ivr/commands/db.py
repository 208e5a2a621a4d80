"""``ivr db migrate`` and ``ivr db copy``: the schema, and moving a list between backends."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from ivr.clock import LoopClock
from ivr.commands.running import STORE_FAILURES, check_database_path
from ivr.commands.store_access import (
    OK,
    SAYS_NO,
    add_db_option,
    db_location,
    fail,
    setup,
)
from ivr.config import ConfigError, load_settings
from ivr.logs import configure_logging
from ivr.store.backend import Backend, open_backend
from ivr.store.db_copy import CopyReport, TargetNotEmpty, copy_store
from ivr.store.errors import SchemaTooNew
from ivr.store.location import Location, SqliteLocation, masked_text
from ivr.store.schema import migrate_database

_COPY_FAILURES: tuple[type[BaseException], ...] = (ConfigError, *STORE_FAILURES)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "db",
        help="the database: apply its migrations, copy it to another backend",
    )
    commands = parser.add_subparsers(dest="db_command", metavar="COMMAND", required=True)

    migrate = commands.add_parser(
        "migrate",
        help="apply the migrations the database lacks and print what was applied",
        description="Every process applies them at start too; this does it now, under the "
        "same lock (several processes starting at once apply each one once).",
    )
    add_db_option(migrate)
    migrate.set_defaults(run=run_migrate)

    copy = commands.add_parser(
        "copy",
        help="copy every row into an empty database (SQLite to PostgreSQL, or back)",
        description="Copies calls, their events, opt-outs, consents, chain heads, checkpoints, "
        "purged calls, idempotency keys and kept scrub results byte for byte, from one "
        "snapshot of --from, in one transaction into --to (which must be empty: exit 2). "
        "Then compares every table and recomputes the chains on --to as `ivr evidence "
        "verify` does: one JSON line per table, mismatches, and a summary (exit 1 when "
        "something differs).",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="copy from")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="copy into")
    copy.set_defaults(run=run_copy)


def _line(value: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")


def run_migrate(args: argparse.Namespace) -> int:
    where = setup(args, db_must_exist=False)
    try:
        migrated = asyncio.run(migrate_database(where.db, LoopClock()))
    except SchemaTooNew as exc:
        return fail(f"database {where.db}: {exc}")
    except STORE_FAILURES as exc:
        return fail(f"database {where.db}: {masked_text(str(exc))}")
    _line({"db": str(where.db), **migrated.as_dict()})
    return OK


def run_copy(args: argparse.Namespace) -> int:
    configure_logging(level=logging.WARNING)
    settings = load_settings()
    source = db_location(args.source)
    target = db_location(args.target)
    check_database_path(source, must_exist=True)
    check_database_path(target, must_exist=False)
    if _same(source, target):
        return fail(f"--from and --to are the same database ({source})")
    created = target if isinstance(target, SqliteLocation) and not target.path.exists() else None
    try:
        report = asyncio.run(_copy(source, target, settings.db_pool))
    except TargetNotEmpty as exc:
        return fail(masked_text(str(exc)))
    except _COPY_FAILURES as exc:
        if created is not None:
            _remove_sqlite(created)
        if isinstance(exc, ConfigError):
            raise
        return fail(f"copy from {source} to {target}: {masked_text(str(exc))}")
    for table in report.tables:
        _line(table.as_dict())
    for finding in report.verified.mismatches:
        _line(finding.as_dict())
    _line(_summary(source, target, report))
    return OK if report.ok else SAYS_NO


async def _copy(source: Location, target: Location, pool_size: int) -> CopyReport:
    clock = LoopClock()
    reading = await _open(source, clock, pool_size)
    try:
        writing = await _open(target, clock, pool_size)
        try:
            return await copy_store(reading, writing)
        finally:
            await writing.close()
    finally:
        await reading.close()


async def _open(location: Location, clock: LoopClock, pool_size: int) -> Backend:
    try:
        return await open_backend(location, clock, pool_size=pool_size)
    except SchemaTooNew as exc:
        raise ConfigError(f"database {location}: {exc}") from exc


def _summary(source: Location, target: Location, report: CopyReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "from": str(source),
        "to": str(target),
        "rows": sum(t.target_rows for t in report.tables),
        "tables_same": all(t.same for t in report.tables),
        "verify": report.verified.summary(),
    }


def _same(a: Location, b: Location) -> bool:
    if isinstance(a, SqliteLocation) and isinstance(b, SqliteLocation):
        return a.path.resolve() == b.path.resolve()
    return a == b


def _remove_sqlite(location: SqliteLocation) -> None:
    """A file this copy created and could not fill: gone, so that the next try may run."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{location.path}{suffix}").unlink(missing_ok=True)
