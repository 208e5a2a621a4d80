"""What the API app holds (one typed app key) and who the current request is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from ivr.api.auth import OPEN, ApiToken, Principal
from ivr.api.errors import forbidden
from ivr.clock import Clock
from ivr.config import Settings
from ivr.flow.profile import Profile
from ivr.metrics import Metrics
from ivr.regimes import Regimes
from ivr.store import Store

ReadinessCheck = Callable[[], Awaitable[bool | str]]
"""True when ready; False, or the reason for ``/readyz`` detail (e.g. ``prompts_missing``)."""


@dataclass(frozen=True)
class ApiContext:
    settings: Settings
    store: Store
    clock: Clock
    metrics: Metrics
    profile: Profile
    tokens: list[ApiToken]
    readiness: list[ReadinessCheck]
    regimes: Regimes

    @property
    def timezone(self) -> str:
        return self.profile.hours.timezone


def expired_profiles(ctx: ApiContext) -> list[Profile]:
    """The profiles this deployment would decide with now whose period has ended."""
    now = ctx.clock.now()
    names = {ctx.regimes.default, *(a.profile for a in ctx.settings.advertisers.values())}
    found: dict[str, Profile] = {}
    for name in sorted(n for n in names if n):
        try:
            profile = ctx.regimes.resolve(name, now)
        except ValueError:
            continue
        if profile.expired_at(now):
            found[profile.name] = profile
    return list(found.values())


CONTEXT = web.AppKey("ivr_api", ApiContext)
PRINCIPAL = web.RequestKey("ivr_principal", Principal)


def context_of(request: web.Request) -> ApiContext:
    return request.app[CONTEXT]


def principal_of(request: web.Request) -> Principal:
    found: Principal = request.get(PRINCIPAL, OPEN)
    return found


def require_advertiser(request: web.Request, advertiser: str) -> None:
    """A token bound to one advertiser acts for that advertiser only."""
    if not principal_of(request).may_act_for(advertiser):
        raise forbidden(f"this token is bound to another advertiser than {advertiser!r}")


def advertiser_filter(request: web.Request, requested: str | None) -> str | None:
    """The advertiser whose rows an export or search may show."""
    bound = principal_of(request).advertiser
    if requested is not None:
        require_advertiser(request, requested)
        return requested
    return bound
