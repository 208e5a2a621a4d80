"""Offers are heard (docs/design.md §10.2, §14.2, §15.37): must-hear questions count a key
only once they have been stated, and never take keys typed ahead."""

from ivr.domain import CallEventKind, OptOutKind, Outcome
from ivr.flow import actions as a

from .driver import CALLER, NUMBER, Call

RVV = OptOutKind.RECHT_VAN_VERZET


def _ignored(call: Call) -> list[dict[str, object]]:
    return [row for row in call.rows_of(CallEventKind.DIGIT) if "ignored" in row]


def _in_offer_register() -> Call:
    call = Call.of(number=NUMBER)
    call.start()
    call.press("1")
    call.recorded()
    call.prompt_ends()
    assert call.heard() == ("offer-register",)
    return call


def test_caller_pressing_1_then_2_quickly_does_not_decline_the_register_unheard() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.press("12")
    call.recorded()
    assert call.heard() == ("rvv-registered",)
    call.prompt_ends()
    assert call.heard() == ("offer-register",)
    assert _ignored(call) == [{"digit": "2", "ignored": "before_question"}]
    assert call.outcome is None


def test_key_pressed_during_the_registered_prompt_is_not_applied_to_the_offer() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.press("1")
    call.recorded()
    assert call.press("2") == [a.StopPlayback(2), a.Play(3, ("offer-register",))]
    assert _ignored(call) == [{"digit": "2", "ignored": "before_question"}]


def test_key_before_the_offers_mark_neither_stops_nor_answers_it() -> None:
    call = _in_offer_register()
    call.listen(500)  # the mark is at 600 ms
    assert call.press("2") == []
    assert call.press("0") == []
    assert _ignored(call) == [
        {"digit": "2", "ignored": "before_offered"},
        {"digit": "0", "ignored": "before_offered"},
    ]
    assert call.state.plays["offer-register"] == 1


def test_key_after_the_offers_mark_stops_it_and_answers() -> None:
    call = _in_offer_register()
    call.listen(600)
    out = call.press("2")
    assert out[0] == a.StopPlayback(call.plays[-2].play_id)
    assert call.heard() == ("goodbye",)
    call.prompt_ends()
    assert call.outcome is Outcome.COMPLETED
    assert call.machine_rights == {"recht_van_verzet": "chosen", "bel_me_niet": "heard"}
    assert call.stored_rights() == call.machine_rights


def test_once_heard_the_offer_takes_keys_from_its_first_word() -> None:
    call = _in_offer_register()
    call.silence()
    assert call.heard() == ("offer-register",)
    assert call.press("1")[-1] == a.Play(call.current_play.play_id, ("register-scope",))
    assert _ignored(call) == []


def test_offer_rvv_is_heard_before_its_keys_count() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("211")
    call.answer("1")
    call.recorded()
    call.prompt_ends()
    assert call.heard() == ("offer-rvv",)
    assert call.press("1") == []
    call.listen(700)
    assert call.press("1")[-1] == a.Record(2, RVV, NUMBER, None, None)


def test_charities_key_counts_after_the_question_is_asked() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.press("21")
    assert call.heard() == ("charities",)
    assert call.press("1") == []
    call.listen(500)
    played = call.press("1")[-1]
    assert isinstance(played, a.Play) and played.prompts[-1] == "confirm-register"


def test_confirmation_counts_keys_from_the_start_of_its_question_not_the_read_back() -> None:
    call = Call.of(caller_number=CALLER)
    call.start()
    call.press("1")
    assert call.heard()[-1] == "confirm-number"
    call.listen(3000)
    assert call.press("1") == []  # still the first media: readback-number
    assert call.records == []
    call.hear_question()
    assert call.press("1")[-1] == a.Record(1, RVV, CALLER, None, None)


def test_a_new_read_back_must_be_heard_again() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("212")
    assert call.heard()[-1] == "confirm-register"
    call.answer("3")
    assert call.heard() == ("enter-number",)
    call.press("0687654321#")
    assert call.heard()[-1] == "confirm-register"
    assert call.press("1") == []
    assert _ignored(call)[-1] == {"digit": "1", "ignored": "before_offered"}
    call.hear_question()
    assert isinstance(call.press("1")[-1], a.Record)


def test_the_menu_keeps_barge_in_from_the_first_word() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    assert call.press("1") == [a.StopPlayback(1), a.Record(1, RVV, NUMBER, None, None)]
    assert _ignored(call) == []


def test_caller_who_hangs_up_before_the_offers_mark_has_not_heard_it() -> None:
    call = _in_offer_register()
    call.listen(300)
    call.press("2")
    call.hang_up()
    assert call.rows_of(CallEventKind.PROMPT_FAILED)[-1]["end_ms"] == 310
    assert call.outcome is Outcome.CALLER_HUNG_UP
    assert call.machine_rights == {"recht_van_verzet": "chosen", "bel_me_niet": "not_heard"}
    assert call.stored_rights() == call.machine_rights
