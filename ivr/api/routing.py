"""The route table: one entry per endpoint, read both by the router and by the
OpenAPI generator, so the document cannot drift from what is served."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import BaseModel

from ivr.api.auth import Scope, authenticate
from ivr.api.context import CONTEXT, PRINCIPAL
from ivr.api.errors import forbidden, unauthorized

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ArrayOf:
    model: type[BaseModel]


Content = type[BaseModel] | ArrayOf | None
"""A JSON model, a JSON array of a model, or ``None`` for a text body."""


@dataclass(frozen=True)
class Header:
    """An optional request header the route reads (documented as a parameter)."""

    name: str
    description: str
    pattern: str | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    description: str
    content: Mapping[str, Content] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    scope: Scope | None
    replies: Sequence[Reply]
    query: type[BaseModel] | None = None
    body: Mapping[str, Content] = field(default_factory=dict)
    errors: Sequence[int] = ()
    path_params: Mapping[str, str] = field(default_factory=dict)
    headers: Sequence[Header] = ()
    tag: str = "suppression list"


def _guarded(route: Route) -> Handler:
    if route.scope is None:
        return route.handler
    needed = route.scope

    async def handler(request: web.Request) -> web.StreamResponse:
        tokens = request.app[CONTEXT].tokens
        principal = authenticate(tokens, request.headers.get("Authorization"))
        if principal is None:
            raise unauthorized()
        if not principal.allows(needed):
            raise forbidden(f"this token has no {needed} scope")
        request[PRINCIPAL] = principal
        return await route.handler(request)

    return handler


def install(app: web.Application, routes: Sequence[Route]) -> None:
    for route in routes:
        app.router.add_route(route.method, route.path, _guarded(route), name=route.handler.__name__)
