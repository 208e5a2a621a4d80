"""A tiny in-test session: feeds events to the machine and keeps what it asked for.

It plays Asterisk's part too, on a clock of its own (ms): a play starts its first
media at once, ``listen(ms)`` lets time pass inside it, ``prompt_ends()`` plays
the rest of it, and keys are pressed at the current time. ``send`` returns the
commands (every action but evidence); the evidence rows are kept in ``rows``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ivr.domain import CallEventKind, OptOutKind, Outcome
from ivr.flow import actions as a
from ivr.flow import events as e
from ivr.flow.machine import CallConfig, MachineState, _must_hear_now, initial_state, step
from ivr.flow.profile import Profile, load_profile
from ivr.flow.verdict import rights_verdict

NUMBER = "+31612345678"
CALLER = "+31201234567"
MEDIA_MS = 1000
"""How long every media plays in this driver's Asterisk."""
MARKS = {
    "menu": {"recht_van_verzet": 400, "bel_me_niet": 800},
    "offer-register": {"bel_me_niet": 600},
    "offer-rvv": {"recht_van_verzet": 600},
    "charities": {"asked": 500},
    "menu-rvv-only": {"recht_van_verzet": 600},
    "menu-dnc": {"do_not_call": 600},
}
"""Marks (ms) of the statement prompts, all within one media's length."""


