"""Consents (docs/design.md 11.2, 14.24): record, withdraw, export."""

from __future__ import annotations

from aiohttp import web

from ivr.api.auth import Scope
from ivr.api.context import advertiser_filter, context_of, principal_of, require_advertiser
from ivr.api.errors import not_found
from ivr.api.export import MEDIA_TYPES, ExportFormat, consent_lines
from ivr.api.idempotency import IDEMPOTENCY_KEY, idempotent
from ivr.api.parsing import json_body, query
from ivr.api.routing import ArrayOf, Reply, Route
from ivr.api.schemas import ConsentCreate, ConsentEntry, ConsentExportQuery, WithdrawRequest
from ivr.api.streaming import stream_text
from ivr.consents import consent_request
from ivr.domain import ConsentKind
from ivr.suppressions import ensure_advertiser, parse_number, parse_since


async def create_consent(request: web.Request) -> web.Response:
    ctx = context_of(request)
    body = await json_body(request, ConsentCreate)
    require_advertiser(request, body.advertiser)
    now = ctx.clock.now()
    wanted = consent_request(
        number=body.number,
        advertiser=body.advertiser,
        channel=body.channel,
        obtained_at=body.obtained_at,
        created_by=principal_of(request).created_by(),
        profile=ctx.regimes.profile_for(body.advertiser, now),
        now=now,
        scope=body.scope,
        proof_ref=body.proof_ref,
        verified_at=body.verified_at,
        expires_at=body.expires_at,
    )
    await ensure_advertiser(ctx.store, ctx.settings, body.advertiser)
    row, created = await ctx.store.record_new_consent(wanted)
    status = 201 if created else 200
    return web.json_response(text=ConsentEntry.of(row).model_dump_json(), status=status)


async def withdraw_consent(request: web.Request) -> web.Response:
    ctx = context_of(request)
    body = await json_body(request, WithdrawRequest)
    consent_id = request.match_info["consent_id"]
    target = await ctx.store.get_consent(consent_id)
    if target is None or target.kind is not ConsentKind.CONSENT:
        raise not_found(f"no consent {consent_id!r}")
    require_advertiser(request, target.advertiser)
    row = await ctx.store.withdraw_consent(
        consent_id,
        reason=body.reason,
        requested_by=body.requested_by,
        created_by=principal_of(request).created_by(),
    )
    return web.json_response(text=ConsentEntry.of(row).model_dump_json(), status=201)


async def export_consents(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    params = query(request, ConsentExportQuery)
    advertiser = advertiser_filter(request, params.advertiser)
    now = ctx.clock.now()
    profile = ctx.regimes.profile_for(advertiser, now) if advertiser else ctx.profile
    number = parse_number(params.number, profile.number_region) if params.number else None
    since = parse_since(params.since, ctx.timezone)
    if params.advertiser is not None:
        await ensure_advertiser(ctx.store, ctx.settings, params.advertiser)
    fmt = ExportFormat(params.format)
    rows = ctx.store.iter_consents(advertiser=advertiser, number=number, since=since)
    return await stream_text(request, MEDIA_TYPES[fmt], consent_lines(rows, fmt), "consents")


_EXPORT_MEDIA = {
    "text/csv": None,
    "application/x-ndjson": ConsentEntry,
    "application/json": ArrayOf(ConsentEntry),
}

ROUTES = [
    Route(
        "POST",
        "/v1/consents",
        idempotent(create_consent),
        "Record a consumer's consent to be called by an advertiser (opt-in regimes).",
        scope=Scope.WRITE,
        body={"application/json": ConsentCreate},
        headers=[IDEMPOTENCY_KEY],
        replies=[
            Reply(201, "The stored consent (number in E.164).", {"application/json": ConsentEntry}),
            Reply(
                200,
                "The same consent (number, advertiser, scope, obtained_at) is already stored: "
                "that row; or the first answer to this Idempotency-Key.",
                {"application/json": ConsentEntry},
            ),
        ],
        errors=(400, 401, 403, 404, 409, 415, 422),
        tag="consents",
    ),
    Route(
        "POST",
        "/v1/consents/{consent_id}/withdraw",
        idempotent(withdraw_consent),
        "Withdraw a consent (a row of its own; a consent is withdrawn once).",
        scope=Scope.WRITE,
        body={"application/json": WithdrawRequest},
        headers=[IDEMPOTENCY_KEY],
        path_params={"consent_id": "The id of the consent to withdraw."},
        replies=[
            Reply(201, "The withdrawal row.", {"application/json": ConsentEntry}),
            Reply(
                200, "The first answer to this Idempotency-Key.", {"application/json": ConsentEntry}
            ),
        ],
        errors=(400, 401, 403, 404, 409, 415, 422),
        tag="consents",
    ),
    Route(
        "GET",
        "/v1/consents",
        export_consents,
        "Export consents and withdrawals, streamed (CSV by default; JSON lines or a JSON array).",
        scope=Scope.READ,
        query=ConsentExportQuery,
        replies=[Reply(200, "Consents and withdrawals, in the order recorded.", _EXPORT_MEDIA)],
        errors=(401, 403, 404, 422),
        tag="consents",
    ),
]
