"""The call flow as a pure state machine (docs/design.md §3, §10.2, §14, §15).

``step(state, event) -> (state, actions)``: events in, actions out, no I/O, no
clock of its own (times come with the events, from Asterisk's timestamps). The
session carries out the actions in order. Like h11, every transition is
explicit and can be tested without a network.

The rules that shape it:

* keys count from the first word of ``welcome``; a key while a question plays
  stops the play (barge-in) and answers the question;
* keys pressed while no question listens are typed ahead into the next
  question, except for the must-hear questions (confirmations, charities, the
  offers): they start with an empty buffer and a key counts only once the
  question has been stated, until it has been heard once in the call;
* every question is played at most ``tries`` times in the whole call, whatever
  caused the repeat; a call asks at most ``max_questions`` questions and the
  ``call`` timer ends it after ``max_call_s``;
* an opt-out is announced only after ``Recorded`` (the durability rule);
* the evidence trail is the machine's output: one ``prompt_started`` and one
  closing row per playback, a ``digit`` row per key, and the rights verdict;
* ``Finish`` is the last action of a call, exactly once.
"""

from __future__ import annotations

from typing import Any, assert_never

from ivr.domain import SCOPE_ALL, CallEventKind, NumberSource, OptOutKind, Outcome, Verdict
from ivr.flow.actions import (
    Action,
    Answer,
    CancelTimer,
    DeclineTransfer,
    Evidence,
    Finish,
    HangUp,
    NumberChosen,
    Record,
    ReportPromptFailure,
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
    LeftApp,
    MediaStarted,
    PromptFailed,
    PromptFinished,
    Recorded,
    RecordFailed,
    Start,
    TimedOut,
    TransferRequested,
)
from ivr.flow.playbacks import (
    close,
    close_all,
    evidence_row,
    mark,
    media_started,
    new_play,
    prompt_at_end,
    stated_at,
)
from ivr.flow.questions import current_category, question_key, question_prompts
from ivr.flow.state import (
    CALL_TIMER,
    MUST_HEAR,
    TYPE_AHEAD_LIMIT,
    CallConfig,
    MachineState,
    PendingRecord,
    Phase,
    Question,
    RegisterChoice,
    initial_state,
    replace,
)
from ivr.rules.numbers import normalize

__all__ = ["CallConfig", "MachineState", "initial_state", "machine_rights", "step"]

Result = tuple[MachineState, list[Action]]

RVV = OptOutKind.RECHT_VAN_VERZET
BMN = OptOutKind.BEL_ME_NIET
FAILURE_GRACE_S = 1.0
"""A failed playback followed within this time by a hang-up is a hang-up (§10.1)."""
_DIGITS = frozenset("0123456789")
_IVR_ENDED = frozenset({Outcome.COMPLETED, Outcome.NO_CHOICE, Outcome.INCOMPLETE})


def step(state: MachineState, event: Event) -> Result:
    """The next state and what to do, for one event. Pure."""
    if state.phase is Phase.FINISHED:
        return state, []
    state = _tick(state, event)
    state, actions = _dispatch(state, event)
    state, typed_ahead = _apply_type_ahead(state)
    return state, actions + typed_ahead


def _tick(state: MachineState, event: Event) -> MachineState:
    at = getattr(event, "at_ms", None)
    if at is None or (state.now_ms is not None and at < state.now_ms):
        return state
    return replace(state, now_ms=at)


def _dispatch(state: MachineState, event: Event) -> Result:
    if state.phase is Phase.NEW and not isinstance(event, Start | HungUp | LeftApp):
        return state, []
    if state.phase is Phase.CLOSING and not isinstance(event, Recorded | RecordFailed | TimedOut):
        return state, []
    match event:
        case Start():
            return _start(state) if state.phase is Phase.NEW else (state, [])
        case Answered():
            return _answered(state)
        case Digit(digit=digit, at_ms=at):
            return _digit(state, digit, at)
        case MediaStarted(play_id=play_id, index=index, at_ms=at):
            return media_started(state, play_id, index, at)
        case PromptFinished(play_id=play_id, at_ms=at):
            return _prompt_ended(state, play_id, at)
        case PromptFailed(play_id=play_id, at_ms=at, error=error):
            return _prompt_failed(state, play_id, at, error)
        case TimedOut(timer=name):
            return _timed_out(state, name)
        case HungUp(at_ms=at):
            return _hung_up(state, at)
        case LeftApp(at_ms=at):
            return _left_app(state, at)
        case Recorded(request_id=request_id, optout_id=optout_id):
            return _recorded(state, request_id, optout_id)
        case RecordFailed(request_id=request_id, error=error):
            return _record_failed(state, request_id, error)
        case TransferRequested(destination=destination, declinable=declinable):
            row = _row(
                CallEventKind.TRANSFER_ATTEMPT,
                destination=destination,
                mode=event.mode,
                result=event.result,
            )
            return state, [row, DeclineTransfer()] if declinable else [row]
        case Failed(reason=reason, error=error):
            state, actions = _failed(state)
            return state, [_row(CallEventKind.ERROR, during=reason, error=error), *actions]
        case GraceExpired():
            return _grace_expired(state)
        case _:
            assert_never(event)


