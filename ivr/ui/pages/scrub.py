"""``/ui/opschonen``: upload a call file, see the number columns found and the counts,
download the scrubbed file (kept one hour in ``scrub_results``, so any process serves it).
The scrub is the API's (:func:`scrub_file`, under the advertiser's profile)."""

from __future__ import annotations

import json
import re
import tempfile
from typing import Any, BinaryIO

from aiohttp import BodyPartReader, web

from ivr.api.context import context_of, principal_of
from ivr.api.errors import bad_request, too_large
from ivr.api.idempotency import token_name
from ivr.scrub import MalformedCsv, ScrubMode, ScrubRequest, scrub_file
from ivr.suppressions import ensure_advertiser
from ivr.ui.guard import check_csrf
from ivr.ui.render import chosen_advertiser, render

CHUNK = 1 << 16
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


async def scrub_form(request: web.Request) -> web.Response:
    """The topics offered are those of the profile the upload is judged under: the
    advertiser's (``?advertiser=``, else the token's or the first), not the default's."""
    ctx = context_of(request)
    advertiser = chosen_advertiser(request, request.query.get("advertiser"))
    profile = ctx.regimes.profile_for(advertiser, ctx.clock.now())
    categories = [(c.id, c.name) for c in profile.categories]
    return render(request, "opschonen.html", {"categories": categories, "advertiser": advertiser})


async def scrub_upload(request: web.Request) -> web.Response:
    ctx = context_of(request)
    reader = await request.multipart()
    fields: dict[str, str] = {}
    limit = ctx.settings.max_upload_mb * 1024 * 1024
    with tempfile.TemporaryFile(prefix="ivr-ui-scrub-") as spool:
        filename = "calls.csv"
        while (part := await reader.next()) is not None:
            assert isinstance(part, BodyPartReader)
            if not fields and part.name != "csrf":
                check_csrf(request, None)  # the token comes first, before any upload
            if part.name == "file":
                filename = part.filename or filename
                await _spool(part, spool, limit)
            elif part.name:
                fields[part.name] = (await part.text())[:200]
                if part.name == "csrf":
                    check_csrf(request, fields["csrf"])
        if "csrf" not in fields:
            check_csrf(request, None)
        advertiser = chosen_advertiser(request, fields.get("advertiser") or None)
        await ensure_advertiser(ctx.store, ctx.settings, advertiser)
        mode = ScrubMode(fields.get("mode") or ScrubMode.REMOVE.value)
        scrubbing = ScrubRequest.under_profile(
            ctx.regimes, advertiser, ctx.clock.now(), mode=mode, category=fields.get("category")
        )
        with tempfile.TemporaryFile(prefix="ivr-ui-scrubbed-") as answer:
            try:
                with ctx.clock.busy():
                    stats = await scrub_file(ctx.store, scrubbing, spool, answer)
            except MalformedCsv as exc:
                raise bad_request("malformed_csv", str(exc)) from None
            answer.seek(0)
            body = answer.read()
    kept = {
        "rows": stats.rows,
        "suppressed": stats.suppressed,
        "invalid": stats.invalid,
        "columns": stats.columns,
        "mode": mode.value,
        "profile_expired": scrubbing.regime.expired,
    }
    name = "opgeschoond-" + (_SAFE_NAME.sub("_", filename).strip("_") or "calls.csv")
    result_id = await ctx.store.put_scrub_result(
        token_name(principal_of(request)), advertiser, name, body, json.dumps(kept)
    )
    values: dict[str, Any] = {"stats": kept, "result_id": result_id, "advertiser": advertiser}
    return render(request, "opschonen_klaar.html", values)


async def _spool(part: BodyPartReader, spool: BinaryIO, limit: int) -> None:
    size = 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_large(f"the call file is larger than {limit // (1024 * 1024)} MB")
        spool.write(chunk)
    spool.flush()


async def scrub_download(request: web.Request) -> web.Response:
    ctx = context_of(request)
    principal = principal_of(request)
    found = await ctx.store.scrub_result(request.match_info["result_id"])
    if (
        found is None
        or found.owner != token_name(principal)
        or not principal.may_act_for(found.advertiser)
    ):
        raise web.HTTPNotFound()
    return web.Response(
        body=found.body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
