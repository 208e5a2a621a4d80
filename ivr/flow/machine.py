"""The call flow as a pure state machine (DESIGN.md section 3).

``step(state, event) -> (state, actions)``: events in, actions out, no I/O, no
clock. The session feeds it ARI events, timer expiries and store results, and
carries out the actions in order. Like h11, every transition is explicit and
can be tested without a network.

The rules that shape it:

* keys count from the first word of ``welcome``; a key while a question plays
  stops the play (barge-in) and answers the question;
* keys pressed while no question listens (answering, recording, a "registered"
  prompt) are typed ahead into the next question, except that a confirmation
  or the charities question starts with an empty buffer;
* every question is played at most ``tries`` times in the whole call, whatever
  caused the repeat; a call asks at most ``max_questions`` questions and the
  ``call`` timer ends it after ``max_call_s``;
* an opt-out is announced only after ``Recorded`` (the durability rule);
* ``Finish`` is the last action of a call, exactly once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import assert_never

from ivr.domain import SCOPE_ALL, NumberSource, OptOutKind, Outcome
from ivr.flow.actions import (
    Action,
    Answer,
    CancelTimer,
    DeclineTransfer,
    Finish,
    HangUp,
    Note,
    NumberChosen,
    Play,
    Record,
    StartTimer,
    StopPlayback,
)
from ivr.flow.events import (
    Answered,
    Digit,
    Event,
    Failed,
    GraceExpired,
    HungUp,
    PromptFailed,
    PromptFinished,
    Recorded,
    RecordFailed,
    Start,
    TimedOut,
    TransferRequested,
)
from ivr.flow.questions import current_category, question_key, question_prompts
from ivr.flow.state import (
    ANSWERED_ON_PURPOSE,
    CALL_TIMER,
    TYPE_AHEAD_LIMIT,
    CallConfig,
    MachineState,
    PendingRecord,
    Phase,
    Question,
    RegisterChoice,
    initial_state,
)
from ivr.rules.numbers import normalize

__all__ = ["CallConfig", "MachineState", "initial_state", "step"]

Result = tuple[MachineState, list[Action]]

RVV = OptOutKind.RECHT_VAN_VERZET
BMN = OptOutKind.BEL_ME_NIET
_DIGITS = frozenset("0123456789")


def step(state: MachineState, event: Event) -> Result:
    """The next state and what to do, for one event. Pure."""
    if state.phase is Phase.FINISHED:
        return state, []
    state, actions = _dispatch(state, event)
    state, typed_ahead = _apply_type_ahead(state)
    return state, actions + typed_ahead


def _dispatch(state: MachineState, event: Event) -> Result:
    if state.phase is Phase.NEW and not isinstance(event, Start | HungUp):
        return state, []
    match event:
        case Start():
            return _start(state) if state.phase is Phase.NEW else (state, [])
        case Answered():
            return _answered(state)
        case Digit(digit=digit):
            return _digit(state, digit)
        case PromptFinished(play_id=play_id) | PromptFailed(play_id=play_id):
            return _prompt_ended(state, play_id)
        case TimedOut(timer=name):
            return _timed_out(state, name)
        case HungUp():
            return _hung_up(state)
        case Recorded(request_id=request_id):
            return _recorded(state, request_id)
        case RecordFailed(request_id=request_id):
            return _record_failed(state, request_id)
        case TransferRequested(declinable=declinable):
            return state, [DeclineTransfer()] if declinable else []
        case Failed():
            return _failed(state)
        case GraceExpired():
            return _grace_expired(state)
        case _:
            assert_never(event)


# --- the call's life: start, answer, end -------------------------------------


def _start(state: MachineState) -> Result:
    if state.config.refuse:
        return _finish(state, Outcome.REFUSED_VOICEMAIL, hang_up=True)
    state = replace(state, timers=state.timers | {CALL_TIMER})
    actions: list[Action] = [StartTimer(CALL_TIMER, state.profile.max_call_s)]
    if state.config.answered:
        state, more = _begin(replace(state, answered=True))
        return state, actions + more
    return replace(state, phase=Phase.ANSWERING), [*actions, Answer()]


def _answered(state: MachineState) -> Result:
    if state.phase is not Phase.ANSWERING:
        return state, []
    return _begin(replace(state, answered=True))


def _begin(state: MachineState) -> Result:
    if state.config.shutting_down:
        return _end(state, (state.profile.wording.cannot_register,), Outcome.SHUTDOWN)
    return _ask(state, Question.MENU)


def _goodbye(state: MachineState, outcome: Outcome = Outcome.COMPLETED) -> Result:
    return _end(state, (state.profile.wording.goodbye,), outcome)


def _end(state: MachineState, prompts: tuple[str, ...], outcome: Outcome) -> Result:
    """Say ``prompts`` and hang up; a guard timer hangs up if the play never ends."""
    if not state.answered:
        return _finish(state, outcome, hang_up=True)
    state, actions = _silence(state)
    state, guard = _new_timer(state, "ending")
    state = replace(state, phase=Phase.ENDING, ending=outcome, question=None, announcing=None)
    state, play = _play(state, prompts)
    seconds = state.profile.max_prompt_seconds * len(prompts)
    return state, [*actions, play, StartTimer(guard, seconds)]


def _finish(state: MachineState, outcome: Outcome, *, hang_up: bool) -> Result:
    actions: list[Action] = [CancelTimer(name) for name in sorted(state.timers)]
    if hang_up:
        actions.append(HangUp())
    actions.append(Finish(outcome))
    state = replace(
        state,
        phase=Phase.FINISHED,
        timers=frozenset(),
        question_timer=None,
        playing=False,
        ending=outcome,
    )
    return state, actions


def _hung_up(state: MachineState) -> Result:
    """Once goodbye has begun the IVR has ended the call: its outcome stands."""
    if state.phase is Phase.ENDING and state.ending is not None:
        return _finish(state, state.ending, hang_up=False)
    return _finish(state, Outcome.CALLER_HUNG_UP, hang_up=False)


def _failed(state: MachineState) -> Result:
    if state.phase is Phase.ENDING or not state.answered:
        return _finish(state, Outcome.ERROR, hang_up=True)
    return _end(state, (state.profile.wording.cannot_register,), Outcome.ERROR)


def _grace_expired(state: MachineState) -> Result:
    if state.phase is Phase.ENDING and state.ending is not None:
        return _finish(state, state.ending, hang_up=True)
    return _goodbye(state, Outcome.SHUTDOWN)


# --- prompts, timers and keys ---------------------------------------------------


def _prompt_ended(state: MachineState, play_id: int) -> Result:
    if play_id != state.play_id or not state.playing:
        return state, []
    state = replace(state, playing=False)
    match state.phase:
        case Phase.ASKING:
            return _start_question_timer(state, state.profile.timeout_s)
        case Phase.ANNOUNCING:
            return _after_announcement(state)
        case Phase.ENDING:
            assert state.ending is not None
            return _finish(state, state.ending, hang_up=True)
    return state, []


def _timed_out(state: MachineState, name: str) -> Result:
    if name not in state.timers:
        return state, []
    state = replace(state, timers=state.timers - {name})
    if state.phase is Phase.ENDING:
        if name == CALL_TIMER:
            return state, []
        assert state.ending is not None
        return _finish(state, state.ending, hang_up=True)
    if name == CALL_TIMER:
        if not state.answered:
            return _finish(state, Outcome.ERROR, hang_up=True)
        state, actions = _goodbye(state)
        return state, [Note("limit", {"limit": "max_call_s"}), *actions]
    if name == state.question_timer:
        return _question_timed_out(replace(state, question_timer=None))
    return state, []


def _question_timed_out(state: MachineState) -> Result:
    if state.question is Question.ENTER_NUMBER and state.keyed:
        return _take_keyed_number(state)
    key = question_key(state)
    note = Note("timeout", {"question": key, "try": str(state.plays.get(key, 0))})
    state, actions = _repeat(state)
    return state, [note, *actions]


def _start_question_timer(state: MachineState, seconds: float) -> Result:
    state, actions = _cancel_question_timer(state)
    state, name = _new_timer(state, "question")
    return replace(state, question_timer=name), [*actions, StartTimer(name, seconds)]


def _new_timer(state: MachineState, kind: str) -> tuple[MachineState, str]:
    """A timer name never used before in this call (``question-3``, ``ending-4``), running."""
    generation = state.timer_generation + 1
    name = f"{kind}-{generation}"
    return replace(state, timer_generation=generation, timers=state.timers | {name}), name


def _cancel_question_timer(state: MachineState) -> Result:
    name = state.question_timer
    if name is None:
        return state, []
    return replace(state, question_timer=None, timers=state.timers - {name}), [CancelTimer(name)]


def _play(state: MachineState, prompts: tuple[str, ...]) -> tuple[MachineState, Play]:
    """A new play of ``prompts``, with the next play id, playing from now on."""
    play_id = state.play_id + 1
    return replace(state, play_id=play_id, playing=True), Play(play_id, prompts)


def _silence(state: MachineState) -> Result:
    """Stop the play and the question's timer: the IVR is about to do something else."""
    actions: list[Action] = []
    if state.playing:
        actions.append(StopPlayback(state.play_id))
        state = replace(state, playing=False)
    state, cancelled = _cancel_question_timer(state)
    return state, actions + cancelled


