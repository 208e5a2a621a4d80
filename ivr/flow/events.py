"""What happens to a call, as the state machine sees it.

:mod:`ivr.flow.translate` turns ARI events into these; the session adds timer
expiries and store results. :func:`ivr.flow.machine.step` takes them one at a
time, in order. Times (``at_ms``) are Asterisk's event timestamps in ms since
the epoch (docs/design.md §14.3); ``None`` where no timestamp exists.
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
    """One DTMF key: ``0``-``9``, ``*``, ``#`` or ``A``-``D``; ``at_ms`` is when it was pressed."""

    digit: str
    at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class MediaStarted:
    """Media ``index`` of that play started (``PlaybackStarted``)."""

    play_id: int
    index: int
    at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class PromptFinished:
    """The play ended: every media played, or it was stopped (``PlaybackFinished`` done)."""

    play_id: int
    at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class PromptFailed:
    """The play failed: ``PlaybackFinished`` failed, or the play request itself (``error``)."""

    play_id: int
    at_ms: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TimedOut:
    """A timer the machine started has expired."""

    timer: str


@dataclass(frozen=True, slots=True)
class HungUp:
    """The caller hung up (``ChannelHangupRequest``), or the channel is gone."""

    at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class LeftApp:
    """The channel left the app (``StasisEnd``): the end of the call for us."""

    at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    """The store committed (fsync) the opt-out of that request."""

    request_id: int
    optout_id: str = ""


@dataclass(frozen=True, slots=True)
class RecordFailed:
    """The store could not commit the opt-out of that request."""

    request_id: int
    error: str = ""


@dataclass(frozen=True, slots=True)
class TransferRequested:
    """The phone asked for a transfer.

    ``declinable`` is true for a new ari-only ``ChannelTransfer`` (the machine
    declines it), false for a ``BridgeBlindTransfer`` Asterisk already refused.
    """

    destination: str
    declinable: bool
    mode: str = "core"
    result: str = ""


@dataclass(frozen=True, slots=True)
class Failed:
    """Asterisk failed in a way the call cannot survive (answer failed, …)."""

    reason: str
    error: str = ""


@dataclass(frozen=True, slots=True)
class GraceExpired:
    """The shutdown grace period is over."""


Event = (
    Start
    | Answered
    | Digit
    | MediaStarted
    | PromptFinished
    | PromptFailed
    | TimedOut
    | HungUp
    | LeftApp
    | Recorded
    | RecordFailed
    | TransferRequested
    | Failed
    | GraceExpired
)
