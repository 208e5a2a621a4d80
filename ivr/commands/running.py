"""What the long-running commands (``serve``, ``api``) share: profile, HTTP site, signals."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import structlog
from pydantic import ValidationError

from ivr.clock import Clock, LoopClock
from ivr.config import ConfigError, Settings
from ivr.flow.profile import Profile
from ivr.regimes import Regimes
from ivr.store import SchemaTooNew, Store, StoreError
from ivr.store.database import DATABASE_ERRORS
from ivr.store.location import Location, SqliteLocation, masked_text

if TYPE_CHECKING:
    from aiohttp import web

log = structlog.get_logger(__name__)


def configured_regimes(settings: Settings) -> Regimes:
    """Every profile, checked against IVR_PROFILE and the advertisers' ``profile``;
    a one-line :class:`ConfigError` when one is unknown or broken."""
    try:
        return Regimes.from_settings(settings)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"profile: {problems}") from exc
    except ValueError as exc:
        raise ConfigError(f"IVR_PROFILE: {exc}") from exc


def configured_profile(settings: Settings, regimes: Regimes | None = None) -> Profile:
    """The profile ``IVR_PROFILE`` names now (a family's member in force today), of
    ``regimes`` when they are read already."""
    found = configured_regimes(settings) if regimes is None else regimes
    try:
        return found.resolve(settings.profile, LoopClock().now())
    except ValueError as exc:
        raise ConfigError(f"IVR_PROFILE: {exc}") from exc


def check_database_path(location: Location, *, must_exist: bool) -> None:
    """A database path the operator got wrong, said in one line before anything is opened
    (a PostgreSQL server is asked when it is opened)."""
    if not isinstance(location, SqliteLocation):
        return
    db = location.path
    where = f"database {db} (IVR_DB or --db)"
    if db.is_dir():
        raise ConfigError(f"{where} is a folder, not a database file")
    if db.exists():
        if not os.access(db, os.R_OK | os.W_OK):
            raise ConfigError(f"{where}: no permission to read and write it")
        return
    if must_exist:
        # Opening would create an empty database, and an empty list suppresses nothing.
        raise ConfigError(f"{where} does not exist")
    folder = db.parent
    if not folder.is_dir():
        raise ConfigError(f"{where}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"{where}: no permission to create it in {folder}")


async def open_store(db: Location, clock: Clock, pool_size: int = 10) -> Store:
    """The store, or a one-line :class:`ConfigError` when it cannot be opened."""
    try:
        return await Store.open(db, clock, pool_size=pool_size)
    except STORE_FAILURES as exc:
        raise cannot_open(db, exc) from exc


def cannot_open(db: Location, exc: BaseException) -> ConfigError:
    """The one line for one of :data:`STORE_FAILURES` from opening ``db``."""
    if isinstance(exc, SchemaTooNew):
        return ConfigError(f"database {db}: {exc}")
    return ConfigError(f"database {db}: cannot open it: {masked_text(str(exc))}")


STORE_FAILURES: tuple[type[BaseException], ...] = (StoreError, *DATABASE_ERRORS)
"""The database failed (ours or the backend's): opening it or using it."""


@asynccontextmanager
async def http_site(app: web.Application, host: str, port: int) -> AsyncIterator[None]:
    """Serve ``app`` on ``host:port`` for the duration of the block."""
    from aiohttp import web  # here: ivr scrub and ivr import start without the HTTP stack

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        log.info("http_listening", host=host, port=port)
        yield
    finally:
        await runner.cleanup()


async def until_signal() -> None:
    """Return on SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
