"""Manual opt-outs, revocations and the streamed export."""

from __future__ import annotations

from aiohttp import web

from ivr.api.auth import Principal, Scope
from ivr.api.context import ApiContext, advertiser_filter, context_of, principal_of
from ivr.api.errors import forbidden, not_found
from ivr.api.export import MEDIA_TYPES, ExportFormat, optout_lines, seen_by_viewer
from ivr.api.idempotency import IDEMPOTENCY_KEY, idempotent
from ivr.api.parsing import json_body, query
from ivr.api.routing import ArrayOf, Reply, Route
from ivr.api.schemas import ExportQuery, OptOutCreate, OptOutEntry, RevokeRequest
from ivr.api.streaming import stream_text
from ivr.domain import OptOut, OptOutKind, OptOutSource
from ivr.suppressions import ensure_advertiser, optout_request, parse_number, parse_since


async def create_optout(request: web.Request) -> web.Response:
    body = await json_body(request, OptOutCreate)
    row, created = await enter_optout(context_of(request), principal_of(request), body)
    status = 201 if created else 200
    return web.json_response(text=OptOutEntry.of(row).model_dump_json(), status=status)


async def enter_optout(
    ctx: ApiContext, principal: Principal, body: OptOutCreate
) -> tuple[OptOut, bool]:
    """Record a manual opt-out (this route's and the web page's): the row, and whether new."""
    if not principal.may_act_for(body.advertiser):
        raise forbidden(f"this token is bound to another advertiser than {body.advertiser!r}")
    source = OptOutSource.AGENT if body.agent else OptOutSource.API
    wanted = optout_request(
        number=body.number,
        advertiser=body.advertiser,
        kind=OptOutKind(body.kind),
        source=source,
        created_by=principal.created_by(body.agent),
        profile=ctx.regimes.profile_for(body.advertiser, ctx.clock.now()),
        scope=body.scope,
        charities=body.charities,
        agent=body.agent,
    )
    await ensure_advertiser(ctx.store, ctx.settings, body.advertiser)
    row, created = await ctx.store.record_manual_optout(wanted)
    if created:
        ctx.metrics.optouts.labels(kind=row.kind.value, source=row.source.value).inc()
    return row, created


async def revoke_optout(request: web.Request) -> web.Response:
    body = await json_body(request, RevokeRequest)
    row = await revoke_entry(
        context_of(request), principal_of(request), request.match_info["optout_id"], body
    )
    return web.json_response(text=OptOutEntry.of(row).model_dump_json(), status=201)


async def revoke_entry(
    ctx: ApiContext, principal: Principal, optout_id: str, body: RevokeRequest
) -> OptOut:
    """Revoke an opt-out at the consumer's request (this route's and the web page's)."""
    target = await ctx.store.get_optout(optout_id)
    if target is None or target.kind is OptOutKind.REVOCATION:
        raise not_found(f"no opt-out {optout_id!r}")
    if not principal.may_act_for(target.advertiser):
        # Another advertiser's register row shows to this token as advertiser "register".
        raise forbidden("this token may revoke only its own advertiser's opt-outs")
    row = await ctx.store.revoke(
        optout_id,
        reason=body.reason,
        requested_by=body.requested_by,
        created_by=principal.created_by(),
        source=OptOutSource.API,
    )
    ctx.metrics.optouts.labels(kind=row.kind.value, source=row.source.value).inc()
    return row


async def export_optouts(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    params = query(request, ExportQuery)
    advertiser = advertiser_filter(request, params.advertiser)
    profile = ctx.regimes.profile_for(advertiser, ctx.clock.now()) if advertiser else ctx.profile
    number = parse_number(params.number, profile.number_region) if params.number else None
    since = parse_since(params.since, ctx.timezone)
    if params.advertiser is not None:
        await ensure_advertiser(ctx.store, ctx.settings, params.advertiser)
    fmt = ExportFormat(params.format)
    rows = ctx.store.iter_optouts(
        advertiser=advertiser,
        number=number,
        since=since,
        kind=OptOutKind(params.kind) if params.kind else None,
        include_revoked=params.include_revoked,
    )
    shown = seen_by_viewer(rows, principal_of(request).advertiser)
    return await stream_text(request, MEDIA_TYPES[fmt], optout_lines(shown, fmt), "optouts")


_EXPORT_MEDIA = {
    "text/csv": None,
    "application/x-ndjson": OptOutEntry,
    "application/json": ArrayOf(OptOutEntry),
}

ROUTES = [
    Route(
        "POST",
        "/v1/optouts",
        idempotent(create_optout),
        "Record an opt-out by hand (an agent's entry, or another system's).",
        scope=Scope.WRITE,
        body={"application/json": OptOutCreate},
        headers=[IDEMPOTENCY_KEY],
        replies=[
            Reply(201, "The stored entry (number in E.164).", {"application/json": OptOutEntry}),
            Reply(
                200,
                "An identical opt-out (number, advertiser, kind, scope, charities) is already "
                "active: that entry; or the first answer to this Idempotency-Key.",
                {"application/json": OptOutEntry},
            ),
        ],
        errors=(400, 401, 403, 404, 409, 415, 422),
    ),
    Route(
        "POST",
        "/v1/optouts/{optout_id}/revoke",
        idempotent(revoke_optout),
        "Revoke an opt-out at the consumer's explicit request (a row of its own).",
        scope=Scope.WRITE,
        body={"application/json": RevokeRequest},
        headers=[IDEMPOTENCY_KEY],
        path_params={"optout_id": "The id of the opt-out to revoke."},
        replies=[
            Reply(201, "The revocation row.", {"application/json": OptOutEntry}),
            Reply(
                200,
                "The first answer to this Idempotency-Key.",
                {"application/json": OptOutEntry},
            ),
        ],
        errors=(400, 401, 403, 404, 409, 415, 422),
    ),
    Route(
        "GET",
        "/v1/optouts",
        export_optouts,
        "Export opt-outs, streamed (CSV by default; JSON lines or a JSON array).",
        scope=Scope.READ,
        query=ExportQuery,
        replies=[Reply(200, "The opt-outs, oldest first.", _EXPORT_MEDIA)],
        errors=(401, 403, 404, 422),
    ),
]