_row = evidence_row


def _digit_row(digit: str, ignored: str | None = None) -> Evidence:
    if ignored is None:
        return _row(CallEventKind.DIGIT, digit=digit)
    return _row(CallEventKind.DIGIT, digit=digit, ignored=ignored)


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
        return _end(state, _cannot_register(state), Outcome.SHUTDOWN)
    return _ask(state, Question.MENU)


def _goodbye(state: MachineState, outcome: Outcome = Outcome.COMPLETED) -> Result:
    return _end(state, (state.profile.wording.goodbye,), outcome)


def _cannot_register(state: MachineState) -> tuple[str, ...]:
    """``cannot-register``, then where to object instead: the advertiser's ``contact_prompt``,
    else the profile's ``contact-generic`` (docs/design.md §14.15), in the same playback."""
    wording = state.profile.wording
    contact = state.config.contact_prompt or wording.contact_generic
    return (wording.cannot_register, contact) if contact else (wording.cannot_register,)


def _end(state: MachineState, prompts: tuple[str, ...], outcome: Outcome) -> Result:
    """Say ``prompts`` and hang up; a guard timer hangs up if the play never ends."""
    if not state.answered:
        return _finish(state, outcome, hang_up=True)
    state, actions = _silence(state)
    state, guard = _new_timer(state, "ending")
    state = replace(state, phase=Phase.ENDING, ending=outcome, question=None, announcing=None)
    state, play = new_play(state, prompts)
    seconds = state.profile.max_prompt_seconds * len(prompts)
    return state, [*actions, play, StartTimer(guard, seconds)]


def _finish(state: MachineState, outcome: Outcome, *, hang_up: bool) -> Result:
    actions: list[Action] = [CancelTimer(name) for name in sorted(state.timers)]
    state, closing = close_all(state, None, cause=None)
    actions += closing
    if hang_up:
        actions += [_row(CallEventKind.HANGUP, by="app"), HangUp()]
    if outcome in _IVR_ENDED:
        outcome = _ivr_outcome(state)
    rights = machine_rights(state)
    actions += [Evidence(CallEventKind.RIGHTS, rights), Finish(outcome)]
    state = replace(
        state,
        phase=Phase.FINISHED,
        timers=frozenset(),
        question_timer=None,
        playing=False,
        ending=outcome,
    )
    return state, actions


def _ivr_outcome(state: MachineState) -> Outcome:
    """§15.32: ``incomplete`` unless every right is chosen or heard; ``no_choice`` when a
    question ran out before anything was recorded; else ``completed``."""
    verdicts = machine_rights(state).values()
    if Verdict.NOT_HEARD in verdicts or Verdict.CHOSEN_UNCONFIRMED in verdicts:
        return Outcome.INCOMPLETE
    if state.ran_out and not state.done:
        return Outcome.NO_CHOICE
    return Outcome.COMPLETED


def machine_rights(state: MachineState) -> dict[str, str]:
    """The machine's own verdict per right of the profile; ``{}`` before any prompt."""
    if not state.any_prompt:
        return {}
    done = {kind.value for kind in state.done}
    verdict: dict[str, str] = {}
    for right in state.profile.offered_rights:
        if right in done:
            verdict[right] = Verdict.CHOSEN.value
        elif right in state.chosen:
            verdict[right] = Verdict.CHOSEN_UNCONFIRMED.value
        elif right in state.heard_rights:
            verdict[right] = Verdict.HEARD.value
        else:
            verdict[right] = Verdict.NOT_HEARD.value
    return verdict


