"""A tiny in-test session: feeds events to the machine and keeps what it asked for."""

from __future__ import annotations

from dataclasses import dataclass, field

from ivr.domain import OptOutKind, Outcome
from ivr.flow import actions as a
from ivr.flow import events as e
from ivr.flow.machine import CallConfig, MachineState, initial_state, step
from ivr.flow.profile import Profile, load_profile

NUMBER = "+31612345678"
CALLER = "+31201234567"


@dataclass
class Call:
    state: MachineState
    actions: list[a.Action] = field(default_factory=list)
    last: list[a.Action] = field(default_factory=list)
    timers: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, profile: Profile | str = "nl-ctm2012", **config: object) -> Call:
        if isinstance(profile, str):
            profile = load_profile(profile)
        return cls(initial_state(profile, CallConfig(**config)))  # type: ignore[arg-type]

    def send(self, *events: e.Event) -> list[a.Action]:
        self.last = []
        for event in events:
            if isinstance(event, e.TimedOut):
                self.timers.discard(event.timer)
            self.state, out = step(self.state, event)
            for action in out:
                if isinstance(action, a.StartTimer):
                    self.timers.add(action.name)
                elif isinstance(action, a.CancelTimer):
                    self.timers.discard(action.name)
            self.actions += out
            self.last += out
        return self.last

    # --- the caller and the session ------------------------------------------

    def start(self) -> list[a.Action]:
        """Start and, when asked, answer: the menu is playing afterwards."""
        out = self.send(e.Start())
        if a.Answer() in out:
            out = out + self.send(e.Answered())
        return out

    def press(self, keys: str) -> list[a.Action]:
        out: list[a.Action] = []
        for key in keys:
            out += self.send(e.Digit(key))
        self.last = out
        return out

    def prompt_ends(self) -> list[a.Action]:
        return self.send(e.PromptFinished(self.current_play.play_id))

    def silence(self) -> list[a.Action]:
        """The caller says nothing: the play ends and the question times out."""
        out = self.prompt_ends()
        out += self.send(e.TimedOut(self.question_timer))
        self.last = out
        return out

    def recorded(self) -> list[a.Action]:
        return self.send(e.Recorded(self.records[-1].request_id))

    def record_failed(self) -> list[a.Action]:
        return self.send(e.RecordFailed(self.records[-1].request_id))

    # --- what the machine asked for --------------------------------------------

    @property
    def plays(self) -> list[a.Play]:
        return [x for x in self.actions if isinstance(x, a.Play)]

    @property
    def current_play(self) -> a.Play:
        return self.plays[-1]

    @property
    def heard(self) -> tuple[str, ...]:
        """The prompts of the latest play."""
        return self.current_play.prompts

    @property
    def records(self) -> list[a.Record]:
        return [x for x in self.actions if isinstance(x, a.Record)]

    @property
    def notes(self) -> list[a.Note]:
        return [x for x in self.actions if isinstance(x, a.Note)]

    @property
    def question_timer(self) -> str:
        (name,) = [t for t in self.timers if t.startswith("question-")]
        return name

    @property
    def outcome(self) -> Outcome | None:
        finishes = [x for x in self.actions if isinstance(x, a.Finish)]
        assert len(finishes) <= 1
        return finishes[0].outcome if finishes else None

    def recorded_kinds(self) -> list[OptOutKind]:
        return [r.kind for r in self.records]
