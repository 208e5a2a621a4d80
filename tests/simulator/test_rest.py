"""Every /ari route the IVR uses, with the statuses, bodies and validation of Asterisk 22."""

from __future__ import annotations

import re

import aiohttp
import pytest

from ivr.clock import VirtualClock
from ivr.simulator.server import Simulator
from tests.simulator.conftest import AUTH, Rig


async def test_asterisk_info_and_ping(rig: Rig) -> None:
    status, info = await rig.ari("GET", "/ari/asterisk/info")
    assert status == 200
    assert info["system"] == {"version": "22.10.1", "entity_id": rig.sim.entity_id}
    assert re.fullmatch(r"02:fc(:[0-9a-f]{2}){4}", rig.sim.entity_id)
    assert info["status"]["startup_time"].endswith("+0000")
    status, only = await rig.ari("GET", "/ari/asterisk/info", only="system")
    assert list(only) == ["system"]
    status, ping = await rig.ari("GET", "/ari/asterisk/ping")
    assert ping["ping"] == "pong"
    assert ping["asterisk_id"] == rig.sim.entity_id


def test_each_simulator_has_an_entity_id_of_its_own_unless_given() -> None:
    clock = VirtualClock()
    first, second = Simulator(clock, prompts_dir=None), Simulator(clock, prompts_dir=None)
    assert first.entity_id != second.entity_id
    assert Simulator(clock, prompts_dir=None, entity_id="box-a").entity_id == "box-a"


async def test_global_variables(rig: Rig) -> None:
    assert await rig.ari("GET", "/ari/asterisk/variable") == (
        400,
        {"message": "Variable name is required"},
    )
    assert await rig.ari("GET", "/ari/asterisk/variable", variable="X") == (200, {"value": ""})
    assert (await rig.ari("POST", "/ari/asterisk/variable", variable="X", value="1"))[0] == 204
    assert await rig.ari("GET", "/ari/asterisk/variable", variable="X") == (200, {"value": "1"})


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({"Authorization": aiohttp.encode_basic_auth("asterisk", "wrong")}, {}),
        ({}, {"api_key": "asterisk:wrong"}),
        ({}, {}),
    ],
    ids=["wrong-password", "wrong-api-key", "none"],
)
async def test_bad_credentials_get_401(
    rig: Rig, headers: dict[str, str], params: dict[str, str]
) -> None:
    status, body, response = await rig.request(
        "GET", "/ari/asterisk/info", headers=headers, **params
    )
    assert (status, body) == (401, {"message": "Authentication required"})
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Asterisk REST Interface"'


async def test_api_key_is_accepted(rig: Rig) -> None:
    status, _ = await rig.ari("GET", "/ari/asterisk/info", headers={}, api_key="asterisk:asterisk")
    assert status == 200


async def test_unknown_resource_wrong_method_and_unsimulated_routes(rig: Rig) -> None:
    assert await rig.ari("GET", "/ari/nosuchresource") == (404, {"message": "Resource not found"})
    status, body, response = await rig.request("PUT", "/ari/channels")
    assert (status, body) == (405, {"message": "Invalid method"})
    assert response.headers["Allow"] == "OPTIONS,GET,POST"
    status, _ = await rig.ari("POST", "/ari/bridges")
    assert status == 501
    assert await rig.ari("GET", "/ari/bridges") == (200, [])


async def test_answers_are_compact_json_from_asterisk(rig: Rig) -> None:
    _, _, response = await rig.request("GET", "/ari/channels/nope")
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Server"] == "Asterisk/22.10.1"
    assert response.headers["Content-Length"] == "31"  # {"message":"Channel not found"}


async def test_applications(rig: Rig) -> None:
    assert await rig.ari("GET", "/ari/applications") == (200, [])
    await rig.listen()
    status, apps = await rig.ari("GET", "/ari/applications")
    assert [app["name"] for app in apps] == ["optout"]
    assert await rig.ari("GET", "/ari/applications/nosuchapp") == (
        404,
        {"message": "Application not found"},
    )
    status, _ = await rig.ari(
        "POST", "/ari/applications/nosuchapp/subscription", eventSource="channel:x"
    )
    assert status == 404
    status, _ = await rig.ari("POST", "/ari/applications/optout/subscription")
    assert status == 400
    status, _ = await rig.ari(
        "POST", "/ari/applications/optout/subscription", eventSource="channel:x"
    )
    assert status == 422


