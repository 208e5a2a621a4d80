"""The call flow of docs/design.md section 3, path by path."""

from ivr.domain import SCOPE_ALL, CallEventKind, NumberSource, OptOutKind, Outcome
from ivr.flow import actions as a
from ivr.flow import events as e
from ivr.flow.profile import load_profile

from .driver import CALLER, NUMBER, Call

RVV = OptOutKind.RECHT_VAN_VERZET
BMN = OptOutKind.BEL_ME_NIET
DNC = OptOutKind.DO_NOT_CALL
READ_BACK_NUMBER = ("readback-number", *(f"digit-{d}" for d in "0612345678"))
READ_BACK_CALLER = ("readback-number", *(f"digit-{d}" for d in "0201234567"))


def test_voicemail_is_hung_up_at_once_without_a_word() -> None:
    call = Call.of(number=NUMBER, refuse=True)
    assert call.send(e.Start()) == [a.HangUp(), a.Finish(Outcome.REFUSED_VOICEMAIL)]


def test_refusal_comes_before_the_shutdown_prompt() -> None:
    call = Call.of(number=NUMBER, refuse=True, shutting_down=True)
    assert call.send(e.Start()) == [a.HangUp(), a.Finish(Outcome.REFUSED_VOICEMAIL)]


def test_ringing_channel_is_answered_before_the_menu() -> None:
    call = Call.of(number=NUMBER, advertiser_prompt="advertisers/acme")
    assert call.send(e.Start()) == [a.StartTimer("call", 600), a.Answer()]
    assert call.send(e.Answered()) == [a.Play(1, ("welcome", "advertisers/acme", "menu"))]


def test_channel_already_up_is_not_answered_again() -> None:
    call = Call.of(number=NUMBER, answered=True)
    out = call.send(e.Start())
    assert a.Answer() not in out
    assert out[-1] == a.Play(1, ("welcome", "advertiser-generic", "menu"))


def test_recht_van_verzet_on_the_agents_number_is_recorded_at_once() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    assert call.answer("1") == [a.StopPlayback(1), a.Record(1, RVV, NUMBER, None, None)]
    assert call.recorded() == [a.Play(2, ("rvv-registered",))]
    assert call.prompt_ends() == [a.Play(3, ("offer-register",))]


def test_nothing_confirms_recht_van_verzet_before_it_is_recorded() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("1")
    assert call.answer("1") == []
    call.send(e.TimedOut("call"))
    assert call.rows_of(CallEventKind.LIMIT) == [{"limit": "max_call_s"}]
    assert call.heard() == ("goodbye",)
    assert all("rvv-registered" not in play.prompts for play in call.plays)
    assert call.outcome is None


def test_recht_van_verzet_on_caller_id_is_confirmed_first() -> None:
    call = Call.of(caller_number=CALLER)
    call.start()
    call.answer("1")
    assert call.heard() == (*READ_BACK_CALLER, "confirm-number")
    assert call.records == []
    out = call.answer("1")
    assert out[-2:] == [
        a.NumberChosen(CALLER, NumberSource.CALLER_ID),
        a.Record(1, RVV, CALLER, None, None),
    ]


def test_withheld_number_is_keyed_in_and_read_back_before_recht_van_verzet() -> None:
    call = Call.of()
    call.start()
    call.answer("1")
    assert call.heard() == ("enter-number",)
    call.answer("0612345678#")
    assert call.heard() == (*READ_BACK_NUMBER, "confirm-number")
    call.answer("1")
    assert call.last[-2:] == [
        a.NumberChosen(NUMBER, NumberSource.KEYED),
        a.Record(1, RVV, NUMBER, None, None),
    ]


def test_other_number_on_number_confirmation_asks_for_the_number() -> None:
    call = Call.of(caller_number=CALLER)
    call.start()
    call.answer("12")
    assert call.heard() == ("enter-number",)
    call.answer("0612345678#1")
    assert call.records[-1].number == NUMBER


def test_register_totaal_with_charities() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("2")
    assert call.heard() == ("register-scope",)
    call.answer("1")
    assert call.heard() == ("charities",)
    call.answer("1")
    assert call.heard() == (*READ_BACK_NUMBER, "readback-all-charities", "confirm-register")
    assert call.rows_of(CallEventKind.CHOICE) == [
        {"right": "bel_me_niet"},
        {"right": "bel_me_niet", "scope": "all", "charities": True},
    ]
    call.answer("1")
    assert call.records == [a.Record(1, BMN, NUMBER, SCOPE_ALL, True)]
    assert call.recorded() == [a.Play(call.current_play.play_id, ("register-recorded",))]
    call.prompt_ends()
    assert call.heard() == ("offer-rvv",)


