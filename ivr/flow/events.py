"""What happens to a call, as the state machine sees it.

The session turns ARI events, timer expiries and store results into these;
:func:`ivr.flow.machine.step` takes them one at a time, in order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Start:
    """The first event of every call."""


@dataclass(frozen=True, slots=True)
class Answered:
    """The answer the machine asked for succeeded."""


@dataclass(frozen=True, slots=True)
class Digit:
    """One DTMF key: ``0``-``9``, ``*``, ``#`` or ``A``-``D``."""

    digit: str


@dataclass(frozen=True, slots=True)
class PromptFinished:
    """Every media of that play finished (or it was stopped)."""

    play_id: int


@dataclass(frozen=True, slots=True)
class PromptFailed:
    """The play failed (missing file, REST error); the flow goes on as if it finished."""

    play_id: int


@dataclass(frozen=True, slots=True)
class TimedOut:
    """A timer the machine started has expired."""

    timer: str


@dataclass(frozen=True, slots=True)
class HungUp:
    """The caller hung up, or the channel is gone."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """The store committed (fsync) the opt-out of that request."""

    request_id: int


@dataclass(frozen=True, slots=True)
class RecordFailed:
    """The store could not commit the opt-out of that request."""

    request_id: int


@dataclass(frozen=True, slots=True)
class TransferRequested:
    """The phone asked for a transfer.

    ``declinable`` is true for a new ari-only ``ChannelTransfer`` (the machine
    declines it), false for a ``BridgeBlindTransfer`` Asterisk already refused.
    """

    destination: str
    declinable: bool


@dataclass(frozen=True, slots=True)
class Failed:
    """Asterisk failed in a way the call cannot survive (answer failed, …)."""

    reason: str


@dataclass(frozen=True, slots=True)
class GraceExpired:
    """The shutdown grace period is over."""


Event = (
    Start
    | Answered
    | Digit
    | PromptFinished
    | PromptFailed
    | TimedOut
    | HungUp
    | Recorded
    | RecordFailed
    | TransferRequested
    | Failed
    | GraceExpired
)
