"""Fault injection, in-process and over POST /_sim/faults; WebSocket handshakes."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from pydantic import ValidationError

from tests.simulator.conftest import AUTH, Rig


@pytest.mark.parametrize(("close_frame", "code"), [(True, 1000), (False, 1006)])
async def test_drop_websocket(rig: Rig, close_frame: bool, code: int) -> None:
    listener = await rig.listen()
    rig.sim.inject_fault({"drop_websocket": {"close_frame": close_frame}})
    await rig.until(lambda: listener.task is not None and listener.task.done())
    assert listener.close_code == code
    await rig.settle()
    assert not rig.sim.app_connected("optout")


async def test_channels_stay_in_the_app_over_a_reconnect(rig: Rig) -> None:
    listener = await rig.listen()
    channel_id = await rig.call(listener)
    rig.sim.inject_fault({"drop_websocket": {"close_frame": False}})
    await rig.until(lambda: listener.task is not None and listener.task.done())
    await rig.settle()
    assert (await rig.ari("GET", "/ari/applications/optout"))[1]["channel_ids"] == [channel_id]
    again = await rig.listen()
    await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
    await rig.settle()
    assert again.types() == ["ChannelStateChange"]


async def test_restart_forgets_everything(rig: Rig) -> None:
    listener = await rig.listen()
    channel_id = await rig.call(listener)
    status, _ = await rig.ari("POST", "/_sim/faults", data=json.dumps({"restart": {}}))
    assert status == 204
    await rig.until(lambda: listener.task is not None and listener.task.done())
    assert listener.close_code == 1006
    assert await rig.ari("GET", "/ari/channels") == (200, [])
    assert await rig.ari("GET", "/ari/applications") == (200, [])
    assert rig.sim.is_gone(channel_id)


async def test_rest_faults_fail_the_next_matching_requests(rig: Rig) -> None:
    rig.sim.inject_fault({"rest": {"path": "/ari/channels/*/play", "status": 503, "count": 2}})
    for _ in range(2):
        status, _ = await rig.ari("POST", "/ari/channels/x/play", media="sound:a")
        assert status == 503
    assert (await rig.ari("GET", "/ari/channels"))[0] == 200
    assert (await rig.ari("POST", "/ari/channels/x/play", media="sound:a"))[0] == 404


async def test_rest_fault_delay_runs_on_the_clock(rig: Rig) -> None:
    rig.sim.inject_fault({"rest": {"path": "/ari/asterisk/*", "delay_ms": 4000}})
    answer = await rig.run(rig.ari("GET", "/ari/asterisk/info"))
    assert answer[0] == 200
    assert rig.clock.monotonic() == pytest.approx(4.0)


async def test_rest_fault_timeout_never_answers(rig: Rig) -> None:
    rig.sim.inject_fault({"rest": {"path": "/ari/asterisk/info", "timeout": True}})
    pending = asyncio.ensure_future(rig.ari("GET", "/ari/asterisk/info"))
    await rig.clock.advance(3600)
    assert not pending.done()
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending


async def test_duplicate_and_unknown_events(rig: Rig) -> None:
    listener = await rig.listen()
    rig.sim.inject_fault({"duplicate_next_event": {}})
    await rig.call(listener)
    rig.sim.inject_fault({"unknown_event": {}})
    await rig.settle()
    assert listener.types() == ["StasisStart", "StasisStart", "SimulatorUnknownEvent"]
    assert listener.events[0] == listener.events[1]


async def test_bad_fault_is_refused(rig: Rig) -> None:
    assert (await rig.ari("POST", "/_sim/faults", data='{"explode": {}}'))[0] == 400
    assert (await rig.ari("POST", "/_sim/faults", data="{}"))[0] == 400
    with pytest.raises(ValidationError):
        rig.sim.inject_fault({"restart": {}, "unknown_event": {}})


class TestHandshake:
    @pytest.mark.parametrize(
        ("headers", "query"),
        [
            ({"Authorization": aiohttp.encode_basic_auth("asterisk", "x")}, {"app": "optout"}),
            ({}, {"app": "optout", "api_key": "asterisk:x"}),
            ({}, {"app": "optout"}),
        ],
    )
    async def test_bad_credentials(
        self, rig: Rig, headers: dict[str, str], query: dict[str, str]
    ) -> None:
        url = rig.base.replace("http", "ws", 1) + "/ari/events"
        with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
            await rig.session.ws_connect(url, params=query, headers=headers)
        assert raised.value.status == 401

    @pytest.mark.parametrize("query", [{}, {"app": ""}])
    async def test_without_app(self, rig: Rig, query: dict[str, str]) -> None:
        status, body, response = await rig.request(
            "GET",
            "/ari/events",
            headers={**AUTH, "Connection": "Upgrade", "Upgrade": "websocket"},
            **query,
        )
        assert status == 400
        assert response.headers["Content-Type"] == "text/html"
        assert "HTTP request is missing param: [app]" in body
        assert response.headers["Content-Length"] == "241"

    async def test_api_key_and_second_client_replaces_the_first(self, rig: Rig) -> None:
        url = rig.base.replace("http", "ws", 1) + "/ari/events"
        first = await rig.session.ws_connect(
            url, params={"app": "optout", "api_key": "asterisk:asterisk"}
        )
        await rig.until(lambda: rig.sim.app_connected("optout"))
        second = await rig.listen()
        message = await rig.run(first.receive_json())
        assert message["type"] == "ApplicationReplaced"
        await rig.call(second)
        assert second.types() == ["StasisStart"]
        await first.close()