def test_register_totaal_without_charities_reads_back_all() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("212")
    assert call.heard()[-2:] == ("readback-all", "confirm-register")
    call.answer("1")
    assert call.records == [a.Record(1, BMN, NUMBER, SCOPE_ALL, False)]


def test_register_deel_asks_every_category_in_order() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("22")
    asked = []
    for key in "1212222221":
        asked.append(call.heard())
        call.answer(key)
    ids = load_profile("nl-ctm2012").category_ids
    assert asked == [(f"category-{c}", "category-keys") for c in ids]
    assert call.heard() == (
        *READ_BACK_NUMBER,
        "readback-categories",
        "category-auto",
        "category-energie",
        "category-thuiswinkelen",
        "confirm-register",
    )
    call.answer("1")
    assert call.records == [a.Record(1, BMN, NUMBER, ("auto", "energie", "thuiswinkelen"), None)]


def test_register_deel_without_a_category_asks_the_scope_again() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("22" + "2" * 10)
    assert call.heard() == ("no-category", "register-scope")
    assert call.records == []


def test_choose_again_goes_back_to_the_scope_and_records_nothing() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("211")
    call.answer("2")
    assert call.heard() == ("register-scope",)
    assert call.records == []
    assert call.notes[-1].kind == "choice"


def test_other_number_on_register_confirmation_reads_back_the_new_number() -> None:
    call = Call.of(caller_number=CALLER)
    call.start()
    call.answer("211")
    assert call.heard()[:11] == READ_BACK_CALLER
    call.answer("3")
    assert call.heard() == ("enter-number",)
    call.answer("0612345678#")
    assert call.heard() == (*READ_BACK_NUMBER, "readback-all-charities", "confirm-register")
    call.answer("1")
    assert call.last[-2:] == [
        a.NumberChosen(NUMBER, NumberSource.KEYED),
        a.Record(1, BMN, NUMBER, SCOPE_ALL, True),
    ]


def test_register_confirmation_replaces_the_number_confirmation() -> None:
    call = Call.of(caller_number=CALLER)
    call.start()
    call.answer("211")
    assert "confirm-number" not in [p for play in call.plays for p in play.prompts]
    call.answer("1")
    assert call.last[-2] == a.NumberChosen(CALLER, NumberSource.CALLER_ID)


def test_withheld_number_is_keyed_before_the_register_confirmation() -> None:
    call = Call.of()
    call.start()
    call.answer("211")
    assert call.heard() == ("enter-number",)
    call.answer("0612345678#")
    assert call.heard()[-2:] == ("readback-all-charities", "confirm-register")


def test_number_confirmed_by_the_register_serves_recht_van_verzet() -> None:
    call = Call.of(caller_number=CALLER)
    call.start()
    call.answer("2121")
    call.recorded()
    call.prompt_ends()
    assert call.heard() == ("offer-rvv",)
    assert call.answer("1")[-1] == a.Record(2, RVV, CALLER, None, None)
    call.recorded()
    call.prompt_ends()
    assert call.heard() == ("goodbye",)
    call.prompt_ends()
    assert call.outcome is Outcome.COMPLETED
    assert call.recorded_kinds() == [BMN, RVV]


def test_declining_the_register_offer_says_goodbye() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("1")
    call.recorded()
    call.prompt_ends()
    call.answer("2")
    assert call.heard() == ("goodbye",)
    assert call.last[-1] == a.StartTimer("ending-1", 60)
    assert call.prompt_ends()[-2:] == [a.HangUp(), a.Finish(Outcome.COMPLETED)]


def test_failed_write_says_cannot_register_never_registered() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("1")
    call.record_failed()
    assert call.heard() == ("cannot-register", "contact-generic", "goodbye")
    call.prompt_ends()
    assert call.outcome is Outcome.ERROR
    assert all("rvv-registered" not in play.prompts for play in call.plays)


def test_caller_hangs_up_during_confirmation_keeps_recht_van_verzet() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("1")
    call.recorded()
    call.prompt_ends()
    call.answer("1")
    call.answer("11")
    assert call.heard()[-1] == "confirm-register"
    assert call.send(e.HungUp())[-1] == a.Finish(Outcome.CALLER_HUNG_UP)
    assert call.recorded_kinds() == [RVV]
    assert call.notes[-1].kind is CallEventKind.CHOICE
    assert call.machine_rights == {
        "recht_van_verzet": "chosen",
        "bel_me_niet": "chosen_unconfirmed",
    }


def test_caller_hangs_up_while_recording_the_call_ends_when_the_write_has_its_answer() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("1")
    assert call.send(e.HungUp()) == []
    assert call.send(e.Digit("1"), e.TimedOut("call"), e.HungUp()) == []
    # the call timer has fired: it is not running any more, so nothing cancels it
    assert call.recorded() == [a.Finish(Outcome.CALLER_HUNG_UP)]
    assert call.rows_of(CallEventKind.RECORD) == [
        {"optout_id": "optout-1", "kind": "recht_van_verzet"}
    ]
    assert call.machine_rights["recht_van_verzet"] == "chosen"
    assert call.send(e.Start()) == []


