"""Routes events to the WebSocket that registered each app, serialised once per app.

As on Asterisk 22 an app name belongs to one WebSocket at a time: a second
registration takes it over and the first gets ``ApplicationReplaced``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ivr.simulator.events import Event, application_replaced
from ivr.simulator.wire import ENTITY_ID, dumps


@dataclass(eq=False)
class Subscriber:
    """One WebSocket's outgoing side: a queue its writer task drains in order."""

    apps: list[str]
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    drop: Callable[[bool], None] | None = None

    def send(self, text: str) -> None:
        self.queue.put_nowait(text)


TIMELINE_LIMIT = 500_000


def timeline_entry(t: float, message: dict[str, Any]) -> dict[str, Any]:
    """What a benchmark needs of a sent event: when (wall seconds), which type, which channel."""
    entry: dict[str, Any] = {"t": t, "type": message.get("type")}
    channel = message.get("channel")
    if isinstance(channel, dict):
        entry["channel_id"] = channel.get("id")
    playback = message.get("playback")
    if isinstance(playback, dict):
        entry["playback_id"] = playback.get("id")
        target = str(playback.get("target_uri", ""))
        if target.startswith("channel:"):
            entry["channel_id"] = target.removeprefix("channel:")
    if "digit" in message:
        entry["digit"] = message["digit"]
    return entry


class EventBus:
    def __init__(
        self,
        *,
        record: bool = True,
        now: Callable[[], float] = time.time,
        entity_id: str = ENTITY_ID,
    ) -> None:
        """``record`` keeps every event sent; the bounded :attr:`timeline` (send times,
        types, channels) is always kept, for ``GET /_sim/events``."""
        self.record = record
        self.entity_id = entity_id
        self.now = now
        self.timeline: deque[dict[str, Any]] = deque(maxlen=TIMELINE_LIMIT)
        self.owners: dict[str, Subscriber] = {}
        self.events_sent: list[dict[str, Any]] = []
        self.duplicate_next = False
        self.on_register: list[Callable[[str], None]] = []
        self.on_unregister: list[Callable[[str], None]] = []
        self.allows: Callable[[str, Event], bool] = lambda _app, _event: True
        """Whether ``app``'s WebSocket sends ``event`` (its ``eventFilter``)."""

    def is_connected(self, app: str) -> bool:
        return app in self.owners

    def register(self, subscriber: Subscriber, ts: str) -> None:
        for app in subscriber.apps:
            previous = self.owners.get(app)
            if previous is not None and previous is not subscriber:
                self._deliver(previous, app, application_replaced(ts))
                previous.apps.remove(app)
            self.owners[app] = subscriber
        for app in subscriber.apps:
            for callback in self.on_register:
                callback(app)

    def unregister(self, subscriber: Subscriber) -> None:
        for app in list(subscriber.apps):
            if self.owners.get(app) is subscriber:
                del self.owners[app]
                for callback in self.on_unregister:
                    callback(app)

    def subscribers(self) -> list[Subscriber]:
        return list(dict.fromkeys(self.owners.values()))

    def emit(self, event: Event, listeners: Iterable[str]) -> None:
        for app in listeners:
            subscriber = self.owners.get(app)
            if subscriber is not None:
                self._deliver(subscriber, app, event)

    def broadcast(self, event: Event) -> None:
        for app, subscriber in list(self.owners.items()):
            self._deliver(subscriber, app, event)

    def _deliver(self, subscriber: Subscriber, app: str, event: Event) -> None:
        if not self.allows(app, event):
            return
        message = {**event, "asterisk_id": self.entity_id, "application": app}
        text = dumps(message)
        times = 2 if self.duplicate_next else 1
        self.duplicate_next = False
        for _ in range(times):
            if self.record:
                self.events_sent.append(message)
            self.timeline.append(timeline_entry(self.now(), message))
            subscriber.send(text)
