"""SIGTERM: no new calls, calls in progress get a grace period, then goodbye."""

from __future__ import annotations

import asyncio

from tests.calls.conftest import World, answer, press


async def test_a_call_arriving_during_shutdown_hears_cannot_register(world: World) -> None:
    router = world.service.router
    assert router is not None
    router.begin_shutdown()
    channel = await world.call([press("menu", "1", 1200)])
    await world.until_done(channel)
    assert world.heard(channel) == ["cannot-register", "contact-generic"]
    assert world.call_row(channel)["outcome"] == "shutdown"
    assert world.optouts(channel) == []


async def test_calls_in_progress_finish_within_the_grace_period(world: World) -> None:
    router = world.service.router
    assert router is not None
    quick = await world.call([press("menu", "1", 1200), answer("offer-register", "2")])
    silent = await world.call([])
    await world.until(lambda: "menu" in world.heard(silent))
    ending = asyncio.ensure_future(router.end_all(grace_s=30))
    await world.until(ending.done, limit=120)
    await ending
    assert world.call_row(quick)["outcome"] == "completed"
    assert [r["kind"] for r in world.optouts(quick)] == ["recht_van_verzet"]
    assert world.call_row(silent)["outcome"] == "shutdown"
    assert world.heard(silent)[-1] == "goodbye"
    assert world.sim.is_gone(silent)
