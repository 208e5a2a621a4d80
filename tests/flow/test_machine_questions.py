"""Keys, repeats, time-outs, tries, type-ahead and keyed numbers."""

import pytest

from ivr.domain import CallEventKind, OptOutKind, Outcome
from ivr.flow import actions as a
from ivr.flow import events as e
from ivr.flow.profile import load_profile
from ivr.flow.state import TYPE_AHEAD_LIMIT

from .driver import CALLER, NUMBER, Call

MENU = ("welcome", "advertiser-generic", "menu")


def _reach(config: dict[str, str], keys: str, recorded_after: int = 99) -> Call:
    """A call on its way: ``keys`` pressed, each record confirmed as it is asked for."""
    call = Call.of(**config)
    call.start()
    for key in keys:
        call.answer(key)
        if call.state.pending is not None:
            call.recorded()
            call.prompt_ends()
    return call


NO_CHOICE, INCOMPLETE, COMPLETED = Outcome.NO_CHOICE, Outcome.INCOMPLETE, Outcome.COMPLETED

# question: (config, keys to reach it, the question's own prompt, the outcome when it runs out)
# A right chosen but not recorded, or never heard, makes the call incomplete (§15.32).
QUESTIONS = {
    "menu": ({"number": NUMBER}, "", "menu", NO_CHOICE),
    "offer-register": ({"number": NUMBER}, "1", "offer-register", COMPLETED),
    "register-scope": ({"number": NUMBER}, "2", "register-scope", INCOMPLETE),
    "charities": ({"number": NUMBER}, "21", "charities", INCOMPLETE),
    "category-auto": ({"number": NUMBER}, "22", "category-keys", INCOMPLETE),
    "category-energie": ({"number": NUMBER}, "2212", "category-keys", INCOMPLETE),
    "confirm-register": ({"number": NUMBER}, "211", "confirm-register", INCOMPLETE),
    "offer-rvv": ({"number": NUMBER}, "2111", "offer-rvv", COMPLETED),
    "confirm-number": ({"caller_number": CALLER}, "1", "confirm-number", INCOMPLETE),
    "enter-number": ({}, "1", "enter-number", INCOMPLETE),
}


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_question_is_played_three_times_then_goodbye(question: str) -> None:
    config, keys, prompt, outcome = QUESTIONS[question]
    call = _reach(config, keys)
    first = call.current_play
    assert first.prompts[-1] == prompt
    for attempt in (1, 2):
        call.silence()
        assert call.rows_of(CallEventKind.TIMEOUT)[-1] == {"question": question, "attempt": attempt}
        assert call.heard() == first.prompts
    call.silence()
    assert call.rows_of(CallEventKind.OUT_OF_TRIES) == [{"question": question}]
    assert call.heard() == ("goodbye",)
    call.prompt_ends()
    assert call.outcome is outcome


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_question_counts_repeats_of_every_cause_together(question: str) -> None:
    config, keys, prompt, _ = QUESTIONS[question]
    call = _reach(config, keys)
    restart = "*" if question == "enter-number" else "0"
    call.answer(restart)
    assert call.heard()[-1] == prompt
    call.answer("A")
    assert call.heard()[0] == "invalid" and call.heard()[-1] == prompt
    call.silence()
    assert call.heard() == ("goodbye",)


def test_zero_repeats_the_menu_in_one_play() -> None:
    call = _reach({"number": NUMBER}, "")
    assert call.answer("0") == [a.StopPlayback(1), a.Play(2, MENU)]


@pytest.mark.parametrize("key", ["3", "9", "*", "#", "A", "D"])
def test_unused_key_plays_invalid_and_the_question_in_one_play(key: str) -> None:
    call = _reach({"number": NUMBER}, "")
    assert call.answer(key) == [a.StopPlayback(1), a.Play(2, ("invalid", *MENU))]


