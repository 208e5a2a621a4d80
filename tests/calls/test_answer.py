"""A hand-off is answered once the refusal check allows it, not after the commit of its call's
row: in a burst of hand-offs every answer would otherwise wait on the others' commits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.calls.conftest import World, answer, press

RVV = [press("menu", "1", 1200), answer("offer-register", "2")]


def hold_commits(world: World, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Every transaction of the service's writer waits until the returned event is set."""
    store = world.service.store
    assert store is not None
    db = store._writer.db
    gate = asyncio.Event()
    run = db.in_one_call

    async def held(work: Callable[[Any], Awaitable[Any]]) -> Any:
        await gate.wait()
        return await run(work)

    monkeypatch.setattr(db, "in_one_call", held)
    return gate


async def test_the_answer_does_not_wait_for_the_commit_of_the_calls_row(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = hold_commits(world, monkeypatch)
    channel = await world.call(RVV)
    await world.until(lambda: bool(world.requests("POST", "/answer", channel)))
    assert world.rows("SELECT count(*) FROM calls WHERE channel_id = ?", channel) == [(0,)]

    gate.set()
    await world.until_done(channel)
    assert world.call_row(channel)["outcome"] == "completed"
    assert [row["kind"] for row in world.optouts(channel)] == ["recht_van_verzet"]
    first = world.events(channel)[0]  # the menu's evidence, queued behind the row, is stored
    assert (first["kind"], first["media"][0]) == ("prompt_started", "welcome")


async def test_a_refused_channel_is_hung_up_unanswered_while_its_row_waits(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = hold_commits(world, monkeypatch)
    channel = await world.call([], variables={"AMDSTATUS": "MACHINE"})
    await world.until(lambda: world.sim.is_gone(channel))
    gate.set()
    await world.until_done(channel)
    assert not world.requests("POST", "/answer", channel)
    assert world.heard(channel) == []
    assert world.call_row(channel)["outcome"] == "refused_voicemail"
