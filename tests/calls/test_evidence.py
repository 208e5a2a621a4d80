"""What compliance staff get for one call: the evidence trail over the API."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from tests.calls.conftest import World, press


async def test_the_api_shows_the_proof_that_the_rights_were_offered(world: World) -> None:
    channel = await world.call(
        [
            press("welcome", "2", 1500),
            press("register-scope", "1"),
            press("charities", "2"),
            press("confirm-register", "1"),
            press("register-recorded", "2"),
        ]
    )
    await world.until_done(channel)
    call_id = world.call_row(channel)["id"]

    assert world.service.api is not None
    async with TestClient(TestServer(world.service.api)) as client:
        response = await client.get(f"/v1/calls/{call_id}")
        assert response.status == 200
        body = await response.json()
        found = await client.get("/v1/calls", params={"number": "0612345678", "advertiser": "acme"})
        assert [c["id"] for c in (await found.json())["calls"]] == [call_id]

    assert body["call"]["outcome"] == "completed"
    assert body["call"]["campaign"] == "c1"
    events = body["events"]
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "prompt_started"
    assert events[0]["detail"]["prompt"] == "welcome"
    interrupted = [e["detail"]["prompt"] for e in events if e["kind"] == "prompt_interrupted"]
    assert "welcome" in interrupted
    digits = [
        e["detail"]["digit"] for e in events if e["kind"] == "digit" and "digit" in e["detail"]
    ]
    assert digits == ["2", "1", "2", "1", "2"]
    record = next(e for e in events if e["kind"] == "record")
    assert record["detail"]["kind"] == "bel_me_niet"
    # the commit comes before the prompt that says it was registered
    confirmed_at = next(
        e["seq"]
        for e in events
        if e["kind"] == "prompt_started" and e["detail"]["prompt"] == "register-recorded"
    )
    assert record["seq"] < confirmed_at
    assert [e["detail"]["by"] for e in events if e["kind"] == "hangup"] == ["app"]
    assert [o["kind"] for o in body["optouts"]] == ["bel_me_niet"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
