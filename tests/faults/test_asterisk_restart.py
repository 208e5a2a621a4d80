"""Asterisk (the simulator process) killed and started again on the same port, while the
service waits with capped backoff: calls it had end ``lost``, new calls are served."""

from __future__ import annotations

from pathlib import Path

from benchmarks.harness import Rig, wait_until

RVV = [
    {"on_prompt": "menu", "after_ms": 1000, "press": "1"},
    # at --speed 20 the offer plays whole before this key: then it has been heard
    {"on_prompt": "offer-register", "after_ms": 12000, "press": "2"},
]


async def test_service_survives_asterisk_restart_and_serves_new_calls(tmp_path: Path) -> None:
    async with Rig(tmp_path) as rig:
        await rig.start_simulator()
        await rig.start_service()
        before = await rig.place([])  # a silent caller, in the menu when Asterisk dies
        await wait_until(lambda: _has_call(rig, before), 30, "the first call's row")

        async def in_the_menu() -> bool:
            return any(e["kind"] == "prompt" for e in await rig.transcript(before))

        await wait_until(in_the_menu, 30, "the first call answered and in the menu")
        assert rig.sim is not None and rig.service is not None
        rig.sim.kill()

        async def red() -> bool:
            return await rig.readyz_status() == 503

        await wait_until(red, 30, "/readyz red while Asterisk is down")

        async def backing_off() -> bool:
            return (tmp_path / "service.log").read_text().count('"ari.events_retry"') >= 4

        await wait_until(backing_off, 60, "the service retrying with backoff")
        await rig.start_simulator()
        await rig.wait_ready(deadline_s=60)
        assert rig.service.alive()

        after = await rig.place(RVV, number="0687654321")

        async def done() -> bool:
            return bool(
                rig.rows("SELECT 1 FROM calls WHERE channel_id = ? AND outcome IS NOT NULL", after)
            )

        await wait_until(done, 120, "the new call's outcome")
        assert rig.rows("SELECT outcome FROM calls WHERE channel_id = ?", after) == [("completed",)]
        assert rig.rows(
            "SELECT o.kind FROM optouts o JOIN calls c ON c.id = o.call_id WHERE c.channel_id = ?",
            after,
        ) == [("recht_van_verzet",)]
        assert rig.rows("SELECT outcome FROM calls WHERE channel_id = ?", before) == [("lost",)]


async def _has_call(rig: Rig, channel_id: str) -> bool:
    return bool(rig.rows("SELECT 1 FROM calls WHERE channel_id = ?", channel_id))