def _hung_up(state: MachineState, at: int | None) -> Result:
    """Once goodbye has begun the IVR has ended the call: its outcome stands."""
    state, closing = close_all(state, at, cause="hangup")
    state, more = _gone(state, Outcome.CALLER_HUNG_UP)
    return state, [_row(CallEventKind.HANGUP, by="caller"), *closing, *more]


def _left_app(state: MachineState, at: int | None) -> Result:
    """``StasisEnd`` without a hang-up: the channel went elsewhere (``lost``)."""
    state, closing = close_all(state, at, cause="left")
    state, more = _gone(state, Outcome.LOST)
    return state, closing + more


def _gone(state: MachineState, outcome: Outcome) -> Result:
    """The channel is gone: finish, once an opt-out write in flight has its answer."""
    if state.phase in (Phase.ENDING, Phase.CLOSING) and state.ending is not None:
        outcome = state.ending
    if state.pending is not None:
        state, actions = _cancel_question_timer(state)
        return replace(state, phase=Phase.CLOSING, ending=outcome, playing=False), actions
    return _finish(state, outcome, hang_up=False)


def _failed(state: MachineState) -> Result:
    if state.phase is Phase.ENDING or not state.answered:
        return _finish(state, Outcome.ERROR, hang_up=True)
    return _end(state, _cannot_register(state), Outcome.ERROR)


def _grace_expired(state: MachineState) -> Result:
    if state.phase is Phase.ENDING and state.ending is not None:
        return _finish(state, state.ending, hang_up=True)
    return _goodbye(state, Outcome.SHUTDOWN)


# --- prompts: stopped, ended, failed ----------------------------------------------


def _silence(state: MachineState) -> Result:
    """Stop the play and the question's timer: the IVR is about to do something else."""
    actions: list[Action] = []
    if state.playing:
        actions.append(StopPlayback(state.play_id))
        state = replace(state, playing=False)
        track = state.tracks.get(state.play_id)
        if track is not None:
            track = replace(track, stopped=True, stopped_at=state.now_ms)
            state = replace(state, tracks={**state.tracks, track.play_id: track})
    state, cancelled = _cancel_question_timer(state)
    return state, actions + cancelled


def _prompt_ended(state: MachineState, play_id: int, at: int | None) -> Result:
    track = state.tracks.get(play_id)
    kind = CallEventKind.PROMPT_FINISHED
    if track is not None and track.stopped:
        kind = CallEventKind.PROMPT_INTERRUPTED
    state, rows = close(state, play_id, kind, at)
    if play_id != state.play_id or not state.playing:
        return state, rows
    state = replace(state, playing=False)
    match state.phase:
        case Phase.ASKING:
            state = replace(state, heard_questions=state.heard_questions | {_hear_key(state)})
            state, more = _start_question_timer(state, state.profile.timeout_s)
        case Phase.ANNOUNCING:
            state, more = _after_announcement(state)
        case Phase.ENDING:
            assert state.ending is not None
            state, more = _finish(state, state.ending, hang_up=True)
        case _:
            more = []
    return state, rows + more


def _prompt_failed(state: MachineState, play_id: int, at: int | None, error: str | None) -> Result:
    """A failed play: at once when the request failed, else unless a hang-up follows."""
    track = state.tracks.get(play_id)
    prompt = prompt_at_end(track)
    rows: list[Action] = []
    if error is not None:
        rows.append(_row(CallEventKind.ERROR, during="play", error=error))
        state = replace(state, tracks={k: v for k, v in state.tracks.items() if k != play_id})
    elif track is not None and track.stopped:
        state, rows = close(state, play_id, CallEventKind.PROMPT_INTERRUPTED, at)
    else:
        state, rows = close(state, play_id, CallEventKind.PROMPT_FAILED, at)
    if play_id != state.play_id or not state.playing:
        return state, rows
    state = replace(state, playing=False)
    if error is not None:
        state, more = _prompt_failure(state, prompt)
        return state, rows + more
    state, name = _new_timer(state, "failure")
    state = replace(state, suspect=(play_id, prompt))
    return state, [*rows, StartTimer(name, FAILURE_GRACE_S)]


