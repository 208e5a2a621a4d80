"""``ivr serve``: connect to Asterisk's ARI and serve calls, with the HTTP API beside it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sys
from collections.abc import Coroutine
from typing import Any

import structlog

from ivr.api.auth import check_bind, parse_tokens
from ivr.ari.stream import AUTH_HINT
from ivr.clock import LoopClock
from ivr.commands import add_log_format
from ivr.commands.running import (
    STORE_FAILURES,
    cannot_open,
    check_database_path,
    configured_profile,
    http_site,
    until_signal,
)
from ivr.config import ConfigError, Settings, load_settings
from ivr.flow.profile import Profile
from ivr.logs import configure_logging
from ivr.service import IvrService, check_prompts_at_start
from ivr.store.lease import LeaseHeld

log = structlog.get_logger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve calls from Asterisk (ARI) and the HTTP API",
        description=(
            "Connect to Asterisk's ARI (IVR_ARI_URL, IVR_ARI_USER, IVR_ARI_PASSWORD, IVR_ARI_APP), "
            "take the channels the dialplan hands to the Stasis app, and serve the HTTP API "
            "(IVR_HTTP_HOST, IVR_HTTP_PORT). An unreachable Asterisk is retried with back-off."
        ),
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="give up (exit 1) when Asterisk cannot be reached within SECONDS",
    )
    parser.add_argument(
        "--allow-missing-prompts",
        action="store_true",
        help="start even when Asterisk lacks prompts (logged; /readyz red with prompts_missing)",
    )
    add_log_format(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(args.log_format or settings.log_format)
    profile = configured_profile(settings)
    check_prompts_at_start(settings, profile)
    check_bind(settings.http_host, parse_tokens(settings.api_tokens))
    check_database_path(settings.db_location, must_exist=False)
    return run_loop(
        serve(
            settings,
            profile,
            args.connect_timeout,
            allow_missing_prompts=args.allow_missing_prompts,
        )
    )


def run_loop(main: Coroutine[Any, Any, int]) -> int:
    """Run the service on uvloop (libuv's event loop, in C): every ARI request, event and
    timer of every call goes through the loop and its transports, and at speed 20 the
    service spends about a fifth less CPU per call there than on asyncio's own loop.
    asyncio's loop on Windows, where uvloop does not exist."""
    if sys.platform == "win32":
        return asyncio.run(main)
    import uvloop

    return uvloop.run(main)


YOUNG_GENERATION = 10_000
"""Tracked objects made (net of those freed) between the collector's youngest passes;
CPython's default is 700."""


def _settle_collector() -> None:
    """What start-up made (modules, models, the profile) lives as long as the process: keep
    it out of the garbage collector's full scans, which stall every live call's events.

    Then a young generation of 10,000 objects instead of 700, as long-running asyncio servers
    often set it: a burst of hand-offs grows the live set by tens of thousands of objects
    (sessions, tasks, parsed events) within a second, and at 700 the collector passes over
    them hundreds of times, with a full pass every hundred (issue 14: a burst of 500 after
    1,000 real-pace calls answered its slowest in 377-414 ms instead of 564 ms, load 2-4)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])


async def serve(
    settings: Settings,
    profile: Profile,
    connect_timeout: float | None,
    *,
    allow_missing_prompts: bool = False,
) -> int:
    service = IvrService(
        settings, LoopClock(), profile=profile, allow_missing_prompts=allow_missing_prompts
    )
    try:
        await service.start()
    except LeaseHeld as exc:
        await service.stop()
        raise ConfigError(str(exc)) from exc
    except STORE_FAILURES as exc:
        await service.stop()
        raise cannot_open(settings.db_location, exc) from exc
    _settle_collector()
    assert service.api is not None
    try:
        async with http_site(service.api, settings.http_host, settings.http_port):
            if connect_timeout is not None and not await service.wait_connected(connect_timeout):
                if service.stream is not None and service.stream.auth_refused:
                    log.error(
                        "ari_auth_refused",
                        url=settings.ari_url,
                        user=settings.ari_user,
                        waited_s=connect_timeout,
                        hint=AUTH_HINT,
                    )
                else:
                    log.error("ari_unreachable", url=settings.ari_url, waited_s=connect_timeout)
                return 1
            assert service.start_failed is not None
            failure = await _first_of(until_signal(), service.start_failed)
            if failure is not None:
                raise ConfigError(failure)
            log.info("shutting_down", grace_s=settings.shutdown_grace_s)
            return 0
    finally:
        await service.stop()


async def _first_of(signal: Coroutine[Any, Any, None], failed: asyncio.Future[str]) -> str | None:
    """None on SIGTERM/SIGINT; the reason when the start failed first (missing prompts)."""
    waiting: asyncio.Future[Any] = asyncio.ensure_future(signal)
    try:
        await asyncio.wait([waiting, failed], return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
    return failed.result() if failed.done() else None
