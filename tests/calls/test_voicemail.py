"""Never voicemail: answering machines are refused; transfers asked by the phone go nowhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.simulator import Step
from tests.calls.conftest import World, answer, make_world, press


@pytest.mark.parametrize(
    "variables", [{"AMDSTATUS": "MACHINE"}, {"IVR_VOICEMAIL": "1"}], ids=["amd", "ivr_voicemail"]
)
async def test_answering_machine_is_refused_with_nothing_played(
    world: World, variables: dict[str, str]
) -> None:
    channel = await world.call([], variables=variables)
    await world.until_done(channel)
    assert world.heard(channel) == []
    assert not world.requests("POST", "/play", channel)
    assert not world.requests("POST", "/answer", channel)
    assert world.requests("DELETE", f"/ari/channels/{channel}")
    assert world.call_row(channel)["outcome"] == "refused_voicemail"
    assert world.optouts(channel) == []


async def test_human_amd_status_is_served(world: World) -> None:
    channel = await world.call(
        [press("menu", "1", 1200), answer("offer-register", "2")], variables={"AMDSTATUS": "HUMAN"}
    )
    await world.until_done(channel)
    assert world.call_row(channel)["outcome"] == "completed"


@pytest.fixture
async def world_without_channelvars(tmp_path: Path) -> AsyncIterator[World]:
    async for w in make_world(tmp_path, channelvars=()):
        yield w


async def test_variables_are_asked_when_ari_conf_does_not_list_them(
    world_without_channelvars: World,
) -> None:
    world = world_without_channelvars
    machine = await world.call([], variables={"AMDSTATUS": "MACHINE"})
    person = await world.call([press("menu", "1", 1200), answer("offer-register", "2")])
    await world.until_done(machine, person)
    assert world.call_row(machine)["outcome"] == "refused_voicemail"
    assert world.call_row(person)["outcome"] == "completed"
    asked = world.requests("GET", "/variable", person)
    assert {r.query["variable"] for r in asked} == {"AMDSTATUS", "IVR_VOICEMAIL"}


async def test_ari_only_transfer_is_declined_at_once_and_the_caller_can_finish(
    world: World,
) -> None:
    channel = await world.call(
        [
            Step(on_prompt="menu", after_ms=800, refer="1000"),
            press("menu", "1", 3000),
            answer("offer-register", "2"),
        ],
        variables={"PJSIP_TRANSFER_HANDLING": "ari-only"},
    )
    await world.until_done(channel)
    progress = world.requests("POST", "/transfer_progress", channel)
    assert [r.query.get("states") for r in progress] == ["channel_declined"]
    assert world.sim.refer_result(channel) == "603 Decline"
    attempts = world.events(channel, "transfer_attempt")
    assert [(a["destination"], a["mode"]) for a in attempts] == [("1000", "ari-only")]
    assert [r["kind"] for r in world.optouts(channel)] == ["recht_van_verzet"]
    assert world.call_row(channel)["outcome"] == "completed"


async def test_default_mode_transfer_is_refused_by_asterisk_and_recorded(world: World) -> None:
    channel = await world.call(
        [
            Step(on_prompt="menu", after_ms=800, refer="1000"),
            press("menu", "1", 3000),
            answer("offer-register", "2"),
        ]
    )
    await world.until_done(channel)
    assert not world.requests("POST", "/transfer_progress", channel)
    assert world.sim.refer_result(channel) == "400 Bad Request"
    attempts = world.events(channel, "transfer_attempt")
    assert [(a["destination"], a["result"]) for a in attempts] == [("1000", "Invalid")]
    assert world.call_row(channel)["outcome"] == "completed"
