"""What the long-running commands (``serve``, ``api``) share: profile, HTTP site, signals."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from aiohttp import web
from pydantic import ValidationError

from ivr.config import ConfigError, Settings
from ivr.flow.profile import Profile, load_profile

log = structlog.get_logger(__name__)


def configured_profile(settings: Settings) -> Profile:
    """The profile ``IVR_PROFILE`` names, or a one-line :class:`ConfigError`."""
    try:
        return load_profile(settings.profile)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"profile {settings.profile}: {problems}") from exc
    except ValueError as exc:
        raise ConfigError(f"IVR_PROFILE: {exc}") from exc


@asynccontextmanager
async def http_site(app: web.Application, host: str, port: int) -> AsyncIterator[None]:
    """Serve ``app`` on ``host:port`` for the duration of the block."""
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