@dataclass
class Call:
    state: MachineState
    actions: list[a.Action] = field(default_factory=list)
    last: list[a.Action] = field(default_factory=list)
    timers: set[str] = field(default_factory=set)
    now: int = 1_000_000
    playing: dict[int, tuple[int, int]] = field(default_factory=dict)
    """play id -> (media index playing, when it started)."""

    @classmethod
    def of(cls, profile: Profile | str = "nl-ctm2012", **config: Any) -> Call:
        if isinstance(profile, str):
            profile = load_profile(profile)
        config.setdefault("marks", MARKS)
        return cls(initial_state(profile, CallConfig(**config)))

    def send(self, *events: e.Event) -> list[a.Action]:
        """Feed events; returns the commands (evidence rows go to ``rows``)."""
        self.last = []
        queue = list(events)
        while queue:
            event = queue.pop(0)
            if isinstance(event, e.TimedOut):
                self.timers.discard(event.timer)
            self.state, out = step(self.state, event)
            for action in out:
                if isinstance(action, a.StartTimer):
                    self.timers.add(action.name)
                elif isinstance(action, a.CancelTimer):
                    self.timers.discard(action.name)
                elif isinstance(action, a.Play):
                    self.playing[action.play_id] = (0, self.now)
                    queue.append(e.MediaStarted(action.play_id, 0, self.now))
            self.actions += out
            self.last += [x for x in out if not isinstance(x, a.Evidence)]
        return self.last

    # --- the caller and Asterisk ---------------------------------------------

    def start(self) -> list[a.Action]:
        """Start and, when asked, answer: the menu is playing afterwards."""
        out = self.send(e.Start())
        if a.Answer() in out:
            out = out + self.send(e.Answered())
        return out

    def listen(self, ms: int) -> None:
        """Time passes (inside the current media, if it is long enough)."""
        self.now += ms

    def press(self, keys: str) -> list[a.Action]:
        out: list[a.Action] = []
        for key in keys:
            self.now += 10
            out += self.send(e.Digit(key, self.now))
        self.last = out
        return out

    def answer(self, keys: str) -> list[a.Action]:
        """Press each key once the question it answers has been stated (a caller who listens)."""
        out: list[a.Action] = []
        for key in keys:
            if _must_hear_now(self.state):
                self.hear_question()
            out += self.press(key)
        self.last = out
        return out

    def hear_question(self) -> None:
        """The current play reaches its last media and plays past every mark in it."""
        play = self.current_play
        if not self.state.playing or self.state.play_id != play.play_id:
            return
        index, started = self.playing.get(play.play_id, (0, self.now))
        for following in range(index + 1, len(play.prompts)):
            started = max(self.now, started + MEDIA_MS)
            self.now = started
            self.send(e.MediaStarted(play.play_id, following, started))
        self.playing[play.play_id] = (len(play.prompts) - 1, started)
        self.now = max(self.now, started + MEDIA_MS - 100)

    def prompt_ends(self) -> list[a.Action]:
        """The current play plays its remaining media to the end."""
        play = self.current_play
        index, started = self.playing.get(play.play_id, (0, self.now))
        out: list[a.Action] = []
        end = max(self.now, started + MEDIA_MS)
        for following in range(index + 1, len(play.prompts)):
            out += self.send(e.MediaStarted(play.play_id, following, end))
            end += MEDIA_MS
        self.now = end
        out += self.send(e.PromptFinished(play.play_id, self.now))
        self.last = out
        return out

    def prompt_fails(self) -> list[a.Action]:
        """Asterisk reports the current play ``failed`` (missing file), no hang-up follows."""
        out = self.send(e.PromptFailed(self.current_play.play_id, self.now))
        (timer,) = [t for t in self.timers if t.startswith("failure-")]
        out += self.send(e.TimedOut(timer))
        self.last = out
        return out

    def hang_up(self) -> list[a.Action]:
        return self.send(e.HungUp(self.now))

    def silence(self) -> list[a.Action]:
        """The caller says nothing: the play ends and the question times out."""
        out = self.prompt_ends()
        out += self.send(e.TimedOut(self.question_timer))
        self.last = out
        return out

    def recorded(self) -> list[a.Action]:
        return self.send(e.Recorded(self.records[-1].request_id, "optout-1"))

    def record_failed(self) -> list[a.Action]:
        return self.send(e.RecordFailed(self.records[-1].request_id, "disk full"))

    # --- what the machine asked for --------------------------------------------

    @property
    def plays(self) -> list[a.Play]:
        return [x for x in self.actions if isinstance(x, a.Play)]

    @property
    def current_play(self) -> a.Play:
        return self.plays[-1]

    def heard(self) -> tuple[str, ...]:
        """The prompts of the latest play: a method, not a property, as it changes with
        every event (mypy keeps a property's narrowing from one ``==`` to the next)."""
        return self.current_play.prompts

    @property
    def records(self) -> list[a.Record]:
        return [x for x in self.actions if isinstance(x, a.Record)]

    @property
    def rows(self) -> list[a.Evidence]:
        return [x for x in self.actions if isinstance(x, a.Evidence)]

    def rows_of(self, kind: CallEventKind) -> list[dict[str, Any]]:
        return [dict(x.detail) for x in self.rows if x.kind is kind]

    @property
    def notes(self) -> list[a.Evidence]:
        """Evidence only the machine knows: choices, time-outs, limits, running out."""
        kinds = {
            CallEventKind.CHOICE,
            CallEventKind.TIMEOUT,
            CallEventKind.LIMIT,
            CallEventKind.OUT_OF_TRIES,
            CallEventKind.NOTE,
        }
        return [x for x in self.rows if x.kind in kinds]

    @property
    def question_timer(self) -> str:
        (name,) = [t for t in self.timers if t.startswith("question-")]
        return name

    @property
    def outcome(self) -> Outcome | None:
        finishes = [x for x in self.actions if isinstance(x, a.Finish)]
        assert len(finishes) <= 1
        return finishes[0].outcome if finishes else None

    @property
    def machine_rights(self) -> dict[str, str]:
        (rights,) = self.rows_of(CallEventKind.RIGHTS)
        return rights

    def stored_rights(self) -> dict[str, str]:
        """The verdict the store would hold: computed from the evidence rows alone."""
        profile = self.state.profile
        rows = [(x.kind.value, x.detail) for x in self.rows if x.kind is not CallEventKind.RIGHTS]
        return rights_verdict(
            rows, profile.offered_rights, profile.statement_prompts, self.state.config.marks
        )

    def recorded_kinds(self) -> list[OptOutKind]:
        return [r.kind for r in self.records]
