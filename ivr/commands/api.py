"""``ivr api``: the HTTP API alone, without ARI (a server for the call centre's dialer)."""

from __future__ import annotations

import argparse
import asyncio
import signal

import structlog
from aiohttp import web

from ivr.api.app import make_api_app
from ivr.api.auth import check_bind, parse_tokens
from ivr.clock import LoopClock
from ivr.commands import add_log_format
from ivr.config import ConfigError, Settings, load_settings
from ivr.flow.profile import Profile, load_profile
from ivr.logs import configure_logging
from ivr.metrics import Metrics
from ivr.store import Store

log = structlog.get_logger()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "api",
        help="serve the HTTP API only (no ARI)",
        description="Serve the suppression-list HTTP API on IVR_HTTP_HOST:IVR_HTTP_PORT "
        "without connecting to Asterisk. Without IVR_API_TOKENS it listens on loopback only.",
    )
    add_log_format(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(args.log_format or settings.log_format)
    try:
        profile = load_profile(settings.profile)
    except ValueError as exc:
        raise ConfigError(f"IVR_PROFILE: {exc}") from exc
    check_bind(settings.http_host, parse_tokens(settings.api_tokens))
    return asyncio.run(serve_api(settings, profile))


async def serve_api(settings: Settings, profile: Profile) -> int:
    clock = LoopClock()
    store = await Store.open(settings.db, clock)
    try:
        app = make_api_app(settings, store, clock, Metrics.create(), profile)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.http_host, settings.http_port)
            try:
                await site.start()
            except OSError as exc:
                log.error(
                    "http_bind_failed",
                    host=settings.http_host,
                    port=settings.http_port,
                    error=str(exc),
                )
                return 2
            log.info("http_listening", host=settings.http_host, port=settings.http_port)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
            log.info("shutting_down")
            return 0
        finally:
            await runner.cleanup()
    finally:
        await store.close()
