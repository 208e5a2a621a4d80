from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from ivr.api.app import make_api_app
from ivr.api.context import ReadinessCheck
from ivr.clock import VirtualClock
from ivr.config import AdvertiserConfig, Settings
from ivr.domain import OptOut, OptOutKind, OptOutRequest, OptOutSource
from ivr.flow.profile import Profile, load_profile
from ivr.metrics import Metrics
from ivr.store import Store

NUMBER = "+31612345678"
OTHER = "+31687654321"

WRITER = "w-secret-0123456789"
READER = "r-secret-0123456789"
ACME_WRITER = "acme-w-0123456789"
ACME_READER = "acme-r-0123456789"
UNNAMED_WRITER = "plain-w-0123456789"
TOKENS = ",".join(
    [
        f"{WRITER}:write::writer",
        f"{READER}:read::reader",
        f"{ACME_WRITER}:write:acme:acme-desk",
        f"{ACME_READER}:read:acme",
        f"{UNNAMED_WRITER}:write",
    ]
)

MONDAY_MORNING = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
"""11:00 in Amsterdam on a Monday: inside the calling hours."""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def settings(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "api_tokens": TOKENS,
        "advertisers": {
            "acme": AdvertiserConfig(name="Acme Energie"),
            "globex": AdvertiserConfig(name="Globex"),
        },
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(MONDAY_MORNING)


@pytest.fixture
def profile() -> Profile:
    return load_profile("nl-ctm2012")


@pytest.fixture
async def store(db_url: str, clock: VirtualClock) -> AsyncIterator[Store]:
    """The API's store on each backend (SQLite and PostgreSQL)."""
    opened = await Store.open(db_url, clock)
    yield opened
    await opened.close()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics.create()


MakeClient = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def make_client(
    aiohttp_client: Any, store: Store, clock: VirtualClock, metrics: Metrics, profile: Profile
) -> MakeClient:
    async def make(
        readiness: list[ReadinessCheck] | None = None, **changes: Any
    ) -> TestClient[Any, Any]:
        app = make_api_app(settings(**changes), store, clock, metrics, profile, readiness)
        client: TestClient[Any, Any] = await aiohttp_client(app)
        return client

    return make


@pytest.fixture
async def client(make_client: MakeClient) -> TestClient[Any, Any]:
    return await make_client()


async def record(
    store: Store,
    number: str = NUMBER,
    advertiser: str = "acme",
    kind: OptOutKind = OptOutKind.RECHT_VAN_VERZET,
    **changes: Any,
) -> OptOut:
    fields: dict[str, Any] = {
        "number": number,
        "advertiser": advertiser,
        "kind": kind,
        "source": OptOutSource.AGENT,
        "created_by": "agent:a1",
        "agent": "a1",
    }
    if kind is OptOutKind.BEL_ME_NIET:
        fields["scope"] = "all"
    fields.update(changes)
    return await store.record_optout(OptOutRequest(**fields))
