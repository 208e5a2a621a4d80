"""A prompt that fails is never silent (docs/design.md §10.1, §14.13)."""

from ivr.domain import CallEventKind, Outcome
from ivr.flow import actions as a
from ivr.flow import events as e

from .driver import NUMBER, Call

MENU = ("welcome", "advertisers/acme", "menu")


def test_a_question_whose_prompt_fails_twice_ends_the_call_as_an_error() -> None:
    call = Call.of(number=NUMBER, advertiser_prompt="advertisers/acme")
    call.start()
    call.prompt_fails()
    assert call.heard() == MENU
    out = call.prompt_fails()
    assert a.ReportPromptFailure("welcome") in out
    assert call.heard() == ("cannot-register", "contact-generic")
    assert call.rows_of(CallEventKind.NOTE) == [{"note": "question_failed"}]
    assert call.prompt_ends()[-2:] == [a.HangUp(), a.Finish(Outcome.ERROR)]
    assert len(call.rows_of(CallEventKind.PROMPT_FAILED)) == 2


def test_cannot_register_that_fails_too_hangs_up_at_once() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.prompt_fails()
    call.prompt_fails()
    assert call.prompt_fails()[-2:] == [a.HangUp(), a.Finish(Outcome.ERROR)]


def test_a_failed_play_followed_by_a_hang_up_is_a_hang_up() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.send(e.PromptFailed(1, call.now + 300))
    out = call.send(e.HungUp(call.now + 500))
    assert out[-1] == a.Finish(Outcome.CALLER_HUNG_UP)
    assert not any(isinstance(x, a.ReportPromptFailure) for x in call.actions)


def test_the_hang_up_that_comes_first_closes_the_play_as_failed_by_the_hang_up() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.listen(450)
    call.hang_up()
    assert call.rows_of(CallEventKind.PROMPT_FAILED) == [
        {
            "play_id": 1,
            "starts_ms": [0],
            "end_ms": 450,
            "media_at_end": "welcome",
            "cause": "hangup",
        }
    ]
    assert call.send(e.PromptFailed(1, call.now)) == []


def test_a_failed_advertiser_name_is_replayed_as_the_generic_wording_without_counting() -> None:
    call = Call.of(number=NUMBER, advertiser_prompt="advertisers/acme")
    call.start()
    call.send(e.MediaStarted(1, 1, call.now + 1000))
    out = call.prompt_fails()
    assert a.ReportPromptFailure("advertisers/acme") in out
    assert call.heard() == ("welcome", "advertiser-generic", "menu")
    call.prompt_fails()
    assert call.heard() == ("welcome", "advertiser-generic", "menu")  # the menu's own first failure
    assert call.state.plays["menu"] == 1


def test_an_announcement_is_replayed_once_then_the_call_goes_on() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.press("1")
    call.recorded()
    assert call.heard() == ("rvv-registered",)
    call.prompt_fails()
    assert call.heard() == ("rvv-registered",)
    call.prompt_fails()
    assert call.heard() == ("offer-register",)


def test_a_play_request_that_fails_is_an_error_row_and_a_replay() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    out = call.send(e.PromptFailed(1, error="500 Internal Server Error"))
    assert out == [
        a.ReportPromptFailure("welcome"),
        a.Play(2, ("welcome", "advertiser-generic", "menu")),
    ]
    assert call.rows_of(CallEventKind.ERROR) == [
        {"during": "play", "error": "500 Internal Server Error"}
    ]
