"""Where to object when the IVR cannot record: ``cannot-register`` is followed, in the same
playback, by the advertiser's ``contact_prompt``, else ``contact-generic``
(docs/design.md §14.15)."""

from ivr.domain import OptOutKind, Outcome
from ivr.flow import actions as a
from ivr.flow import events as e

from .driver import NUMBER, Call

CONTACT = "advertisers/acme-contact"


def test_a_failed_write_names_the_advertisers_contact_before_goodbye() -> None:
    call = Call.of(number=NUMBER, contact_prompt=CONTACT)
    call.start()
    call.answer("1")
    call.record_failed()
    assert call.heard() == ("cannot-register", CONTACT, "goodbye")
    assert call.last[-1] == a.StartTimer("ending-1", 3 * 60)
    assert call.prompt_ends()[-2:] == [a.HangUp(), a.Finish(Outcome.ERROR)]


def test_every_path_to_cannot_register_adds_the_contact() -> None:
    shutting = Call.of(number=NUMBER, shutting_down=True, contact_prompt=CONTACT)
    shutting.start()
    assert shutting.heard() == ("cannot-register", CONTACT)
    broken = Call.of(number=NUMBER, contact_prompt=CONTACT)
    broken.start()
    broken.send(e.Failed("channel in a bad state"))
    assert broken.heard() == ("cannot-register", CONTACT)
    failing = Call.of(number=NUMBER, contact_prompt=CONTACT)
    failing.start()
    failing.prompt_fails()
    failing.prompt_fails()
    assert failing.heard() == ("cannot-register", CONTACT)


def test_a_failed_contact_prompt_is_replayed_as_the_generic_wording() -> None:
    call = Call.of(number=NUMBER, shutting_down=True, contact_prompt=CONTACT)
    call.start()
    play = call.current_play
    call.send(e.MediaStarted(play.play_id, 1, call.now + 1000))
    out = call.prompt_fails()
    assert a.ReportPromptFailure(CONTACT) in out
    assert call.heard() == ("contact-generic",)
    assert call.prompt_ends()[-2:] == [a.HangUp(), a.Finish(Outcome.SHUTDOWN)]


def test_us_tcpa_says_where_to_object_in_cannot_register_itself() -> None:
    call = Call.of("us-tcpa", number="+12125550123")
    call.start()
    call.answer("1")
    assert [record.kind for record in call.records] == [OptOutKind.DO_NOT_CALL]
    call.record_failed()
    assert call.heard() == ("cannot-register", "goodbye")
