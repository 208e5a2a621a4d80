"""What the suppression-list commands share: settings, profile, the database and
the mapping of failures to exit codes (0 done, 1 a check says no, 2 bad input)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ivr.clock import LoopClock
from ivr.commands.running import check_database_path, configured_profile, open_store
from ivr.config import Settings, load_settings
from ivr.flow.profile import Profile
from ivr.logs import configure_logging
from ivr.scrub import MalformedCsv, NumberColumnNotFound
from ivr.store import AlreadyRevoked, OptOutNotFound, Store, StoreError
from ivr.suppressions import InputError, UnknownAdvertiser

OK = 0
SAYS_NO = 1
INPUT_ERROR = 2


@dataclass(frozen=True)
class Setup:
    settings: Settings
    profile: Profile
    db: Path


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=None, metavar="PATH", help="default: IVR_DB")


def setup(args: argparse.Namespace, *, db_must_exist: bool = True) -> Setup:
    """Settings, profile and database path; :class:`ConfigError` when one is wrong."""
    configure_logging(level=logging.WARNING)
    settings = load_settings()
    profile = configured_profile(settings)
    db: Path = args.db if getattr(args, "db", None) is not None else settings.db
    check_database_path(db, must_exist=db_must_exist)
    return Setup(settings, profile, db)


def run_with_store(where: Setup, work: Callable[[Store], Awaitable[int]]) -> int:
    """Open the store, run ``work``, close it; input problems become exit 2 with one line."""

    async def main() -> int:
        store = await open_store(where.db, LoopClock())
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(main())
    except (
        InputError,
        UnknownAdvertiser,
        MalformedCsv,
        NumberColumnNotFound,
        OptOutNotFound,
        AlreadyRevoked,
    ) as exc:
        return fail(_message(exc))
    except (StoreError, sqlite3.Error) as exc:
        return fail(f"database {where.db}: {exc}")


def _message(exc: Exception) -> str:
    if isinstance(exc, InputError):
        return exc.message
    if isinstance(exc, OptOutNotFound):
        return f"no opt-out {exc}"
    if isinstance(exc, AlreadyRevoked):
        return f"opt-out already revoked: {exc}"
    if isinstance(exc, NumberColumnNotFound):
        return f"{exc}; name it with --column NAME"
    return str(exc)


def fail(message: str) -> int:
    print(f"ivr: {message}", file=sys.stderr)
    return INPUT_ERROR