def _prompt_failure(state: MachineState, prompt: str) -> Result:
    """§10.1, §14.13: replay once (not a try); a question failing twice ends the call."""
    report: list[Action] = [ReportPromptFailure(prompt)]
    wording = state.profile.wording
    match state.phase:
        case Phase.ASKING:
            advertiser = state.config.advertiser_prompt
            if prompt == advertiser and not state.advertiser_failed:
                state, more = _replay(replace(state, advertiser_failed=True))
                return state, report + more
            if prompt == wording.invalid:
                state, more = _replay(state)
                return state, report + more
            state, failures = _count_failure(state, question_key(state))
            if failures >= 2:
                state, more = _end(state, _cannot_register(state), Outcome.ERROR)
                return state, [*report, _row(CallEventKind.NOTE, note="question_failed"), *more]
            state, more = _replay(state)
            return state, report + more
        case Phase.ANNOUNCING:
            state, failures = _count_failure(state, prompt)
            if failures >= 2:
                state, more = _after_announcement(state)
                return state, report + more
            state, play = new_play(state, (prompt,))
            return state, [*report, play]
        case Phase.ENDING:
            ending = state.ending
            assert ending is not None
            state, failures = _count_failure(state, prompt)
            if failures >= 2 or ending is Outcome.ERROR:
                state, more = _finish(state, ending, hang_up=True)
                return state, report + more
            state, play = new_play(state, (_replacement(state, prompt),))
            return state, [*report, play]
    return state, report


def _replacement(state: MachineState, prompt: str) -> str:
    """What to replay after ``prompt`` failed: the generic wording for the advertiser's own."""
    generic = state.profile.wording.contact_generic
    if prompt == state.config.contact_prompt and generic:
        return generic
    return prompt


def _count_failure(state: MachineState, key: str) -> tuple[MachineState, int]:
    count = state.failures.get(key, 0) + 1
    return replace(state, failures={**state.failures, key: count}), count


# --- timers -------------------------------------------------------------------------


def _timed_out(state: MachineState, name: str) -> Result:
    if name not in state.timers:
        return state, []
    state = replace(state, timers=state.timers - {name})
    if state.phase is Phase.CLOSING:
        return state, []
    if name.startswith("failure-"):
        suspect = state.suspect
        state = replace(state, suspect=None)
        if suspect is None or suspect[0] != state.play_id:
            return state, []
        return _prompt_failure(state, suspect[1])
    if state.phase is Phase.ENDING:
        if name == CALL_TIMER:
            return state, []
        assert state.ending is not None
        return _finish(state, state.ending, hang_up=True)
    if name == CALL_TIMER:
        if not state.answered:
            return _finish(state, Outcome.ERROR, hang_up=True)
        state, actions = _goodbye(state)
        return state, [_row(CallEventKind.LIMIT, limit="max_call_s"), *actions]
    if name == state.question_timer:
        return _question_timed_out(replace(state, question_timer=None))
    return state, []


def _question_timed_out(state: MachineState) -> Result:
    if state.question is Question.ENTER_NUMBER and state.keyed:
        return _take_keyed_number(state)
    key = question_key(state)
    row = _row(CallEventKind.TIMEOUT, question=key, attempt=state.plays.get(key, 0))
    state, actions = _repeat(state)
    return state, [row, *actions]


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


# --- keys -----------------------------------------------------------------------------


def _digit(state: MachineState, digit: str, at: int | None) -> Result:
    match state.phase:
        case Phase.ASKING:
            if _must_hear_now(state) or _leaving_unheard(state, digit):
                if not _stated_for_key(state, at):
                    return state, [_digit_row(digit, "before_offered")]
                state = replace(state, heard_questions=state.heard_questions | {_hear_key(state)})
            state, actions = _answer(state, digit)
            return state, [_digit_row(digit), *actions]
        case Phase.ANNOUNCING:
            state, rows = _type_ahead(state, digit)
            state, actions = _silence(state)
            state, more = _after_announcement(state)
            return state, rows + actions + more
        case Phase.ANSWERING | Phase.RECORDING:
            return _type_ahead(state, digit)
    return state, [_digit_row(digit, "not_asking")]


def _type_ahead(state: MachineState, digit: str) -> Result:
    if len(state.buffer) >= TYPE_AHEAD_LIMIT:
        return state, [_digit_row(digit, "type_ahead_full")]
    return replace(state, buffer=(*state.buffer, digit)), []


def _apply_type_ahead(state: MachineState) -> Result:
    """Keys typed ahead go to the question that now listens, in order."""
    actions: list[Action] = []
    while state.phase is Phase.ASKING and state.buffer:
        digit, rest = state.buffer[0], state.buffer[1:]
        state, more = _answer(replace(state, buffer=rest), digit)
        actions += [_digit_row(digit), *more]
    return state, actions


