"""Reconnects and crowds: nothing recorded twice, every call its own result."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ivr.ari.events import StasisStart
from ivr.flow.router import CallRouter
from tests.calls.conftest import World, answer, press


async def test_reconnect_mid_call_never_records_a_choice_twice(world: World) -> None:
    channel = await world.call([press("menu", "1", 1200)])
    await world.until(lambda: "offer-register" in world.heard(channel))
    assert [r["kind"] for r in world.optouts(channel)] == ["recht_van_verzet"]

    world.sim.inject_fault({"drop_websocket": {"close_frame": False}})
    await world.until(lambda: world.heard(channel).count("menu") >= 2, limit=60)
    # the menu starts again on the same call; the caller chooses the same again
    await world.sim.press(channel, "1")
    await world.until(lambda: world.heard(channel).count("rvv-registered") >= 2, limit=60)
    await world.sim.press(channel, "2")
    await world.until_done(channel)

    rows = world.optouts(channel)
    assert [r["kind"] for r in rows] == ["recht_van_verzet"]
    assert len(world.rows("SELECT id FROM calls WHERE channel_id = ?", channel)) == 1
    assert world.call_row(channel)["outcome"] == "completed"


async def test_reconnect_stops_only_the_prompt_still_playing(world: World) -> None:
    channel = await world.call([press("menu", "1", 1200)])
    await world.until(lambda: "offer-register" in world.heard(channel))
    call_id = world.call_row(channel)["id"]
    plays = [r.query["playbackId"] for r in world.requests("POST", f"/ari/channels/{channel}/play")]
    assert len(plays) == 3  # the menu (stopped by the 1), rvv-registered (ended), offer-register
    stops_before = len(world.requests("DELETE", f"/ari/playbacks/{call_id}"))

    world.sim.inject_fault({"drop_websocket": {"close_frame": False}})
    await world.until(lambda: world.heard(channel).count("menu") >= 2, limit=60)

    stops = world.requests("DELETE", f"/ari/playbacks/{call_id}")[stops_before:]
    assert [r.path.rsplit("/", 1)[-1] for r in stops] == [plays[-1]]


async def test_two_hundred_calls_at_once_each_get_their_own_result(world: World) -> None:
    plans = {
        0: ([press("menu", "1", 1200), answer("offer-register", "2")], {"recht_van_verzet"}),
        1: (
            [
                press("menu", "2", 1200),
                press("register-scope", "1"),
                answer("charities", "1"),
                press("confirm-register", "1"),
                answer("offer-rvv", "1"),
                answer("offer-register", "1"),
            ],
            {"bel_me_niet", "recht_van_verzet"},
        ),
        2: (
            [press("menu", "7", 1200), press("invalid", "1", 300), answer("offer-register", "2")],
            {"recht_van_verzet"},
        ),
        3: ([], set()),
    }
    expected: dict[str, tuple[str, set[str]]] = {}
    for i in range(200):
        number = f"06{30000000 + i}"
        steps, kinds = plans[i % 4]
        channel = await world.call(steps, number=number, caller=number)
        expected[channel] = ("+31" + number[1:], kinds)
    await world.until_done(*expected)

    for channel, (number, kinds) in expected.items():
        rows = world.optouts(channel)
        assert {r["kind"] for r in rows} == kinds, channel
        assert all(r["number"] == number for r in rows)
        assert len(rows) == len(kinds)
        outcome = world.call_row(channel)["outcome"]
        assert outcome == ("no_choice" if not kinds else "completed")
    register_rows = world.rows("SELECT scope, charities FROM optouts WHERE kind = 'bel_me_niet'")
    assert {(json.loads(s), c) for s, c in register_rows} == {("all", 1)}
    assert len(register_rows) == 50


async def test_a_channel_in_the_app_without_a_call_row_is_taken_on_after_a_reconnect(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service died after answering a hand-off, before its call row was written: the
    channel waits in the app with no row. After the reconnect it starts as a new call, with
    the arguments Asterisk keeps in the channel's dialplan data."""
    route = CallRouter._route
    lost: list[str] = []

    def lose_the_first_start(router: CallRouter, event: Any) -> None:
        if isinstance(event, StasisStart) and not lost:
            lost.append(event.channel.id)
            return
        route(router, event)

    monkeypatch.setattr(CallRouter, "_route", lose_the_first_start)
    channel = await world.call([press("menu", "1", 1200), answer("offer-register", "2")])
    await world.until(lambda: lost == [channel])
    assert world.rows("SELECT id FROM calls WHERE channel_id = ?", channel) == []

    world.sim.inject_fault({"drop_websocket": {"close_frame": False}})
    await world.until_done(channel)

    row = world.call_row(channel)
    assert (row["advertiser"], row["outcome"]) == ("acme", "completed")
    assert [r["kind"] for r in world.optouts(channel)] == ["recht_van_verzet"]
    assert "rvv-registered" in world.heard(channel)
