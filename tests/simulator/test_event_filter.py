"""``PUT /ari/applications/{name}/eventFilter`` as Asterisk 22 answers it (applications.json,
``res_stasis``), and the filter applied to what the app's WebSocket sends."""

from __future__ import annotations

import json
from typing import Any

from tests.simulator.conftest import AUTH, Rig

FILTER = "/ari/applications/optout/eventFilter"
JSON = {**AUTH, "Content-Type": "application/json"}


def types(*names: str) -> list[dict[str, str]]:
    return [{"type": name} for name in names]


async def put(rig: Rig, body: Any, *, raw: str | None = None) -> tuple[int, Any]:
    return await rig.ari("PUT", FILTER, headers=JSON, data=json.dumps(body) if raw is None else raw)


async def lists(rig: Rig) -> tuple[list[Any], list[Any]]:
    _, app = await rig.ari("GET", "/ari/applications/optout")
    return app["events_allowed"], app["events_disallowed"]


async def test_the_answer_is_the_application_with_its_filter(rig: Rig) -> None:
    await rig.listen()
    status, app = await put(rig, {"allowed": types("StasisStart", "StasisEnd")})
    assert status == 200
    assert app == {
        "name": "optout",
        "channel_ids": [],
        "bridge_ids": [],
        "endpoint_ids": [],
        "device_names": [],
        "events_allowed": types("StasisStart", "StasisEnd"),
        "events_disallowed": [],
    }
    assert await lists(rig) == (types("StasisStart", "StasisEnd"), [])


async def test_unknown_app_is_404_and_a_bad_body_400(rig: Rig) -> None:
    await rig.listen()
    assert await rig.ari("PUT", "/ari/applications/nosuchapp/eventFilter", headers=JSON) == (
        404,
        {"message": "Application not found"},
    )
    bad = {"message": "Invalid format definition"}
    assert await put(rig, {"allowed": {"type": "StasisStart"}}) == (400, bad)
    assert await put(rig, {"allowed": [{"kind": "StasisStart"}]}) == (400, bad)
    assert await put(rig, {"allowed": [{"type": ""}]}) == (400, bad)
    assert await put(rig, {"allowed": [{"type": 7}]}) == (400, bad)
    assert await put(rig, {"allowed": ["StasisStart"]}) == (400, bad)
    assert await put(rig, {"allowed": None}) == (400, bad)
    parse = {"message": "Error parsing request body"}
    assert await put(rig, None, raw="{not json") == (400, parse)
    assert await put(rig, None, raw='"StasisStart"') == (400, parse)
    assert await rig.ari("GET", "/ari/applications/optout/eventFilter") == (
        405,
        {"message": "Invalid method"},
    )


async def test_the_body_rules_of_the_spec(rig: Rig) -> None:
    await rig.listen()
    both = {"allowed": types("StasisStart"), "disallowed": types("ChannelVarset")}
    assert (await put(rig, both))[0] == 200
    assert await lists(rig) == (types("StasisStart"), types("ChannelVarset"))
    # only one list given: the other is left as it is
    assert (await put(rig, {"disallowed": types("PlaybackContinuing")}))[0] == 200
    assert await lists(rig) == (types("StasisStart"), types("PlaybackContinuing"))
    # an empty array empties that list
    assert (await put(rig, {"allowed": []}))[0] == 200
    assert await lists(rig) == ([], types("PlaybackContinuing"))
    # a key of neither kind changes nothing
    assert (await put(rig, {"something": []}))[0] == 200
    assert await lists(rig) == ([], types("PlaybackContinuing"))
    # an empty body, an empty object, or a body that is not JSON resets both
    for reset in ("{}", ""):
        await put(rig, both)
        assert (await put(rig, None, raw=reset))[0] == 200
        assert await lists(rig) == ([], [])
    await put(rig, both)
    status, _ = await rig.ari("PUT", FILTER, headers=AUTH, data=json.dumps(both))
    assert status == 200  # not application/json: Asterisk does not read the body
    assert await lists(rig) == ([], [])


async def test_a_bad_allowed_list_leaves_the_disallowed_one_set(rig: Rig) -> None:
    """Asterisk sets the disallowed list first and stops at the first bad one."""
    await rig.listen()
    status, _ = await put(rig, {"disallowed": types("ChannelVarset"), "allowed": [{}]})
    assert status == 400
    assert await lists(rig) == ([], types("ChannelVarset"))


async def test_an_array_body_sets_both_lists(rig: Rig) -> None:
    await rig.listen()
    assert (await put(rig, types("ChannelVarset")))[0] == 200
    assert await lists(rig) == (types("ChannelVarset"), types("ChannelVarset"))


async def test_extra_keys_of_an_entry_are_kept(rig: Rig) -> None:
    await rig.listen()
    entry = {"type": "StasisStart", "note": "ours"}
    assert (await put(rig, {"allowed": [entry]}))[1]["events_allowed"] == [entry]


async def test_the_websocket_sends_only_what_the_filter_lets_through(rig: Rig) -> None:
    listener = await rig.listen()
    await put(
        rig,
        {
            "allowed": types("StasisStart", "StasisEnd", "ChannelVarset", "ChannelHangupRequest"),
            "disallowed": types("ChannelVarset"),  # disallowed wins
        },
    )
    channel_id = await rig.call(listener)
    await rig.ari("DELETE", f"/ari/channels/{channel_id}")
    await rig.settle()
    assert listener.types() == ["StasisStart", "ChannelHangupRequest", "StasisEnd"]
    sent = [event["type"] for event in rig.sim.events_sent]
    assert sent == listener.types()


async def test_the_filter_is_per_app(rig: Rig) -> None:
    ours = await rig.listen()
    other = await rig.listen("other")
    await put(rig, {"disallowed": types("ChannelVarset", "ChannelStateChange")})
    for listener, app in ((ours, "optout"), (other, "other")):
        channel_id = await rig.call(listener, app=app)
        await rig.ari("POST", f"/ari/channels/{channel_id}/answer")
        await rig.ari("DELETE", f"/ari/channels/{channel_id}")
        await rig.settle()
    assert "ChannelVarset" not in ours.types()
    assert "ChannelStateChange" not in ours.types()
    assert {"ChannelVarset", "ChannelStateChange"} <= set(other.types())


async def test_the_filter_goes_with_the_app_when_asterisk_restarts(rig: Rig) -> None:
    await rig.listen()
    assert (await put(rig, {"allowed": types("StasisStart")}))[0] == 200
    assert await lists(rig) == (types("StasisStart"), [])
    rig.sim.inject_fault({"restart": {}})
    await rig.settle()
    await rig.listen()  # the app registers again, as a fresh one
    assert await lists(rig) == ([], [])