def _digit(state: MachineState, digit: str) -> Result:
    match state.phase:
        case Phase.ASKING:
            return _answer(state, digit)
        case Phase.ANNOUNCING:
            state, actions = _silence(_type_ahead(state, digit))
            state, more = _after_announcement(state)
            return state, actions + more
        case Phase.ANSWERING | Phase.RECORDING:
            return _type_ahead(state, digit), []
    return state, []


def _type_ahead(state: MachineState, digit: str) -> MachineState:
    if len(state.buffer) >= TYPE_AHEAD_LIMIT:
        return state
    return replace(state, buffer=(*state.buffer, digit))


def _apply_type_ahead(state: MachineState) -> Result:
    """Keys typed ahead go to the question that now listens, in order."""
    actions: list[Action] = []
    while state.phase is Phase.ASKING and state.buffer:
        digit, rest = state.buffer[0], state.buffer[1:]
        state, more = _answer(replace(state, buffer=rest), digit)
        actions += more
    return state, actions


# --- questions ------------------------------------------------------------------


def _ask(state: MachineState, question: Question) -> Result:
    """Start a question: played now, or answered by keys already typed ahead."""
    if state.questions_asked >= state.profile.max_questions:
        state, actions = _goodbye(state)
        return state, [Note("limit", {"limit": "max_questions"}), *actions]
    state = replace(
        state,
        phase=Phase.ASKING,
        question=question,
        questions_asked=state.questions_asked + 1,
        keyed="",
    )
    if question in ANSWERED_ON_PURPOSE:
        state = replace(state, buffer=())
    if state.buffer:
        return state, []
    return _repeat(state)


