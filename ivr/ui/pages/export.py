"""``/ui/export?format=csv|jsonl``: the suppression list this session may see, streamed
by the API's own export (:func:`optout_lines`, :func:`seen_by_viewer`)."""

from __future__ import annotations

from aiohttp import web

from ivr.api.context import context_of, principal_of
from ivr.api.export import MEDIA_TYPES, ExportFormat, optout_lines, seen_by_viewer
from ivr.api.streaming import stream_text
from ivr.ui.render import render


async def export_page(request: web.Request) -> web.StreamResponse:
    wanted = request.query.get("format")
    if wanted is None:
        return render(request, "export.html", {})
    if wanted not in (ExportFormat.CSV.value, ExportFormat.JSONL.value):
        raise web.HTTPNotFound()
    fmt = ExportFormat(wanted)
    ctx = context_of(request)
    viewer = principal_of(request).advertiser
    rows = ctx.store.iter_optouts(
        advertiser=viewer, include_revoked=request.query.get("include_revoked") == "1"
    )
    return await stream_text(
        request, MEDIA_TYPES[fmt], optout_lines(seen_by_viewer(rows, viewer), fmt), "optouts"
    )
