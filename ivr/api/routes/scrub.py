"""Scrub a call file: the CSV comes in, the same file goes back without (or marking)
the suppressed numbers. The body is spooled to disk first, so memory stays flat."""

from __future__ import annotations

import asyncio
import tempfile
from typing import BinaryIO

from aiohttp import web

from ivr.api.auth import Scope
from ivr.api.context import ApiContext, context_of, require_advertiser
from ivr.api.errors import bad_request, too_large, unsupported_media_type
from ivr.api.parsing import query
from ivr.api.routing import Reply, Route
from ivr.api.schemas import ScrubQuery
from ivr.api.scrub_core import MalformedCsv, ScrubMode, inspect_csv, scrub, store_judge
from ivr.api.streaming import stream_text
from ivr.suppressions import ensure_advertiser, parse_category

SPOOL_CHUNK = 1 << 16


async def scrub_call_file(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    params = query(request, ScrubQuery)
    if request.content_type != "text/csv":
        raise unsupported_media_type("send the call file as text/csv")
    if request.charset not in (None, "utf-8", "UTF-8"):
        raise unsupported_media_type("the call file must be UTF-8")
    category = parse_category(params.category, ctx.profile)
    require_advertiser(request, params.advertiser)
    await ensure_advertiser(ctx.store, ctx.settings, params.advertiser)
    limit = ctx.settings.max_upload_mb * 1024 * 1024
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(ctx)
    with tempfile.TemporaryFile(prefix="ivr-scrub-") as spool:
        await _spool(request, spool, limit, ctx)
        try:
            with ctx.clock.busy():
                layout = await asyncio.to_thread(inspect_csv, spool, params.column)
        except MalformedCsv as exc:
            raise bad_request("malformed_csv", str(exc)) from None
        judge = store_judge(ctx.store, params.advertiser, category, ctx.clock.now())
        pieces = scrub(spool, layout, ScrubMode(params.mode), judge)
        return await stream_text(request, "text/csv", pieces, "scrubbed")


async def _spool(request: web.Request, spool: BinaryIO, limit: int, ctx: ApiContext) -> None:
    size = 0
    async for chunk in request.content.iter_chunked(SPOOL_CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(ctx)
        spool.write(chunk)
    spool.flush()


def _too_large(ctx: ApiContext) -> Exception:
    return too_large(f"the call file is larger than {ctx.settings.max_upload_mb} MB")


ROUTES = [
    Route(
        "POST",
        "/v1/scrub",
        scrub_call_file,
        "Scrub a call file (CSV with a header; `,` or `;`, UTF-8, BOM allowed).",
        scope=Scope.READ,
        query=ScrubQuery,
        body={"text/csv": None},
        replies=[
            Reply(
                200,
                "The same file, suppressed rows removed, or marked with `suppressed`"
                " (yes/no/invalid) and `suppression_reason`.",
                {"text/csv": None},
            )
        ],
        errors=(400, 401, 403, 404, 413, 415, 422),
    ),
]
