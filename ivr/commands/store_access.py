"""What the suppression-list commands share: settings, profile, the database and
the mapping of failures to exit codes (0 done, 1 a check says no, 2 bad input)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ivr.clock import LoopClock
from ivr.commands.running import (
    STORE_FAILURES,
    check_database_path,
    configured_profile,
    configured_regimes,
    open_store,
)
from ivr.config import ConfigError, Settings, load_settings
from ivr.flow.profile import Profile
from ivr.logs import configure_logging
from ivr.regimes import Regimes
from ivr.scrub import MalformedCsv, NumberColumnNotFound
from ivr.store import (
    AlreadyRevoked,
    AlreadyWithdrawn,
    ConsentNotFound,
    OptOutNotFound,
    Store,
)
from ivr.store.location import Location, masked_text, parse_location
from ivr.suppressions import InputError, UnknownAdvertiser

OK = 0
SAYS_NO = 1
INPUT_ERROR = 2


@dataclass(frozen=True)
class Setup:
    settings: Settings
    regimes: Regimes
    """Every profile, read once for the command."""
    profile: Profile
    """The one ``IVR_PROFILE`` names now."""
    db: Location
    """Its text is safe to print (a URL's user info is masked)."""


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=None,
        metavar="DB",
        help="a path, sqlite:PATH or postgresql://… (default: IVR_DB)",
    )


def db_location(text: str) -> Location:
    """``--db`` or ``IVR_DB`` as a store location; :class:`ConfigError` when it is none."""
    try:
        return parse_location(text)
    except ValueError as exc:
        raise ConfigError(f"--db: {exc}") from exc


def setup(args: argparse.Namespace, *, db_must_exist: bool = True) -> Setup:
    """Settings, profile and database; :class:`ConfigError` when one is wrong."""
    configure_logging(level=logging.WARNING)
    settings = load_settings()
    regimes = configured_regimes(settings)
    profile = configured_profile(settings, regimes)
    given = getattr(args, "db", None)
    db = db_location(str(given)) if given is not None else settings.db_location
    check_database_path(db, must_exist=db_must_exist)
    return Setup(settings, regimes, profile, db)


def run_with_store(where: Setup, work: Callable[[Store], Awaitable[int]]) -> int:
    """Open the store, run ``work``, close it; input problems become exit 2 with one line."""

    async def main() -> int:
        store = await open_store(where.db, LoopClock(), where.settings.db_pool)
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
        ConsentNotFound,
        AlreadyWithdrawn,
    ) as exc:
        return fail(_message(exc))
    except STORE_FAILURES as exc:
        return fail(f"database {where.db}: {masked_text(str(exc))}")


def _message(exc: Exception) -> str:
    if isinstance(exc, InputError):
        return exc.message
    if isinstance(exc, OptOutNotFound):
        return f"no opt-out {exc}"
    if isinstance(exc, AlreadyRevoked):
        return f"opt-out already revoked: {exc}"
    if isinstance(exc, ConsentNotFound):
        return f"no consent {exc}"
    if isinstance(exc, AlreadyWithdrawn):
        return f"consent already withdrawn: {exc}"
    if isinstance(exc, NumberColumnNotFound):
        return f"{exc}; name it with --column NAME"
    return str(exc)


def fail(message: str) -> int:
    print(f"ivr: {message}", file=sys.stderr)
    return INPUT_ERROR
