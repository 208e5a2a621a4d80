"""Fault injection: the JSON of ``POST /_sim/faults`` and the REST faults still due.

One fault per request: ``{"drop_websocket": {"close_frame": true}}``, ``{"restart": {}}``,
``{"rest": {"path": "/ari/channels/*/play", "status": 503, "count": 2, "delay_ms": 0}}``
(``"timeout": true`` never answers), ``{"duplicate_next_event": {}}``,
``{"unknown_event": {}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DropWebsocket(BaseModel):
    model_config = ConfigDict(extra="forbid")
    close_frame: bool = True


class Nothing(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnknownEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = "SimulatorUnknownEvent"


class RestFault(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = "/ari/*"
    method: str | None = None
    status: int | None = Field(default=None, ge=100, le=599)
    count: int = Field(default=1, ge=1)
    delay_ms: int = Field(default=0, ge=0)
    timeout: bool = False


class Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drop_websocket: DropWebsocket | None = None
    restart: Nothing | None = None
    rest: RestFault | None = None
    duplicate_next_event: Nothing | None = None
    unknown_event: UnknownEvent | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Fault:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one fault")
        return self


@dataclass
class ArmedRestFault:
    rule: RestFault
    remaining: int


class RestFaults:
    """REST faults still to fire, matched in the order they were injected."""

    def __init__(self) -> None:
        self._armed: list[ArmedRestFault] = []

    def arm(self, rule: RestFault) -> None:
        self._armed.append(ArmedRestFault(rule, rule.count))

    def take(self, method: str, path: str) -> RestFault | None:
        for armed in self._armed:
            rule = armed.rule
            if rule.method is not None and rule.method.upper() != method:
                continue
            if not fnmatchcase(path, rule.path):
                continue
            armed.remaining -= 1
            if armed.remaining <= 0:
                self._armed.remove(armed)
            return rule
        return None
