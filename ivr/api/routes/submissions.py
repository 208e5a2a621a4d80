"""The Bel-me-niet registrations recorded here, to pass on to the register."""

from __future__ import annotations

from aiohttp import web

from ivr.api.auth import Scope
from ivr.api.context import context_of, principal_of
from ivr.api.export import MEDIA_TYPES, ExportFormat, seen_by_viewer, submission_lines
from ivr.api.parsing import query
from ivr.api.routing import Reply, Route
from ivr.api.schemas import SubmissionOut, SubmissionsQuery
from ivr.api.streaming import stream_text
from ivr.domain import OptOutKind
from ivr.suppressions import parse_since


async def register_submissions(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    params = query(request, SubmissionsQuery)
    fmt = ExportFormat(params.format)
    viewer = principal_of(request).advertiser
    rows = ctx.store.iter_optouts(
        advertiser=viewer,
        since=parse_since(params.since, ctx.timezone),
        kind=OptOutKind.BEL_ME_NIET,
    )
    pieces = submission_lines(seen_by_viewer(rows, viewer), fmt)
    return await stream_text(request, MEDIA_TYPES[fmt], pieces, "register-submissions")


ROUTES = [
    Route(
        "GET",
        "/v1/register-submissions",
        register_submissions,
        "Active Bel-me-niet registrations to pass on to the register, oldest first.",
        scope=Scope.READ,
        query=SubmissionsQuery,
        replies=[
            Reply(
                200,
                "number, scope, charities, created_at, call_id.",
                {"text/csv": None, "application/x-ndjson": SubmissionOut},
            )
        ],
        errors=(401, 403, 422),
    ),
]
