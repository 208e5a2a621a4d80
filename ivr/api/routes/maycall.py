"""May this advertiser call this number at this moment? (docs/design.md section 6)"""

from __future__ import annotations

from aiohttp import web

from ivr.api.auth import Scope
from ivr.api.context import context_of, require_advertiser
from ivr.api.parsing import query
from ivr.api.routing import Reply, Route
from ivr.api.schemas import MayCallOut, MayCallQuery, ReasonOut
from ivr.suppressions import (
    decide_may_call,
    ensure_advertiser,
    parse_category,
    parse_moment,
    parse_number,
    parse_relation,
    parse_relation_ended,
)


async def get_may_call(request: web.Request) -> web.Response:
    ctx = context_of(request)
    params = query(request, MayCallQuery)
    now = ctx.clock.now()
    moment = parse_moment(params.at)
    profile = ctx.regimes.profile_for(params.advertiser, moment or now)
    number = parse_number(params.number, profile.number_region)
    relation = parse_relation(params.relation)
    relation_ended = parse_relation_ended(params.relation_ended, relation)
    category = parse_category(params.category, profile)
    require_advertiser(request, params.advertiser)
    await ensure_advertiser(ctx.store, ctx.settings, params.advertiser)
    decision, profile = await decide_may_call(
        ctx.store,
        number,
        params.advertiser,
        ctx.regimes,
        now,
        at=moment,
        relation=relation,
        category=category,
        relation_ended=relation_ended,
    )
    out = MayCallOut(
        number=number,
        advertiser=params.advertiser,
        at=now if moment is None else moment,
        profile=profile.name,
        allowed=decision.allowed,
        reasons=[ReasonOut.of(r) for r in decision.reasons],
    )
    return web.json_response(text=out.model_dump_json())


ROUTES = [
    Route(
        "GET",
        "/v1/may-call",
        get_may_call,
        "Whether the advertiser may call the number at a moment: suppression, consent under"
        " an opt-in regime, and calling hours, by the profile in force at that moment.",
        scope=Scope.READ,
        query=MayCallQuery,
        replies=[Reply(200, "The decision with its reasons.", {"application/json": MayCallOut})],
        errors=(401, 403, 404, 422),
    ),
]
