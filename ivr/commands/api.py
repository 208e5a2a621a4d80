"""``ivr api``: the HTTP API alone, without ARI (a server for the call centre's dialer)."""

from __future__ import annotations

import argparse
import asyncio

import structlog

from ivr.api.app import make_api_app
from ivr.api.auth import check_bind, parse_tokens
from ivr.clock import LoopClock
from ivr.commands import add_log_format
from ivr.commands.running import (
    check_database_path,
    configured_profile,
    http_site,
    open_store,
    until_signal,
)
from ivr.config import Settings, load_settings
from ivr.flow.profile import Profile
from ivr.logs import configure_logging
from ivr.metrics import Metrics

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
    profile = configured_profile(settings)
    check_bind(settings.http_host, parse_tokens(settings.api_tokens))
    check_database_path(settings.db_location, must_exist=False)
    return asyncio.run(serve_api(settings, profile))


async def serve_api(settings: Settings, profile: Profile) -> int:
    clock = LoopClock()
    store = await open_store(settings.db_location, clock, settings.db_pool)
    try:
        app = make_api_app(settings, store, clock, Metrics.create(), profile)
        async with http_site(app, settings.http_host, settings.http_port):
            await until_signal()
            log.info("shutting_down")
            return 0
    finally:
        await store.close()