def test_keys_count_from_the_first_word_of_welcome() -> None:
    call = _reach({"number": NUMBER}, "")
    assert call.state.playing
    out = call.answer("1")
    assert out[0] == a.StopPlayback(1)
    assert isinstance(out[-1], a.Record)


def test_question_times_out_seven_seconds_after_its_prompt_ended() -> None:
    call = _reach({"number": NUMBER}, "")
    assert not any(isinstance(x, a.StartTimer) and x.name != "call" for x in call.actions)
    assert call.prompt_ends() == [a.StartTimer("question-1", 7)]


def test_a_key_cancels_the_time_out() -> None:
    call = _reach({"number": NUMBER}, "")
    call.prompt_ends()
    assert call.answer("2") == [a.CancelTimer("question-1"), a.Play(2, ("register-scope",))]
    assert call.send(e.TimedOut("question-1")) == []


def test_failed_prompt_is_played_again_without_using_a_try() -> None:
    call = _reach({"number": NUMBER}, "")
    assert call.prompt_fails() == [
        a.StartTimer("failure-1", 1.0),
        a.ReportPromptFailure("welcome"),
        a.Play(2, MENU),
    ]
    assert call.state.plays["menu"] == 1


def test_finished_event_of_a_stopped_play_is_harmless() -> None:
    call = _reach({"number": NUMBER}, "")
    call.answer("2")
    assert call.send(e.PromptFinished(1)) == []
    assert call.send(e.PromptFinished(99)) == []
    assert call.send(e.TimedOut("question-7"), e.TimedOut("nonsense")) == []


def test_digit_before_prompt_started_is_typed_ahead() -> None:
    call = Call.of(number=NUMBER)
    call.send(e.Start())
    call.answer("1")
    assert call.send(e.Answered()) == [a.Record(1, OptOutKind.RECHT_VAN_VERZET, NUMBER, None, None)]
    assert call.plays == []


def test_keys_typed_during_the_write_do_not_answer_the_offer() -> None:
    call = _reach({"number": NUMBER}, "")
    call.press("1")
    call.press("1")
    assert call.recorded() == [a.Play(2, ("rvv-registered",))]
    assert call.prompt_ends() == [a.Play(3, ("offer-register",))]
    assert call.rows_of(CallEventKind.DIGIT)[-1] == {"digit": "1", "ignored": "before_question"}


def test_key_during_the_registered_prompt_stops_it_but_does_not_answer_the_offer() -> None:
    call = _reach({"number": NUMBER}, "")
    call.press("1")
    call.recorded()
    assert call.press("2") == [a.StopPlayback(2), a.Play(3, ("offer-register",))]
    assert call.rows_of(CallEventKind.DIGIT)[-1] == {"digit": "2", "ignored": "before_question"}


def test_confirmation_empties_type_ahead_buffer() -> None:
    call = Call.of(caller_number=CALLER)
    call.send(e.Start())
    call.answer("11")
    call.send(e.Answered())
    assert call.heard()[-1] == "confirm-number"
    assert call.records == []


def test_charities_question_empties_type_ahead_buffer() -> None:
    call = Call.of(number=NUMBER)
    call.send(e.Start())
    call.answer("2111")
    call.send(e.Answered())
    assert call.plays == [a.Play(1, ("charities",))]


def test_typed_ahead_keys_walk_the_categories() -> None:
    call = Call.of(number=NUMBER)
    call.send(e.Start())
    call.answer("22" + "1" + "2" * 9)
    call.send(e.Answered())
    assert call.heard()[-3:] == ("readback-categories", "category-auto", "confirm-register")


def test_typed_ahead_invalid_key_is_answered_with_invalid() -> None:
    call = Call.of(number=NUMBER)
    call.send(e.Start())
    call.answer("7")
    assert call.send(e.Answered()) == [a.Play(1, ("invalid", *MENU))]


def test_type_ahead_keeps_a_bounded_number_of_keys() -> None:
    call = _reach({"number": NUMBER}, "")
    call.answer("1")
    call.answer("5" * 1000)
    assert call.state.buffer == ("5",) * TYPE_AHEAD_LIMIT


