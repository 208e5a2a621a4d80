"""What the call flow remembers between two events: immutable values only."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from ivr.domain import NumberSource, OptOutKind, Outcome, Scope
from ivr.flow.profile import Profile

CALL_TIMER = "call"
TYPE_AHEAD_LIMIT = 32
"""Keys kept while no question listens; more are dropped (a stuck key must not grow state)."""


Marks = Mapping[str, Mapping[str, int]]
"""Prompt name -> mark name (a right, or ``asked``) -> ms from the prompt's start
where it has been stated (``prompts/<lang>/offered.toml``)."""


@dataclass(frozen=True, slots=True)
class CallConfig:
    """What the session knows about the call when it starts (see ``ivr.flow.machine``)."""

    advertiser_prompt: str | None = None
    contact_prompt: str | None = None
    """The advertiser's contact details, after ``cannot-register`` (docs/design.md §14.15)."""
    number: str | None = None
    caller_number: str | None = None
    answered: bool = False
    refuse: bool = False
    done: frozenset[OptOutKind] = frozenset()
    shutting_down: bool = False
    marks: Marks = field(default_factory=dict)
    fingerprints: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Prompt name -> (sha256 of its WAV, ``local`` or ``manifest``), for ``prompt_started``."""


class Phase(StrEnum):
    NEW = "new"
    ANSWERING = "answering"
    ASKING = "asking"
    RECORDING = "recording"
    ANNOUNCING = "announcing"
    ENDING = "ending"
    CLOSING = "closing"
    """The caller is gone; an opt-out write is still in flight."""
    FINISHED = "finished"


class Question(StrEnum):
    MENU = "menu"
    OFFER_REGISTER = "offer-register"
    REGISTER_SCOPE = "register-scope"
    CHARITIES = "charities"
    CATEGORY = "category"
    CONFIRM_REGISTER = "confirm-register"
    OFFER_RVV = "offer-rvv"
    CONFIRM_NUMBER = "confirm-number"
    ENTER_NUMBER = "enter-number"


MUST_HEAR = frozenset(
    {
        Question.CONFIRM_REGISTER,
        Question.CONFIRM_NUMBER,
        Question.CHARITIES,
        Question.OFFER_REGISTER,
        Question.OFFER_RVV,
    }
)
"""Questions that start with an empty buffer, whose keys count only once they have
been stated, until heard once in the call (docs/design.md §10.2, §14.2)."""


@dataclass(frozen=True, slots=True)
class PlayTrack:
    """One playback as the evidence sees it: its media and when each started."""

    play_id: int
    prompts: tuple[str, ...]
    starts: tuple[int | None, ...] = ()
    """When each media started (Asterisk time, ms); one entry per ``PlaybackStarted``."""
    stopped_at: int | None = None
    """When the IVR stopped it (the barge-in key's time); None while it plays."""
    stopped: bool = False

    def started_at(self, index: int) -> int | None:
        return self.starts[index] if index < len(self.starts) else None


@dataclass(frozen=True, slots=True)
class RegisterChoice:
    """The Bel-me-niet choice being made; not an opt-out until confirmed and recorded."""

    scope: Scope | None = None
    charities: bool | None = None
    category_index: int = 0
    chosen: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PendingRecord:
    request_id: int
    kind: OptOutKind


@dataclass(frozen=True)
class MachineState:
    """No ``slots``: :func:`replace` copies its ``__dict__`` in one step (the machine makes
    a new state several times per event)."""

    profile: Profile
    config: CallConfig
    phase: Phase = Phase.NEW
    answered: bool = False
    question: Question | None = None
    plays: Mapping[str, int] = field(default_factory=dict)
    """Plays of each question (``menu``, ``category-auto``…) in this call so far."""
    questions_asked: int = 0
    play_id: int = 0
    playing: bool = False
    buffer: tuple[str, ...] = ()
    timer_generation: int = 0
    timers: frozenset[str] = frozenset()
    question_timer: str | None = None
    number: str | None = None
    number_source: NumberSource | None = None
    number_confirmed: bool = False
    number_announced: bool = False
    goal: OptOutKind | None = None
    """Why a number is being confirmed or keyed in."""
    register: RegisterChoice = RegisterChoice()
    keyed: str = ""
    pending: PendingRecord | None = None
    next_request_id: int = 1
    done: frozenset[OptOutKind] = frozenset()
    announcing: OptOutKind | None = None
    ending: Outcome | None = None
    tracks: Mapping[int, PlayTrack] = field(default_factory=dict)
    """Plays whose closing evidence row is not written yet."""
    any_prompt: bool = False
    heard_questions: frozenset[str] = frozenset()
    heard_rights: frozenset[str] = frozenset()
    chosen: frozenset[str] = frozenset()
    failures: Mapping[str, int] = field(default_factory=dict)
    """Failed plays per question (or announcement prompt)."""
    advertiser_failed: bool = False
    suspect: tuple[int, str] | None = None
    """A failed play (id, prompt at its end) that is a failure unless a hang-up follows."""
    ran_out: bool = False
    now_ms: int | None = None

    @property
    def finished(self) -> bool:
        return self.phase is Phase.FINISHED


_MACHINE_FIELDS = frozenset(f.name for f in dataclasses.fields(MachineState))
_T = TypeVar("_T")

if TYPE_CHECKING:
    from dataclasses import replace as replace  # mypy checks the changes against the fields
else:

    def replace(obj: _T, /, **changes: Any) -> _T:
        """``dataclasses.replace``, six times faster for :class:`MachineState` (35 fields):
        one dict copy instead of an ``__init__`` with 35 frozen ``__setattr__`` calls."""
        if type(obj) is not MachineState:
            return dataclasses.replace(obj, **changes)
        if not _MACHINE_FIELDS.issuperset(changes):
            unknown = ", ".join(sorted(changes.keys() - _MACHINE_FIELDS))
            raise TypeError(f"MachineState has no field(s) {unknown}")
        new = object.__new__(MachineState)
        object.__setattr__(new, "__dict__", {**obj.__dict__, **changes})
        return new


def initial_state(profile: Profile, config: CallConfig) -> MachineState:
    """The state before ``Start``: which number the call begins with, and how sure it is."""
    state = MachineState(profile=profile, config=config, done=config.done)
    if not profile.confirm.use_caller_id:
        config = replace(config, caller_number=None)
    if config.number is not None:
        return _with_number(state, config.number, NumberSource.ARG, profile.confirm.arg_number)
    if config.caller_number is not None:
        return _with_number(
            state, config.caller_number, NumberSource.CALLER_ID, profile.confirm.caller_number
        )
    return state


def _with_number(
    state: MachineState, number: str, source: NumberSource, needs_confirmation: bool
) -> MachineState:
    return replace(
        state,
        number=number,
        number_source=source,
        number_confirmed=not needs_confirmation,
        number_announced=source is NumberSource.ARG,
    )
