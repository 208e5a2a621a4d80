"""Scripted callers: what a caller does, when, and in reaction to which prompt.

A step without ``on_prompt`` fires ``after_ms`` after the call was placed.  A step
with ``on_prompt`` fires ``after_ms`` after the first time a media whose sound name
ends with that prompt name starts (``menu`` matches ``sound:ivr/nl/menu``, also
inside a multi-media play); it fires once, the first time, so a repeated question
is answered only by a step of its own.  A step may press keys, ask for a transfer
and hang up, in that order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ivr.simulator.state import Channel


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    on_prompt: str | None = None
    after_ms: int = Field(default=0, ge=0)
    press: str | None = Field(default=None, pattern=r"^[0-9*#A-D]+$")
    duration_ms: int = Field(default=100, ge=1)
    gap_ms: int = Field(default=250, ge=0)
    hangup: bool = False
    refer: str | None = None

    def matches(self, media_uri: str) -> bool:
        if self.on_prompt is None:
            return False
        sound = media_uri.partition(":")[2]
        return (
            media_uri == self.on_prompt
            or sound == self.on_prompt
            or sound.endswith("/" + self.on_prompt)
        )


class CallScript(BaseModel):
    """One caller: the ``POST /_sim/calls`` body, also an item of a script file."""

    model_config = ConfigDict(extra="forbid")

    app: str = "optout"
    number: str = ""
    name: str = ""
    args: list[str] = Field(default_factory=list)
    variables: dict[str, str] = Field(default_factory=dict)
    steps: list[Step] = Field(default_factory=list)
    endpoint: str = "phone"
    at_ms: int = Field(default=0, ge=0)


SCRIPT = TypeAdapter(list[CallScript])


def read_script(source: Path | str | Sequence[CallScript | dict[str, Any]]) -> list[CallScript]:
    """A script file (JSON list of callers), or such a list already in memory."""
    if isinstance(source, (str, Path)):
        return SCRIPT.validate_python(json.loads(Path(source).read_text(encoding="utf-8")))
    return [
        item if isinstance(item, CallScript) else CallScript.model_validate(item) for item in source
    ]


def pending_prompt_steps(channel: Channel, media_uri: str) -> list[Step]:
    """The ``on_prompt`` steps this media start fires; each is removed once fired."""
    fired = [step for step in channel.prompt_steps if step.matches(media_uri)]
    if fired:
        channel.prompt_steps = [step for step in channel.prompt_steps if step not in fired]
    return fired
