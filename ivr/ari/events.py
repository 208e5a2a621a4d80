"""ARI WebSocket events as typed models, chosen by their ``type``.

The hot events (a call's every key and prompt, docs/design.md 15.42) are msgspec
structs decoded straight from the message; the others are pydantic models.
Both keep every field they do not name (``model_extra``).

:func:`parse_event` never raises and never drops anything: an unknown type
becomes :class:`UnknownEvent` with all its fields, and text that is not JSON or
a known type with missing or wrongly typed fields becomes
:class:`MalformedEvent` with the raw data and the reason.  Every event says
which channel it belongs to (:attr:`channel_id`), so the caller can queue the
events of one channel in order.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

import msgspec
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ivr.ari.models import (
    AriModel,
    AriTime,
    Channel,
    ChannelField,
    Playback,
    Snapshot,
    channel_in_target,
    decode_hook,
    keep_raw,
    snapshot_of,
)


class AriEventBase:
    """What every modelled event is, whichever decoder made it."""

    __slots__ = ()

    @property
    def channel_id(self) -> str | None:
        return None


class ModelEvent(AriModel, AriEventBase):
    """An event decoded by pydantic: the types that are not hot."""

    type: str
    timestamp: datetime
    application: str
    asterisk_id: str | None = None


class ChannelEvent(ModelEvent):
    channel: ChannelField

    @property
    def channel_id(self) -> str | None:
        return self.channel.id


class HotEvent(
    Snapshot, AriEventBase, frozen=True, dict=True, kw_only=True, tag_field="type", tag=True
):
    """An event decoded by msgspec (docs/design.md 15.42); the tag is the class name."""

    timestamp: AriTime
    application: str
    asterisk_id: str | None = None

    @property
    def type(self) -> str:
        return type(self).__name__


class HotChannelEvent(HotEvent, frozen=True, dict=True, kw_only=True):
    channel: Channel

    @property
    def channel_id(self) -> str | None:
        return self.channel.id


class StasisStart(HotChannelEvent, frozen=True, dict=True, kw_only=True):
    """A channel entered the app; ``args`` are the ``Stasis()`` arguments after the app name."""

    args: list[str]
    replace_channel: Channel | None = None


class StasisEnd(HotChannelEvent, frozen=True, dict=True, kw_only=True):
    """The channel left the app: the end of the call for us (no ChannelDestroyed may follow)."""


class ChannelStateChange(ChannelEvent):
    type: Literal["ChannelStateChange"]


class ChannelVarset(ModelEvent):
    """A variable was set; without ``channel`` it was a global."""

    type: Literal["ChannelVarset"]
    variable: str
    value: str
    channel: ChannelField | None = None

    @property
    def channel_id(self) -> str | None:
        return self.channel.id if self.channel is not None else None


class ChannelDtmfReceived(HotChannelEvent, frozen=True, dict=True, kw_only=True):
    """Sent when the digit *ends*."""

    digit: str
    duration_ms: int


class ChannelHangupRequest(HotChannelEvent, frozen=True, dict=True, kw_only=True):
    """``cause`` is absent when a SIP phone sends BYE; 16 caller, 32 (``soft``) the app."""

    cause: int | None = None
    soft: bool | None = None
    tech_cause: int | None = None


class ChannelDestroyed(ChannelEvent):
    type: Literal["ChannelDestroyed"]
    cause: int
    cause_txt: str
    tech_cause: int | None = None


class PlaybackEvent(HotEvent, frozen=True, dict=True, kw_only=True):
    playback: Playback

    @property
    def channel_id(self) -> str | None:
        return self.playback.channel_id


class PlaybackStarted(PlaybackEvent, frozen=True, dict=True, kw_only=True):
    """One medium of the playback started (a multi-media play sends one per medium)."""


class PlaybackContinuing(PlaybackEvent, frozen=True, dict=True, kw_only=True):
    """One medium ended and the next one of the same playback follows."""


class PlaybackFinished(PlaybackEvent, frozen=True, dict=True, kw_only=True):
    """The whole playback ended: ``state`` is ``done`` (also when stopped) or ``failed``."""


class AdditionalParam(AriModel):
    parameter_name: str
    parameter_value: str


class RequiredDestination(AriModel):
    destination: str | None = None
    protocol_id: str | None = None
    additional_protocol_params: list[AdditionalParam] | None = None


class ReferTo(AriModel):
    requested_destination: RequiredDestination
    destination_channel: ChannelField | None = None
    connected_channel: ChannelField | None = None
    bridge: dict[str, Any] | None = None


class ReferredBy(AriModel):
    source_channel: ChannelField
    connected_channel: ChannelField | None = None
    bridge: dict[str, Any] | None = None


class ChannelTransfer(ModelEvent):
    """A SIP REFER in ``ari-only`` mode.  No top-level ``channel``: the caller is
    ``referred_by.source_channel``.  Without ``state`` it is a new request that
    Asterisk waits on for ever; with ``state`` it echoes a ``transfer_progress``.
    """

    type: Literal["ChannelTransfer"]
    state: str | None = None
    refer_to: ReferTo
    referred_by: ReferredBy

    @property
    def channel_id(self) -> str | None:
        return self.referred_by.source_channel.id

    @property
    def is_request(self) -> bool:
        return self.state is None

    @property
    def destination(self) -> str | None:
        return self.refer_to.requested_destination.destination


class BridgeBlindTransfer(ChannelEvent):
    """A transfer Asterisk handled itself; ``result`` ``Invalid`` when the caller was alone."""

    type: Literal["BridgeBlindTransfer"]
    exten: str
    context: str
    result: str
    is_external: bool
    replace_channel: ChannelField | None = None
    transferee: ChannelField | None = None
    bridge: dict[str, Any] | None = None


HotKnownEvent = (
    StasisStart
    | StasisEnd
    | ChannelDtmfReceived
    | ChannelHangupRequest
    | PlaybackStarted
    | PlaybackContinuing
    | PlaybackFinished
)
ModelKnownEvent = Annotated[
    ChannelStateChange | ChannelVarset | ChannelDestroyed | ChannelTransfer | BridgeBlindTransfer,
    Field(discriminator="type"),
]
KnownEvent = HotKnownEvent | ModelKnownEvent

_HOT_DECODER = msgspec.json.Decoder(HotKnownEvent, dec_hook=decode_hook)
HOT_TYPES: frozenset[str] = frozenset(kind.__name__ for kind in get_args(HotKnownEvent))
_MODEL_EVENT: TypeAdapter[ModelKnownEvent] = TypeAdapter(ModelKnownEvent)
MODEL_TYPES: frozenset[str] = frozenset(
    get_args(model.model_fields["type"].annotation)[0]
    for model in get_args(get_args(ModelKnownEvent)[0])
)
KNOWN_TYPES: frozenset[str] = HOT_TYPES | MODEL_TYPES


class UnknownEvent(BaseModel):
    """An event type we do not model, kept whole in ``data``."""

    model_config = ConfigDict(frozen=True)

    type: str
    data: dict[str, Any]

    @property
    def channel_id(self) -> str | None:
        return _channel_id_of(self.data)


class MalformedEvent(BaseModel):
    """Not JSON, not an object, no ``type``, or a known type that does not fit its model."""

    model_config = ConfigDict(frozen=True)

    raw: Any
    error: str
    type: str | None = None

    @property
    def channel_id(self) -> str | None:
        return _channel_id_of(self.raw) if isinstance(self.raw, dict) else None


AriEvent = KnownEvent | UnknownEvent | MalformedEvent


def parse_event(data: str | bytes | dict[str, Any]) -> AriEvent:
    """Turn one WebSocket message into an event; never raises."""
    try:
        return _parse(data)
    except Exception as exc:  # the promise is "never raises", whatever the input
        return MalformedEvent(raw=_printable(data), error=f"{type(exc).__name__}: {exc}")


def _parse(data: str | bytes | dict[str, Any]) -> AriEvent:
    if not isinstance(data, dict):
        try:
            event = _HOT_DECODER.decode(data)
        except msgspec.MsgspecError:
            pass  # not hot, or not well formed: read it whole below
        else:
            keep_raw(event, data)
            return event
    if isinstance(data, dict):
        obj: Any = data
    else:
        try:
            obj = json.loads(data)
        except (ValueError, RecursionError) as exc:
            return MalformedEvent(raw=_printable(data), error=f"not JSON: {exc}")
    if not isinstance(obj, dict):
        return MalformedEvent(raw=obj, error="not a JSON object")
    event_type = obj.get("type")
    if not isinstance(event_type, str):
        return MalformedEvent(raw=obj, error="no event type")
    if event_type in HOT_TYPES:
        try:
            return snapshot_of(HotKnownEvent, obj)  # type: ignore[arg-type]
        except msgspec.ValidationError as exc:
            return MalformedEvent(raw=obj, error=str(exc), type=event_type)
    if event_type not in MODEL_TYPES:
        return UnknownEvent(type=event_type, data=obj)
    try:
        return _MODEL_EVENT.validate_python(obj)
    except ValidationError as exc:
        return MalformedEvent(raw=obj, error=_short(exc), type=event_type)


def _printable(data: object) -> object:
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data


def _short(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"])
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


def _channel_id_of(obj: dict[str, Any]) -> str | None:
    """Best effort for events we could not model: ``channel``, the REFER source, the playback."""
    channel = obj.get("channel")
    if isinstance(channel, dict) and isinstance(channel.get("id"), str):
        return str(channel["id"])
    referred_by = obj.get("referred_by")
    if isinstance(referred_by, dict):
        source = referred_by.get("source_channel")
        if isinstance(source, dict) and isinstance(source.get("id"), str):
            return str(source["id"])
    playback = obj.get("playback")
    if isinstance(playback, dict) and isinstance(playback.get("target_uri"), str):
        return channel_in_target(playback["target_uri"])
    return None
