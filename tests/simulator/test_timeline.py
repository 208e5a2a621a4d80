"""Send times of events and arrival times of requests, in wall seconds, for benchmarks."""

from __future__ import annotations

import json

from tests.simulator.conftest import Rig


async def test_events_carry_send_time_type_channel_and_digit(rig: Rig) -> None:
    listener = await rig.listen()
    channel_id = await rig.call(listener)
    before = rig.clock.now().timestamp()
    await rig.sim.press(channel_id, "7")
    await rig.until(lambda: "ChannelDtmfReceived" in listener.types())
    status, events = await rig.ari("GET", "/_sim/events", type="ChannelDtmfReceived")
    assert status == 200
    assert [(e["channel_id"], e["digit"]) for e in events] == [(channel_id, "7")]
    assert events[0]["t"] > before


async def test_events_filter_by_type_and_since(rig: Rig) -> None:
    listener = await rig.listen()
    first = await rig.call(listener)
    await rig.clock.advance(5)
    middle = rig.clock.now().timestamp()
    second = await rig.call(listener)
    _, starts = await rig.ari("GET", "/_sim/events", type="StasisStart")
    assert [e["channel_id"] for e in starts] == [first, second]
    _, later = await rig.ari("GET", "/_sim/events", type="StasisStart", since=middle)
    assert [e["channel_id"] for e in later] == [second]
    assert (await rig.ari("GET", "/_sim/events", since="soon"))[0] == 400


async def test_playback_events_name_their_channel(rig: Rig) -> None:
    listener = await rig.listen()
    channel_id = await rig.call(listener)
    await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
    await rig.ari(
        "POST", f"/ari/channels/{channel_id}/play", media="sound:hello-world", playbackId="pb1"
    )
    await rig.until(lambda: "PlaybackFinished" in listener.types())
    _, played = await rig.ari("GET", "/_sim/events", type="PlaybackFinished")
    assert [(e["channel_id"], e["playback_id"]) for e in played] == [(channel_id, "pb1")]


async def test_requests_carry_wall_clock_arrival(rig: Rig) -> None:
    await rig.clock.advance(3)
    at = rig.clock.now().timestamp()
    await rig.ari("GET", "/ari/asterisk/info")
    _, recorded = await rig.ari("GET", "/_sim/requests")
    assert recorded[-1]["path"] == "/ari/asterisk/info"
    assert abs(recorded[-1]["t"] - at) < 0.01


async def test_a_burst_of_calls_is_placed_in_one_go(rig: Rig) -> None:
    listener = await rig.listen()
    body = json.dumps({"app": "optout", "number": "0612345678", "args": ["advertiser=acme"]})
    status, placed = await rig.ari("POST", "/_sim/calls", data=body, count=50)
    assert status == 201
    assert len(set(placed["channel_ids"])) == 50
    await rig.until(lambda: len(listener.of("StasisStart")) == 50)
    _, starts = await rig.ari("GET", "/_sim/events", type="StasisStart")
    assert {e["channel_id"] for e in starts} == set(placed["channel_ids"])
    assert len({e["t"] for e in starts}) == 1  # all at the same instant of the virtual clock
    for bad in ("0", "x", "10001"):
        assert (await rig.ari("POST", "/_sim/calls", data=body, count=bad))[0] == 400
