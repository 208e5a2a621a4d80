"""What every page's template gets: the language, the words, who is signed in, the
CSRF token, the advertisers this session may choose and the expired-profile banner."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from ivr.api.auth import Scope
from ivr.api.context import context_of, expired_profiles, principal_of
from ivr.api.errors import forbidden
from ivr.ui.guard import LANG, session_of, signed_in
from ivr.ui.texts import text

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(moment: datetime | None) -> str:
    """A moment as Amsterdam wall-clock time (docs/design.md 14.28)."""
    if moment is None:
        return "-"
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S")


def advertisers_for(request: web.Request) -> list[str]:
    """The advertisers this session may act for: a bound token's own, else the configured."""
    bound = principal_of(request).advertiser
    if bound is not None:
        return [bound]
    return sorted(context_of(request).settings.advertisers)


def chosen_advertiser(request: web.Request, asked: str | None) -> str:
    choices = advertisers_for(request)
    if asked:
        if not principal_of(request).may_act_for(asked):
            raise web.HTTPNotFound()
        return asked
    default = context_of(request).settings.default_advertiser
    if default and (default in choices or not choices):
        return default
    return choices[0] if choices else "unknown"


def may_write(request: web.Request) -> bool:
    principal = signed_in(request)
    return principal is not None and principal.allows(Scope.WRITE)


def require_write(request: web.Request) -> None:
    if not may_write(request):
        raise forbidden(text(request[LANG], "write_needed"))


def render(
    request: web.Request, template: str, values: Mapping[str, Any], status: int = 200
) -> web.Response:
    lang = request[LANG]
    ctx = context_of(request)
    principal = signed_in(request)
    expired = [p.name for p in expired_profiles(ctx)]
    common = {
        "lang": lang,
        "t": partial(text, lang),
        "principal": principal,
        "tokens": bool(ctx.tokens),
        "csrf": session_of(request).csrf,
        "expired": ", ".join(expired),
        "may_write": may_write(request),
        "advertisers": advertisers_for(request) if principal is not None else [],
        "local": local,
        "path": request.path,
    }
    return aiohttp_jinja2.render_template(template, request, {**common, **values}, status=status)