def _repeat(state: MachineState, prefix: tuple[str, ...] = ()) -> Result:
    """Play the current question (again), if it has plays left."""
    key = question_key(state)
    plays = state.plays.get(key, 0)
    if plays >= state.profile.tries:
        return _out_of_tries(state, key)
    state = replace(state, plays={**state.plays, key: plays + 1})
    state, play = _play(state, (*prefix, *question_prompts(state)))
    return state, [play]


def _invalid(state: MachineState) -> Result:
    return _repeat(state, (state.profile.wording.invalid,))


def _out_of_tries(state: MachineState, key: str) -> Result:
    outcome = Outcome.COMPLETED if state.done else Outcome.NO_CHOICE
    state, actions = _goodbye(state, outcome)
    return state, [Note("out_of_tries", {"question": key}), *actions]


def _answer(state: MachineState, digit: str) -> Result:
    state, actions = _silence(state)
    state, more = _apply(state, digit)
    return state, actions + more


def _apply(state: MachineState, digit: str) -> Result:
    keys = state.profile.keys
    offers = state.profile.offers
    question = state.question
    if question is Question.ENTER_NUMBER:
        return _keyed(state, digit)
    if digit == keys.repeat:
        return _repeat(state)
    match question:
        case Question.MENU:
            if offers.recht_van_verzet and digit == keys.recht_van_verzet:
                return _choose_recht_van_verzet(state)
            if offers.bel_me_niet and digit == keys.bel_me_niet:
                return _choose_bel_me_niet(state)
        case Question.OFFER_REGISTER:
            if digit in (keys.yes, keys.no):
                return _choose_bel_me_niet(state) if digit == keys.yes else _goodbye(state)
        case Question.OFFER_RVV:
            if digit in (keys.yes, keys.no):
                return _choose_recht_van_verzet(state) if digit == keys.yes else _goodbye(state)
        case Question.REGISTER_SCOPE:
            if digit == keys.total:
                return _ask(
                    replace(state, register=RegisterChoice(scope=SCOPE_ALL)), Question.CHARITIES
                )
            if digit == keys.partial:
                return _ask(replace(state, register=RegisterChoice()), Question.CATEGORY)
        case Question.CHARITIES:
            if digit in (keys.yes, keys.no):
                choice = replace(state.register, charities=digit == keys.yes)
                return _register_chosen(replace(state, register=choice))
        case Question.CATEGORY:
            if digit in (keys.opt_out, keys.keep):
                return _next_category(state, opted_out=digit == keys.opt_out)
        case Question.CONFIRM_REGISTER:
            if digit == keys.confirm:
                return _record(state, BMN)
            if digit == keys.choose_again:
                return _ask(replace(state, register=RegisterChoice()), Question.REGISTER_SCOPE)
            if digit == keys.other_number:
                return _ask(replace(state, goal=BMN), Question.ENTER_NUMBER)
        case Question.CONFIRM_NUMBER:
            if digit == keys.number_ok:
                return _number_confirmed(state)
            if digit == keys.number_other:
                return _ask(state, Question.ENTER_NUMBER)
    return _invalid(state)


