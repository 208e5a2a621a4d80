"""Calls as the app sees them: hand-offs, playbacks, keys, hang-ups, transfers."""

from __future__ import annotations

import wave

import pytest

from ivr.simulator import AppNotConnected
from tests.simulator.conftest import PROMPTS, Listener, Rig


async def _answered_call(rig: Rig, **kwargs: object) -> tuple[Listener, str]:
    listener = await rig.listen()
    channel_id = await rig.call(listener, **kwargs)
    await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
    return listener, channel_id


async def test_handoff_arrives_ringing_with_its_args(rig: Rig) -> None:
    listener = await rig.listen()
    channel_id = await rig.call(
        listener, number="0612345678", name="Consument", args=["advertiser=acme", "number=0612"]
    )
    start = listener.events[0]
    assert start["type"] == "StasisStart"
    assert start["args"] == ["advertiser=acme", "number=0612"]
    channel = start["channel"]
    assert channel["id"] == channel_id
    assert channel["state"] == "Ring"
    assert channel["name"].startswith("PJSIP/phone-")
    assert channel["caller"] == {"name": "Consument", "number": "0612345678"}
    assert channel["dialplan"]["app_data"] == "optout,advertiser=acme,number=0612"
    assert start["application"] == "optout"
    assert start["timestamp"][-5:] == "+0000"


async def test_without_a_connected_app_the_caller_goes_to_the_dialplan_fall_back(
    rig: Rig,
) -> None:
    with pytest.raises(AppNotConnected) as failed:
        await rig.sim.place_call(app="optout", number="0612345678")
    assert failed.value.channel_id is not None
    assert not rig.sim.in_stasis(failed.value.channel_id)
    status, body = await rig.ari("POST", "/_sim/calls", data='{"app": "optout"}')
    assert status == 409
    assert body["message"] == "Application not connected"
    await rig.clock.run_until(lambda: rig.sim.is_gone(body["channel_id"]), limit=60)
    kinds = [entry["kind"] for entry in rig.sim.transcript(body["channel_id"])]
    assert kinds == ["prompt", "queue", "prompt", "hangup"]
    status, body = await rig.ari("POST", "/_sim/calls?count=2", data='{"app": "optout"}')
    assert (status, body) == (409, {"message": "Application not connected"})