def _hear_key(state: MachineState) -> str:
    """What must be heard once: the question with what it reads back (§15.37)."""
    return "|".join((question_key(state), *question_prompts(state)))


def _must_hear_now(state: MachineState) -> bool:
    return state.question in MUST_HEAR and _hear_key(state) not in state.heard_questions


def _leaving_unheard(state: MachineState, digit: str) -> bool:
    """The leave key of a single-right menu counts only after the menu's mark (§14.1)."""
    leave = state.profile.keys.leave
    return (
        state.question is Question.MENU
        and leave is not None
        and digit == leave
        and _hear_key(state) not in state.heard_questions
    )


def _statement(state: MachineState) -> tuple[str, str | None]:
    """The prompt that states a must-hear question, and the name of its mark."""
    wording = state.profile.wording
    match state.question:
        case Question.OFFER_REGISTER:
            return wording.offer_register, BMN.value
        case Question.OFFER_RVV:
            return wording.offer_rvv, RVV.value
        case Question.CHARITIES:
            return wording.charities, "asked"
        case Question.CONFIRM_REGISTER:
            return wording.confirm_register, None
        case Question.CONFIRM_NUMBER:
            return wording.confirm_number, None
        case Question.MENU:
            stated = state.profile.statement_prompts.get(wording.menu, ())
            marks = state.config.marks.get(wording.menu, {})
            last = max(stated, key=lambda right: marks.get(right, -1), default=None)
            return wording.menu, last
    raise ValueError(f"{state.question} is not a must-hear question")


def _stated_for_key(state: MachineState, at: int | None) -> bool:
    """Whether a key at ``at`` comes after the question has been stated in its play."""
    track = state.tracks.get(state.play_id) if state.playing else None
    if track is None:
        return False
    prompt, mark_name = _statement(state)
    if prompt not in track.prompts:
        return False
    index = len(track.prompts) - 1 - track.prompts[::-1].index(prompt)
    stated = stated_at(state, track, index, mark(state, prompt, mark_name))
    moment = at if at is not None else state.now_ms
    return stated is not None and moment is not None and moment >= stated


# --- questions ------------------------------------------------------------------


def _ask(state: MachineState, question: Question) -> Result:
    """Start a question: played now, or answered by keys already typed ahead."""
    if state.questions_asked >= state.profile.max_questions:
        state, actions = _goodbye(state)
        return state, [_row(CallEventKind.LIMIT, limit="max_questions"), *actions]
    state = replace(
        state,
        phase=Phase.ASKING,
        question=question,
        questions_asked=state.questions_asked + 1,
        keyed="",
    )
    rows: list[Action] = []
    if _must_hear_now(state) and state.buffer:
        rows = [_digit_row(digit, "before_question") for digit in state.buffer]
        state = replace(state, buffer=())
    if state.buffer:
        return state, rows
    state, actions = _repeat(state)
    return state, rows + actions


def _repeat(state: MachineState, prefix: tuple[str, ...] = ()) -> Result:
    """Play the current question (again), if it has plays left."""
    key = question_key(state)
    plays = state.plays.get(key, 0)
    if plays >= state.profile.tries:
        return _out_of_tries(state, key)
    state = replace(state, plays={**state.plays, key: plays + 1})
    state, play = new_play(state, (*prefix, *question_prompts(state)))
    return state, [play]


def _replay(state: MachineState) -> Result:
    """Play the current question again after a failed play: not a try."""
    state, play = new_play(state, question_prompts(state))
    return state, [play]


def _invalid(state: MachineState) -> Result:
    return _repeat(state, (state.profile.wording.invalid,))


def _out_of_tries(state: MachineState, key: str) -> Result:
    state, actions = _goodbye(replace(state, ran_out=True))
    return state, [_row(CallEventKind.OUT_OF_TRIES, question=key), *actions]


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
            if digit == keys.leave:
                return _goodbye(state)
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


def _chose(state: MachineState, kind: OptOutKind) -> Result:
    state = replace(state, chosen=state.chosen | {kind.value})
    return state, [_row(CallEventKind.CHOICE, right=kind.value)]


def _objection(state: MachineState) -> OptOutKind:
    """The kind the objection key records: recht van verzet, or do-not-call (us-tcpa)."""
    return OptOutKind(state.profile.objection_kind)


