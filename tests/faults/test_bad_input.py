"""Bad input from Asterisk and from callers: never a crash, never another call hurt."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.calls.conftest import World
from tests.faults.flows import FINAL, RVV, one_row_per_kind

EVENT_TYPES = [
    "StasisStart",
    "StasisEnd",
    "ChannelDtmfReceived",
    "ChannelStateChange",
    "ChannelHangupRequest",
    "ChannelDestroyed",
    "ChannelVarset",
    "ChannelTransfer",
    "BridgeBlindTransfer",
    "PlaybackStarted",
    "PlaybackContinuing",
    "PlaybackFinished",
    "ApplicationReplaced",
]
STRANGERS = ["nobody.1", "", "1772445600.999", "../../etc", "💥", "x" * 100_000]

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
big_or_odd = st.sampled_from(
    ["x" * 100_000, "\x00", "\ud7ff\ufffd", "🤖" * 1000, "'; DROP TABLE optouts;--"]
)
stranger_channel = st.fixed_dictionaries(
    {"id": st.sampled_from(STRANGERS) | junk},
    optional={"name": junk | big_or_odd, "state": junk, "caller": junk, "dialplan": junk},
)
event = st.fixed_dictionaries(
    {"type": st.sampled_from(EVENT_TYPES) | st.text(max_size=40) | junk},
    optional={
        "channel": stranger_channel | junk,
        "digit": junk | big_or_odd,
        "playback": junk,
        "args": junk,
        "timestamp": junk | big_or_odd,
        "application": junk,
        "variable": big_or_odd,
        "value": big_or_odd,
    },
)
payload = st.one_of(
    event.map(json.dumps),
    st.text(max_size=200),
    st.sampled_from(["{", "[]", "null", "1", '{"type": null}', '"StasisStart"', "{}" * 50_000]),
    junk.map(json.dumps),
)


def push_raw(world: World, text: str) -> None:
    """Send ``text`` as one WebSocket message to every connected app, as Asterisk would."""
    for subscriber in world.sim.bus.subscribers():
        subscriber.send(text)


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(payloads=st.lists(payload, min_size=1, max_size=12))
async def test_fuzzed_ari_events_never_crash_the_service_or_another_call(
    world: World, payloads: list[str]
) -> None:
    channel = await world.call(RVV)
    await world.until(lambda: "menu" in world.heard(channel))
    for text in payloads:
        push_raw(world, text)
    await world.until_done(channel)
    assert world.call_row(channel)["outcome"] == "completed"
    assert [r["kind"] for r in world.optouts(channel)] == ["recht_van_verzet"]
    assert world.sim.app_connected("optout")


async def test_malformed_events_for_a_live_channel_leave_its_call_intact(world: World) -> None:
    channel = await world.call(RVV)
    await world.until(lambda: "menu" in world.heard(channel))
    live = {"id": channel}
    for bad in [
        {"type": "ChannelDtmfReceived", "channel": live},
        {"type": "ChannelDtmfReceived", "channel": live, "digit": 5},
        {"type": "ChannelDtmfReceived", "channel": live, "digit": "x" * 100_000},
        {"type": "ChannelDtmfReceived", "channel": channel, "digit": "1"},
        {"type": "PlaybackFinished", "playback": None},
        {"type": "PlaybackFinished", "playback": {"id": 7, "target_uri": f"channel:{channel}"}},
        {"type": "PlaybackStarted", "playback": {"target_uri": ["channel:", channel]}},
        {"type": "ChannelStateChange", "channel": {**live, "state": {"Up": True}}},
        {"type": "StasisStart", "channel": live, "args": "advertiser=evil"},
        {"type": "ChannelVarset", "channel": live, "variable": None, "value": "🤖"},
    ]:
        push_raw(world, json.dumps(bad))
    await world.until_done(channel)
    assert world.call_row(channel)["outcome"] == "completed"
    assert [r["kind"] for r in world.optouts(channel)] == ["recht_van_verzet"]


HOSTILE: list[tuple[list[str], str]] = [
    ([], ""),
    (["advertiser=acme", "number="], "anonymous"),
    (["advertiser=acme", "number=anonymous"], ""),
    (["advertiser=acme", "number=" + "9" * 200], "9" * 200),
    (["advertiser='); DROP TABLE optouts;--", 'campaign=" OR 1=1 --'], "0612345678"),
    (['advertiser==HYPERLINK("http://x")', "agent=+cmd|' /C calc'!A0", "script=@SUM(1)"], ""),
    (["advertiser=acme", 'number=0612345678\n,;"', "lang=../../../etc"], "06\t1234"),
    (["advertiser=🤖", "campaign=Ωmega", "agent=" + "a" * 10_000, "noequals", "=empty"], "😀"),
    (["advertiser=acme", "number=+31612345678", "number=+31612345678", "lang=xx"], "+0"),
]


@pytest.mark.parametrize(("args", "caller"), HOSTILE, ids=[str(i) for i in range(len(HOSTILE))])
async def test_hostile_stasis_args_and_caller_ids_end_in_a_clean_call(
    world: World, args: list[str], caller: str
) -> None:
    channel = await world.call([], number=None, caller=caller, args=args)
    await world.until_done(channel, limit=1800)
    row = world.call_row(channel)
    assert row["outcome"] in {"no_choice", "completed"}, row["outcome"]
    assert world.optouts(channel) == []
    for table in ("calls", "call_events", "optouts"):  # still there, whatever the args held
        assert world.rows(f"SELECT COUNT(*) FROM {table}")[0][0] >= 0
    given_advertiser = [a.split("=", 1)[1] for a in args if a.startswith("advertiser=")]
    if given_advertiser:
        assert row["advertiser"] == given_advertiser[-1]


async def test_a_dtmf_flood_on_one_call_does_not_hurt_the_others(world: World) -> None:
    flooded = await world.call([], number="0611111111")
    others = [await world.call(RVV, number=f"0622{i:06d}") for i in range(20)]
    await world.until(lambda: "menu" in world.heard(flooded))
    await world.sim.press(flooded, "1234567890*#" * 42, duration_ms=1, gap_ms=1)
    await world.until_done(flooded, *others, limit=1800)
    for channel in others:
        assert world.call_row(channel)["outcome"] == "completed"
        assert [r["kind"] for r in world.optouts(channel)] == ["recht_van_verzet"]
    assert world.call_row(flooded)["outcome"] in FINAL
    assert one_row_per_kind(world, flooded)
    keys = [e for e in world.sim.events_sent if e["type"] == "ChannelDtmfReceived"]
    assert len([k for k in keys if k["channel"]["id"] == flooded]) == 504
