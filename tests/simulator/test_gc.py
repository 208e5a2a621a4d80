"""``ivr simulate`` keeps its records out of the garbage collector's full passes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ivr.commands.simulate import keep_records_out_of_gc
from tests.simulator.conftest import Rig


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


async def test_records_are_frozen_when_the_last_channel_is_gone(rig: Rig, unfrozen: None) -> None:
    keep_records_out_of_gc(rig.sim)
    listener = await rig.listen()
    first = await rig.call(listener)
    second = await rig.call(listener)
    await rig.settle()
    channel = rig.sim.core.history[first]
    assert not _frozen(channel)
    await rig.sim.hangup(first)
    await rig.settle()
    assert not _frozen(channel)
    await rig.sim.hangup(second)
    await rig.settle()
    assert _frozen(channel)
    assert rig.sim.core.history[second].gone


def _frozen(obj: object) -> bool:
    """Whether ``obj`` sits in the permanent generation: no collection after a freeze sees it."""
    return not any(o is obj for o in gc.get_objects())


async def test_requests_read_back_as_they_came(rig: Rig) -> None:
    """Kept as rows of strings, read back as they came: a JSON body decoded, any other
    body (or JSON that does not parse) as its text, the api_key left out."""
    json_type = {"Content-Type": "application/json"}
    await rig.ari("POST", "/ari/channels/nope/variable", variable="X", value="1", api_key="a:b")
    await rig.ari("POST", "/ari/channels/nope/answer")
    await rig.ari("POST", "/ari/channels/nope/play", headers=json_type, data='{"media": ["a"]}')
    await rig.ari("POST", "/ari/channels/nope/play", headers=json_type, data="{not json")
    await rig.ari("POST", "/ari/channels/nope/play", data="media=sound:a")
    seen = rig.sim.requests[-5:]
    assert [(r.method, r.path, r.query, r.body) for r in seen] == [
        ("POST", "/ari/channels/nope/variable", {"variable": "X", "value": "1"}, None),
        ("POST", "/ari/channels/nope/answer", {}, None),
        ("POST", "/ari/channels/nope/play", {}, {"media": ["a"]}),
        ("POST", "/ari/channels/nope/play", {}, "{not json"),
        ("POST", "/ari/channels/nope/play", {}, "media=sound:a"),
    ]
