"""``/ui`` as a sub-application of the API app: its routes, templates, static files
and the session key (docs/design.md 13, 14.28)."""

from __future__ import annotations

import secrets
from pathlib import Path

import aiohttp_jinja2
import jinja2
import structlog
from aiohttp import web

from ivr.api.context import CONTEXT, ApiContext
from ivr.ui.guard import UI_KEYS, UiKeys, make_guard
from ivr.ui.pages import call, export, login, number, optout, overview, scrub

log = structlog.get_logger()

HERE = Path(__file__).parent


def session_key(configured: str) -> bytes:
    """``IVR_UI_SECRET`` (or ``_FILE``), else a random key for this process."""
    if configured:
        return configured.encode()
    log.warning(
        "ui.session_key_random",
        hint="IVR_UI_SECRET is not set: sessions end when this process restarts"
        " and are not shared with other processes",
    )
    return secrets.token_bytes(32)


def make_ui_app(ctx: ApiContext) -> web.Application:
    ui = web.Application(middlewares=[make_guard()])
    ui[CONTEXT] = ctx
    ui[UI_KEYS] = UiKeys(session_key(ctx.settings.ui_secret), ctx.settings.trust_proxy)
    aiohttp_jinja2.setup(
        ui,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    ui.router.add_get("/", overview.overview, name="ui_overview")
    ui.router.add_get("/login", login.login_form)
    ui.router.add_post("/login", login.login)
    ui.router.add_get("/logout", login.logout_form)
    ui.router.add_post("/logout", login.logout)
    ui.router.add_get("/nummer", number.number_page)
    ui.router.add_get("/gesprek/{call_id}", call.call_page)
    ui.router.add_get("/gesprek/{call_id}/export", call.call_export)
    ui.router.add_get("/invoeren", optout.optout_form)
    ui.router.add_post("/invoeren", optout.enter)
    ui.router.add_post("/intrekken/{optout_id}", optout.revoke)
    ui.router.add_get("/opschonen", scrub.scrub_form)
    ui.router.add_post("/opschonen", scrub.scrub_upload)
    ui.router.add_get("/opschonen/{result_id}", scrub.scrub_download)
    ui.router.add_get("/export", export.export_page)
    ui.router.add_static("/static", HERE / "static", name="ui_static")
    return ui


def install_ui(app: web.Application, ctx: ApiContext) -> None:
    app.add_subapp("/ui", make_ui_app(ctx))

    async def bare(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently("/ui/")

    app.router.add_get("/ui", bare)
