"""The call evidence as the store hands it out (opt-outs are :class:`ivr.domain.OptOut`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ivr.domain import CallEventKind, CallStart, Outcome


@dataclass(frozen=True, slots=True)
class CallRecord(CallStart):
    """One row of ``calls``: what was known at the start, and how it ended."""

    ended_at: datetime | None = None
    outcome: Outcome | None = None
    rights: dict[str, str] | None = None
    """The verdict per right (``{}`` for a call refused before any prompt); set by the seal."""
    evidence_complete: bool = True
    evidence_head: str | None = None
    seal_seq: int | None = None


@dataclass(frozen=True, slots=True)
class CallEventRecord:
    """One row of ``call_events``: a step of the evidence trail."""

    call_id: str
    seq: int
    at: datetime
    kind: CallEventKind
    detail: dict[str, Any] = field(default_factory=dict)
    hash: str | None = None


ListedRow = tuple[str, str, str, str | None, int | None, str]
"""``(number, kind, advertiser, scope, charities, created_at)`` as stored (scope JSON text,
charities 0/1, the time as its text)."""


@dataclass(frozen=True, slots=True)
class ListedRows:
    """An advertiser's suppression list in force, read in one go (docs/design.md 15.41)."""

    objections: list[str]
    """Numbers with a recht van verzet of the advertiser itself (a number may repeat)."""
    others: list[ListedRow]
    """Every other row: Bel-me-niet registrations whoever recorded them, and any other kind."""