async def test_subscription_lists_channel_and_brings_channel_destroyed(rig: Rig) -> None:
    listener = await rig.listen()
    channel_id = await rig.call(listener)
    status, app = await rig.ari(
        "POST", "/ari/applications/optout/subscription", eventSource=f"channel:{channel_id}"
    )
    assert status == 200
    assert app["channel_ids"] == [channel_id]
    await rig.ari("DELETE", f"/ari/channels/{channel_id}")
    await rig.settle()
    assert listener.types()[-3:] == ["StasisEnd", "ChannelVarset", "ChannelDestroyed"]
    assert (await rig.ari("GET", "/ari/applications/optout"))[1]["channel_ids"] == []


class TestOriginate:
    async def test_refusals_are_those_of_asterisk(self, rig: Rig) -> None:
        assert await rig.ari("POST", "/ari/channels") == (
            400,
            {"message": "Endpoint must be specified"},
        )
        assert await rig.ari("POST", "/ari/channels", endpoint="Local/5000@optout-in") == (
            400,
            {"message": "Application or extension must be specified"},
        )
        assert await rig.ari("POST", "/ari/channels", endpoint="Bogus/123", app="optout") == (
            500,
            {"error": "Allocation failed"},
        )
        assert await rig.ari("POST", "/ari/channels", endpoint="nothing", app="optout") == (
            400,
            {"message": "Invalid endpoint specified"},
        )
        headers = {**AUTH, "Content-Type": "application/json"}
        assert await rig.ari("POST", "/ari/channels", headers=headers, data="{not json") == (
            400,
            {"message": "Error parsing request body"},
        )

    async def test_non_numeric_timeout_is_accepted(self, rig: Rig) -> None:
        await rig.listen()
        status, channel = await rig.ari(
            "POST", "/ari/channels", endpoint="PJSIP/1000", app="optout", timeout="abc"
        )
        assert status == 200
        assert channel["state"] == "Down"

    async def test_originated_channel_enters_the_app_up_and_is_destroyed(self, rig: Rig) -> None:
        listener = await rig.listen()
        status, channel = await rig.ari(
            "POST",
            "/ari/channels",
            endpoint="Local/answer@answerer",
            app="optout",
            appArgs="outbound,x",
            callerId="Peer <+15550009999>",
        )
        assert status == 200
        await rig.settle()
        start = listener.of("StasisStart")[0]
        assert start["channel"]["id"] == channel["id"]
        assert start["channel"]["state"] == "Up"
        assert start["args"] == ["outbound", "x"]
        assert start["channel"]["caller"] == {"name": "Peer", "number": "+15550009999"}
        await rig.ari("DELETE", f"/ari/channels/{channel['id']}")
        await rig.settle()
        destroyed = listener.of("ChannelDestroyed")
        assert [event["cause_txt"] for event in destroyed] == ["Normal Clearing"] * 2
        assert await rig.ari("GET", "/ari/channels") == (200, [])

    async def test_body_fields_count_as_parameters(self, rig: Rig) -> None:
        await rig.listen()
        headers = {**AUTH, "Content-Type": "application/json"}
        body = '{"endpoint": "PJSIP/1000", "app": "optout", "variables": {"AMDSTATUS": "HUMAN"}}'
        status, channel = await rig.ari("POST", "/ari/channels", headers=headers, data=body)
        assert status == 200
        status, value = await rig.ari(
            "GET", f"/ari/channels/{channel['id']}/variable", variable="AMDSTATUS"
        )
        assert value == {"value": "HUMAN"}
        bad = '{"endpoint": "PJSIP/1000", "app": "optout", "variables": {"N": 1}}'
        status, _ = await rig.ari("POST", "/ari/channels", headers=headers, data=bad)
        assert status == 400

    async def test_into_unregistered_app_the_channel_vanishes(self, rig: Rig) -> None:
        status, channel = await rig.ari(
            "POST", "/ari/channels", endpoint="Local/answer@answerer", app="nosuchapp"
        )
        assert status == 200
        await rig.settle()
        assert (await rig.ari("GET", f"/ari/channels/{channel['id']}"))[0] == 404

    async def test_dialplan_stasis_into_unregistered_app_fails(self, rig: Rig) -> None:
        await rig.ari(
            "POST",
            "/ari/channels",
            endpoint="Local/5000@optout-unregistered",
            context="sim",
            extension="silent",
        )
        await rig.settle()
        assert await rig.ari("GET", "/ari/asterisk/variable", variable="LAST_STASISSTATUS") == (
            200,
            {"value": "FAILED"},
        )
        assert await rig.ari("GET", "/ari/channels") == (200, [])

    async def test_channel_id_in_use_is_409(self, rig: Rig) -> None:
        await rig.listen()
        await rig.ari("POST", "/ari/channels/mine", endpoint="PJSIP/1000", app="optout")
        status, _ = await rig.ari("POST", "/ari/channels/mine", endpoint="PJSIP/1000", app="optout")
        assert status == 409


