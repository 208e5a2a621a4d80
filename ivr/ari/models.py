"""The ARI objects we read, as Asterisk 22 sends them (``api-docs/*.json``).

Unknown fields are kept (``extra="allow"``, or the raw object of a msgspec
:class:`Snapshot`), so a newer Asterisk never breaks us.  Only what identifies
an object is required; the rest has a default, so a thinner snapshot never
turns a ``StasisEnd`` into a malformed event.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Any, TypeVar, get_args

import msgspec
from pydantic import BaseModel, ConfigDict, PlainValidator


class AriModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


S = TypeVar("S", bound="Snapshot")


class AriTime(datetime):
    """An ARI time as a ``datetime``; Asterisk writes ``2026-11-28T01:23:05.873+0000``."""


def decode_hook(kind: type, value: Any) -> Any:
    """msgspec's hook for the types it does not know: :class:`AriTime` from its text."""
    if kind is AriTime:
        if not isinstance(value, str):
            raise ValueError(f"expected an ARI time, got {type(value).__name__}")
        return AriTime.fromisoformat(value)
    raise NotImplementedError(kind)


class Snapshot(msgspec.Struct, frozen=True, dict=True, kw_only=True):
    """An ARI object decoded by msgspec (the hot path, docs/design.md 15.42).

    The fields a struct names are typed; every other field of the object
    Asterisk sent is kept in the raw object and read back by
    :attr:`model_extra`, decoded only when asked for.
    """

    @property
    def model_extra(self) -> dict[str, Any]:
        """The fields of the raw object this struct does not name."""
        raw = raw_object_of(self)
        named = set(self.__struct_encode_fields__)
        return {key: value for key, value in raw.items() if key not in named and key != "type"}


class _RawMessage:
    """The object Asterisk sent, as it came (text, or a dict), decoded once when first read.

    Every struct decoded from it points here with its path, never at its parent: no
    reference cycle, so an event is freed as soon as the call is done with it."""

    __slots__ = ("data",)

    def __init__(self, data: object) -> None:
        self.data = data

    def decoded(self) -> object:
        if isinstance(self.data, str | bytes):
            self.data = msgspec.json.decode(self.data)
        return self.data


def keep_raw(item: Snapshot, raw: object) -> None:
    """Remember the object ``item`` was decoded from (a dict or JSON text), and where
    each struct inside it sits in that object."""
    _link(item, _RawMessage(raw), ())


def _link(item: Snapshot, message: _RawMessage, path: tuple[str, ...]) -> None:
    item.__dict__["_raw"] = (message, path)
    for name, key in _nested_fields(type(item)):
        child = getattr(item, name)
        if isinstance(child, Snapshot):
            _link(child, message, (*path, key))


@functools.cache
def _nested_fields(kind: type[Snapshot]) -> tuple[tuple[str, str], ...]:
    """The fields of ``kind`` that may hold a struct: (attribute, JSON key)."""
    found = []
    for field in msgspec.structs.fields(kind):
        options = get_args(field.type) or (field.type,)
        if any(isinstance(t, type) and issubclass(t, Snapshot) for t in options):
            found.append((field.name, field.encode_name))
    return tuple(found)


def raw_object_of(item: Snapshot) -> dict[str, Any]:
    """The raw object ``item`` was decoded from; empty for a struct built in code."""
    kept = item.__dict__.get("_raw")
    if kept is None:
        return {}
    message, path = kept
    found = message.decoded()
    for key in path:
        found = found.get(key) if isinstance(found, dict) else None
    return found if isinstance(found, dict) else {}


def snapshot_of(kind: type[S], obj: object) -> S:
    """``obj`` (a decoded JSON object) as ``kind``; raises ``msgspec.ValidationError``."""
    item = msgspec.convert(obj, kind, dec_hook=decode_hook)
    keep_raw(item, obj)
    return item


class CallerID(Snapshot, frozen=True, dict=True, kw_only=True):
    name: str = ""
    number: str = ""


class DialplanCEP(Snapshot, frozen=True, dict=True, kw_only=True):
    """Where the channel is in the dialplan (context, extension, priority)."""

    context: str = ""
    exten: str = ""
    priority: int = 0
    app_name: str = ""
    app_data: str = ""


class Channel(Snapshot, frozen=True, dict=True, kw_only=True):
    id: str
    name: str
    state: str
    protocol_id: str = ""
    caller: CallerID = msgspec.field(default_factory=CallerID)
    connected: CallerID = msgspec.field(default_factory=CallerID)
    accountcode: str = ""
    dialplan: DialplanCEP | None = None
    creationtime: AriTime | None = None
    language: str = ""
    channelvars: dict[str, str] | None = None
    """Present only when ``ari.conf`` lists ``channelvars``."""


def channel_in_target(target_uri: str) -> str | None:
    """The channel id of a ``channel:<id>`` target; None for a bridge or anything else."""
    scheme, colon, target = target_uri.partition(":")
    return target if colon and scheme == "channel" and target else None


class Playback(Snapshot, frozen=True, dict=True, kw_only=True):
    id: str
    media_uri: str
    next_media_uri: str | None = None
    target_uri: str = ""
    language: str | None = None
    state: str

    @property
    def channel_id(self) -> str | None:
        """The channel it plays on (``target_uri`` ``channel:<id>``); None for a bridge."""
        return channel_in_target(self.target_uri)


def _channel_field(value: object) -> Channel:
    if isinstance(value, Channel):
        return value
    try:
        return snapshot_of(Channel, value)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None


ChannelField = Annotated[Channel, PlainValidator(_channel_field)]
"""A :class:`Channel` inside a pydantic model (the events that are not hot)."""


class Application(AriModel):
    name: str
    channel_ids: list[str] = []
    bridge_ids: list[str] = []
    endpoint_ids: list[str] = []
    device_names: list[str] = []
    events_allowed: list[dict[str, Any]] = []
    events_disallowed: list[dict[str, Any]] = []


class SystemInfo(AriModel):
    version: str
    entity_id: str = ""


class AsteriskInfo(AriModel):
    """``GET /asterisk/info``; ``build``, ``config`` and ``status`` are kept as extra fields."""

    system: SystemInfo | None = None


class Variable(AriModel):
    value: str


class FormatLangPair(AriModel):
    language: str
    format: str


class Sound(AriModel):
    """``GET /sounds/{id}``: Asterisk takes the first folder under its sounds directory as the
    language, so ``sounds/ivr/nl/menu.wav`` is id ``nl/menu`` in language ``ivr``."""

    id: str
    text: str | None = None
    formats: list[FormatLangPair] = []

    def in_language(self, language: str) -> bool:
        return any(pair.language == language for pair in self.formats)