async def test_app_hangup_ends_a_handoff_without_channel_destroyed(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    await rig.ari("DELETE", f"/ari/channels/{channel_id}", reason="normal")
    await rig.settle()
    assert listener.types()[-7:] == ["ChannelVarset"] * 5 + ["ChannelHangupRequest", "StasisEnd"]
    assert rig.sim.is_gone(channel_id)
    assert await rig.ari("POST", f"/ari/channels/{channel_id}/answer") == (
        404,
        {"message": "Channel not found"},
    )


async def test_caller_hangup_during_playback(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    await rig.ari(
        "POST", f"/ari/channels/{channel_id}/play", media="sound:demo-congrats", playbackId="p1"
    )
    await rig.clock.advance(1.5)
    await rig.sim.hangup(channel_id)
    await rig.settle()
    tail = listener.events[-3:]
    assert [event["type"] for event in tail] == [
        "ChannelHangupRequest",
        "PlaybackFinished",
        "StasisEnd",
    ]
    assert "cause" not in tail[0]
    assert tail[1]["playback"]["state"] == "failed"
    assert await rig.ari("GET", "/ari/playbacks/p1") == (404, {"message": "Playback not found"})
    assert (await rig.ari("DELETE", f"/ari/channels/{channel_id}"))[0] == 404


async def test_multi_media_play_is_one_playback(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    status, body = await rig.ari(
        "POST",
        f"/ari/channels/{channel_id}/play",
        media="sound:you-entered,digits:12",
        playbackId="two",
    )
    assert status == 201
    assert body == {
        "id": "two",
        "media_uri": "sound:you-entered",
        "next_media_uri": "digits:12",
        "target_uri": f"channel:{channel_id}",
        "language": "en",
        "state": "queued",
    }
    await rig.until(lambda: listener.types()[-1:] == ["PlaybackFinished"])
    playbacks = [
        (event["type"], event["playback"]["media_uri"], event["playback"].get("next_media_uri"))
        for event in listener.events
        if event["type"].startswith("Playback")
    ]
    assert playbacks == [
        ("PlaybackStarted", "sound:you-entered", "digits:12"),
        ("PlaybackContinuing", "sound:you-entered", "digits:12"),
        ("PlaybackStarted", "digits:12", None),
        ("PlaybackFinished", "digits:12", None),
    ]
    assert rig.clock.monotonic() == pytest.approx(0.97 + 0.9)


async def test_play_with_id_route_and_location(rig: Rig) -> None:
    _, channel_id = await _answered_call(rig)
    status, body, response = await rig.request(
        "POST", f"/ari/channels/{channel_id}/play/mine", media="sound:hello-world", lang="xx"
    )
    assert status == 201
    assert (body["id"], body["language"]) == ("mine", "xx")
    assert response.headers["Location"] == "/ari/playbacks/mine"


async def test_play_refusals(rig: Rig) -> None:
    _, channel_id = await _answered_call(rig)
    path = f"/ari/channels/{channel_id}/play"
    assert await rig.ari("POST", path) == (500, {"message": "Failed to queue media for playback"})
    assert (await rig.ari("POST", path, media="sound:hello-world", skipms="-1"))[0] == 400
    assert (await rig.ari("POST", path, media="sound:hello-world", skipms="abc"))[0] == 201


async def test_playbacks_queue_on_a_channel(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    path = f"/ari/channels/{channel_id}/play"
    await rig.ari("POST", path, media="sound:hello-world", playbackId="a")
    await rig.ari("POST", path, media="sound:hello-world", playbackId="b")
    assert (await rig.ari("GET", "/ari/playbacks/b"))[1]["state"] == "queued"
    await rig.settle()
    assert [e["playback"]["id"] for e in listener.of("PlaybackStarted")] == ["a"]
    await rig.clock.advance(1.4)
    assert [e["playback"]["id"] for e in listener.of("PlaybackStarted")] == ["a", "b"]


async def test_playback_id_reuse_is_accepted_and_both_play(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    path = f"/ari/channels/{channel_id}/play"
    for _ in range(2):
        status, body = await rig.ari("POST", path, media="sound:hello-world", playbackId="same")
        assert (status, body["id"]) == (201, "same")
    await rig.clock.advance(3)
    assert len(listener.of("PlaybackFinished")) == 2


async def test_stop_gives_done_and_a_late_stop_404(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    await rig.ari(
        "POST", f"/ari/channels/{channel_id}/play", media="sound:demo-congrats", playbackId="long"
    )
    await rig.clock.advance(2)
    assert (await rig.ari("DELETE", "/ari/playbacks/long"))[0] == 204
    await rig.settle()
    assert listener.of("PlaybackFinished")[0]["playback"]["state"] == "done"
    assert await rig.ari("DELETE", "/ari/playbacks/long") == (
        404,
        {"message": "Playback not found"},
    )


async def test_playback_control(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    await rig.ari(
        "POST", f"/ari/channels/{channel_id}/play", media="sound:hello-world", playbackId="p"
    )
    path = "/ari/playbacks/p/control"
    assert await rig.ari("POST", path) == (400, {"message": "Missing operation"})
    assert await rig.ari("POST", path, operation="bogus") == (
        400,
        {"message": "Invalid operation bogus"},
    )
    await rig.clock.advance(1.0)
    assert (await rig.ari("POST", path, operation="pause"))[0] == 204
    await rig.clock.advance(10.0)
    assert (await rig.ari("GET", "/ari/playbacks/p"))[1]["state"] == "paused"
    assert (await rig.ari("POST", path, operation="unpause"))[0] == 204
    await rig.settle()
    assert listener.types().count("PlaybackStarted") == 2
    await rig.until(lambda: "PlaybackFinished" in listener.types())
    assert rig.clock.monotonic() == pytest.approx(11.4)
    assert await rig.ari("POST", path, operation="pause") == (
        404,
        {"message": "Playback not found"},
    )


async def test_missing_sound_fails_at_once(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    await rig.ari(
        "POST",
        f"/ari/channels/{channel_id}/play",
        media="sound:this-file-does-not-exist",
        playbackId="x",
    )
    await rig.settle()
    finished = listener.of("PlaybackFinished")
    assert [event["playback"]["state"] for event in finished] == ["failed"]
    assert rig.clock.monotonic() == 0


async def test_unknown_scheme_starts_and_never_finishes(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    path = f"/ari/channels/{channel_id}/play"
    await rig.ari("POST", path, media="nosuchscheme:foo", playbackId="never")
    await rig.ari("POST", path, media="sound:hello-world", playbackId="next")
    await rig.clock.advance(60)
    assert [e["playback"]["id"] for e in listener.of("PlaybackStarted")] == ["never", "next"]
    assert [e["playback"]["id"] for e in listener.of("PlaybackFinished")] == ["next"]
    assert (await rig.ari("GET", "/ari/playbacks/never"))[0] == 404


async def test_tone_plays_until_stopped(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    await rig.ari("POST", f"/ari/channels/{channel_id}/play", media="tone:ring", playbackId="t")
    await rig.clock.advance(600)
    assert (await rig.ari("GET", "/ari/playbacks/t"))[1]["state"] == "playing"
    await rig.ari("DELETE", "/ari/playbacks/t")
    await rig.settle()
    assert listener.types()[-1] == "PlaybackFinished"


async def test_wav_prompt_lasts_as_long_as_its_file(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    await rig.ari("POST", f"/ari/channels/{channel_id}/play", media="sound:ivr/nl/menu")
    await rig.until(lambda: "PlaybackFinished" in listener.types())
    with wave.open(str(PROMPTS / "nl" / "menu.wav"), "rb") as menu:
        seconds = menu.getnframes() / menu.getframerate()
    assert seconds > 10
    assert rig.clock.monotonic() == pytest.approx(seconds, abs=0.001)


async def test_keys_arrive_when_each_digit_ends(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    await rig.sim.press(channel_id, "12#", duration_ms=100, gap_ms=250)
    await rig.clock.advance(0.1)
    assert [e["digit"] for e in listener.of("ChannelDtmfReceived")] == ["1"]
    await rig.clock.advance(1)
    keys = listener.of("ChannelDtmfReceived")
    assert [(e["digit"], e["duration_ms"]) for e in keys] == [("1", 100), ("2", 100), ("#", 100)]


async def test_playback_does_not_stop_on_dtmf(rig: Rig) -> None:
    listener, channel_id = await _answered_call(rig)
    await rig.ari("POST", f"/ari/channels/{channel_id}/play", media="sound:hello-world")
    await rig.sim.press(channel_id, "1")
    await rig.clock.advance(0.5)
    assert "PlaybackFinished" not in listener.types()


class TestTransfers:
    async def test_ari_only_transfer_is_a_request_then_echoes(self, rig: Rig) -> None:
        listener, channel_id = await _answered_call(
            rig, variables={"PJSIP_TRANSFER_HANDLING": "ari-only"}
        )
        await rig.sim.refer(channel_id, "1000")
        await rig.settle()
        request = listener.of("ChannelTransfer")[0]
        assert "state" not in request and "channel" not in request
        assert request["refer_to"] == {"requested_destination": {"destination": "1000"}}
        assert request["referred_by"]["source_channel"]["id"] == channel_id
        assert rig.sim.refer_result(channel_id) is None
        path = f"/ari/channels/{channel_id}/transfer_progress"
        assert await rig.ari("POST", path, states="bogus") == (
            400,
            {"message": "Invalid states value"},
        )
        assert await rig.ari("POST", path) == (400, {"message": "states must not be empty"})
        assert (await rig.ari("POST", path, states="channel_progress"))[0] == 204
        assert rig.sim.refer_result(channel_id) == "100 Trying"
        assert (await rig.ari("POST", path, states="channel_unavailable"))[0] == 204
        await rig.settle()
        echoes = [event.get("state") for event in listener.of("ChannelTransfer")]
        assert echoes == [None, "channel_progress", "channel_declined"]
        assert rig.sim.refer_result(channel_id) == "503 Service Unavailable"
        assert (await rig.ari("POST", path, states="channel_answered"))[0] == 204
        await rig.settle()
        assert len(listener.of("ChannelTransfer")) == 3

    @pytest.mark.parametrize(
        ("state", "phone_got"),
        [("channel_declined", "603 Decline"), ("channel_answered", "200 OK")],
    )
    async def test_what_the_phone_gets(self, rig: Rig, state: str, phone_got: str) -> None:
        _, channel_id = await _answered_call(rig, variables={"PJSIP_TRANSFER_HANDLING": "ari-only"})
        await rig.sim.refer(channel_id, "1000")
        await rig.ari("POST", f"/ari/channels/{channel_id}/transfer_progress", states=state)
        assert rig.sim.refer_result(channel_id) == phone_got

    async def test_unanswered_transfer_waits_until_the_caller_hangs_up(self, rig: Rig) -> None:
        _, channel_id = await _answered_call(rig, variables={"PJSIP_TRANSFER_HANDLING": "ari-only"})
        await rig.sim.refer(channel_id, "1000")
        await rig.clock.advance(600)
        assert rig.sim.in_stasis(channel_id)
        assert rig.sim.refer_result(channel_id) is None
        await rig.sim.hangup(channel_id)
        assert rig.sim.refer_result(channel_id) == "503 Service Unavailable"

    async def test_by_default_asterisk_refuses_the_refer(self, rig: Rig) -> None:
        listener, channel_id = await _answered_call(rig)
        await rig.sim.refer(channel_id, "1000")
        await rig.settle()
        refused = listener.of("BridgeBlindTransfer")[0]
        assert (refused["exten"], refused["result"], refused["is_external"]) == (
            "1000",
            "Invalid",
            True,
        )
        assert refused["context"] == "from-phone"
        assert rig.sim.refer_result(channel_id) == "400 Bad Request"
        assert rig.sim.in_stasis(channel_id)

    async def test_transfer_handling_can_be_set_by_the_app(self, rig: Rig) -> None:
        listener, channel_id = await _answered_call(rig)
        await rig.ari(
            "POST",
            f"/ari/channels/{channel_id}/variable",
            variable="PJSIP_TRANSFER_HANDLING()",
            value="ari-only",
        )
        await rig.sim.refer(channel_id, "2000")
        await rig.settle()
        assert listener.types()[-1] == "ChannelTransfer"

    async def test_attended_transfer_carries_replaces(self, rig: Rig) -> None:
        listener, channel_id = await _answered_call(
            rig, variables={"PJSIP_TRANSFER_HANDLING": "ari-only"}
        )
        replaces = {"call_id": "other@host", "from_tag": "f", "to_tag": "t"}
        await rig.sim.refer(channel_id, "2000", replaces=replaces)
        await rig.settle()
        wanted = listener.of("ChannelTransfer")[0]["refer_to"]["requested_destination"]
        assert wanted == {
            "destination": "2000",
            "protocol_id": "other@host",
            "additional_protocol_params": [
                {"parameter_name": "from", "parameter_value": "f"},
                {"parameter_name": "to", "parameter_value": "t"},
            ],
        }

    async def test_refer_sub_false_crashes_asterisk_in_ari_only_mode(self, rig: Rig) -> None:
        listener, channel_id = await _answered_call(
            rig, variables={"PJSIP_TRANSFER_HANDLING": "ari-only"}
        )
        await rig.sim.refer(channel_id, "1000", refer_sub=False)
        await rig.until(lambda: listener.task is not None and listener.task.done())
        assert listener.close_code == 1006
        assert "ChannelTransfer" not in listener.types()
        assert await rig.ari("GET", "/ari/channels") == (200, [])
        assert not rig.sim.app_connected("optout")