def test_hang_up_cancels_every_timer_and_never_hangs_up_again() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.prompt_ends()
    timer = call.question_timer
    out = call.send(e.HungUp())
    assert out == [
        a.CancelTimer("call"),
        a.CancelTimer(timer),
        a.Finish(Outcome.CALLER_HUNG_UP),
    ]


def test_choices_recorded_before_a_reconnect_are_not_recorded_again() -> None:
    call = Call.of(number=NUMBER, answered=True, done=frozenset({RVV}))
    call.start()
    assert call.answer("1") == [a.StopPlayback(1), a.Play(2, ("rvv-registered",))]
    call.prompt_ends()
    assert call.heard() == ("offer-register",)
    assert call.records == []


def test_both_choices_done_before_a_reconnect_end_with_goodbye() -> None:
    call = Call.of(number=NUMBER, answered=True, done=frozenset({RVV, BMN}))
    call.start()
    call.answer("2")
    assert call.heard() == ("register-recorded",)
    call.prompt_ends()
    assert call.heard() == ("goodbye",)
    call.prompt_ends()
    assert call.records == []
    assert call.outcome is Outcome.COMPLETED


def test_new_call_during_shutdown_hears_cannot_register() -> None:
    call = Call.of(number=NUMBER, shutting_down=True)
    call.start()
    assert call.heard() == ("cannot-register", "contact-generic")
    assert call.prompt_ends()[-2:] == [a.HangUp(), a.Finish(Outcome.SHUTDOWN)]


def test_grace_expiry_says_goodbye_and_hangs_up() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.send(e.GraceExpired())
    assert call.last[0] == a.StopPlayback(1)
    assert call.heard() == ("goodbye",)
    call.prompt_ends()
    assert call.outcome is Outcome.SHUTDOWN


def test_grace_expiry_during_goodbye_hangs_up_at_once() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.send(e.GraceExpired())
    assert call.send(e.GraceExpired())[-2:] == [a.HangUp(), a.Finish(Outcome.SHUTDOWN)]


def test_grace_expiry_before_answer_hangs_up() -> None:
    call = Call.of(number=NUMBER)
    call.send(e.Start())
    assert call.send(e.GraceExpired())[-2:] == [a.HangUp(), a.Finish(Outcome.SHUTDOWN)]


def test_failed_answer_hangs_up_without_a_word() -> None:
    call = Call.of(number=NUMBER)
    call.send(e.Start())
    assert call.send(e.Failed("answer failed")) == [
        a.CancelTimer("call"),
        a.HangUp(),
        a.Finish(Outcome.ERROR),
    ]
    assert call.plays == []


def test_asterisk_failure_mid_call_says_cannot_register() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.send(e.Failed("channel in a bad state"))
    assert call.heard() == ("cannot-register", "contact-generic")
    call.prompt_ends()
    assert call.outcome is Outcome.ERROR


def test_new_ari_only_transfer_is_declined_and_the_call_goes_on() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    before = call.state
    assert call.send(e.TransferRequested("1000", declinable=True)) == [a.DeclineTransfer()]
    assert call.state == before
    assert call.send(e.TransferRequested("1000", declinable=False)) == []
    assert call.answer("1")[-1] == a.Record(1, RVV, NUMBER, None, None)


def test_ten_minutes_end_the_call_with_goodbye() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.send(e.TimedOut("call"))
    assert call.heard() == ("goodbye",)
    assert call.rows_of(CallEventKind.LIMIT) == [{"limit": "max_call_s"}]
    call.prompt_ends()
    assert call.outcome is Outcome.INCOMPLETE
    assert call.machine_rights == {"recht_van_verzet": "not_heard", "bel_me_niet": "not_heard"}


def test_limit_after_every_right_was_heard_is_completed() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.prompt_ends()
    call.send(e.TimedOut("call"))
    call.prompt_ends()
    assert call.outcome is Outcome.COMPLETED
    assert call.machine_rights == {"recht_van_verzet": "heard", "bel_me_niet": "heard"}


def test_goodbye_that_never_ends_is_cut_by_its_guard() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("1")
    call.recorded()
    call.prompt_ends()
    call.answer("2")
    assert call.send(e.TimedOut("ending-1"))[-2:] == [a.HangUp(), a.Finish(Outcome.COMPLETED)]


def test_caller_hanging_up_during_goodbye_keeps_the_ivrs_outcome() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    for _ in range(3):
        call.silence()
    assert call.heard() == ("goodbye",)
    assert call.send(e.HungUp())[-1] == a.Finish(Outcome.NO_CHOICE)


