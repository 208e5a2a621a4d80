"""The REST requests and evidence rows of a call are a pure function of its ARI events.

The translator and the machine are replayed here exactly as the session chains
them (one REST request or store write per action), without any network or
simulator: the same events always give the same requests and rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from ivr.ari.events import parse_event
from ivr.domain import CallEventKind
from ivr.flow import actions as a
from ivr.flow import events as e
from ivr.flow.machine import CallConfig, initial_state, step
from ivr.flow.profile import load_profile
from ivr.flow.translate import Known, playing, translate

from .driver import MARKS, NUMBER

CHANNEL = "1772445600.7"
T0 = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)
PREFIX = "sound:ivr/nl/"


def _ts(ms: int) -> str:
    moment = T0 + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _playback(kind: str, ms: int, play_id: int, media: str, state: str) -> dict[str, Any]:
    return {
        "type": kind,
        "timestamp": _ts(ms),
        "application": "optout",
        "playback": {
            "id": f"call.gen.{play_id}",
            "media_uri": PREFIX + media,
            "target_uri": f"channel:{CHANNEL}",
            "state": state,
        },
    }


def _dtmf(ms: int, digit: str, duration: int = 100) -> dict[str, Any]:
    return {
        "type": "ChannelDtmfReceived",
        "timestamp": _ts(ms),
        "application": "optout",
        "digit": digit,
        "duration_ms": duration,
        "channel": {"id": CHANNEL, "name": "PJSIP/x", "state": "Up"},
    }


def _hangup(ms: int) -> dict[str, Any]:
    return {
        "type": "ChannelHangupRequest",
        "timestamp": _ts(ms),
        "application": "optout",
        "channel": {"id": CHANNEL, "name": "PJSIP/x", "state": "Up"},
    }


Item = dict[str, Any] | e.Event
"""What a session's inbox holds: ARI events, and the store's answers."""


def replay(
    stream: list[Item], *, as_text: bool = False
) -> tuple[list[tuple[str, ...]], list[a.Evidence]]:
    """REST requests and evidence rows, as the session makes them from these events;
    ``as_text``: each ARI event arrives as the WebSocket's JSON text, not a decoded object."""
    state = initial_state(load_profile("nl-ctm2012"), CallConfig(number=NUMBER, marks=MARKS))
    known: Known = {}
    requests: list[tuple[str, ...]] = []
    rows: list[a.Evidence] = []

    def feed(event: e.Event) -> None:
        nonlocal state, known
        queue = [event]
        while queue:
            state, actions = step(state, queue.pop(0))
            for action in actions:
                match action:
                    case a.Answer():
                        requests.append(("POST", f"/channels/{CHANNEL}/answer"))
                        queue.append(e.Answered())
                    case a.Play(play_id=play_id, prompts=prompts):
                        media = tuple(PREFIX + p for p in prompts)
                        known = playing(known, f"call.gen.{play_id}", play_id, media)
                        requests.append(("POST", f"/channels/{CHANNEL}/play", *media))
                    case a.StopPlayback(play_id=play_id):
                        requests.append(("DELETE", f"/playbacks/call.gen.{play_id}"))
                    case a.HangUp():
                        requests.append(("DELETE", f"/channels/{CHANNEL}"))
                    case a.DeclineTransfer():
                        requests.append(("POST", f"/channels/{CHANNEL}/transfer_progress"))
                    case a.Evidence():
                        rows.append(action)

    feed(e.Start())
    for item in stream:
        if isinstance(item, dict):
            known, events = translate(known, parse_event(json.dumps(item) if as_text else item))
        else:
            events = [item]
        for event in events:
            feed(event)
    return requests, rows


STREAM: list[Item] = [
    _playback("PlaybackStarted", 10, 1, "welcome", "playing"),
    _playback("PlaybackContinuing", 3010, 1, "welcome", "continuing"),
    _playback("PlaybackStarted", 3010, 1, "advertiser-generic", "playing"),
    _playback("PlaybackContinuing", 5010, 1, "advertiser-generic", "continuing"),
    _playback("PlaybackStarted", 5010, 1, "menu", "playing"),
    _dtmf(5610, "1"),  # pressed at 5510: 500 ms into the menu, past its first mark (400)
    e.Recorded(1, "optout-1"),  # the store's answer to the write
    _playback("PlaybackFinished", 5620, 1, "menu", "done"),
    _playback("PlaybackStarted", 5700, 2, "rvv-registered", "playing"),
    _dtmf(6000, "2"),  # typed ahead into the offer: not applied to it
    _playback("PlaybackFinished", 6010, 2, "rvv-registered", "done"),
    _playback("PlaybackStarted", 6020, 3, "offer-register", "playing"),
    _dtmf(6300, "2"),  # before the offer's mark: ignored, the offer plays on
    _hangup(6500),
    _playback("PlaybackFinished", 6500, 3, "offer-register", "failed"),
]


def test_the_same_events_give_the_same_requests_and_rows() -> None:
    """As JSON text (msgspec's decoder) or as objects (its conversion), the same outcome."""
    assert replay(STREAM, as_text=True) == replay(STREAM)


def test_requests_follow_from_the_events() -> None:
    requests, _ = replay(STREAM)
    assert requests == [
        ("POST", f"/channels/{CHANNEL}/answer"),
        (
            "POST",
            f"/channels/{CHANNEL}/play",
            *(PREFIX + p for p in ("welcome", "advertiser-generic", "menu")),
        ),
        ("DELETE", "/playbacks/call.gen.1"),
        ("POST", f"/channels/{CHANNEL}/play", PREFIX + "rvv-registered"),
        ("DELETE", "/playbacks/call.gen.2"),
        ("POST", f"/channels/{CHANNEL}/play", PREFIX + "offer-register"),
    ]


def test_rows_follow_from_the_events_one_per_key_and_two_per_playback() -> None:
    _, rows = replay(STREAM)
    shown = [(row.kind.value, dict(row.detail)) for row in rows]
    assert shown == [
        (
            "prompt_started",
            {
                "play_id": 1,
                "media": ["welcome", "advertiser-generic", "menu"],
                "sha256": [None, None, None],
                "sha256_source": None,
            },
        ),
        ("digit", {"digit": "1"}),
        ("choice", {"right": "recht_van_verzet"}),
        ("record", {"optout_id": "optout-1", "kind": "recht_van_verzet"}),
        (
            "prompt_interrupted",
            {"play_id": 1, "starts_ms": [0, 3000, 5000], "end_ms": 5610, "media_at_end": "menu"},
        ),
        (
            "prompt_started",
            {"play_id": 2, "media": ["rvv-registered"], "sha256": [None], "sha256_source": None},
        ),
        ("digit", {"digit": "2", "ignored": "before_question"}),
        (
            "prompt_interrupted",
            {"play_id": 2, "starts_ms": [0], "end_ms": 310, "media_at_end": "rvv-registered"},
        ),
        (
            "prompt_started",
            {"play_id": 3, "media": ["offer-register"], "sha256": [None], "sha256_source": None},
        ),
        ("digit", {"digit": "2", "ignored": "before_offered"}),
        ("hangup", {"by": "caller"}),
        (
            "prompt_failed",
            {
                "play_id": 3,
                "starts_ms": [0],
                "end_ms": 480,
                "media_at_end": "offer-register",
                "cause": "hangup",
            },
        ),
        ("rights", {"recht_van_verzet": "chosen", "bel_me_niet": "not_heard"}),
    ]
    assert rows[-1].kind is CallEventKind.RIGHTS
