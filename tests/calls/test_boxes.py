"""Several boxes, one database: every call row names the Asterisk it came from (DESIGN 14.25)."""

from __future__ import annotations

from pathlib import Path

from tests.calls.conftest import World, hang_up_on, make_world


async def test_a_call_row_carries_the_entity_id_of_its_asterisk(world: World) -> None:
    channel = await world.call([hang_up_on("menu")])
    await world.until_done(channel)
    row = world.call_row(channel)
    assert row["asterisk"] == world.sim.entity_id
    assert row["outcome"] is not None
    assert world.requests("GET", "/ari/asterisk/info")
    assert world.service.asterisk_id == world.sim.entity_id


async def test_ivr_asterisk_id_names_the_box_instead(tmp_path: Path) -> None:
    async for world in make_world(tmp_path, asterisk_id="box-7"):
        first = await world.call([hang_up_on("menu")])
        second = await world.call([hang_up_on("welcome")], number="0201234567")
        await world.until_done(first, second)
        assert {world.call_row(c)["asterisk"] for c in (first, second)} == {"box-7"}
        assert world.sim.entity_id != "box-7"
