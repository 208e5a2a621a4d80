"""Several boxes, one database: each call row names its Asterisk (docs/design.md 14.25)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ivr.service import IvrService
from ivr.store.lease import LeaseHeld
from tests.calls.conftest import World, hang_up_on, make_world
from tests.store.conftest import new_call


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


async def test_resync_touches_only_this_boxs_calls(tmp_path: Path, db_url: str) -> None:
    """Two boxes' calls left open in one database: a resync seals this box's as lost and
    leaves the other box's open, even when its channel id is the same."""
    async for world in make_world(tmp_path, db=db_url, asterisk_id="box-a"):
        store, router = world.service.store, world.service.router
        assert store is not None and router is not None
        mine = new_call(world.clock, channel_id="gone.1", asterisk="box-a")
        theirs = new_call(world.clock, channel_id="gone.1", asterisk="box-b")
        live_there = new_call(world.clock, channel_id="gone.2", asterisk="box-b")
        for call in (mine, theirs, live_there):
            await store.start_call(call)

        resync = asyncio.ensure_future(router.resync())
        await world.until(resync.done)
        await resync

        rows = {
            row[0]: row[1:]
            for row in world.rows("SELECT id, outcome, evidence_complete FROM calls")
        }
        assert rows[mine.id][0] == "lost" and not rows[mine.id][1]
        assert rows[theirs.id][0] is None and rows[theirs.id][1]
        assert rows[live_there.id][0] is None and rows[live_there.id][1]


async def test_a_named_box_refuses_a_second_service_before_touching_asterisk(
    tmp_path: Path,
) -> None:
    async for world in make_world(tmp_path, asterisk_id="box-7"):
        second = IvrService(world.settings, world.clock)
        with pytest.raises(LeaseHeld, match="box-7"):
            await second.start()
        assert second.ari is None  # refused before any ARI client
        assert second.store is not None
        await second.store.close()