# --- the two rights -------------------------------------------------------------


def _choose_recht_van_verzet(state: MachineState) -> Result:
    if RVV in state.done:
        return _announce(state, RVV)
    if state.number is not None and state.number_confirmed:
        return _record(state, RVV)
    state = replace(state, goal=RVV)
    if state.number is not None:
        return _ask(state, Question.CONFIRM_NUMBER)
    return _ask(state, Question.ENTER_NUMBER)


def _choose_bel_me_niet(state: MachineState) -> Result:
    if BMN in state.done:
        return _announce(state, BMN)
    return _ask(replace(state, register=RegisterChoice()), Question.REGISTER_SCOPE)


def _next_category(state: MachineState, *, opted_out: bool) -> Result:
    choice = state.register
    chosen = (*choice.chosen, current_category(state)) if opted_out else choice.chosen
    following = choice.category_index + 1
    if following < len(state.profile.categories):
        choice = replace(choice, category_index=following, chosen=chosen)
        return _ask(replace(state, register=choice), Question.CATEGORY)
    if not chosen:
        state = replace(state, question=Question.REGISTER_SCOPE, register=RegisterChoice())
        return _repeat(state, (state.profile.wording.no_category,))
    return _register_chosen(replace(state, register=replace(choice, scope=chosen, chosen=chosen)))


def _register_chosen(state: MachineState) -> Result:
    """The choice is made but not confirmed: evidence, not an opt-out."""
    choice = state.register
    detail = {"kind": BMN.value}
    if choice.scope == SCOPE_ALL:
        detail |= {"scope": SCOPE_ALL, "charities": "yes" if choice.charities else "no"}
    else:
        detail["scope"] = "|".join(choice.chosen)
    note = Note("choice", detail)
    if state.number is None:
        state, actions = _ask(replace(state, goal=BMN), Question.ENTER_NUMBER)
    else:
        state, actions = _ask(state, Question.CONFIRM_REGISTER)
    return state, [note, *actions]