def test_keys_during_goodbye_are_ignored() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.send(e.GraceExpired())
    assert call.answer("1#") == []


def test_finish_is_the_last_action_and_nothing_follows() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.send(e.HungUp())
    everything: list[e.Event] = [
        e.Start(), e.Answered(), e.Digit("1"), e.PromptFinished(1), e.PromptFailed(1),
        e.TimedOut("call"), e.HungUp(), e.Recorded(1), e.RecordFailed(1),
        e.TransferRequested("1", declinable=True), e.Failed("x"), e.GraceExpired(),
    ]  # fmt: skip
    for event in everything:
        assert call.send(event) == []
    assert isinstance(call.actions[-1], a.Finish)


def test_events_before_start_are_ignored() -> None:
    call = Call.of(number=NUMBER)
    assert call.send(e.Digit("1"), e.Answered(), e.PromptFinished(0)) == []
    assert call.send(e.HungUp()) == [a.Finish(Outcome.CALLER_HUNG_UP)]


def test_us_tcpa_records_do_not_call_on_one_key_then_says_it_and_hangs_up() -> None:
    call = Call.of("us-tcpa", number=NUMBER)
    call.start()
    assert call.heard() == ("welcome", "advertiser-generic", "menu-dnc")
    out = call.press("1")  # live from the first word
    assert out == [a.StopPlayback(1), a.Record(1, DNC, NUMBER, None, None)]
    call.recorded()
    assert call.heard() == ("dnc-registered",)
    assert call.prompt_ends()[-2:] == [a.HangUp(), a.Finish(Outcome.COMPLETED)]
    assert call.machine_rights == {"do_not_call": "chosen"}
    assert call.stored_rights() == call.machine_rights


def test_us_tcpa_never_takes_the_caller_id_and_reads_no_keyed_number_back() -> None:
    call = Call.of("us-tcpa", caller_number=CALLER)
    call.start()
    call.press("1")
    assert call.heard() == ("enter-number",)
    out = call.press("2125550123#")
    assert out[-2:] == [
        a.NumberChosen("+12125550123", NumberSource.KEYED),
        a.Record(1, DNC, "+12125550123", None, None),
    ]


def test_us_tcpa_end_key_counts_after_the_offer_and_the_right_is_heard() -> None:
    call = Call.of("us-tcpa", number=NUMBER)
    call.start()
    call.send(e.MediaStarted(1, 2, call.now + 2000))
    call.listen(2100)
    assert call.press("2") == []
    call.listen(600)
    assert a.Play(2, ("goodbye",)) in call.press("2")
    call.prompt_ends()
    assert call.outcome is Outcome.COMPLETED
    assert call.machine_rights == {"do_not_call": "heard"}


def test_nl_2021_offers_only_the_recht_van_verzet() -> None:
    call = Call.of("nl-2021", number=NUMBER)
    call.start()
    assert call.heard() == ("welcome", "advertiser-generic", "menu-rvv-only")
    assert call.press("1")[-1] == a.Record(1, RVV, NUMBER, None, None)
    call.recorded()
    call.prompt_ends()
    assert call.heard() == ("goodbye",)
    call.prompt_ends()
    assert call.outcome is Outcome.COMPLETED
    assert call.machine_rights == {"recht_van_verzet": "chosen"}


def test_nl_2021_leave_key_counts_only_after_the_mark() -> None:
    call = Call.of("nl-2021", number=NUMBER)
    call.start()
    assert call.press("2") == []
    assert call.rows_of(CallEventKind.DIGIT) == [{"digit": "2", "ignored": "before_offered"}]
    call.hear_question()
    assert a.Play(2, ("goodbye",)) in call.press("2")
    call.prompt_ends()
    assert call.outcome is Outcome.COMPLETED
    assert call.machine_rights == {"recht_van_verzet": "heard"}
    assert call.stored_rights() == call.machine_rights


def test_nl_2021_menu_heard_whole_takes_the_leave_key_at_once_on_its_repeat() -> None:
    call = Call.of("nl-2021", number=NUMBER)
    call.start()
    call.silence()
    assert a.Play(3, ("goodbye",)) in call.press("2")


def test_profile_can_ask_to_confirm_the_agents_number() -> None:
    ctm = load_profile("nl-ctm2012")
    confirm = ctm.confirm.model_copy(update={"arg_number": True})
    profile = ctm.model_copy(update={"confirm": confirm})
    call = Call.of(profile, number=NUMBER)
    call.start()
    call.answer("1")
    assert call.heard() == (*READ_BACK_NUMBER, "confirm-number")
    assert call.answer("1")[-1] == a.Record(1, RVV, NUMBER, None, None)
    assert not any(isinstance(x, a.NumberChosen) for x in call.actions)
