"""Look-ups: one number, or up to 50,000 at once."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from ivr.api.auth import Scope
from ivr.api.context import context_of, principal_of, require_advertiser
from ivr.api.errors import too_large
from ivr.api.parsing import json_body, query
from ivr.api.routing import Reply, Route
from ivr.api.schemas import (
    MAX_CHECK_NUMBERS,
    CheckOut,
    CheckRequest,
    CheckResult,
    ReasonOut,
    SuppressionOut,
    SuppressionQuery,
)
from ivr.rules.numbers import normalize
from ivr.suppressions import (
    ensure_advertiser,
    judge,
    look_up,
    parse_category,
    parse_moment,
    parse_number,
    seen_by,
)


async def get_suppression(request: web.Request) -> web.Response:
    ctx = context_of(request)
    params = query(request, SuppressionQuery)
    at = parse_moment(params.at)
    profile = ctx.regimes.profile_for(params.advertiser, at or ctx.clock.now())
    number = parse_number(request.match_info["number"], profile.number_region)
    category = parse_category(params.category, profile)
    require_advertiser(request, params.advertiser)
    await ensure_advertiser(ctx.store, ctx.settings, params.advertiser)
    found = await look_up(
        ctx.store,
        number,
        params.advertiser,
        ctx.clock.now(),
        category,
        at=at,
        include_revoked=params.include_revoked,
        regimes=ctx.regimes,
    )
    viewer = principal_of(request).advertiser
    shown = replace(found, entries=[seen_by(row, viewer) for row in found.entries])
    return web.json_response(text=SuppressionOut.of(shown).model_dump_json())


async def check_suppressions(request: web.Request) -> web.Response:
    ctx = context_of(request)
    body = await json_body(request, CheckRequest)
    if len(body.numbers) > MAX_CHECK_NUMBERS:
        raise too_large(f"at most {MAX_CHECK_NUMBERS} numbers a request; split the list")
    now = ctx.clock.now()
    profile, regime = ctx.regimes.regime_for(body.advertiser, now)
    category = parse_category(body.category, profile)
    require_advertiser(request, body.advertiser)
    await ensure_advertiser(ctx.store, ctx.settings, body.advertiser)
    numbers = [normalize(raw, profile.number_region) for raw in body.numbers]
    valid = list(dict.fromkeys(n for n in numbers if n is not None))
    entries = await ctx.store.active_optouts_many(valid, body.advertiser) if valid else {}
    consents = (
        await ctx.store.consents_many(valid, body.advertiser)
        if valid and regime.opt_in.consent_required
        else {}
    )
    results = []
    for raw, number in zip(body.numbers, numbers, strict=True):
        if number is None:
            results.append(
                CheckResult(input=raw, number=None, valid=False, suppressed=None, reasons=[])
            )
            continue
        found = judge(
            number,
            body.advertiser,
            entries.get(number, []),
            now,
            category,
            regime=regime,
            consents=consents.get(number, []),
        )
        results.append(
            CheckResult(
                input=raw,
                number=number,
                valid=True,
                suppressed=found.suppressed,
                reasons=[ReasonOut.of(r) for r in found.reasons],
            )
        )
    out = CheckOut(advertiser=body.advertiser, results=results)
    return web.json_response(text=out.model_dump_json())


ROUTES = [
    Route(
        "GET",
        "/v1/suppressions/{number}",
        get_suppression,
        "Whether the advertiser may not call this number, and why.",
        scope=Scope.READ,
        query=SuppressionQuery,
        path_params={"number": "The number in any common form (06…, +316…, 00316…)."},
        replies=[
            Reply(
                200,
                "The decision and the entries it rests on.",
                {"application/json": SuppressionOut},
            )
        ],
        errors=(401, 403, 404, 422),
    ),
    Route(
        "POST",
        "/v1/suppressions/check",
        check_suppressions,
        f"Check up to {MAX_CHECK_NUMBERS} numbers; invalid numbers are reported per item.",
        scope=Scope.READ,
        body={"application/json": CheckRequest},
        replies=[Reply(200, "One result per number, in order.", {"application/json": CheckOut})],
        errors=(400, 401, 403, 404, 413, 415, 422),
    ),
]
