"""The durability rule: an opt-out is on disk before the caller hears it was registered."""

from __future__ import annotations

import random

from ivr.domain import OptOut, OptOutRequest
from ivr.store import StoreError
from tests.calls.conftest import World, answer, press

RVV = [press("menu", "1", 1200), answer("offer-register", "2")]
REGISTER = [
    press("menu", "2", 1200),
    press("register-scope", "1"),
    answer("charities", "2"),
    press("confirm-register", "1"),
    answer("offer-rvv", "2"),
]


def _confirmed(world: World, channel: str) -> set[str]:
    heard = world.heard(channel)
    kinds = set()
    if "rvv-registered" in heard:
        kinds.add("recht_van_verzet")
    if "register-recorded" in heard:
        kinds.add("bel_me_niet")
    return kinds


async def test_a_failed_write_gives_cannot_register_never_a_confirmation(world: World) -> None:
    store = world.service.store
    assert store is not None

    async def failing(request: OptOutRequest) -> OptOut:
        raise StoreError("disk full")

    store.record_optout = failing  # type: ignore[method-assign]
    channel = await world.call(RVV)
    await world.until_done(channel)
    heard = world.heard(channel)
    assert "cannot-register" in heard
    assert "rvv-registered" not in heard
    assert world.optouts(channel) == []
    assert world.call_row(channel)["outcome"] == "error"
    assert world.events(channel, "error")


async def test_writer_killed_between_commit_and_confirmation_loses_nothing_confirmed(
    world: World,
) -> None:
    store = world.service.store
    assert store is not None
    original = store.record_optout
    rng = random.Random(7)

    async def flaky(request: OptOutRequest) -> OptOut:
        fate = rng.random()
        if fate < 0.3:
            raise StoreError("failed before commit")
        row = await original(request)
        if fate < 0.6:
            raise StoreError("acknowledgement lost after commit")
        return row

    store.record_optout = flaky  # type: ignore[method-assign]
    channels = []
    for i in range(40):
        number = f"06{20000000 + i}"
        channels.append(await world.call(RVV if i % 2 else REGISTER, number=number, caller=number))
    await world.until_done(*channels)

    confirmed_total = 0
    for channel in channels:
        recorded = {r["kind"] for r in world.optouts(channel)}
        confirmed = _confirmed(world, channel)
        confirmed_total += len(confirmed)
        assert confirmed <= recorded, f"{channel}: confirmed {confirmed} but recorded {recorded}"
        heard = world.heard(channel)
        if not confirmed:
            assert "cannot-register" in heard
    assert confirmed_total > 5  # the test did exercise the happy path too
