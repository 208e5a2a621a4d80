"""The ARI objects we read, as Asterisk 22 sends them (``api-docs/*.json``).

Unknown fields are kept (``extra="allow"``), so a newer Asterisk never breaks
us.  Only what identifies an object is required; the rest has a default, so a
thinner snapshot never turns a ``StasisEnd`` into a malformed event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AriModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class CallerID(AriModel):
    name: str = ""
    number: str = ""


class DialplanCEP(AriModel):
    """Where the channel is in the dialplan (context, extension, priority)."""

    context: str = ""
    exten: str = ""
    priority: int = 0
    app_name: str = ""
    app_data: str = ""


class Channel(AriModel):
    id: str
    name: str
    state: str
    protocol_id: str = ""
    caller: CallerID = Field(default_factory=CallerID)
    connected: CallerID = Field(default_factory=CallerID)
    accountcode: str = ""
    dialplan: DialplanCEP | None = None
    creationtime: datetime | None = None
    language: str = ""
    channelvars: dict[str, str] | None = None
    """Present only when ``ari.conf`` lists ``channelvars``."""


def channel_in_target(target_uri: str) -> str | None:
    """The channel id of a ``channel:<id>`` target; None for a bridge or anything else."""
    scheme, colon, target = target_uri.partition(":")
    return target if colon and scheme == "channel" and target else None


class Playback(AriModel):
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