def _keyed(state: MachineState, digit: str) -> Result:
    keys = state.profile.keys
    if digit in _DIGITS:
        keyed = state.keyed + digit
        if len(keyed) > state.profile.max_keyed_digits:
            return _number_invalid(state)
        return _start_question_timer(replace(state, keyed=keyed), state.profile.keyed_timeout_s)
    if digit == keys.end_entry:
        return _take_keyed_number(state)
    if digit == keys.restart_entry:
        return _repeat(replace(state, keyed=""))
    return _invalid(replace(state, keyed=""))


def _take_keyed_number(state: MachineState) -> Result:
    number = normalize(state.keyed)
    if number is None:
        return _number_invalid(state)
    state = replace(
        state,
        number=number,
        number_source=NumberSource.KEYED,
        number_confirmed=False,
        number_announced=False,
        keyed="",
    )
    if state.goal is BMN:
        return _ask(state, Question.CONFIRM_REGISTER)
    return _ask(state, Question.CONFIRM_NUMBER)


def _number_invalid(state: MachineState) -> Result:
    return _repeat(replace(state, keyed=""), (state.profile.wording.number_invalid,))


def _number_confirmed(state: MachineState) -> Result:
    state = replace(state, number_confirmed=True)
    if state.goal is BMN:
        return _ask(state, Question.CONFIRM_REGISTER)
    return _record(state, RVV)


def _record(state: MachineState, kind: OptOutKind) -> Result:
    """Ask the store for a durable write; nothing confirms it before ``Recorded``."""
    number, source = state.number, state.number_source
    assert number is not None and source is not None
    state, actions = _silence(state)
    if not state.number_announced:
        actions.append(NumberChosen(number, source))
    if kind is BMN:
        scope = state.register.scope
        charities = state.register.charities if scope == SCOPE_ALL else None
    else:
        scope, charities = None, None
    request_id = state.next_request_id
    actions.append(Record(request_id, kind, number, scope, charities))
    state = replace(
        state,
        phase=Phase.RECORDING,
        question=None,
        number_confirmed=True,
        number_announced=True,
        pending=PendingRecord(request_id, kind),
        next_request_id=request_id + 1,
    )
    return state, actions


def _recorded(state: MachineState, request_id: int) -> Result:
    pending = state.pending
    if pending is None or pending.request_id != request_id:
        return state, []
    state = replace(state, pending=None, done=state.done | {pending.kind})
    if state.phase is not Phase.RECORDING:
        return state, []
    return _announce(state, pending.kind)


def _record_failed(state: MachineState, request_id: int) -> Result:
    pending = state.pending
    if pending is None or pending.request_id != request_id:
        return state, []
    state = replace(state, pending=None)
    if state.phase is not Phase.RECORDING:
        return replace(state, ending=Outcome.ERROR), []
    wording = state.profile.wording
    return _end(state, (wording.cannot_register, wording.goodbye), Outcome.ERROR)


def _announce(state: MachineState, kind: OptOutKind) -> Result:
    """Say that ``kind`` is recorded; only ever after ``Recorded`` (or a resync's ``done``)."""
    state, actions = _silence(state)
    wording = state.profile.wording
    prompt = wording.rvv_registered if kind is RVV else wording.register_recorded
    state = replace(state, phase=Phase.ANNOUNCING, question=None, announcing=kind)
    state, play = _play(state, (prompt,))
    return state, [*actions, play]


def _after_announcement(state: MachineState) -> Result:
    """Offer the other right, unless it is done or the profile does not offer it."""
    offers = state.profile.offers
    kind = state.announcing
    state = replace(state, announcing=None)
    if kind is RVV:
        offer_other = offers.bel_me_niet and offers.bel_me_niet_after_recht_van_verzet
        if offer_other and BMN not in state.done:
            return _ask(state, Question.OFFER_REGISTER)
    else:
        offer_other = offers.recht_van_verzet and offers.recht_van_verzet_after_bel_me_niet
        if offer_other and RVV not in state.done:
            return _ask(state, Question.OFFER_RVV)
    return _goodbye(state)
