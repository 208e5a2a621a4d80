"""Scrub a call file: the CSV comes in, the same file goes back without (or marking)
the suppressed numbers. Body and answer are spooled to disk, so memory stays flat and
the counts can travel in the answer's headers."""

from __future__ import annotations

import re
import tempfile
from typing import BinaryIO

from aiohttp import web

from ivr.api.auth import Scope
from ivr.api.context import ApiContext, context_of, require_advertiser
from ivr.api.errors import STREAM_STARTED, bad_request, too_large, unsupported_media_type
from ivr.api.parsing import query
from ivr.api.routing import Reply, Route
from ivr.api.schemas import ScrubQuery
from ivr.scrub import MalformedCsv, ScrubMode, ScrubRequest, ScrubStats, scrub_file
from ivr.scrub.core import list_loading
from ivr.suppressions import ensure_advertiser

SPOOL_CHUNK = 1 << 16
PROFILE_EXPIRED_HEADER = "X-Scrub-Profile-Expired"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


async def scrub_call_file(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    params = query(request, ScrubQuery)
    if request.content_type != "text/csv":
        raise unsupported_media_type("send the call file as text/csv")
    if request.charset not in (None, "utf-8", "UTF-8"):
        raise unsupported_media_type("the call file must be UTF-8")
    scrubbing = ScrubRequest.under_profile(
        ctx.regimes,
        params.advertiser,
        ctx.clock.now(),
        mode=ScrubMode(params.mode),
        category=params.category,
        columns=params.column,
    )
    require_advertiser(request, params.advertiser)
    await ensure_advertiser(ctx.store, ctx.settings, params.advertiser)
    limit = ctx.settings.max_upload_mb * 1024 * 1024
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(ctx)
    with (
        tempfile.TemporaryFile(prefix="ivr-scrub-in-") as spool,
        tempfile.TemporaryFile(prefix="ivr-scrub-out-") as answer,
    ):
        async with list_loading(ctx.store, scrubbing) as listed:
            await _spool(request, spool, limit, ctx)
            try:
                with ctx.clock.busy():
                    stats = await scrub_file(ctx.store, scrubbing, spool, answer, listed=listed)
            except MalformedCsv as exc:
                raise bad_request("malformed_csv", str(exc)) from None
        return await _send(request, answer, stats, expired=scrubbing.regime.expired)


async def _spool(request: web.Request, spool: BinaryIO, limit: int, ctx: ApiContext) -> None:
    size = 0
    async for chunk in request.content.iter_chunked(SPOOL_CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(ctx)
        spool.write(chunk)
    spool.flush()


def scrub_headers(stats: ScrubStats) -> dict[str, str]:
    names = ",".join(_CONTROL.sub(" ", name) for name in stats.columns)
    return {
        "X-Scrub-Rows": str(stats.rows),
        "X-Scrub-Suppressed": str(stats.suppressed),
        "X-Scrub-Invalid": str(stats.invalid),
        "X-Scrub-Columns": names,
    }


async def _send(
    request: web.Request, answer: BinaryIO, stats: ScrubStats, *, expired: bool
) -> web.StreamResponse:
    headers = scrub_headers(stats)
    if expired:
        headers[PROFILE_EXPIRED_HEADER] = "true"  # docs/design.md 15.39
    response = web.StreamResponse(headers=headers)
    response.content_type = "text/csv"
    response.charset = "utf-8"
    response.content_length = answer.tell()
    response.headers["Content-Disposition"] = 'attachment; filename="scrubbed.csv"'
    await response.prepare(request)
    request[STREAM_STARTED] = True
    answer.seek(0)
    while chunk := answer.read(SPOOL_CHUNK):
        await response.write(chunk)
    await response.write_eof()
    return response


def _too_large(ctx: ApiContext) -> Exception:
    return too_large(f"the call file is larger than {ctx.settings.max_upload_mb} MB")


ROUTES = [
    Route(
        "POST",
        "/v1/scrub",
        scrub_call_file,
        "Scrub a call file (CSV with or without a header; `,` or `;`, UTF-8, BOM allowed)."
        " The number columns are those named by `column` (repeatable), else every column"
        " whose header names a number or whose content is mostly valid numbers; none"
        " found is 422 `number_column_not_found` with the `headers` seen. The answer's"
        " headers X-Scrub-Rows, X-Scrub-Suppressed, X-Scrub-Invalid and X-Scrub-Columns"
        " carry the counts and the columns checked.",
        scope=Scope.READ,
        query=ScrubQuery,
        body={"text/csv": None},
        replies=[
            Reply(
                200,
                "The same file, suppressed rows removed, or marked with `suppressed`"
                " (yes/no/invalid) and `suppression_reason` appended to every row.",
                {"text/csv": None},
            )
        ],
        errors=(400, 401, 403, 404, 413, 415, 422),
    ),
]
