"""Playbacks as real Asterisk runs them: queued per channel, one media after another.

A play with several media is one playback (``PlaybackStarted`` → ``PlaybackContinuing``
→ ``PlaybackStarted`` → … → ``PlaybackFinished``).  Playback does not stop on DTMF;
only ``DELETE /playbacks/{id}`` (``done``) or a hang-up (``failed``) stops it.  A
missing sound fails at once; an unknown scheme starts, is silently dropped and never
finishes, while the channel goes on with its next playback.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ivr.simulator import events
from ivr.simulator.sounds import MediaOutcome
from ivr.simulator.state import Channel, Playback
from ivr.simulator.wire import AriError, playback_not_found

if TYPE_CHECKING:
    from ivr.simulator.pbx import Asterisk

OPERATIONS = ("restart", "pause", "unpause", "reverse", "forward")


class Playbacks:
    def __init__(self, core: Asterisk) -> None:
        self.core = core
        self.by_id: dict[str, Playback] = {}

    def play(
        self,
        channel: Channel,
        media: list[str],
        language: str,
        playback_id: str | None,
        skip_ms: int = 3000,
    ) -> dict[str, Any]:
        """Queue a playback; returns its JSON as the 201 answer shows it (``queued``)."""
        item = Playback(
            id=playback_id or str(uuid.uuid4()),
            channel=channel,
            media=media,
            language=language,
            skip=skip_ms / 1000,
        )
        self.by_id[item.id] = item
        answer = item.as_json()
        channel.queue.append(item)
        self._next(channel)
        return answer

    def find(self, playback_id: str) -> Playback:
        item = self.by_id.get(playback_id)
        if item is None:
            raise playback_not_found()
        return item

    def stop(self, playback_id: str) -> None:
        item = self.find(playback_id)
        channel = item.channel
        if channel.playing is not item:
            item.registered = False
            self._unregister(item)
            return
        self._halt(item)
        self._close_entry(item, "interrupted")
        item.state = "done"
        self.core.emit(events.playback("PlaybackFinished", self.core.ts(), item), channel)
        self._finish(item)

    def control(self, playback_id: str, operation: str | None) -> None:
        item = self.find(playback_id)
        if not operation:
            raise AriError(400, "Missing operation")
        if operation not in OPERATIONS:
            raise AriError(400, f"Invalid operation {operation}")
        endless_seek = item.length == float("inf") and operation in ("reverse", "forward")
        if item.channel.playing is not item or endless_seek:
            raise AriError(409, "Can only control playing playbacks", reason="Conflict")
        if operation == "pause":
            if not item.paused:
                item.position = self._position(item)
                self._halt(item)
                item.paused = True
                item.state = "paused"
            return
        if operation == "unpause":
            if item.paused:
                item.paused = False
                self._resume(item)
                self.core.emit(
                    events.playback("PlaybackStarted", self.core.ts(), item), item.channel
                )
            return
        position = self._position(item)
        if operation == "restart":
            position = 0.0
        elif operation == "reverse":
            position = max(0.0, position - item.skip)
        else:
            position = min(item.length, position + item.skip)
        item.position = position
        if not item.paused:
            self._halt(item)
            self._resume(item)

    def channel_gone(self, channel: Channel) -> None:
        """The channel hung up: the current playback fails, the queued ones vanish."""
        item = channel.playing
        if item is not None:
            self._halt(item)
            self._close_entry(item, "interrupted")
            item.state = "failed"
            self.core.emit(events.playback("PlaybackFinished", self.core.ts(), item), channel)
            self._unregister(item)
            channel.playing = None
        while channel.queue:
            self._unregister(channel.queue.popleft())

    def clear(self) -> None:
        self.by_id.clear()

    # -- the engine ----------------------------------------------------------------

    def _next(self, channel: Channel) -> None:
        while channel.playing is None and channel.queue and not channel.gone:
            item = channel.queue.popleft()
            if item.registered:
                self._start_media(item)

    def _start_media(self, item: Playback) -> None:
        core = self.core
        channel = item.channel
        channel.playing = item
        item.state = "playing"
        item.position = 0.0
        item.paused = False
        plan = core.sounds.plan(item.media_uri, item.language)
        core.emit(events.playback("PlaybackStarted", core.ts(), item), channel)
        item.transcript_entry = core.note(
            channel, "prompt", media=item.media_uri, status="playing", offset_ms=0
        )
        for hook in core.media_started:
            hook(channel, item.media_uri)
        if channel.gone or channel.playing is not item:
            return
        if plan.outcome is MediaOutcome.PLAYS:
            item.length = plan.seconds
            self._resume(item)
        elif plan.outcome is MediaOutcome.ENDLESS:
            item.length = float("inf")
            item.resumed_at = core.now()
        elif plan.outcome is MediaOutcome.MISSING:
            self._close_entry(item, "failed")
            item.state = "failed"
            core.emit(events.playback("PlaybackFinished", core.ts(), item), channel)
            self._finish(item)
        else:
            self._close_entry(item, "failed")
            self._finish(item)

    def _media_done(self, item: Playback) -> None:
        core = self.core
        channel = item.channel
        item.timer = None
        item.position = item.length
        self._close_entry(item, "finished")
        if item.index + 1 < len(item.media):
            item.state = "continuing"
            core.emit(events.playback("PlaybackContinuing", core.ts(), item), channel)
            item.index += 1
            self._start_media(item)
            return
        item.state = "done"
        core.emit(events.playback("PlaybackFinished", core.ts(), item), channel)
        self._finish(item)

    def _finish(self, item: Playback) -> None:
        channel = item.channel
        self._unregister(item)
        if channel.playing is item:
            channel.playing = None
        self._next(channel)

    def _unregister(self, item: Playback) -> None:
        if self.by_id.get(item.id) is item:
            del self.by_id[item.id]

    def _resume(self, item: Playback) -> None:
        core = self.core
        item.resumed_at = core.now()
        remaining = max(0.0, item.length - item.position)
        item.timer = core.later(item.channel, core.scaled(remaining), self._media_done, item)

    def _halt(self, item: Playback) -> None:
        if item.timer is not None:
            item.timer.cancel()
            item.channel.timers.discard(item.timer)
            item.timer = None

    def _position(self, item: Playback) -> float:
        if item.paused:
            return item.position
        played = (self.core.now() - item.resumed_at) * self.core.speed
        return min(item.length, item.position + played)

    def _close_entry(self, item: Playback, status: str) -> None:
        entry = item.transcript_entry
        if entry is None or entry["status"] != "playing":
            return
        entry["status"] = status
        position = self._position(item) if status != "failed" else 0.0
        if position != float("inf"):
            entry["offset_ms"] = round(position * 1000)
