"""``/ui/login`` and ``/ui/logout``: sign in with an API token, into a signed session."""

from __future__ import annotations

import structlog
from aiohttp import web

from ivr.api.auth import find_token
from ivr.api.context import context_of
from ivr.ui import session as sessions
from ivr.ui.guard import LANG, UI_KEYS
from ivr.ui.render import render
from ivr.ui.texts import text

log = structlog.get_logger()


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def login_form(request: web.Request) -> web.Response:
    if not context_of(request).tokens:
        raise web.HTTPSeeOther("/ui/")
    return render(request, "login.html", {"wrong": False})


async def login(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    form = await request.post()
    token = find_token(ctx.tokens, str(form.get("token", "")))
    if token is None:
        log.info("ui.login_refused")
        return render(request, "login.html", {"wrong": text(request[LANG], "token_wrong")}, 401)
    keys = request.app[UI_KEYS]
    session = sessions.new_session(ctx.clock.now().timestamp(), token)
    response = see_other("/ui/")
    sessions.set_cookie(
        response,
        sessions.encode(session, keys.secret),
        sessions.is_https(request, keys.trust_proxy),
    )
    log.info("ui.login", token=token.name or "-", scope=token.scope.value)
    return response


async def logout_form(request: web.Request) -> web.Response:
    return render(request, "logout.html", {})


async def logout(request: web.Request) -> web.StreamResponse:
    response = see_other("/ui/login" if context_of(request).tokens else "/ui/")
    response.del_cookie(sessions.COOKIE, path="/ui")
    return response