# --- keyed numbers ------------------------------------------------------------------


def _entering() -> Call:
    call = _reach({}, "1")
    assert call.heard() == ("enter-number",)
    return call


def test_keyed_number_ends_with_hash() -> None:
    call = _entering()
    call.answer("0612345678#")
    assert call.heard()[-1] == "confirm-number"
    assert call.state.number == NUMBER


def test_keyed_number_is_taken_five_seconds_after_the_last_key() -> None:
    call = _entering()
    call.answer("061234567")
    assert call.answer("8")[-1] == a.StartTimer(call.question_timer, 5)
    call.send(e.TimedOut(call.question_timer))
    assert call.heard()[-1] == "confirm-number"


def test_zero_is_a_digit_of_a_keyed_number_not_a_repeat() -> None:
    call = _entering()
    call.answer("0")
    assert call.heard() == ("enter-number",)
    assert len(call.plays) == 2
    assert call.state.keyed == "0"


def test_star_starts_the_keyed_number_again() -> None:
    call = _entering()
    call.answer("0699*0612345678#")
    assert call.state.number == NUMBER
    assert call.state.plays["enter-number"] == 2


def test_sixteenth_digit_makes_the_keyed_number_invalid() -> None:
    call = _entering()
    call.answer("1" * 15)
    assert call.state.keyed == "1" * 15
    call.answer("1")
    assert call.heard() == ("number-invalid", "enter-number")
    assert call.state.keyed == ""


def test_invalid_keyed_number_plays_number_invalid_and_asks_again() -> None:
    call = _entering()
    call.answer("123#")
    assert call.heard() == ("number-invalid", "enter-number")


def test_hash_without_digits_is_an_invalid_number() -> None:
    call = _entering()
    call.answer("#")
    assert call.heard() == ("number-invalid", "enter-number")


def test_letter_key_during_entry_is_invalid_and_clears_the_digits() -> None:
    call = _entering()
    call.answer("06B")
    assert call.heard() == ("invalid", "enter-number")
    assert call.state.keyed == ""


def test_three_invalid_numbers_end_the_call() -> None:
    call = _entering()
    call.answer("1#2#")
    assert call.heard() == ("number-invalid", "enter-number")
    call.answer("3#")
    assert call.heard() == ("goodbye",)
    call.prompt_ends()
    assert call.outcome is Outcome.INCOMPLETE
    assert call.machine_rights["recht_van_verzet"] == "chosen_unconfirmed"


def test_the_time_out_before_the_first_digit_is_seven_seconds() -> None:
    call = _entering()
    assert call.prompt_ends() == [a.StartTimer(call.question_timer, 7)]


# --- bounds ------------------------------------------------------------------------


def test_a_question_is_played_three_times_in_the_whole_call() -> None:
    call = _reach({"number": NUMBER}, "211")
    call.answer("2")
    call.answer("11")
    call.answer("2")
    call.answer("11")
    assert call.heard()[-1] == "confirm-register"
    assert call.state.plays["register-scope"] == 3
    call.answer("2")
    assert call.heard() == ("goodbye",)
    assert call.rows_of(CallEventKind.OUT_OF_TRIES) == [{"question": "register-scope"}]


def test_no_category_counts_as_a_play_of_the_scope_question() -> None:
    call = _reach({"number": NUMBER}, "2")
    call.answer("2" + "2" * 10)
    assert call.heard() == ("no-category", "register-scope")
    assert call.state.plays["register-scope"] == 2


def test_max_questions_ends_the_call_with_goodbye() -> None:
    profile = load_profile("nl-ctm2012").model_copy(update={"max_questions": 3})
    call = Call.of(profile, number=NUMBER)
    call.start()
    call.answer("22")
    assert call.heard() == ("category-auto", "category-keys")
    call.answer("1")
    assert call.rows_of(CallEventKind.LIMIT) == [{"limit": "max_questions"}]
    assert call.heard() == ("goodbye",)
