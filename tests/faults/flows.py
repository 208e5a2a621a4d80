"""Scripted callers and checks the fault tests share."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from tests.calls.conftest import World, answer, press

FULL = [
    press("menu", "1", 1200),
    answer("offer-register", "1"),
    press("register-scope", "1"),
    answer("charities", "1"),
    press("confirm-register", "1"),
]
"""Recht van verzet, then the register in full with charities, confirmed."""

RVV = [press("menu", "1", 1200), answer("offer-register", "2")]

FINAL = {"completed", "incomplete", "no_choice", "caller_hung_up", "error", "lost", "shutdown"}


def one_row_per_kind(world: World, channel: str) -> bool:
    kinds = [row["kind"] for row in world.optouts(channel)]
    return len(kinds) == len(set(kinds))


def confirmed(world: World, channel: str) -> set[str]:
    heard = world.heard(channel)
    kinds = set()
    if "rvv-registered" in heard:
        kinds.add("recht_van_verzet")
    if "register-recorded" in heard:
        kinds.add("bel_me_niet")
    return kinds


@contextlib.asynccontextmanager
async def api_client(world: World) -> AsyncIterator[TestClient[Any, Any]]:
    """The service's HTTP API on a free loopback port (started once per test)."""
    assert world.service.api is not None
    client: TestClient[Any, Any] = TestClient(TestServer(world.service.api))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def get_json(world: World, client: TestClient[Any, Any], path: str) -> tuple[int, Any]:
    """One GET, with the virtual clock driven meanwhile."""

    async def fetch() -> tuple[int, Any]:
        response = await client.get(path)
        return response.status, await response.json()

    task = asyncio.ensure_future(fetch())
    await world.until(task.done, limit=60)
    return task.result()
