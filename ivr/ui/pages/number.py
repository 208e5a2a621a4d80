"""``/ui/nummer``: one number for one advertiser: may it be called now and why, its
entries with their history, its consents, its calls. The API's functions decide."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ivr.api.context import context_of, principal_of
from ivr.domain import OptOutKind
from ivr.suppressions import (
    InputError,
    decide_may_call,
    ensure_advertiser,
    parse_number,
    seen_by,
)
from ivr.ui.guard import LANG
from ivr.ui.render import chosen_advertiser, render

CALLS_SHOWN = 100


async def number_page(request: web.Request) -> web.Response:
    ctx = context_of(request)
    raw = request.query.get("n", "").strip()
    advertiser = chosen_advertiser(request, request.query.get("advertiser"))
    values: dict[str, Any] = {"n": raw, "advertiser": advertiser, "result": None, "problem": None}
    if not raw:
        return render(request, "nummer.html", values)
    now = ctx.clock.now()
    try:
        number = parse_number(raw, ctx.regimes.profile_for(advertiser, now).number_region)
    except InputError as exc:
        values["problem"] = exc.message
        return render(request, "nummer.html", values, status=422)
    await ensure_advertiser(ctx.store, ctx.settings, advertiser)
    decision, profile = await decide_may_call(ctx.store, number, advertiser, ctx.regimes, now)
    viewer = principal_of(request).advertiser
    history = await ctx.store.optout_history(number, advertiser)
    entries = [seen_by(row, viewer) for row in history]
    revoked = {row.revokes for row in entries if row.kind is OptOutKind.REVOCATION}
    consents = (
        await ctx.store.consents_of(number, advertiser) if profile.opt_in.consent_required else None
    )
    calls = [
        call
        async for call in ctx.store.search_calls(
            number=number,
            caller_number=raw,
            advertiser=viewer or advertiser,
            limit=CALLS_SHOWN,
        )
    ]
    english = request[LANG] == "en"
    values["result"] = {
        "number": number,
        "profile": profile.name,
        "allowed": decision.allowed,
        "reasons": [(r.code, r.message if english else r.message_nl) for r in decision.reasons],
        "entries": entries,
        "revoked": revoked,
        "consents": consents,
        "calls": calls,
        "viewer": viewer,
    }
    return render(request, "nummer.html", values)
