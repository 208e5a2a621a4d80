"""What compliance staff get for one call: the evidence trail, its rows per playback,
and the rights verdict sealed with the call."""

from __future__ import annotations

import hashlib
import json

from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

import ivr
from ivr.flow.profile import profile_file_hash
from tests.calls.conftest import PROMPTS, World, answer, hang_up_on, press


async def test_the_api_shows_the_proof_that_the_rights_were_offered(world: World) -> None:
    channel = await world.call(
        [
            press("welcome", "2", 1500),
            press("register-scope", "1"),
            answer("charities", "2"),
            press("confirm-register", "1"),
            answer("offer-rvv", "2"),
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
    first = events[0]["detail"]
    assert first["media"] == ["welcome", "advertisers/acme", "menu"]
    welcome = hashlib.sha256((PROMPTS / "nl" / "welcome.wav").read_bytes()).hexdigest()
    assert first["sha256"][0] == welcome
    assert first["sha256_source"] == "local"
    closing = next(e["detail"] for e in events if e["kind"] == "prompt_interrupted")
    assert closing["play_id"] == first["play_id"]
    assert closing["media_at_end"] == "welcome"
    assert closing["starts_ms"] == [0]
    assert 1500 <= closing["end_ms"] < 1700
    digits = [e["detail"]["digit"] for e in events if e["kind"] == "digit"]
    assert digits == ["2", "1", "2", "1", "2"]
    assert [e["detail"] for e in events if e["kind"] == "choice"] == [
        {"right": "bel_me_niet"},
        {"right": "bel_me_niet", "scope": "all", "charities": False},
    ]
    record = next(e for e in events if e["kind"] == "record")
    assert record["detail"]["kind"] == "bel_me_niet"
    # the commit comes before the prompt that says it was registered
    confirmed_at = next(
        e["seq"]
        for e in events
        if e["kind"] == "prompt_started" and e["detail"]["media"] == ["register-recorded"]
    )
    assert record["seq"] < confirmed_at
    assert [e["detail"]["by"] for e in events if e["kind"] == "hangup"] == ["app"]
    assert [o["kind"] for o in body["optouts"]] == ["bel_me_niet"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    # every playback has one row when it starts and one when it ends
    started = [e["detail"]["play_id"] for e in events if e["kind"] == "prompt_started"]
    ended = [
        e["detail"]["play_id"]
        for e in events
        if e["kind"] in ("prompt_finished", "prompt_interrupted", "prompt_failed")
    ]
    assert sorted(started) == sorted(ended) and len(set(started)) == len(started)
    assert kinds[-1] == "rights"
    assert events[-1]["detail"] == {"recht_van_verzet": "heard", "bel_me_niet": "chosen"}


async def test_the_call_row_keeps_its_verdict_caller_id_software_and_profile(world: World) -> None:
    channel = await world.call([press("menu", "1", 1200), answer("offer-register", "2")])
    await world.until_done(channel)
    row = world.call_row(channel)
    assert row["outcome"] == "completed"
    assert json.loads(row["rights"]) == {"recht_van_verzet": "chosen", "bel_me_niet": "heard"}
    assert row["caller_number"] == "0612345678"
    assert row["software_version"] == ivr.__version__
    assert row["profile_hash"] == profile_file_hash("nl-ctm2012")
    assert row["evidence_head"] is not None


async def test_caller_pressing_1_then_2_quickly_does_not_decline_the_register(world: World) -> None:
    channel = await world.call([press("menu", "12", 1200), hang_up_on("offer-register", 2000)])
    await world.until_done(channel)
    row = world.call_row(channel)
    assert row["outcome"] == "caller_hung_up"
    assert json.loads(row["rights"]) == {"recht_van_verzet": "chosen", "bel_me_niet": "not_heard"}
    ignored = [e for e in world.events(channel, "digit") if "ignored" in e]
    assert ignored == [{"kind": "digit", "digit": "2", "ignored": "before_question"}]


async def test_hang_up_during_the_menu_before_any_mark_hears_no_right(world: World) -> None:
    channel = await world.call([hang_up_on("menu", 2000)])
    await world.until_done(channel)
    row = world.call_row(channel)
    assert row["outcome"] == "caller_hung_up"
    assert json.loads(row["rights"]) == {
        "recht_van_verzet": "not_heard",
        "bel_me_niet": "not_heard",
    }
    failed = world.events(channel, "prompt_failed")
    assert [e["cause"] for e in failed] == ["hangup"]


async def test_a_refused_voicemail_has_an_empty_verdict(world: World) -> None:
    channel = await world.call([], variables={"AMDSTATUS": "MACHINE"})
    await world.until_done(channel)
    row = world.call_row(channel)
    assert row["outcome"] == "refused_voicemail"
    assert json.loads(row["rights"]) == {}


async def test_the_rights_metric_counts_each_verdict(world: World) -> None:
    channel = await world.call([press("menu", "1", 1200), answer("offer-register", "2")])
    await world.until_done(channel)
    exposition = world.service.metrics.exposition().decode()
    assert 'ivr_rights_total{right="recht_van_verzet",verdict="chosen"} 1.0' in exposition
    assert 'ivr_rights_total{right="bel_me_niet",verdict="heard"} 1.0' in exposition


async def test_the_stored_verdict_equals_the_machines_on_every_single_session_call(
    world: World,
) -> None:
    scripts = [
        [press("menu", "1", 1200), answer("offer-register", "1"), press("register-scope", "2")],
        [press("menu", "12", 1200), hang_up_on("offer-register", 4000)],
        [press("welcome", "2", 800), press("register-scope", "1"), answer("charities", "1")],
        [hang_up_on("menu", 9900)],
        [press("menu", "7", 1200), press("invalid", "0", 300), hang_up_on("menu", 28000)],
        [],
    ]
    with capture_logs() as logs:
        channels = [await world.call(steps) for steps in scripts]
        await world.until_done(*channels)
    assert not [entry for entry in logs if entry["event"] == "rights_verdict_mismatch"]
    verdicts = [json.loads(world.call_row(c)["rights"]) for c in channels]
    assert verdicts[3] == {"recht_van_verzet": "heard", "bel_me_niet": "not_heard"}
    assert verdicts[5] == {"recht_van_verzet": "heard", "bel_me_niet": "heard"}
