"""Scripted callers, the transcript, /_sim control and speed."""

from __future__ import annotations

import asyncio
import json
import wave
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ivr.clock import VirtualClock
from ivr.simulator import CallScript, Simulator, Step
from ivr.simulator.bus import Subscriber
from ivr.simulator.script import read_script
from tests.simulator.conftest import PROMPTS, Rig, rig_for


async def test_on_prompt_step_fires_once_after_the_prompt_starts(rig: Rig) -> None:
    listener = await rig.listen()
    channel_id = await rig.call(listener, steps=[Step(on_prompt="menu", after_ms=1200, press="2")])
    await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
    await rig.ari(
        "POST", f"/ari/channels/{channel_id}/play", media="sound:ivr/nl/welcome,sound:ivr/nl/menu"
    )
    await rig.until(lambda: len(listener.of("PlaybackStarted")) == 2)
    welcome = rig.clock.monotonic()
    await rig.until(lambda: bool(listener.of("ChannelDtmfReceived")))
    assert rig.clock.monotonic() == pytest.approx(welcome + 1.2 + 0.1)
    await rig.ari("POST", f"/ari/channels/{channel_id}/play", media="sound:ivr/nl/menu")
    await rig.clock.advance(60)
    assert len(listener.of("ChannelDtmfReceived")) == 1


async def test_timed_steps_count_from_the_call_start(rig: Rig) -> None:
    listener = await rig.listen()
    channel_id = await rig.call(
        listener,
        steps=[Step(after_ms=3000, press="1"), Step(after_ms=5000, hangup=True)],
    )
    await rig.until(lambda: rig.sim.is_gone(channel_id))
    assert rig.clock.monotonic() == pytest.approx(5.0)
    assert listener.types() == [
        "StasisStart",
        "ChannelDtmfReceived",
        "ChannelHangupRequest",
        "StasisEnd",
    ]
    assert rig.sim.transcript(channel_id) == [
        {"t_ms": 3100, "kind": "key", "digit": "1"},
        {"t_ms": 5000, "kind": "hangup", "by": "caller"},
    ]


async def test_refer_step(rig: Rig) -> None:
    listener = await rig.listen()
    channel_id = await rig.call(listener, steps=[Step(after_ms=100, refer="1000")])
    await rig.clock.advance(1)
    assert listener.types()[-1] == "BridgeBlindTransfer"
    assert rig.sim.transcript(channel_id)[-1] == {
        "t_ms": 100,
        "kind": "transfer",
        "destination": "1000",
        "result": "400 Bad Request",
    }


async def test_transcript_of_prompts(rig: Rig) -> None:
    listener = await rig.listen()
    channel_id = await rig.call(listener)
    path = f"/ari/channels/{channel_id}/play"
    await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
    await rig.ari("POST", path, media="sound:hello-world,sound:missing-one", playbackId="a")
    await rig.clock.advance(2)
    await rig.ari("POST", path, media="sound:demo-congrats", playbackId="b")
    await rig.clock.advance(1.5)
    await rig.ari("DELETE", "/ari/playbacks/b")
    await rig.ari("DELETE", f"/ari/channels/{channel_id}")
    assert rig.sim.transcript(channel_id) == [
        {
            "t_ms": 0,
            "kind": "prompt",
            "media": "sound:hello-world",
            "status": "finished",
            "offset_ms": 1400,
        },
        {
            "t_ms": 1400,
            "kind": "prompt",
            "media": "sound:missing-one",
            "status": "failed",
            "offset_ms": 0,
        },
        {
            "t_ms": 2000,
            "kind": "prompt",
            "media": "sound:demo-congrats",
            "status": "interrupted",
            "offset_ms": 1500,
        },
        {"t_ms": 3500, "kind": "hangup", "by": "app"},
    ]
    status, body = await rig.ari("GET", f"/_sim/channels/{channel_id}/transcript")
    assert (status, body) == (200, rig.sim.transcript(channel_id))


async def test_script_callers_wait_for_their_app(rig: Rig, tmp_path: Path) -> None:
    script = tmp_path / "callers.json"
    script.write_text(
        json.dumps(
            [{"number": "0612345678", "at_ms": 2000, "steps": [{"after_ms": 10, "hangup": True}]}]
        )
    )
    rig.sim.load_script(script)
    await rig.clock.advance(10)
    listener = await rig.listen()
    await rig.clock.advance(1.9)
    assert listener.events == []
    await rig.clock.advance(0.2)
    assert listener.types() == ["StasisStart", "ChannelHangupRequest", "StasisEnd"]


def test_script_files_are_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"number": "1", "steps": [{"press": "x"}]}]')
    with pytest.raises(ValidationError):
        read_script(bad)
    with pytest.raises(ValidationError):
        read_script([{"numbr": "typo"}])
    assert read_script([CallScript(number="1")])[0].app == "optout"


