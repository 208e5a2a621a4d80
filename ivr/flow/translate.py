"""ARI events as the machine sees them (pure: no I/O, no clock).

``translate(known, event) -> (known, events)``: the call's known playbacks
(our ``playbackId`` -> the machine's play and its media) and one ARI event in,
machine events out. Times are Asterisk's event timestamps (docs/design.md §14.3): a
key's time is its ``ChannelDtmfReceived`` timestamp minus ``duration_ms`` (the
event comes when the key is released).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ivr.ari.events import (
    AriEvent,
    BridgeBlindTransfer,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    ChannelTransfer,
    PlaybackFinished,
    PlaybackStarted,
    StasisEnd,
    StasisStart,
)
from ivr.flow import events as ev

EVENTS_READ: tuple[str, ...] = tuple(
    kind.__name__
    for kind in (
        StasisStart,
        StasisEnd,
        ChannelDtmfReceived,
        ChannelHangupRequest,
        PlaybackStarted,
        PlaybackFinished,
        ChannelTransfer,
        BridgeBlindTransfer,
    )
)
"""The ARI event types a call reads (the router ``StasisStart``, :func:`translate` the
rest); the service asks Asterisk to send no other (``eventFilter``): a third of a call's
events (``PlaybackContinuing``, ``ChannelVarset``, ``ChannelStateChange``) change nothing."""


@dataclass(frozen=True, slots=True)
class KnownPlayback:
    """A playback the session asked for: the machine's play id and the media URIs."""

    play_id: int
    media: tuple[str, ...]
    index: int = -1
    """The media playing now (-1 before the first ``PlaybackStarted``)."""


Known = Mapping[str, KnownPlayback]


def playing(known: Known, playback_id: str, play_id: int, media: tuple[str, ...]) -> Known:
    """``known`` with the playback the session just asked for."""
    return {**known, playback_id: KnownPlayback(play_id, media)}


def forget(known: Known, playback_id: str) -> Known:
    """``known`` without that playback (its play request failed)."""
    return {k: v for k, v in known.items() if k != playback_id}


def ms(moment: datetime) -> int:
    """Milliseconds since the epoch."""
    return round(moment.timestamp() * 1000)


def translate(known: Known, event: AriEvent) -> tuple[Known, list[ev.Event]]:
    match event:
        case ChannelDtmfReceived(digit=digit, duration_ms=duration):
            return known, [ev.Digit(digit, ms(event.timestamp) - max(0, duration))]
        case PlaybackStarted(playback=playback):
            return _started(known, playback.id, playback.media_uri, ms(event.timestamp))
        case PlaybackFinished(playback=playback):
            tracked = known.get(playback.id)
            if tracked is None:
                return known, []
            rest = forget(known, playback.id)
            at = ms(event.timestamp)
            if playback.state == "failed":
                return rest, [ev.PromptFailed(tracked.play_id, at)]
            return rest, [ev.PromptFinished(tracked.play_id, at)]
        case ChannelHangupRequest():
            return known, [ev.HungUp(ms(event.timestamp))]
        case StasisEnd():
            return known, [ev.LeftApp(ms(event.timestamp))]
        case ChannelTransfer():
            if event.state is not None:
                return known, []
            destination = event.destination or ""
            return known, [ev.TransferRequested(destination, True, "ari-only", "channel_declined")]
        case BridgeBlindTransfer():
            return known, [ev.TransferRequested(event.exten, False, "core", event.result)]
    return known, []


def _started(
    known: Known, playback_id: str, media_uri: str, at: int
) -> tuple[Known, list[ev.Event]]:
    tracked = known.get(playback_id)
    if tracked is None:
        return known, []
    following = tracked.media[tracked.index + 1 :]
    if media_uri not in following:
        return known, []
    index = tracked.index + 1 + following.index(media_uri)
    updated = {**known, playback_id: KnownPlayback(tracked.play_id, tracked.media, index)}
    return updated, [ev.MediaStarted(tracked.play_id, index, at)]
