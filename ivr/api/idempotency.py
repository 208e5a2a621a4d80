"""``Idempotency-Key`` on a write route (docs/design.md 10.1, 14.21): a retried request gets the
first answer again instead of writing twice.

Wrap a route's handler with :func:`idempotent` and list :data:`IDEMPOTENCY_KEY` in its
``Route(headers=…)`` so the OpenAPI document shows the header. With a key, the request's fingerprint
H(method + " " + path + "\\n" + canonical JSON body) is claimed in the store before the
handler runs; the same key with the same fingerprint then gets the stored answer with
status 200, another fingerprint 409 ``idempotency_conflict``, and while the first is still
being answered 409 ``idempotency_in_progress``. Only 2xx answers are kept (24 hours);
keys are unique per token name (``-`` without tokens). A request without a key, or whose
body is not JSON (the handler refuses it), passes through unchanged.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from ivr.api.auth import Principal
from ivr.api.context import context_of, principal_of
from ivr.api.errors import ApiError, Handler, bad_request
from ivr.api.routing import Header
from ivr.store.idempotency import ClaimState

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
"""Set to ``true`` on an answer that is a replay of the first one."""
MAX_KEY_LENGTH = 200
KEY_PATTERN = r"^[\x20-\x7e]{1,200}$"
_KEY = re.compile(KEY_PATTERN)

HEADER_DESCRIPTION = (
    "Optional, 1-200 printable ASCII characters (e.g. a UUID). A retry with the same key "
    "and the same body gets the first answer again with status 200 (header "
    "Idempotent-Replayed: true); the same key with another body is 409 "
    "idempotency_conflict, and 409 idempotency_in_progress while the first request is "
    "still being answered. Keys are kept 24 hours, per token."
)
IDEMPOTENCY_KEY = Header(HEADER, HEADER_DESCRIPTION, KEY_PATTERN, MAX_KEY_LENGTH)
"""The header as a route documents it."""


def idempotent(handler: Handler) -> Handler:
    """``handler`` guarded by the ``Idempotency-Key`` header."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        raw = request.headers.get(HEADER)
        if raw is None:
            return await handler(request)
        key = checked_key(raw)
        fingerprint = await _fingerprint(request)
        if fingerprint is None:
            return await handler(request)
        return await answer_once(request, key, fingerprint, lambda: handler(request))

    return guarded


async def answer_once(
    request: web.Request,
    key: str,
    fingerprint: str,
    produce: Callable[[], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    """``produce`` the answer once per (token, ``key``): a retry gets the first answer."""
    store = context_of(request).store
    owner = token_name(principal_of(request))
    claim = await store.claim_idempotency_key(owner, key, fingerprint)
    if claim.state is ClaimState.CONFLICT:
        raise ApiError(
            409,
            "idempotency_conflict",
            f"{HEADER} {key!r} was used for another request in the last 24 hours",
        )
    if claim.state is ClaimState.IN_PROGRESS:
        raise ApiError(
            409,
            "idempotency_in_progress",
            f"the first request with {HEADER} {key!r} is still being answered; retry",
        )
    if claim.state is ClaimState.REPLAY:
        assert claim.answer is not None
        return web.json_response(text=claim.answer, status=200, headers={REPLAYED: "true"})
    try:
        response = await produce()
    except BaseException:
        await store.release_idempotency_key(owner, key)
        raise
    if 200 <= response.status < 300 and isinstance(response, web.Response) and response.text:
        await store.complete_idempotency_key(owner, key, response.status, response.text)
    else:
        await store.release_idempotency_key(owner, key)
    return response


def token_name(principal: Principal) -> str:
    """Whose keys these are: the token's name, else ``-`` (an unnamed token bound to an
    advertiser gets ``-@advertiser``, so it never sees another advertiser's answers)."""
    if principal.name:
        return principal.name
    return "-" if principal.advertiser is None else f"-@{principal.advertiser}"


def fingerprint(method: str, path: str, body: object) -> str:
    """H(method + " " + path + "\\n" + canonical JSON of ``body``), lowercase hex."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def checked_key(raw: str) -> str:
    if not _KEY.fullmatch(raw):
        raise bad_request(
            "bad_idempotency_key",
            f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable ASCII characters",
        )
    return raw


async def _fingerprint(request: web.Request) -> str | None:
    if request.content_type != "application/json":
        return None
    try:
        body = json.loads(await request.read())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return fingerprint(request.method, request.path, body)