def _choose_recht_van_verzet(state: MachineState) -> Result:
    kind = _objection(state)
    if kind in state.done:
        return _announce(state, kind)
    state, rows = _chose(state, kind)
    if state.number is not None and state.number_confirmed:
        state, actions = _record(state, kind)
        return state, rows + actions
    state = replace(state, goal=kind)
    question = Question.CONFIRM_NUMBER if state.number is not None else Question.ENTER_NUMBER
    state, actions = _ask(state, question)
    return state, rows + actions


def _choose_bel_me_niet(state: MachineState) -> Result:
    if BMN in state.done:
        return _announce(state, BMN)
    state, rows = _chose(state, BMN)
    state, actions = _ask(replace(state, register=RegisterChoice()), Question.REGISTER_SCOPE)
    return state, rows + actions


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
    detail: dict[str, Any] = {"right": BMN.value}
    if choice.scope == SCOPE_ALL:
        detail |= {"scope": SCOPE_ALL, "charities": bool(choice.charities)}
    else:
        detail["scope"] = list(choice.chosen)
    row = Evidence(CallEventKind.CHOICE, detail)
    if state.number is None:
        state, actions = _ask(replace(state, goal=BMN), Question.ENTER_NUMBER)
    else:
        state, actions = _ask(state, Question.CONFIRM_REGISTER)
    return state, [row, *actions]


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
    number = normalize(state.keyed, state.profile.number_region)
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
    if not state.profile.confirm.keyed_number:
        return _number_confirmed(state)
    return _ask(state, Question.CONFIRM_NUMBER)


def _number_invalid(state: MachineState) -> Result:
    return _repeat(replace(state, keyed=""), (state.profile.wording.number_invalid,))


def _number_confirmed(state: MachineState) -> Result:
    state = replace(state, number_confirmed=True)
    if state.goal is BMN:
        return _ask(state, Question.CONFIRM_REGISTER)
    return _record(state, _objection(state))


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


def _recorded(state: MachineState, request_id: int, optout_id: str) -> Result:
    pending = state.pending
    if pending is None or pending.request_id != request_id:
        return state, []
    row = _row(CallEventKind.RECORD, optout_id=optout_id, kind=pending.kind.value)
    state = replace(state, pending=None, done=state.done | {pending.kind})
    if state.phase is Phase.CLOSING:
        assert state.ending is not None
        state, actions = _finish(state, state.ending, hang_up=False)
        return state, [row, *actions]
    if state.phase is not Phase.RECORDING:
        return state, [row]
    state, actions = _announce(state, pending.kind)
    return state, [row, *actions]


def _record_failed(state: MachineState, request_id: int, error: str) -> Result:
    pending = state.pending
    if pending is None or pending.request_id != request_id:
        return state, []
    row = _row(CallEventKind.ERROR, during="record", kind=pending.kind.value, error=error)
    state = replace(state, pending=None)
    if state.phase is Phase.CLOSING:
        assert state.ending is not None
        state, actions = _finish(state, state.ending, hang_up=False)
        return state, [row, *actions]
    if state.phase is not Phase.RECORDING:
        return replace(state, ending=Outcome.ERROR), [row]
    wording = state.profile.wording
    state, actions = _end(state, (*_cannot_register(state), wording.goodbye), Outcome.ERROR)
    return state, [row, *actions]


def _announce(state: MachineState, kind: OptOutKind) -> Result:
    """Say that ``kind`` is recorded; only ever after ``Recorded`` (or a resync's ``done``)."""
    state, actions = _silence(state)
    wording = state.profile.wording
    prompt = wording.register_recorded if kind is BMN else wording.rvv_registered
    state = replace(state, phase=Phase.ANNOUNCING, question=None, announcing=kind)
    state, play = new_play(state, (prompt,))
    return state, [*actions, play]


def _after_announcement(state: MachineState) -> Result:
    """Offer the other right, unless it is done or the profile does not offer it."""
    offers = state.profile.offers
    kind = state.announcing
    state = replace(state, announcing=None)
    if kind is not BMN:
        offer_other = offers.bel_me_niet and offers.bel_me_niet_after_recht_van_verzet
        if offer_other and BMN not in state.done:
            return _ask(state, Question.OFFER_REGISTER)
    else:
        offer_other = offers.recht_van_verzet and offers.recht_van_verzet_after_bel_me_niet
        if offer_other and RVV not in state.done:
            return _ask(state, Question.OFFER_RVV)
    if not offers.goodbye_after_registered:
        return _finish(state, Outcome.COMPLETED, hang_up=True)
    return _goodbye(state)
