"""The ARI password never shows: not in logs, not in URLs, not in error messages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from structlog.testing import capture_logs

from ivr.ari.errors import AriError
from tests.calls.conftest import APP, World, make_world
from tests.faults.flows import RVV

SECRET = "Pw-5ecret-ARI-7c1e"


@pytest.fixture
async def secret_world(tmp_path: Path) -> AsyncIterator[World]:
    async for world in make_world(tmp_path, password=SECRET):
        yield world


async def test_the_ari_password_never_appears_in_logs_urls_or_errors(
    secret_world: World,
) -> None:
    world = secret_world
    used_api_key: list[bool] = []
    authorized = world.sim.authorized

    def spy(request: web.Request) -> bool:
        used_api_key.append("api_key" in request.query or SECRET in str(request.url))
        return authorized(request)

    world.sim.authorized = spy  # type: ignore[method-assign]
    with capture_logs() as logs:
        world.sim.inject_fault({"rest": {"path": "/ari/channels/*/play", "status": 500}})
        channel = await world.call(RVV)
        await world.until_done(channel)
        # a wrong password for a while: the reconnect is refused with 401
        world.sim.password = "changed"
        world.sim.inject_fault({"drop_websocket": {"close_frame": False}})
        await world.until(lambda: not world.sim.app_connected(APP), limit=30)
        await world.clock.advance(20)
        world.sim.password = SECRET
        await world.until(lambda: world.sim.app_connected(APP), limit=60)
        assert world.service.ari is not None
        failure = asyncio.ensure_future(world.service.ari.get_channel("no-such-channel"))
        await world.until(failure.done)
    with pytest.raises(AriError) as caught:
        failure.result()

    texts: list[Any] = [json.dumps(logs, default=repr), str(caught.value), repr(caught.value)]
    texts += [repr(world.service.ari), repr(world.service.stream), str(world.settings)]
    texts += [json.dumps([r.path, r.query]) for r in world.sim.requests]
    assert not [text for text in texts if SECRET in text]
    assert any(entry.get("log_level") in {"warning", "error"} for entry in logs)
    assert used_api_key and not any(used_api_key)
    assert world.call_row(channel)["outcome"] in {"completed", "error"}