class TestChannel:
    async def test_unknown_channel_is_404_on_every_route(self, rig: Rig) -> None:
        missing = {"message": "Channel not found"}
        assert await rig.ari("GET", "/ari/channels/nope") == (404, missing)
        assert await rig.ari("DELETE", "/ari/channels/nope") == (404, missing)
        assert await rig.ari("POST", "/ari/channels/nope/answer") == (404, missing)
        assert await rig.ari("POST", "/ari/channels/nope/play", media="sound:x") == (404, missing)
        assert await rig.ari("POST", "/ari/channels/nope/continue") == (404, missing)
        assert await rig.ari("POST", "/ari/channels/nope/variable", variable="X") == (404, missing)
        assert await rig.ari("GET", "/ari/channels/nope/variable", variable="X") == (
            404,
            {"message": "Provided channel was not found"},
        )

    async def test_half_not_in_stasis_is_409(self, rig: Rig) -> None:
        await rig.listen()
        status, outbound = await rig.ari(
            "POST",
            "/ari/channels",
            endpoint="Local/5000@optout-in",
            context="sim",
            extension="silent",
            callerId="Carol <+15550001003>",
        )
        assert status == 200
        conflict = (409, {"message": "Channel not in Stasis application"})
        assert await rig.ari("POST", f"/ari/channels/{outbound['id']}/answer") == conflict
        assert await rig.ari("POST", f"/ari/channels/{outbound['id']}/play", media="sound:x") == (
            conflict
        )
        status, snapshot = await rig.ari("GET", f"/ari/channels/{outbound['id']}")
        assert (status, snapshot["state"]) == (200, "Down")

    async def test_hangup_reasons(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener)
        assert await rig.ari("DELETE", f"/ari/channels/{channel_id}", reason="not-a-reason") == (
            400,
            {"message": "Invalid reason for hangup reason provided"},
        )
        status, _ = await rig.ari(
            "DELETE", f"/ari/channels/{channel_id}", reason="busy", reason_code="17"
        )
        assert status == 400
        status, _ = await rig.ari("DELETE", f"/ari/channels/{channel_id}", reason_code="x")
        assert status == 400
        assert (await rig.ari("DELETE", f"/ari/channels/{channel_id}", reason="busy"))[0] == 204
        await rig.settle()
        request = listener.of("ChannelHangupRequest")[0]
        assert (request["cause"], request["soft"]) == (32, True)

    async def test_answer_twice_is_fine(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener)
        assert (await rig.ari("POST", f"/ari/channels/{channel_id}/answer"))[0] == 204
        assert (await rig.ari("POST", f"/ari/channels/{channel_id}/answer"))[0] == 204
        await rig.settle()
        assert listener.types() == ["StasisStart", "ChannelStateChange"]

    async def test_dtmf_needs_digits(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener)
        assert await rig.ari("POST", f"/ari/channels/{channel_id}/dtmf") == (
            400,
            {"message": "DTMF is required"},
        )
        assert (await rig.ari("POST", f"/ari/channels/{channel_id}/dtmf", dtmf="12#"))[0] == 204

    async def test_controls_without_effect_are_accepted(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener)
        for method, route in [
            ("POST", "ring"),
            ("DELETE", "ring"),
            ("POST", "hold"),
            ("POST", "moh"),
            ("POST", "silence"),
            ("POST", "mute"),
            ("DELETE", "mute"),
        ]:
            assert (await rig.ari(method, f"/ari/channels/{channel_id}/{route}"))[0] == 204
        status, _ = await rig.ari("POST", f"/ari/channels/{channel_id}/mute", direction="up")
        assert status == 400


