"""200 concurrent calls through one simulator, driven by a minimal ARI client, on virtual time."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from tests.simulator.conftest import AUTH, Rig

CALLS = 200


async def minimal_ari_app(rig: Rig, socket: aiohttp.ClientWebSocketResponse) -> None:
    """Answer every call, play two prompts in one playback, hang up when it has finished."""
    playback_of: dict[str, str] = {}

    async def handle(event: dict[str, object]) -> None:
        kind = event["type"]
        if kind == "StasisStart":
            channel = event["channel"]
            assert isinstance(channel, dict)
            channel_id = channel["id"]
            await rig.session.post(f"{rig.base}/ari/channels/{channel_id}/answer", headers=AUTH)
            playback_of[f"pb-{channel_id}"] = channel_id
            await rig.session.post(
                f"{rig.base}/ari/channels/{channel_id}/play",
                params={
                    "media": "sound:ivr/nl/welcome,sound:goodbye",
                    "playbackId": f"pb-{channel_id}",
                },
                headers=AUTH,
            )
        elif kind == "PlaybackFinished":
            playback = event["playback"]
            assert isinstance(playback, dict)
            channel_id = playback_of.pop(playback["id"])
            await rig.session.delete(
                f"{rig.base}/ari/channels/{channel_id}", params={"reason": "normal"}, headers=AUTH
            )

    tasks: set[asyncio.Task[None]] = set()
    async for message in socket:
        task = asyncio.ensure_future(handle(json.loads(message.data)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


async def test_two_hundred_calls_on_the_virtual_clock(rig: Rig) -> None:
    socket = await rig.session.ws_connect(
        rig.base.replace("http", "ws", 1) + "/ari/events", params={"app": "optout"}, headers=AUTH
    )
    app = asyncio.ensure_future(minimal_ari_app(rig, socket))
    await rig.until(lambda: rig.sim.app_connected("optout"))
    channel_ids = [
        await rig.sim.place_call(number=f"06{index:08d}", args=["advertiser=acme"])
        for index in range(CALLS)
    ]
    await rig.until(lambda: all(rig.sim.is_gone(channel_id) for channel_id in channel_ids))
    for channel_id in channel_ids:
        transcript = rig.sim.transcript(channel_id)
        assert [entry["status"] for entry in transcript[:2]] == ["finished", "finished"]
        assert transcript[-1]["kind"] == "hangup"
        assert transcript[-1]["by"] == "app"
    assert len([e for e in rig.sim.events_sent if e["type"] == "StasisEnd"]) == CALLS
    assert await rig.ari("GET", "/ari/channels") == (200, [])
    await socket.close()
    app.cancel()
