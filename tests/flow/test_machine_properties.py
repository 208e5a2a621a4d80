"""Properties of the call flow under any events a session and a caller can produce."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.domain import OptOutKind
from ivr.flow import actions as a
from ivr.flow import events as e
from ivr.flow.machine import CallConfig, MachineState, initial_state, step
from ivr.flow.profile import Profile, load_profile
from ivr.rules.numbers import national_digits

from .driver import CALLER, NUMBER

KEYS = "0123456789*#AB"
PROFILES = {name: load_profile(name) for name in ("nl-ctm2012", "nl-2021", "us-tcpa")}
ENDINGS = ("goodbye", "cannot-register", "contact-generic")


def caller_bound(profile: Profile) -> int:
    """Caller moves (a key, or silence) after which any call has ended.

    A question is entered at most ``max_questions`` times and played at most
    ``tries`` times per entry; a play ends at the first key, except a keyed
    number, which takes at most ``max_keyed_digits + 1`` keys; silence ends a
    play too. Recording and announcing take no caller move here.
    """
    return profile.max_questions * profile.tries * (profile.max_keyed_digits + 1) + 1


@dataclass
class Session:
    """Feeds the machine, keeps what it asked for, and checks it at every step."""

    profile: Profile
    config: CallConfig
    state: MachineState = field(init=False)
    finished: bool = False
    events: int = 0
    current_play: a.Play | None = None
    last_play: a.Play | None = None
    answer_pending: bool = False
    pending: list[a.Record] = field(default_factory=list)
    timers: dict[str, float] = field(default_factory=dict)
    recorded: set[OptOutKind] = field(default_factory=set)
    record_kinds: list[OptOutKind] = field(default_factory=list)
    ones_since_record: int = 0
    read_back: set[str] = field(default_factory=set)
    stopped: list[int] = field(default_factory=list)
    max_play_id: int = 0

    def __post_init__(self) -> None:
        self.state = initial_state(self.profile, self.config)
        self.recorded = set(self.config.done)

    def feed(self, event: e.Event) -> list[a.Action]:
        self.events += 1
        self.state, actions = step(self.state, event)
        if self.finished:
            assert actions == [], f"{actions} after Finish"
            return actions
        if isinstance(event, e.Digit) and event.digit == "1":
            self.ones_since_record += 1
        if isinstance(event, e.TimedOut):
            self.timers.pop(event.timer, None)
        if isinstance(event, e.Recorded):
            kind = next(r.kind for r in self.pending if r.request_id == event.request_id)
            self.recorded.add(kind)
        if isinstance(event, e.Recorded | e.RecordFailed):
            self.pending = [r for r in self.pending if r.request_id != event.request_id]
        for index, action in enumerate(actions):
            self._check(event, action, last=index == len(actions) - 1)
        return actions

    def _check(self, event: e.Event, action: a.Action, *, last: bool) -> None:
        match action:
            case a.Finish():
                assert last, "Finish must be the last action"
                self.finished = True
            case a.Play(play_id=play_id, prompts=prompts):
                assert play_id > self.max_play_id
                self.max_play_id = play_id
                # (3) nothing confirms an opt-out before it is recorded
                if "rvv-registered" in prompts:
                    assert OptOutKind.RECHT_VAN_VERZET in self.recorded
                if "dnc-registered" in prompts:
                    assert OptOutKind.DO_NOT_CALL in self.recorded
                if "register-recorded" in prompts:
                    assert OptOutKind.BEL_ME_NIET in self.recorded
                if "readback-number" in prompts:
                    self.read_back.add(_read_back_digits(prompts))
                self.current_play = self.last_play = action
            case a.StopPlayback(play_id=play_id):
                assert self.current_play is not None and play_id == self.current_play.play_id
                self.current_play = None
            case a.Record():
                self._check_record(event, action)
            case a.Answer():
                self.answer_pending = True
            case a.StartTimer(name=name, seconds=seconds):
                self.timers[name] = seconds
            case a.CancelTimer(name=name):
                assert name in self.timers, f"cancelled {name} that is not running"
                del self.timers[name]

    def _check_record(self, event: e.Event, record: a.Record) -> None:
        # (5) one record per kind per call, never one already done
        assert record.kind not in self.record_kinds and record.kind not in self.config.done
        self.record_kinds.append(record.kind)
        # (2) only after the keys that ask for it
        assert self.ones_since_record >= 1
        self.ones_since_record = 0
        if record.kind is OptOutKind.BEL_ME_NIET:
            assert event == e.Digit("1")
            assert self.last_play is not None and self.last_play.prompts[-1] == "confirm-register"
        # a number is recorded as given by the agent, or after the caller heard it
        heard = national_digits(record.number) in self.read_back
        unconfirmed_caller_id = not self.profile.confirm.caller_number
        assert record.number == self.config.number or heard or unconfirmed_caller_id
        self.pending.append(record)

    # --- the session's side ------------------------------------------------------

    def end_prompt(self, failed: bool = False) -> None:
        if self.current_play is not None:
            play, self.current_play = self.current_play, None
            self.feed(e.PromptFailed(play.play_id) if failed else e.PromptFinished(play.play_id))

    def answer(self, ok: bool = True) -> None:
        if self.answer_pending:
            self.answer_pending = False
            self.feed(e.Answered() if ok else e.Failed("answer failed"))

    def store(self, ok: bool = True) -> None:
        if self.pending:
            request_id = self.pending[0].request_id
            self.feed(e.Recorded(request_id) if ok else e.RecordFailed(request_id))

    def fire(self, call_timer: bool = False) -> None:
        names = [n for n in self.timers if (n == "call") == call_timer]
        if names:
            self.feed(e.TimedOut(min(names, key=lambda n: (self.timers[n], n))))

    def drain(self) -> None:
        """A fair session with a silent caller: every answer, write and timer comes."""
        if self.answer_pending:
            self.answer()
        elif self.pending:
            self.store()
        elif self.current_play is not None:
            self.end_prompt()
        elif any(n != "call" for n in self.timers):
            self.fire()
        else:
            self.fire(call_timer=True)


def _read_back_digits(prompts: tuple[str, ...]) -> str:
    digits = ""
    for prompt in prompts[prompts.index("readback-number") + 1 :]:
        if not prompt.startswith("digit-"):
            break
        digits += prompt.removeprefix("digit-")
    return digits


LIKELY_KEYS = "11112222031#*9A"
"""Keys the flow uses, more often than the rest, so that deep paths are walked."""

MOVES = st.one_of(
    st.tuples(st.just("key"), st.sampled_from(LIKELY_KEYS)),
    st.tuples(st.just("keys"), st.text(alphabet=LIKELY_KEYS, min_size=2, max_size=14)),
    st.tuples(st.just("prompt"), st.booleans()),
    st.tuples(st.just("store"), st.booleans()),
    st.tuples(st.just("answer"), st.booleans()),
    st.tuples(st.just("timer"), st.booleans()),
    st.tuples(st.just("hangup"), st.none()),
    st.tuples(st.just("transfer"), st.booleans()),
    st.tuples(st.just("stale"), st.none()),
    st.tuples(st.just("grace"), st.none()),
)

CONFIGS = st.builds(
    CallConfig,
    advertiser_prompt=st.sampled_from([None, "advertisers/acme"]),
    number=st.sampled_from([None, NUMBER]),
    caller_number=st.sampled_from([None, CALLER]),
    answered=st.booleans(),
    refuse=st.sampled_from([False, False, False, True]),
    done=st.frozensets(st.sampled_from(list(OptOutKind)[:2])),
    shutting_down=st.sampled_from([False, False, False, True]),
)


def _move(session: Session, kind: str, arg: object) -> None:
    match kind:
        case "key":
            session.feed(e.Digit(str(arg)))
        case "keys":
            for key in str(arg):
                session.feed(e.Digit(key))
        case "prompt":
            session.end_prompt(failed=not arg)
        case "store":
            session.store(ok=bool(arg))
        case "answer":
            session.answer(ok=bool(arg))
        case "timer":
            session.fire(call_timer=bool(arg))
        case "hangup":
            session.feed(e.HungUp())
        case "transfer":
            session.feed(e.TransferRequested("1000", declinable=bool(arg)))
        case "stale":
            session.feed(e.PromptFinished(0))
            session.feed(e.TimedOut("question-0"))
        case "grace":
            session.feed(e.GraceExpired())


@settings(max_examples=300)
@given(
    profile=st.sampled_from(list(PROFILES.values())),
    config=CONFIGS,
    moves=st.lists(MOVES, max_size=120),
)
def test_any_events_keep_every_promise_and_a_fair_session_ends_the_call(
    profile: Profile, config: CallConfig, moves: list[tuple[str, object]]
) -> None:
    session = Session(profile, config)
    session.feed(e.Start())
    for kind, arg in moves:
        if session.finished:
            break
        _move(session, kind, arg)
        # the call timer, goodbye's guard, or a write's answer is always there to end the call
        assert session.finished or session.timers or session.pending
    # Once the caller is silent, at most two questions play out (a keyed number
    # taken on its time-out, then its read-back), each play ending with its
    # prompt and its time-out; besides: an answer, a write, an announcement, goodbye.
    limit = 2 * (2 * profile.tries) + 8
    for _ in range(limit):
        if session.finished:
            break
        session.drain()
    assert session.finished, f"not finished {limit} steps after the caller fell silent"
    for event in (e.Digit("1"), e.Recorded(1), e.HungUp(), e.TimedOut("call")):
        assert session.feed(event) == []


def _auto_session(session: Session) -> None:
    """What a prompt session does without the caller: answer, write, announce, say goodbye."""
    while not session.finished:
        if session.answer_pending:
            session.answer()
        elif session.pending:
            session.store()
        elif session.current_play is not None and session.current_play.prompts[-1] in (
            "rvv-registered",
            "dnc-registered",
            "register-recorded",
            *ENDINGS,
        ):
            session.end_prompt()
        else:
            return


@settings(max_examples=150)
@given(
    profile=st.sampled_from(list(PROFILES.values())),
    config=CONFIGS,
    seed=st.randoms(use_true_random=False),
    weights=st.lists(st.integers(0, 5), min_size=len(KEYS) + 1, max_size=len(KEYS) + 1),
)
def test_whatever_the_caller_presses_the_call_ends_within_the_bound(
    profile: Profile, config: CallConfig, seed: random.Random, weights: list[int]
) -> None:
    session = Session(profile, config)
    session.feed(e.Start())
    choices = [*KEYS, None]
    weights = [w + (1 if i == 0 else 0) for i, w in enumerate(weights)]
    moves = 0
    bound = caller_bound(profile)
    _auto_session(session)
    while not session.finished:
        assert moves < bound, f"still going after {bound} caller moves"
        key = seed.choices(choices, weights=weights)[0]
        if key is None:
            session.end_prompt()
            session.fire()
        else:
            session.feed(e.Digit(key))
        moves += 1
        _auto_session(session)
    assert session.finished


@settings(max_examples=200)
@given(keys=st.text(alphabet=LIKELY_KEYS, max_size=60), config=CONFIGS)
def test_keys_alone_never_record_a_register_choice_without_its_confirmation(
    keys: str, config: CallConfig
) -> None:
    session = Session(PROFILES["nl-ctm2012"], config)
    session.feed(e.Start())
    for key in keys:
        _auto_session(session)
        if session.finished:
            break
        session.feed(e.Digit(key))
    # _check_record asserted the confirmation for every register record made
    assert session.record_kinds.count(OptOutKind.BEL_ME_NIET) <= 1
