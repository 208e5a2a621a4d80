"""``ivr serve`` writes a checkpoint every IVR_EVIDENCE_CHECKPOINT_S and one at shutdown."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.calls.conftest import make_world, press


def checkpoints(db: str | Path) -> list[tuple[int, int, int]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT seq, seal_from, seal_to FROM evidence_checkpoints"))


async def test_the_service_writes_checkpoints_on_its_clock_and_at_shutdown(
    tmp_path: Path,
) -> None:
    worlds = make_world(tmp_path, evidence_checkpoint_s=600)
    world = await anext(worlds)
    start = world.clock.monotonic()
    channel = await world.call([press("welcome", "1", 1500)])
    await world.until_done(channel)
    sealed = world.call_row(channel)["seal_seq"]
    assert sealed == 1 and checkpoints(world.db) == []

    await world.until(lambda: len(checkpoints(world.db)) == 1, limit=700)
    assert world.clock.monotonic() - start >= 600
    assert checkpoints(world.db) == [(1, 0, 1)]

    await world.call([press("welcome", "1", 1500)])
    await world.until_done()
    await anext(worlds, None)  # stops the service

    assert checkpoints(world.db) == [(1, 0, 1), (2, 1, 2)]
