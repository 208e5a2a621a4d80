"""The evidence of calls, for a compliance officer answering a complaint."""

from __future__ import annotations

from aiohttp import web

from ivr.api.auth import Scope
from ivr.api.context import advertiser_filter, context_of, principal_of
from ivr.api.errors import not_found
from ivr.api.parsing import query
from ivr.api.routing import Reply, Route
from ivr.api.schemas import (
    CallDetailOut,
    CallEventOut,
    CallListOut,
    CallOut,
    CallSearchQuery,
    OptOutEntry,
)
from ivr.store import CallRecord
from ivr.suppressions import ensure_advertiser, parse_number, parse_since


def call_out(call: CallRecord) -> CallOut:
    return CallOut(
        id=call.id,
        channel_id=call.channel_id,
        advertiser=call.advertiser,
        campaign=call.campaign,
        agent=call.agent,
        script=call.script,
        number=call.number,
        number_source=call.number_source.value if call.number_source else None,
        lang=call.lang,
        profile=call.profile,
        extra=dict(call.extra),
        started_at=call.started_at,
        ended_at=call.ended_at,
        outcome=call.outcome.value if call.outcome else None,
        caller_number=call.caller_number,
        rights=call.rights,
        evidence_complete=call.evidence_complete,
        software_version=call.software_version,
        profile_hash=call.profile_hash,
        evidence_head=call.evidence_head,
        seal_seq=call.seal_seq,
    )


async def get_call(request: web.Request) -> web.Response:
    ctx = context_of(request)
    call_id = request.match_info["call_id"]
    call = await ctx.store.get_call(call_id)
    if call is None or not principal_of(request).may_act_for(call.advertiser):
        raise not_found(f"no call {call_id!r}")
    events = await ctx.store.call_events(call_id)
    optouts = await ctx.store.optouts_for_call(call_id)
    out = CallDetailOut(
        call=call_out(call),
        events=[
            CallEventOut(seq=e.seq, at=e.at, kind=e.kind.value, detail=e.detail, hash=e.hash)
            for e in events
        ],
        optouts=[OptOutEntry.of(o) for o in optouts],
    )
    return web.json_response(text=out.model_dump_json())


async def search_calls(request: web.Request) -> web.Response:
    ctx = context_of(request)
    params = query(request, CallSearchQuery)
    advertiser = advertiser_filter(request, params.advertiser)
    if params.advertiser is not None:
        await ensure_advertiser(ctx.store, ctx.settings, params.advertiser)
    calls = [
        call_out(call)
        async for call in ctx.store.search_calls(
            number=parse_number(params.number) if params.number else None,
            caller_number=params.number,
            rights=params.rights.split(",") if params.rights else None,
            advertiser=advertiser,
            campaign=params.campaign,
            since=parse_since(params.since, ctx.timezone),
            until=parse_since(params.until, ctx.timezone),
            limit=params.limit,
        )
    ]
    return web.json_response(text=CallListOut(calls=calls).model_dump_json())


ROUTES = [
    Route(
        "GET",
        "/v1/calls/{call_id}",
        get_call,
        "One call with its evidence trail (prompts, keys, records, hang-up).",
        scope=Scope.READ,
        path_params={"call_id": "The call's id."},
        replies=[
            Reply(
                200,
                "The call, its events in order, its opt-outs.",
                {"application/json": CallDetailOut},
            )
        ],
        errors=(401, 403, 404),
    ),
    Route(
        "GET",
        "/v1/calls",
        search_calls,
        "Search calls by number (or caller id), advertiser, campaign, rights verdict and"
        " start time [since, until).",
        scope=Scope.READ,
        query=CallSearchQuery,
        replies=[Reply(200, "Matching calls, oldest first.", {"application/json": CallListOut})],
        errors=(401, 403, 404, 422),
    ),
]