class TestVariables:
    async def test_set_get_and_unset(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener)
        path = f"/ari/channels/{channel_id}/variable"
        assert await rig.ari("POST", path) == (400, {"message": "Variable name is required"})
        assert await rig.ari("GET", path) == (400, {"message": "Variable name is required"})
        assert (await rig.ari("POST", path, variable="OPTOUT_STATE", value="answered"))[0] == 204
        assert await rig.ari("GET", path, variable="OPTOUT_STATE") == (200, {"value": "answered"})
        status, body, response = await rig.request("GET", path, variable="NO_SUCH_VAR")
        assert (status, body) == (404, {"message": "Provided variable was not found"})
        assert response.reason == "Variable Not Found"
        await rig.settle()
        varset = listener.of("ChannelVarset")[0]
        assert (varset["variable"], varset["value"]) == ("OPTOUT_STATE", "answered")

    async def test_functions_of_a_sip_caller(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener, number="+15550001001", name="Alice")
        path = f"/ari/channels/{channel_id}/variable"
        assert await rig.ari("GET", path, variable="CALLERID(num)") == (
            200,
            {"value": "+15550001001"},
        )
        assert await rig.ari("GET", path, variable="CALLERID(name)") == (200, {"value": "Alice"})
        assert await rig.ari("GET", path, variable="CHANNEL(endpoint)") == (200, {"value": "phone"})
        _, frm = await rig.ari("GET", path, variable="PJSIP_HEADER(read,From)")
        assert frm["value"].startswith('"Alice" <sip:+15550001001@127.0.0.1>;tag=')
        status, body, response = await rig.request(
            "GET", path, variable="PJSIP_TRANSFER_HANDLING()"
        )
        assert (status, body) == (500, {"message": "Unable to read provided function"})
        assert response.reason == "Error With Function"

    async def test_channelvars_show_in_the_channel(self, rig: Rig) -> None:
        listener = await rig.listen()
        await rig.call(listener, variables={"AMDSTATUS": "MACHINE"})
        start = listener.of("StasisStart")[0]
        assert start["channel"]["channelvars"] == {"AMDSTATUS": "MACHINE", "IVR_VOICEMAIL": ""}
        assert list(start["channel"])[-1] == "channelvars"


class TestDialplan:
    async def test_continue_into_voicemail_is_seen_by_a_subscribed_app(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener)
        await rig.ari(
            "POST", "/ari/applications/optout/subscription", eventSource=f"channel:{channel_id}"
        )
        await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
        assert (
            await rig.ari(
                "POST", f"/ari/channels/{channel_id}/continue", context="vm", extension="1000"
            )
        )[0] == 204
        await rig.settle()
        steps = [e["dialplan_app"] for e in listener.of("ChannelDialplan")]
        assert steps == ["NoOp", "VoiceMail"]
        assert rig.sim.in_stasis(channel_id) is False
        await rig.sim.hangup(channel_id)
        await rig.settle()
        assert listener.types()[-1] == "ChannelDestroyed"
        assert listener.events[-1]["cause_txt"] == "Unknown"

    async def test_continue_with_unknown_label_is_404(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener)
        await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
        assert await rig.ari(
            "POST", f"/ari/channels/{channel_id}/continue", context="vm", label="nolabel"
        ) == (404, {"message": "Requested label can not be found"})
        assert rig.sim.in_stasis(channel_id)

    async def test_continue_to_nowhere_ends_the_call(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener)
        await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
        await rig.ari("POST", f"/ari/channels/{channel_id}/continue", context="no-such-context")
        await rig.settle()
        assert listener.types()[-1] == "StasisEnd"
        assert rig.sim.is_gone(channel_id)

    async def test_redirect_validation(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener)
        await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
        status, body, response = await rig.request("POST", f"/ari/channels/{channel_id}/redirect")
        assert (status, body) == (400, {"message": "Required parameter 'endpoint' not provided."})
        assert response.reason == "Not Found"
        status, _ = await rig.ari(
            "POST", f"/ari/channels/{channel_id}/redirect", endpoint="Local/1000@vm"
        )
        assert status == 422
        status, _ = await rig.ari(
            "POST", f"/ari/channels/{channel_id}/redirect", endpoint="PJSIP/agents"
        )
        assert status == 204
        assert rig.sim.transcript(channel_id)[-1]["kind"] == "redirect"

    async def test_move_to_unregistered_app_fails_with_an_event(self, rig: Rig) -> None:
        listener = await rig.listen()
        channel_id = await rig.call(listener)
        status, _ = await rig.ari("POST", f"/ari/channels/{channel_id}/move", app="nosuchapp")
        assert status == 204
        await rig.settle()
        failed = listener.of("ApplicationMoveFailed")[0]
        assert (failed["destination"], failed["args"]) == ("nosuchapp", [])
        assert rig.sim.in_stasis(channel_id)
