"""``/ui/gesprek/{call_id}``: one call's timeline, rights verdict, the verification of
its evidence chain, and its evidence as a download (``…/export``)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ivr.api.context import context_of, principal_of
from ivr.store import CallRecord
from ivr.ui.guard import LANG
from ivr.ui.render import render
from ivr.ui.timeline import rights_text, timeline


async def _visible_call(request: web.Request) -> CallRecord:
    """The call, if this session may see it; another advertiser's call is not found."""
    call_id = request.match_info["call_id"]
    call = await context_of(request).store.get_call(call_id)
    if call is None or not principal_of(request).may_act_for(call.advertiser):
        raise web.HTTPNotFound()
    return call


async def call_page(request: web.Request) -> web.Response:
    ctx = context_of(request)
    call = await _visible_call(request)
    lang = request[LANG]
    events = await ctx.store.call_events(call.id)
    optouts = await ctx.store.optouts_for_call(call.id)
    report = await ctx.store.verify_evidence(call_id=call.id)
    values = {
        "call": call,
        "lines": timeline(call, events, lang),
        "rights": rights_text(call.rights, lang),
        "rights_map": call.rights or {},
        "optouts": optouts,
        "chain_ok": not report.mismatches,
        "findings": [f.as_dict() for f in report.findings],
        "summary": _summary(report.summary()),
    }
    return render(request, "gesprek.html", values)


def _summary(summary: dict[str, Any]) -> str:
    """``calls 1, events 10`` and the findings by kind (``unsealed 1``)."""
    counts = {k: v for k, v in summary.items() if k not in ("ok", "findings")}
    return ", ".join(f"{k} {v}" for k, v in {**counts, **summary["findings"]}.items())


async def call_export(request: web.Request) -> web.Response:
    """The call's row and events exactly as stored, with their hashes (``ivr evidence
    export``'s JSON lines)."""
    call = await _visible_call(request)
    rows = await context_of(request).store.export_call(call.id)
    body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return web.Response(
        text=body,
        content_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="call-{call.id}.jsonl"'},
    )
