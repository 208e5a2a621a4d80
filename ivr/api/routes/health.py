"""Process and readiness probes, Prometheus metrics and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from ivr.api.context import ReadinessCheck, context_of, expired_profiles
from ivr.api.routing import Reply, Route
from ivr.api.schemas import HealthOut, ReadyOut

log = structlog.get_logger()

OPENAPI_DOCUMENT = web.AppKey("ivr_openapi", dict[str, Any])


async def healthz(request: web.Request) -> web.Response:
    return web.json_response(HealthOut(status="ok").model_dump())


async def readyz(request: web.Request) -> web.Response:
    ctx = context_of(request)
    checks = {"database": await _passes(ctx.store.check_writable) is True}
    detail = ["profile_expired"] if expired_profiles(ctx) else []
    for n, check in enumerate(ctx.readiness, 1):
        name = getattr(check, "__name__", "").strip("_") or f"check_{n}"
        result = await _passes(check)
        checks[name] = result is True
        if isinstance(result, str):
            detail.append(result)
    ready = all(checks.values())
    if not ready:
        log.warning("api.not_ready", red=[name for name, ok in checks.items() if not ok])
    body = ReadyOut(status="ready" if ready else "not_ready", checks=checks, detail=detail)
    return web.json_response(body.model_dump(), status=200 if ready else 503)


async def _passes(check: ReadinessCheck) -> bool | str:
    try:
        result = await check()
        return result if isinstance(result, str) else bool(result)
    except Exception as exc:
        log.warning("api.readiness_check_failed", error=repr(exc))
        return False


async def metrics(request: web.Request) -> web.Response:
    body = context_of(request).metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_DOCUMENT])


ROUTES = [
    Route(
        "GET",
        "/healthz",
        healthz,
        "The process is up.",
        scope=None,
        replies=[Reply(200, "Up.", {"application/json": HealthOut})],
        tag="operations",
    ),
    Route(
        "GET",
        "/readyz",
        readyz,
        "Ready to serve: the database is writable (and, under ivr serve, ARI is connected).",
        scope=None,
        replies=[
            Reply(200, "Ready.", {"application/json": ReadyOut}),
            Reply(503, "Not ready; the red checks are false.", {"application/json": ReadyOut}),
        ],
        tag="operations",
    ),
    Route(
        "GET",
        "/metrics",
        metrics,
        "Prometheus metrics.",
        scope=None,
        replies=[Reply(200, "The Prometheus text format.", {"text/plain": None})],
        tag="operations",
    ),
    Route(
        "GET",
        "/openapi.json",
        openapi,
        "This document.",
        scope=None,
        replies=[Reply(200, "The OpenAPI 3.1 document.", {"application/json": None})],
        tag="operations",
    ),
]
