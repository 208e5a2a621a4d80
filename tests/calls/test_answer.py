"""A hand-off is answered once the refusal check allows it, not after the commit of its call's
row: in a burst of hand-offs every answer would otherwise wait on the others' commits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from ivr.store import StoreError, writes
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


def refuse_the_call_row(world: World, monkeypatch: pytest.MonkeyPatch, *, at_once: bool) -> None:
    """The call's row is not stored: refused when queued (a closed store), else by the writer
    that runs it (its future fails once the batch is done)."""
    store = world.service.store
    assert store is not None
    if at_once:

        def closed(call: Any) -> Any:
            raise StoreError("the store is closed")

        monkeypatch.setattr(store, "start_call", closed)
        return

    async def full(db: Any, params: Any) -> None:
        raise StoreError("disk full")

    monkeypatch.setattr(writes, "insert_call", full)


@pytest.mark.parametrize("at_once", [True, False], ids=["refused-when-queued", "failed-commit"])
async def test_a_call_whose_row_is_not_stored_hears_cannot_register_and_records_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, at_once: bool
) -> None:
    refuse_the_call_row(world, monkeypatch, at_once=at_once)
    channel = await world.call(RVV)
    await world.until_done(channel)
    assert world.requests("POST", "/answer", channel)
    heard = world.heard(channel)
    assert heard[-2:] == ["cannot-register", "contact-generic"]
    assert "offer-register" not in heard and "rvv-registered" not in heard
    assert world.rows("SELECT count(*) FROM calls") == [(0,)]
    assert world.rows("SELECT count(*) FROM optouts") == [(0,)]
