"""The event types the service filters out (``EVENTS_READ``) are those no call reacts to."""

from __future__ import annotations

import json

from ivr.ari.events import KNOWN_TYPES, StasisStart, parse_event
from ivr.flow.translate import EVENTS_READ, KnownPlayback, translate
from tests.ari.conftest import trace_events


def test_every_event_a_call_reacts_to_is_read() -> None:
    """Over every recorded event, the types :func:`translate` answers with a machine event
    are those read, but ``StasisStart`` (the router's): none missing, none asked for in vain."""
    assert set(EVENTS_READ) <= KNOWN_TYPES
    reacted = set()
    for raw in trace_events():
        playback = raw.get("playback", {})
        media = ("sound:first", playback.get("media_uri", "sound:a"))
        known = {playback.get("id", "p"): KnownPlayback(1, media, 0)}
        if translate(known, parse_event(json.dumps(raw)))[1]:
            reacted.add(raw["type"])
    assert reacted | {StasisStart.__name__} == set(EVENTS_READ)
    assert StasisStart.__name__ not in reacted


def test_events_of_the_other_types_change_nothing() -> None:
    """Every recorded event whose type is not read: no machine event, no playback
    forgotten or moved on, whatever the call's playbacks are."""
    unread = [e for e in trace_events() if e["type"] not in EVENTS_READ]
    assert {"PlaybackContinuing", "ChannelVarset", "ChannelStateChange"} <= {
        e["type"] for e in unread
    }
    for raw in unread:
        event = parse_event(json.dumps(raw))
        playback = raw.get("playback", {}).get("id", "p")
        known = {playback: KnownPlayback(1, ("sound:a", "sound:b"), 0)}
        assert translate(known, event) == (known, []), raw["type"]
