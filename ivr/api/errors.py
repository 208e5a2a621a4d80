"""Every failure becomes ``{"error": code, "message": text}``; never a stack trace.

400 malformed (bad JSON, unreadable CSV), 401/403 auth, 404 unknown id or
``unknown_advertiser``, 409 ``already_revoked``, 413 too large, 415 wrong
content type, 422 well-formed but invalid values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

import structlog
from aiohttp import web
from aiohttp.typedefs import Middleware
from pydantic import ValidationError

from ivr.scrub import NumberColumnNotFound
from ivr.store import (
    AlreadyRevoked,
    AlreadyWithdrawn,
    ConsentNotFound,
    OptOutNotFound,
    StoreError,
)
from ivr.suppressions import InputError, UnknownAdvertiser

log = structlog.get_logger()

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STREAM_STARTED = web.RequestKey("stream_started", bool)
"""Set once a streamed body has begun: a later failure can only cut the stream."""


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})


def bad_request(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


def unauthorized(message: str = "a valid bearer token is required") -> ApiError:
    return ApiError(401, "unauthorized", message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def too_large(message: str) -> ApiError:
    return ApiError(413, "too_large", message)


def unsupported_media_type(message: str) -> ApiError:
    return ApiError(415, "unsupported_media_type", message)


def invalid(code: str, message: str) -> ApiError:
    return ApiError(422, code, message)


def from_validation(exc: ValidationError) -> ApiError:
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "body"
        problems.append(f"{where}: {error['msg']}")
    return invalid("invalid_request", "; ".join(problems))


def error_response(
    status: int, code: str, message: str, details: Mapping[str, Any] | None = None
) -> web.Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = {"error": code, "message": message, **(details or {})}
    return web.json_response(body, status=status, headers=headers)


def translate(exc: Exception) -> ApiError | None:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, UnknownAdvertiser):
        return ApiError(404, "unknown_advertiser", str(exc))
    if isinstance(exc, InputError):
        return invalid(exc.code, exc.message)
    if isinstance(exc, NumberColumnNotFound):
        message = f"{exc}; name it with column=NAME"
        return ApiError(422, "number_column_not_found", message, {"headers": exc.headers})
    if isinstance(exc, ValidationError):
        return from_validation(exc)
    if isinstance(exc, OptOutNotFound):
        return not_found(str(exc) or "no such opt-out")
    if isinstance(exc, ConsentNotFound):
        return not_found(str(exc) or "no such consent")
    if isinstance(exc, AlreadyWithdrawn):
        return ApiError(409, "already_withdrawn", f"consent {exc} is already withdrawn")
    if isinstance(exc, AlreadyRevoked):
        return ApiError(409, "already_revoked", str(exc) or "this opt-out is already revoked")
    if isinstance(exc, web.HTTPException) and exc.status >= 400:
        code = HTTPStatus(exc.status).phrase.lower().replace(" ", "_").replace("-", "_")
        return ApiError(exc.status, code, exc.reason)
    return None


def route_template(request: web.Request) -> str:
    """The route template, not the path: a path may hold a phone number."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def make_error_middleware(on_store_error: Callable[[], None]) -> Middleware:
    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            error = translate(exc)
            assert error is not None
            return error_response(error.status, error.code, error.message, error.details)
        except Exception as exc:
            if request.get(STREAM_STARTED):
                log.error("api.stream_failed", route=route_template(request), error=repr(exc))
                raise
            error = translate(exc)
            if error is not None:
                return error_response(error.status, error.code, error.message, error.details)
            if isinstance(exc, StoreError):
                on_store_error()
                log.error("api.store_error", route=route_template(request), error=str(exc))
                return error_response(
                    503, "store_unavailable", "the database cannot serve this request now"
                )
            log.exception(
                "api.internal_error", route=route_template(request), method=request.method
            )
            return error_response(500, "internal_error", "internal error; see the service log")

    return errors
