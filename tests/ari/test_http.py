from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from structlog.testing import capture_logs

from ivr.ari.errors import (
    AriError,
    AriUnavailable,
    AuthenticationFailed,
    BadRequest,
    ChannelNotFound,
    ChannelNotInStasis,
    LabelNotFound,
    NotFound,
    PlaybackNotFound,
    ServerError,
    UnexpectedAnswer,
    VariableNotFound,
    VoicemailTargetRefused,
    error_class,
)
from ivr.ari.http import AriClient
from ivr.clock import LoopClock
from tests.ari.conftest import SECRET, USER, FakeAri, trace_records

CHANNEL = "1795829058.25"


@pytest.fixture
async def ari(fake_ari: tuple[FakeAri, str]) -> AsyncIterator[tuple[AriClient, FakeAri]]:
    fake, base_url = fake_ari
    client = AriClient(base_url, USER, SECRET)
    yield client, fake
    await client.close()


def expected_authorization() -> str:
    return "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()


async def test_answer_sends_basic_auth_in_the_header_only(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("answer")
    await client.answer("1795828985.3")
    (seen,) = fake.seen
    assert (seen.method, seen.path) == ("POST", "/ari/channels/1795828985.3/answer")
    assert seen.authorization == expected_authorization()
    assert SECRET not in seen.raw_url
    assert "api_key" not in seen.query


async def test_play_sends_several_media_comma_separated_in_one_playback(
    ari: tuple[AriClient, FakeAri],
) -> None:
    client, fake = ari
    record = fake.replay(
        "confirm digit (2 media in one playback)",
    )
    playback = await client.play(
        "1795828985.3", ["sound:you-entered", "digits:1"], "9c1fe008-4c2c-49eb-a76c-3c81672b3651"
    )
    (seen,) = fake.seen
    assert seen.path == record["path"] == "/ari/channels/1795828985.3/play"
    assert seen.query == {
        "media": ["sound:you-entered,digits:1"],
        "playbackId": ["9c1fe008-4c2c-49eb-a76c-3c81672b3651"],
    }
    assert seen.query["media"][0] == record["query"]["media"]
    assert playback.id == "9c1fe008-4c2c-49eb-a76c-3c81672b3651"
    assert playback.media_uri == "sound:you-entered"
    assert playback.next_media_uri == "digits:1"
    assert playback.state == "queued"
    assert playback.channel_id == "1795828985.3"


async def test_play_one_prompt_of_ours(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.answer(
        "POST",
        f"/ari/channels/{CHANNEL}/play",
        201,
        {
            "id": "p-1",
            "media_uri": "sound:ivr/nl/welcome",
            "target_uri": f"channel:{CHANNEL}",
            "language": "en",
            "state": "queued",
        },
    )
    playback = await client.play(CHANNEL, ["sound:ivr/nl/welcome"], "p-1")
    assert fake.seen[0].query == {"media": ["sound:ivr/nl/welcome"], "playbackId": ["p-1"]}
    assert playback.media_uri == "sound:ivr/nl/welcome"


@pytest.mark.parametrize("media", [[], ["sound:a,sound:b"], [""], "sound:hello-world"], ids=repr)
async def test_play_refuses_media_asterisk_would_misread_before_sending(
    ari: tuple[AriClient, FakeAri], media: list[str]
) -> None:
    client, fake = ari
    with pytest.raises((ValueError, TypeError)):
        await client.play(CHANNEL, media, "p-1")
    assert fake.seen == []


async def test_play_without_media_on_asterisk_is_a_server_error(
    ari: tuple[AriClient, FakeAri],
) -> None:
    client, fake = ari
    fake.replay("play without media", path=f"/ari/channels/{CHANNEL}/play")
    with pytest.raises(ServerError) as caught:
        await client.play(CHANNEL, ["sound:x"], "p-1")
    assert caught.value.status == 500
    assert caught.value.message == "Failed to queue media for playback"


async def test_stop_playback_and_the_barge_in_race(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("stop prompt on DTMF 1")
    await client.stop_playback("a5003065-dda0-4dae-a392-2ca21da1452a")
    fake.replay("stop prompt on DTMF 2")
    with pytest.raises(PlaybackNotFound) as caught:
        await client.stop_playback("9c1fe008-4c2c-49eb-a76c-3c81672b3651")
    assert caught.value.message == "Playback not found"
    assert [(s.method, s.path) for s in fake.seen] == [
        ("DELETE", "/ari/playbacks/a5003065-dda0-4dae-a392-2ca21da1452a"),
        ("DELETE", "/ari/playbacks/9c1fe008-4c2c-49eb-a76c-3c81672b3651"),
    ]


async def test_get_variable(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("get CALLERID(num)")
    assert await client.get_variable(CHANNEL, "CALLERID(num)") == "+15550001003"
    assert fake.seen[0].query == {"variable": ["CALLERID(num)"]}


async def test_unset_variable_is_variable_not_found(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("get unset var")
    with pytest.raises(VariableNotFound):
        await client.get_variable(CHANNEL, "NO_SUCH_VAR")


async def test_unreadable_function_is_a_server_error(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    record = fake.replay("get PJSIP_TRANSFER_HANDLING()")
    channel = record["path"].split("/")[3]
    with pytest.raises(ServerError, match="Unable to read provided function"):
        await client.get_variable(channel, "PJSIP_TRANSFER_HANDLING()")


async def test_set_variable(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("set channel var")
    await client.set_variable("1795828985.3", "OPTOUT_STATE", "answered")
    assert fake.seen[0].method == "POST"
    assert fake.seen[0].query == {"variable": ["OPTOUT_STATE"], "value": ["answered"]}


async def test_hangup_says_normal_by_default(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.answer("DELETE", f"/ari/channels/{CHANNEL}", 204)
    await client.hangup(CHANNEL)
    await client.hangup(CHANNEL, reason="busy")
    assert [s.query for s in fake.seen] == [{"reason": ["normal"]}, {"reason": ["busy"]}]


async def test_hangup_with_an_invalid_reason_is_a_bad_request(
    ari: tuple[AriClient, FakeAri],
) -> None:
    client, fake = ari
    record = fake.replay("hangup with invalid reason")
    with pytest.raises(BadRequest, match="Invalid reason for hangup reason provided"):
        await client.hangup(record["path"].split("/")[3], reason="normal")


async def test_requests_after_the_caller_left_are_channel_not_found(
    ari: tuple[AriClient, FakeAri],
) -> None:
    client, fake = ari
    channel = fake.replay("answer after channel is gone")["path"].split("/")[3]
    fake.replay("hangup after channel is gone")
    with pytest.raises(ChannelNotFound):
        await client.answer(channel)
    with pytest.raises(ChannelNotFound):
        await client.hangup(channel)


async def test_channel_not_in_stasis_is_409(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("answer the ;1 half (exists, NOT in Stasis)")
    with pytest.raises(ChannelNotInStasis) as caught:
        await client.answer("1795829058.24")
    assert caught.value.status == 409
    assert caught.value.message == "Channel not in Stasis application"


async def test_continue_in_dialplan_passes_only_what_is_given(
    ari: tuple[AriClient, FakeAri],
) -> None:
    client, fake = ari
    fake.answer("POST", f"/ari/channels/{CHANNEL}/continue", 204)
    await client.continue_in_dialplan(CHANNEL, "agents", "100", 1)
    await client.continue_in_dialplan(CHANNEL)
    await client.continue_in_dialplan(CHANNEL, "agents", label="back")
    assert [s.query for s in fake.seen] == [
        {"context": ["agents"], "extension": ["100"], "priority": ["1"]},
        {},
        {"context": ["agents"], "label": ["back"]},
    ]


async def test_continue_to_a_missing_label(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    record = fake.replay("continue with a label that does not exist")
    with pytest.raises(LabelNotFound):
        await client.continue_in_dialplan(
            record["path"].split("/")[3], "agents", "1000", label="nolabel"
        )


async def test_redirect(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.answer("POST", f"/ari/channels/{CHANNEL}/redirect", 204)
    await client.redirect(CHANNEL, "Local/100@agents")
    assert fake.seen[0].query == {"endpoint": ["Local/100@agents"]}


@pytest.mark.parametrize(
    ("context", "extension"),
    [("vm", "1000"), ("VM-main", None), ("sales-vm", "s"), ("default", "voicemail"), (None, "vm")],
)
async def test_continue_to_voicemail_is_refused_before_sending(
    ari: tuple[AriClient, FakeAri], context: str | None, extension: str | None
) -> None:
    client, fake = ari
    fake.answer("POST", f"/ari/channels/{CHANNEL}/continue", 204)
    with capture_logs() as logs, pytest.raises(VoicemailTargetRefused):
        await client.continue_in_dialplan(CHANNEL, context, extension, 1)
    assert fake.seen == []
    assert [entry["event"] for entry in logs] == ["ari.voicemail_target_refused"]


@pytest.mark.parametrize(
    "endpoint", ["Local/1000@vm", "Local/1000@vm/n", "local/s@main-voicemail", "PJSIP/voicemail"]
)
async def test_redirect_to_voicemail_is_refused_before_sending(
    ari: tuple[AriClient, FakeAri], endpoint: str
) -> None:
    client, fake = ari
    fake.answer("POST", f"/ari/channels/{CHANNEL}/redirect", 204)
    with pytest.raises(VoicemailTargetRefused) as caught:
        await client.redirect(CHANNEL, endpoint)
    assert caught.value.target == endpoint
    assert fake.seen == []


async def test_voicemail_globs_come_from_the_settings(fake_ari: tuple[FakeAri, str]) -> None:
    fake, base_url = fake_ari
    fake.answer("POST", f"/ari/channels/{CHANNEL}/continue", 204)
    async with AriClient(base_url, USER, SECRET, voicemail_targets=["mailbox*"]) as client:
        with pytest.raises(VoicemailTargetRefused, match="mailbox"):
            await client.continue_in_dialplan(CHANNEL, "Mailboxes", "1")
        await client.continue_in_dialplan(CHANNEL, "vm", "1000")
    assert [s.query["context"] for s in fake.seen] == [["vm"]]


async def test_transfer_progress(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    record = fake.replay("REFER#1 -> channel_declined")
    channel = record["path"].split("/")[3]
    await client.transfer_progress(channel, "channel_declined")
    assert fake.seen[0].query == {"states": ["channel_declined"]}
    fake.replay("transfer_progress invalid state")
    with pytest.raises(BadRequest, match="Invalid states value"):
        await client.transfer_progress(channel, "bogus")  # type: ignore[arg-type]


async def test_get_channel_and_list_channels(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("channel snapshot before answer")
    fake.replay("channels after the call")
    channel = await client.get_channel("1795828985.3")
    assert channel.id == "1795828985.3"
    assert channel.state == "Ring"
    assert channel.caller.number == "+15550001001"
    assert channel.dialplan is not None
    assert channel.dialplan.app_data == "optout,inbound,5000"
    assert channel.channelvars is None
    assert await client.list_channels() == []


async def test_list_channels_with_a_channel_left(fake_ari: tuple[FakeAri, str]) -> None:
    fake, base_url = fake_ari
    record = next(
        r
        for _, r in trace_records("http")
        if r.get("label") == "channels after the call" and r["response_json"]
    )
    fake.answer("GET", "/ari/channels", 200, record["response_json"])
    async with AriClient(base_url, USER, SECRET) as client:
        channels = await client.list_channels()
    assert [c.id for c in channels] == [c["id"] for c in record["response_json"]]


async def test_channelvars_are_read_when_ari_conf_lists_them(
    ari: tuple[AriClient, FakeAri],
) -> None:
    client, fake = ari
    record = fake.replay("channel snapshot before answer")
    body = {**record["response_json"], "channelvars": {"AMDSTATUS": "MACHINE", "IVR_VOICEMAIL": ""}}
    fake.answer("GET", record["path"], 200, body)
    channel = await client.get_channel("1795828985.3")
    assert channel.channelvars == {"AMDSTATUS": "MACHINE", "IVR_VOICEMAIL": ""}


async def test_application(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("app subscriptions after the call")
    app = await client.get_application("optout")
    assert app.name == "optout"
    assert app.channel_ids == []


async def test_unregistered_application(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("get unregistered application")
    with pytest.raises(NotFound) as caught:
        await client.get_application("nosuchapp")
    assert type(caught.value).__name__ == "ApplicationNotFound"


async def test_asterisk_info(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("asterisk info")
    info = await client.asterisk_info()
    assert info.system is not None
    assert info.system.version == "22.10.1"
    assert info.model_extra is not None
    assert info.model_extra["build"]["os"] == "Linux"


async def test_wrong_password(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("wrong password (basic auth)")
    with pytest.raises(AuthenticationFailed, match="Authentication required"):
        await client.asterisk_info()


async def test_allocation_failure_keeps_the_error_text(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.replay("originate to unknown channel technology", "/ari/asterisk/info", "GET")
    with pytest.raises(ServerError) as caught:
        await client.asterisk_info()
    assert caught.value.message == "Allocation failed"


async def test_a_body_that_is_not_the_model_is_an_unexpected_answer(
    ari: tuple[AriClient, FakeAri],
) -> None:
    client, fake = ari
    fake.answer("GET", f"/ari/channels/{CHANNEL}", 200, "<html>proxy</html>")
    with pytest.raises(UnexpectedAnswer) as caught:
        await client.get_channel(CHANNEL)
    assert caught.value.status == 200


async def test_connection_refused_is_ari_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with AriClient(f"http://127.0.0.1:{port}", USER, SECRET) as client:
        with capture_logs() as logs, pytest.raises(AriUnavailable) as caught:
            await client.answer(CHANNEL)
    assert caught.value.status is None
    assert caught.value.path == f"/ari/channels/{CHANNEL}/answer"
    assert logs[0]["event"] == "ari.request_unanswered"


async def test_connection_reset_is_ari_unavailable(fake_ari: tuple[FakeAri, str]) -> None:
    fake, base_url = fake_ari

    async def reset(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.abort()
        return web.Response(status=204)

    fake.handler = reset
    async with AriClient(base_url, USER, SECRET) as client:
        with pytest.raises(AriUnavailable):
            await client.answer(CHANNEL)


@pytest.mark.parametrize("clock", [None, LoopClock()], ids=["no clock", "loop clock"])
@pytest.mark.parametrize("own_session", [True, False], ids=["own session", "given session"])
async def test_a_request_that_hangs_times_out_as_ari_unavailable(
    fake_ari: tuple[FakeAri, str], clock: LoopClock | None, own_session: bool
) -> None:
    """On the loop's clock aiohttp's time-out is the only one, on a session of its own
    or one it was given."""
    fake, base_url = fake_ari
    never = asyncio.Event()

    async def hang(request: web.Request) -> web.StreamResponse:
        await never.wait()
        return web.Response(status=204)

    fake.handler = hang
    async with aiohttp.ClientSession() as given:
        session = None if own_session else given
        async with AriClient(
            base_url, USER, SECRET, request_timeout=0.05, clock=clock, session=session
        ) as client:
            with pytest.raises(AriUnavailable, match="Timeout"):
                await client.answer(CHANNEL)
    never.set()


def test_credentials_in_the_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError) as caught:
        AriClient(f"http://{USER}:{SECRET}@127.0.0.1:8088", USER, SECRET)
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(AriClient("http://127.0.0.1:8088", USER, SECRET))


async def test_the_password_is_never_in_errors_or_logs(ari: tuple[AriClient, FakeAri]) -> None:
    client, fake = ari
    fake.answer("POST", f"/ari/channels/{CHANNEL}/answer", 404, {"message": "Channel not found"})
    fake.answer("GET", "/ari/asterisk/info", 401, {"message": f"bad password {SECRET}"})
    fake.answer("DELETE", "/ari/playbacks/p", 500, {"error": "Allocation failed"})
    errors: list[BaseException] = []
    with capture_logs() as logs:
        for call in (
            client.answer(CHANNEL),
            client.asterisk_info(),
            client.stop_playback("p"),
            client.get_application("x"),
        ):
            try:
                await call
            except AriError as exc:
                errors.append(exc)
    assert len(errors) == 4
    for error in errors:
        assert SECRET not in str(error)
        assert SECRET not in repr(error)
        assert "Authorization" not in repr(error)
    assert all(SECRET not in repr(entry) for entry in logs)
    assert all(SECRET not in seen.raw_url for seen in fake.seen)
    assert all(seen.authorization == expected_authorization() for seen in fake.seen)


ERRORS_IN_THE_TRACES: dict[tuple[int, str], str] = {
    (400, "Application or extension must be specified"): "BadRequest",
    (400, "DTMF is required"): "BadRequest",
    (400, "Endpoint must be specified"): "BadRequest",
    (400, "Error parsing request body"): "BadRequest",
    (400, "Invalid operation bogus"): "BadRequest",
    (400, "Invalid reason for hangup reason provided"): "BadRequest",
    (400, "Invalid states value"): "BadRequest",
    (400, "Missing operation"): "BadRequest",
    (400, "Required parameter 'endpoint' not provided."): "BadRequest",
    (400, "Variable name is required"): "BadRequest",
    (400, "states must not be empty"): "BadRequest",
    (401, "Authentication required"): "AuthenticationFailed",
    (404, "Application not found"): "ApplicationNotFound",
    (404, "Channel not found"): "ChannelNotFound",
    (404, "Playback not found"): "PlaybackNotFound",
    (404, "Provided variable was not found"): "VariableNotFound",
    (404, "Requested label can not be found"): "LabelNotFound",
    (404, "Resource not found"): "NotFound",
    (405, "Invalid method"): "AriError",
    (409, "Channel not in Stasis application"): "ChannelNotInStasis",
    (500, "Allocation failed"): "ServerError",
    (500, "Failed to queue media for playback"): "ServerError",
    (500, "Unable to read provided function"): "ServerError",
}


def test_every_error_real_asterisk_gave_maps_to_its_type() -> None:
    found: set[tuple[int, str]] = set()
    for _, record in trace_records("http"):
        body = record.get("response_json")
        if record["status"] < 400 or not isinstance(body, dict):
            continue
        message = body.get("message") or body.get("error")
        assert isinstance(message, str)
        found.add((record["status"], message))
    assert found == set(ERRORS_IN_THE_TRACES)
    for (status, message), name in ERRORS_IN_THE_TRACES.items():
        assert error_class(status, message).__name__ == name, (status, message)


def test_5xx_without_a_known_text_is_a_server_error() -> None:
    assert error_class(503, "Service Unavailable") is ServerError
    assert error_class(404, "Channel or endpoint not found") is NotFound
