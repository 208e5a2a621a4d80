"""What the simulated Asterisk knows: channels, playbacks, pending transfers, apps."""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ivr.clock import TimerHandle


class TransferHandling(enum.Enum):
    """``PJSIP_TRANSFER_HANDLING()``: Asterisk's own (the default) or handed to the app."""

    CORE = "core"
    ARI_ONLY = "ari-only"


@dataclass(slots=True)
class Dialplan:
    context: str
    exten: str
    priority: int
    app_name: str = ""
    app_data: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "context": self.context,
            "exten": self.exten,
            "priority": self.priority,
            "app_name": self.app_name,
            "app_data": self.app_data,
        }


@dataclass(slots=True)
class Party:
    name: str = ""
    number: str = ""

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "number": self.number}


@dataclass(slots=True)
class Transfer:
    """A transfer the caller's phone asked for (SIP REFER)."""

    destination: str
    replaces: dict[str, str] | None
    transcript_entry: dict[str, Any]


@dataclass(eq=False, slots=True)
class Channel:
    id: str
    name: str
    tech: str
    state: str
    caller: Party
    connected: Party
    dialplan: Dialplan
    creationtime: str
    created_at: float
    protocol_id: str = ""
    language: str = "en"
    endpoint: str = ""
    remote_addr: str = ""
    from_tag: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    stasis_app: str | None = None
    stasis_args: list[str] = field(default_factory=list)
    subscribers: set[str] = field(default_factory=set)
    originated: bool = False
    gone: bool = False
    peer: Channel | None = None
    behaviour: str | None = None
    transfer_handling: TransferHandling = TransferHandling.CORE
    transfer: Transfer | None = None
    refer_result: str | None = None
    playing: Playback | None = None
    queue: deque[Playback] = field(default_factory=deque)
    timers: set[TimerHandle] = field(default_factory=set)
    stasis_dialplan: Dialplan | None = None
    busy_until: float = 0.0
    transcript: list[dict[str, Any]] = field(default_factory=list)
    prompt_steps: list[Any] = field(default_factory=list)
    _snapshot: dict[str, Any] | None = None
    channelvars: tuple[str, ...] = ()

    def touch(self) -> None:
        """Forget the cached snapshot after any change that shows in the channel JSON."""
        self._snapshot = None

    def snapshot(self) -> dict[str, Any]:
        """The channel JSON; built once per change and shared by every event that carries it."""
        if self._snapshot is None:
            snap: dict[str, Any] = {
                "id": self.id,
                "name": self.name,
                "state": self.state,
                "protocol_id": self.protocol_id,
                "caller": self.caller.as_json(),
                "connected": self.connected.as_json(),
                "accountcode": "",
                "dialplan": self.dialplan.as_json(),
                "creationtime": self.creationtime,
                "language": self.language,
            }
            if self.channelvars:
                snap["channelvars"] = {
                    name: self.variables.get(name, "") for name in self.channelvars
                }
            self._snapshot = snap
        return self._snapshot

    def listeners(self) -> set[str]:
        """Apps that get this channel's events: its Stasis app and explicit subscribers."""
        if self.stasis_app is None:
            return self.subscribers
        return self.subscribers | {self.stasis_app}

    def elapsed_ms(self, now: float) -> int:
        return round((now - self.created_at) * 1000)


@dataclass(eq=False, slots=True)
class Playback:
    id: str
    channel: Channel
    media: list[str]
    language: str
    state: str = "queued"
    index: int = 0
    skip: float = 3.0
    timer: TimerHandle | None = None
    length: float = 0.0
    position: float = 0.0
    resumed_at: float = 0.0
    paused: bool = False
    transcript_entry: dict[str, Any] | None = None
    registered: bool = True

    @property
    def media_uri(self) -> str:
        return self.media[self.index]

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "media_uri": self.media[self.index]}
        if self.index + 1 < len(self.media):
            body["next_media_uri"] = self.media[self.index + 1]
        body["target_uri"] = f"channel:{self.channel.id}"
        body["language"] = self.language
        body["state"] = self.state
        return body


@dataclass(eq=False, slots=True)
class App:
    name: str
    channel_ids: dict[str, None] = field(default_factory=dict)
    events_allowed: list[Any] | None = None
    events_disallowed: list[Any] | None = None
    """The event filter as ``PUT eventFilter`` stored it (None: never set, or reset)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "channel_ids": list(self.channel_ids),
            "bridge_ids": [],
            "endpoint_ids": [],
            "device_names": [],
            "events_allowed": self.events_allowed or [],
            "events_disallowed": self.events_disallowed or [],
        }

    def set_event_filter(self, body: Any) -> bool:
        """``PUT eventFilter`` as ``res_stasis`` does it: the disallowed list first, then the
        allowed one, each from its key of an object body (absent: left as it is), reset by
        an empty or missing body, set from a body that is itself an array. False (a 400)
        when a list is not an array of objects with a non-empty string ``type``; a list
        set before the bad one stays set."""
        for attr, key in (("events_disallowed", "disallowed"), ("events_allowed", "allowed")):
            value = body
            if isinstance(body, dict) and body:
                if key not in body:
                    continue
                value = body[key]
                if not isinstance(value, list):  # a JSON null too: only an array is a list
                    return False
            elif not isinstance(body, list):
                value = None  # no body, or an empty object
            if value is not None and not all(_names_a_type(item) for item in value):
                return False
            setattr(self, attr, value)
        return True

    def allows(self, event_type: object) -> bool:
        """Whether the WebSocket sends an event of this type (disallowed wins; an empty or
        unset allowed list allows every type)."""
        if self.events_disallowed and _listed(self.events_disallowed, event_type):
            return False
        return not self.events_allowed or _listed(self.events_allowed, event_type)


def _names_a_type(item: object) -> bool:
    return isinstance(item, dict) and isinstance(item.get("type"), str) and bool(item["type"])


def _listed(filters: list[Any], event_type: object) -> bool:
    return any(item["type"] == event_type for item in filters)