async def test_sim_control_over_http(rig: Rig) -> None:
    listener = await rig.listen()
    status, body = await rig.ari(
        "POST",
        "/_sim/calls",
        data=json.dumps({"number": "0612345678", "variables": {"AMDSTATUS": "MACHINE"}}),
    )
    assert status == 201
    channel_id = body["channel_id"]
    await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
    status, _ = await rig.ari(
        "POST", f"/_sim/channels/{channel_id}/keys", data=json.dumps({"digits": "12"})
    )
    assert status == 204
    await rig.clock.advance(1)
    assert [e["digit"] for e in listener.of("ChannelDtmfReceived")] == ["1", "2"]
    status, body = await rig.ari(
        "POST", f"/_sim/channels/{channel_id}/refer", data=json.dumps({"destination": "1000"})
    )
    assert (status, body) == (202, {"result": "400 Bad Request"})
    assert await rig.ari("GET", f"/_sim/channels/{channel_id}/refer") == (
        200,
        {"result": "400 Bad Request"},
    )
    assert (await rig.ari("POST", f"/_sim/channels/{channel_id}/hangup"))[0] == 204
    assert (await rig.ari("POST", "/_sim/channels/nope/hangup"))[0] == 404
    assert (await rig.ari("POST", "/_sim/calls", data='{"steps": [{"press": "x"}]}'))[0] == 400
    assert (await rig.ari("GET", "/_sim/requests", headers={}))[0] == 401
    status, requests = await rig.ari("GET", "/_sim/requests")
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", "/ari/events", 101),
        ("POST", f"/ari/channels/{channel_id}/answer", 204),
    ]


async def test_request_log(rig: Rig) -> None:
    await rig.ari("GET", "/ari/channels", headers={})
    await rig.clock.advance(2)
    await rig.ari("POST", "/ari/channels/x/play", media="sound:a")
    assert [(r.method, r.path, r.query, r.status, r.t_ms) for r in rig.sim.requests] == [
        ("GET", "/ari/channels", {}, 401, 0),
        ("POST", "/ari/channels/x/play", {"media": "sound:a"}, 404, 2000),
    ]


async def test_speed_divides_prompts_and_script_delays() -> None:
    async with rig_for(lambda clock: Simulator(clock, prompts_dir=PROMPTS, speed=20)) as rig:
        listener = await rig.listen()
        channel_id = await rig.call(listener, steps=[Step(after_ms=2000, press="1")])
        await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
        await rig.ari("POST", f"/ari/channels/{channel_id}/play", media="sound:ivr/nl/menu")
        await rig.until(lambda: "PlaybackFinished" in listener.types())
        with wave.open(str(PROMPTS / "nl" / "menu.wav"), "rb") as menu:
            seconds = menu.getnframes() / menu.getframerate()
        assert rig.clock.monotonic() == pytest.approx(seconds / 20, abs=1e-3)
        digit = listener.of("ChannelDtmfReceived")[0]
        assert digit["duration_ms"] == 100
        assert rig.sim.transcript(channel_id)[1] == {"t_ms": 105, "kind": "key", "digit": "1"}
        started, finished = (
            datetime.fromisoformat(listener.of(kind)[0]["timestamp"])
            for kind in ("PlaybackStarted", "PlaybackFinished")
        )
        assert (finished - started).total_seconds() == pytest.approx(seconds, abs=0.02)
        pressed = datetime.fromisoformat(digit["timestamp"]) - timedelta(milliseconds=100)
        assert (pressed - started).total_seconds() == pytest.approx(2.0, abs=0.02)


async def test_a_key_starts_at_its_timestamp_minus_its_duration_at_speed_20() -> None:
    """The flow takes a key's time as ``timestamp - duration_ms`` (docs/design.md §14.3)."""
    async with rig_for(lambda clock: Simulator(clock, prompts_dir=PROMPTS, speed=20)) as rig:
        placed = rig.clock.now()
        listener = await rig.listen()
        await rig.call(listener, steps=[Step(after_ms=2000, press="12", gap_ms=400)])
        await rig.until(lambda: len(listener.of("ChannelDtmfReceived")) == 2)
        keys = listener.of("ChannelDtmfReceived")
        starts = [
            datetime.fromisoformat(key["timestamp"]) - timedelta(milliseconds=key["duration_ms"])
            for key in keys
        ]
        # pressed 2000 ms after the call, 100 ms down and 400 ms apart, in Asterisk's time,
        # which runs 20 times faster than the clock as the caller and the media do
        offsets = [(start - placed) / timedelta(milliseconds=1) for start in starts]
        assert offsets == [pytest.approx(2000, abs=1), pytest.approx(2500, abs=1)]
        assert rig.clock.monotonic() == pytest.approx((2600 / 20) / 1000, abs=1e-3)


@given(digits=st.text(alphabet="0123456789*#", min_size=1, max_size=12))
def test_every_pressed_digit_arrives_once_in_order(digits: str) -> None:
    async def scenario() -> list[str]:
        clock = VirtualClock()
        sim = Simulator(clock, prompts_dir=None)
        sim.bus.register(Subscriber(apps=["optout"]), "t")
        channel_id = await sim.place_call(number="0612345678")
        await sim.press(channel_id, digits, duration_ms=80, gap_ms=120)
        await clock.advance(len(digits) * 0.2 + 1)
        return [e["digit"] for e in sim.events_sent if e["type"] == "ChannelDtmfReceived"]

    assert asyncio.run(scenario()) == list(digits)
