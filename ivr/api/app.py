"""The aiohttp application of the HTTP API (served alone by ``ivr api``, or by ``ivr serve``)."""

from __future__ import annotations

import time

import structlog
from aiohttp import web
from aiohttp.typedefs import Middleware

from ivr.api.auth import check_bind, parse_tokens
from ivr.api.context import CONTEXT, ApiContext, ReadinessCheck, expired_profiles
from ivr.api.errors import Handler, make_error_middleware, route_template
from ivr.api.openapi import build_document
from ivr.api.routes import (
    calls,
    consents,
    health,
    maycall,
    optouts,
    scrub,
    submissions,
    suppressions,
)
from ivr.api.routing import Route, install
from ivr.clock import Clock
from ivr.config import Settings
from ivr.flow.profile import Profile
from ivr.metrics import Metrics
from ivr.regimes import Regimes
from ivr.store import Store
from ivr.ui.app import install_ui

log = structlog.get_logger()

ROUTES: list[Route] = [
    *health.ROUTES,
    *suppressions.ROUTES,
    *optouts.ROUTES,
    *consents.ROUTES,
    *scrub.ROUTES,
    *maycall.ROUTES,
    *calls.ROUTES,
    *submissions.ROUTES,
]

JSON_BODY_LIMIT = 8 * 1024 * 1024
"""Enough for 50,000 numbers in a check; the scrub upload is streamed, not bound by this."""


def _latency_middleware(metrics: Metrics) -> Middleware:
    @web.middleware
    async def latency(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            route = route_template(request)
            metrics.request_latency.labels(route=route, method=request.method).observe(
                time.perf_counter() - started
            )

    return latency


async def _warn_expired_profiles(app: web.Application) -> None:
    """Once at start: a profile whose period has ended still decides (docs/design.md 14.8)."""
    ctx = app[CONTEXT]
    for profile in expired_profiles(ctx):
        log.warning(
            "profile.expired",
            profile=profile.name,
            ended=str(profile.period.end),
            hint="its rules are no longer in force; choose a current profile or IVR_PROFILE=nl",
        )


async def _count_unknown_charities(app: web.Application) -> None:
    """Once at start: totaal registrations without a charities answer (docs/design.md 14.20)."""
    count = await app[CONTEXT].store.registrations_without_charities()
    if count:
        log.warning(
            "optouts.charities_unknown",
            count=count,
            hint="Bel-me-niet registrations for all topics stored without a charities answer; "
            "they are read as charities true (goede doelen may not call either)",
        )
    else:
        log.info("optouts.charities_unknown", count=0)


def make_api_app(
    settings: Settings,
    store: Store,
    clock: Clock,
    metrics: Metrics,
    profile: Profile,
    readiness: list[ReadinessCheck] | None = None,
    regimes: Regimes | None = None,
) -> web.Application:
    tokens = parse_tokens(settings.api_tokens)
    check_bind(settings.http_host, tokens)
    app = web.Application(
        client_max_size=JSON_BODY_LIMIT,
        middlewares=[
            _latency_middleware(metrics),
            make_error_middleware(metrics.store_errors.inc),
        ],
    )
    ctx = app[CONTEXT] = ApiContext(
        settings=settings,
        store=store,
        clock=clock,
        metrics=metrics,
        profile=profile,
        tokens=tokens,
        readiness=list(readiness or []),
        regimes=regimes or Regimes.from_settings(settings),
    )
    app[health.OPENAPI_DOCUMENT] = build_document(ROUTES)
    install(app, ROUTES)
    install_ui(app, ctx)

    async def announce(_app: web.Application) -> None:
        if tokens:
            log.info("api.tokens", count=len(tokens))
        else:
            log.warning(
                "api.open_on_loopback",
                host=settings.http_host,
                hint="no IVR_API_TOKENS: anyone on this machine may read and write",
            )

    app.on_startup.append(announce)
    app.on_startup.append(_warn_expired_profiles)
    app.on_startup.append(_count_unknown_charities)
    return app
