"""What the state machine asks the session to do; the session turns these into
REST calls, timers and store writes, in the order given."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ivr.domain import CallEventKind, NumberSource, OptOutKind, Outcome, Scope


@dataclass(frozen=True, slots=True)
class Answer:
    """Answer the channel; the session replies with ``Answered`` or ``Failed``."""


@dataclass(frozen=True, slots=True)
class Play:
    """One playback of these prompt names (``sound:ivr/<lang>/<name>`` each)."""

    play_id: int
    prompts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StopPlayback:
    """Barge-in: stop that play now (``Playback not found`` is the normal race)."""

    play_id: int


@dataclass(frozen=True, slots=True)
class StartTimer:
    name: str
    seconds: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    name: str


@dataclass(frozen=True, slots=True)
class Record:
    """Write this opt-out durably; the session replies ``Recorded`` or ``RecordFailed``."""

    request_id: int
    kind: OptOutKind
    number: str
    scope: Scope | None
    charities: bool | None


@dataclass(frozen=True, slots=True)
class NumberChosen:
    """The number to record is settled (confirmed caller id or keyed)."""

    number: str
    source: NumberSource


@dataclass(frozen=True, slots=True)
class Evidence:
    """One row of the call's evidence trail (``call_events``), in the order given."""

    kind: CallEventKind
    detail: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ReportPromptFailure:
    """A prompt failed to play (not a hang-up): warn and count it (docs/design.md §10.1)."""

    prompt: str


@dataclass(frozen=True, slots=True)
class DeclineTransfer:
    """Decline the pending ari-only transfer (``channel_declined``)."""


@dataclass(frozen=True, slots=True)
class HangUp:
    """Hang up the channel with reason ``normal``."""


@dataclass(frozen=True, slots=True)
class Finish:
    """The call is over for the machine: always the last action, exactly once.

    It comes right after the ``rights`` evidence (the machine's own verdict); the
    session seals the call with the verdict computed from the stored rows.
    """

    outcome: Outcome


Action = (
    Answer
    | Play
    | StopPlayback
    | StartTimer
    | CancelTimer
    | Record
    | NumberChosen
    | Evidence
    | ReportPromptFailure
    | DeclineTransfer
    | HangUp
    | Finish
)
