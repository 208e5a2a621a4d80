"""May this advertiser call this number at this moment? (DESIGN.md section 6)"""

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
)


async def get_may_call(request: web.Request) -> web.Response:
    ctx = context_of(request)
    params = query(request, MayCallQuery)
    number = parse_number(params.number)
    now = ctx.clock.now()
    moment = parse_moment(params.at)
    relation = parse_relation(params.relation)
    category = parse_category(params.category, ctx.profile)
    require_advertiser(request, params.advertiser)
    await ensure_advertiser(ctx.store, ctx.settings, params.advertiser)
    decision = await decide_may_call(
        ctx.store,
        number,
        params.advertiser,
        ctx.hours,
        now,
        at=moment,
        relation=relation,
        category=category,
    )
    out = MayCallOut(
        number=number,
        advertiser=params.advertiser,
        at=now if moment is None else moment,
        allowed=decision.allowed,
        reasons=[ReasonOut.of(r) for r in decision.reasons],
    )
    return web.json_response(text=out.model_dump_json())


ROUTES = [
    Route(
        "GET",
        "/v1/may-call",
        get_may_call,
        "Whether the advertiser may call the number at a moment: suppression and calling hours.",
        scope=Scope.READ,
        query=MayCallQuery,
        replies=[Reply(200, "The decision with its reasons.", {"application/json": MayCallOut})],
        errors=(401, 403, 404, 422),
    ),
]
