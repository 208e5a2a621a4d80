"""The call evidence as the store hands it out (opt-outs are :class:`ivr.domain.OptOut`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ivr.domain import CallEventKind, NumberSource, Outcome


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One row of ``calls``."""

    id: str
    channel_id: str
    advertiser: str
    started_at: datetime
    profile: str
    lang: str = "nl"
    campaign: str | None = None
    agent: str | None = None
    script: str | None = None
    number: str | None = None
    number_source: NumberSource | None = None
    extra: dict[str, str] = field(default_factory=dict)
    ended_at: datetime | None = None
    outcome: Outcome | None = None


@dataclass(frozen=True, slots=True)
class CallEventRecord:
    """One row of ``call_events``: a step of the evidence trail."""

    call_id: str
    seq: int
    at: datetime
    kind: CallEventKind
    detail: dict[str, Any] = field(default_factory=dict)
