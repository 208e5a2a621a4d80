"""Every ``/ui`` request passes here: the session, who it is, CSRF and origin on POSTs,
and failures as pages rather than JSON."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ivr.api.auth import Principal
from ivr.api.context import CONTEXT, PRINCIPAL
from ivr.api.errors import ApiError, translate
from ivr.ui import session as sessions
from ivr.ui.texts import LANG_COOKIE, LANGS, language_of

log = structlog.get_logger()


@dataclass(frozen=True)
class UiKeys:
    secret: bytes
    trust_proxy: bool


UI_KEYS = web.AppKey("ivr_ui_keys", UiKeys)
SESSION = web.RequestKey("ivr_ui_session", sessions.Session)
LANG = web.RequestKey("ivr_ui_lang", str)
MULTIPART_PATHS = ("/ui/opschonen",)
"""POSTs whose body is an upload: their handler checks the CSRF field as it streams."""
PUBLIC = ("/ui/login", "/ui/static/")
"""Paths open before sign-in (the login form itself, the stylesheet)."""


def session_of(request: web.Request) -> sessions.Session:
    return request[SESSION]


def signed_in(request: web.Request) -> Principal | None:
    return request.get(PRINCIPAL)


def same_origin(request: web.Request, trust_proxy: bool) -> bool:
    """The POST came from a page of this site (``Origin``, else ``Referer``)."""
    scheme = "https" if sessions.is_https(request, trust_proxy) else "http"
    own = f"{scheme}://{request.host}"
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == own
    referer = request.headers.get("Referer")
    if referer is None:
        return False
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}" == own


def make_guard() -> Middleware:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        keys = request.app[UI_KEYS]
        request[LANG] = language_of(request)
        now = request.app[CONTEXT].clock.now().timestamp()
        raw = request.cookies.get(sessions.COOKIE)
        found = None if raw is None else sessions.decode(raw, keys.secret, now)
        fresh = found is None
        session = found or sessions.new_session(now)
        request[SESSION] = session
        principal = sessions.principal_of_session(session, request.app[CONTEXT].tokens)
        if principal is not None:
            request[PRINCIPAL] = principal
        try:
            if request.method == "POST":
                await _check_post(request, keys, session, fresh)
            if principal is None and not request.path.startswith(PUBLIC):
                raise web.HTTPSeeOther("/ui/login")
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = _error_page(request, exc.status, exc.reason)
        except Exception as exc:
            error = translate(exc)
            if error is None:
                raise
            response = _error_page(request, error.status, error.message)
        if fresh and not response.prepared:
            secure = sessions.is_https(request, keys.trust_proxy)
            sessions.set_cookie(response, sessions.encode(session, keys.secret), secure)
        asked = request.query.get("lang")
        if asked in LANGS and not response.prepared:
            response.set_cookie(LANG_COOKIE, asked, path="/ui", samesite="Strict", httponly=True)
        return response

    return guard


async def _check_post(
    request: web.Request, keys: UiKeys, session: sessions.Session, fresh: bool
) -> None:
    if not same_origin(request, keys.trust_proxy):
        log.warning("ui.cross_origin_post", path=request.path)
        raise ApiError(403, "forbidden", "this form was not sent from this site")
    if fresh:
        raise _csrf_refused(request)
    if request.content_type == "multipart/form-data":
        if request.path not in MULTIPART_PATHS:
            raise _csrf_refused(request)
        return  # the handler reads the form's first part, `csrf`, and calls check_csrf
    offered = request.headers.get("X-CSRF-Token")
    if offered is None and request.content_type == "application/x-www-form-urlencoded":
        offered = str((await request.post()).get("csrf", "")) or None
    check_csrf(request, offered)


def check_csrf(request: web.Request, offered: str | None) -> None:
    if not sessions.check_csrf(session_of(request), offered):
        raise _csrf_refused(request)


def _csrf_refused(request: web.Request) -> ApiError:
    log.warning("ui.csrf_refused", path=request.path)
    return ApiError(403, "forbidden", "the form's CSRF token is missing or wrong; reload the page")


def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    from ivr.ui.render import render  # render builds on this module's keys

    return render(request, "error.html", {"status": status, "message": message}, status)
