"""A call's id is time-ordered (UUID version 7), so the rows of calls of one moment sit
together in the indexes keyed by call id."""

from __future__ import annotations

import uuid

from tests.calls.conftest import World, answer, press

RVV = [press("menu", "1", 1200), answer("offer-register", "2")]


async def test_calls_started_one_after_another_get_increasing_version_7_ids(
    world: World,
) -> None:
    ids = []
    for _ in range(2):
        channel = await world.call(RVV)
        await world.until_done(channel)
        ids.append(world.call_row(channel)["id"])
    assert [uuid.UUID(call_id).version for call_id in ids] == [7, 7]
    assert ids[0] < ids[1]
