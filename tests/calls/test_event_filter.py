"""The service asks Asterisk for the event types its calls read alone (``eventFilter``),
at every connection; an Asterisk that refuses sends them all and the calls go on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from ivr.flow.translate import EVENTS_READ
from tests.calls.conftest import World, make_world
from tests.faults.flows import FULL

UNREAD = {"PlaybackContinuing", "ChannelVarset", "ChannelStateChange"}
"""Types every full call brings and no call reads."""


def sent_to_app(world: World) -> Counter[str]:
    return Counter(e["type"] for e in world.sim.events_sent if e["application"] == "optout")


def filters(world: World) -> tuple[list[object], list[object]]:
    app = world.sim.core.apps["optout"]
    return app.as_json()["events_allowed"], app.as_json()["events_disallowed"]


async def full_call(world: World) -> str:
    channel = await world.call(FULL)
    await world.until_done(channel)
    assert world.call_row(channel)["outcome"] == "completed"
    assert sorted(r["kind"] for r in world.optouts(channel)) == ["bel_me_niet", "recht_van_verzet"]
    return channel


async def test_only_the_events_a_call_reads_are_sent(world: World) -> None:
    assert filters(world) == ([{"type": name} for name in EVENTS_READ], [])
    await full_call(world)
    sent = sent_to_app(world)
    assert set(sent) <= set(EVENTS_READ)
    assert sent["PlaybackStarted"] > 0 and sent["PlaybackFinished"] > 0
    assert not UNREAD & set(sent)


async def test_the_filter_is_set_again_after_asterisk_restarts(world: World) -> None:
    world.sim.inject_fault({"restart": {}})
    await world.until(lambda: not world.sim.app_connected("optout"), limit=5)
    await world.until(lambda: world.sim.app_connected("optout"), limit=30)
    await world.until(lambda: bool(filters(world)[0]), limit=30)
    assert filters(world) == ([{"type": name} for name in EVENTS_READ], [])
    puts = world.requests("PUT", "/ari/applications/optout/eventFilter")
    assert [r.status for r in puts] == [200, 200]


@pytest.mark.parametrize("status", [400, 404, 501])
async def test_an_asterisk_that_refuses_the_filter_still_serves_calls(
    tmp_path: Path, status: int
) -> None:
    refusal = {"path": "/ari/applications/*/eventFilter", "status": status}
    with capture_logs() as logs:
        async for world in make_world(tmp_path, faults=[{"rest": refusal}]):
            assert filters(world) == ([], [])
            channel = await full_call(world)
            assert set(sent_to_app(world)) >= UNREAD
            assert world.heard(channel)[-2:] == ["register-recorded", "goodbye"]
    refused = [entry for entry in logs if entry["event"] == "ari.event_filter_refused"]
    assert len(refused) == 1 and refused[0]["log_level"] == "warning"
    assert str(status) in refused[0]["error"]
