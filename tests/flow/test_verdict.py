"""The rights verdict: the machine's own, and the one computed from the evidence rows."""

from ivr.domain import CallEventKind, OptOutKind, Outcome
from ivr.flow import events as e
from ivr.flow.profile import load_profile
from ivr.flow.verdict import rights_verdict

from .driver import MARKS, NUMBER, Call

PROFILE = load_profile("nl-ctm2012")


def _verdict(rows: list[tuple[str, dict[str, object]]]) -> dict[str, str]:
    return rights_verdict(rows, PROFILE.offered_rights, PROFILE.statement_prompts, MARKS)


def test_a_call_refused_before_any_prompt_has_no_verdict() -> None:
    call = Call.of(number=NUMBER, refuse=True)
    call.start()
    assert call.machine_rights == {}
    assert call.stored_rights() == {}
    assert call.outcome is Outcome.REFUSED_VOICEMAIL


def test_hang_up_in_the_menu_after_the_first_mark_heard_one_right() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.send(e.MediaStarted(1, 1, call.now + 1000), e.MediaStarted(1, 2, call.now + 2000))
    call.listen(2500)  # 500 ms into the menu: past recht van verzet (400), not the register (800)
    call.hang_up()
    assert call.outcome is Outcome.CALLER_HUNG_UP
    assert call.machine_rights == {"recht_van_verzet": "heard", "bel_me_niet": "not_heard"}
    assert call.stored_rights() == call.machine_rights


def test_the_menu_heard_whole_then_nothing_chosen_is_no_choice() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    for _ in range(3):
        call.silence()
    call.prompt_ends()
    assert call.outcome is Outcome.NO_CHOICE
    assert call.machine_rights == {"recht_van_verzet": "heard", "bel_me_niet": "heard"}
    assert call.stored_rights() == call.machine_rights


def test_both_rights_recorded_are_chosen_and_the_call_completed() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.answer("1")
    call.recorded()
    call.prompt_ends()
    call.answer("111")
    call.answer("1")
    call.recorded()
    call.prompt_ends()
    call.prompt_ends()
    assert call.outcome is Outcome.COMPLETED
    assert call.machine_rights == {"recht_van_verzet": "chosen", "bel_me_niet": "chosen"}
    assert call.stored_rights() == call.machine_rights


def test_verdict_counts_the_rows_of_every_session_of_the_call() -> None:
    first: list[tuple[str, dict[str, object]]] = [
        ("prompt_started", {"play_id": 1, "media": ["welcome", "advertiser-generic", "menu"]}),
        ("digit", {"digit": "1"}),
        ("choice", {"right": "recht_van_verzet"}),
        ("prompt_interrupted", {"play_id": 1, "starts_ms": [0], "end_ms": 300}),
        ("record", {"optout_id": "x", "kind": OptOutKind.RECHT_VAN_VERZET.value}),
    ]
    second: list[tuple[str, dict[str, object]]] = [
        ("prompt_started", {"play_id": 1, "media": ["offer-register"]}),
        ("prompt_finished", {"play_id": 1, "starts_ms": [0], "end_ms": 9000}),
    ]
    assert _verdict(first) == {"recht_van_verzet": "chosen", "bel_me_niet": "not_heard"}
    assert _verdict(first + second) == {"recht_van_verzet": "chosen", "bel_me_niet": "heard"}


def test_an_interrupted_statement_counts_from_its_own_media_start() -> None:
    started = ("prompt_started", {"play_id": 1, "media": ["welcome", "advertiser-generic", "menu"]})
    before = ("prompt_interrupted", {"play_id": 1, "starts_ms": [0, 1000, 2000], "end_ms": 2799})
    after = ("prompt_interrupted", {"play_id": 1, "starts_ms": [0, 1000, 2000], "end_ms": 2800})
    assert _verdict([started, before]) == {"recht_van_verzet": "heard", "bel_me_niet": "not_heard"}
    assert _verdict([started, after]) == {"recht_van_verzet": "heard", "bel_me_niet": "heard"}


def test_a_statement_without_a_mark_is_heard_only_whole() -> None:
    rows = [
        ("prompt_started", {"play_id": 1, "media": ["menu", "goodbye"]}),
        ("prompt_interrupted", {"play_id": 1, "starts_ms": [0], "end_ms": 60000}),
    ]
    unmarked = rights_verdict(rows, PROFILE.offered_rights, PROFILE.statement_prompts, {})
    assert unmarked == {"recht_van_verzet": "not_heard", "bel_me_niet": "not_heard"}
    rows[1] = ("prompt_interrupted", {"play_id": 1, "starts_ms": [0, 20000], "end_ms": 20001})
    whole = rights_verdict(rows, PROFILE.offered_rights, PROFILE.statement_prompts, {})
    assert whole == {"recht_van_verzet": "heard", "bel_me_niet": "heard"}


def test_every_row_of_the_trail_is_a_known_kind() -> None:
    call = Call.of(number=NUMBER)
    call.start()
    call.press("3")
    call.answer("1")
    call.recorded()
    call.prompt_ends()
    call.send(e.TransferRequested("1000", declinable=True, mode="ari-only", result="x"))
    call.hang_up()
    kinds = [row.kind for row in call.rows]
    assert set(kinds) <= set(CallEventKind)
    assert kinds.count(CallEventKind.PROMPT_STARTED) == len(call.plays)
    closing = {
        CallEventKind.PROMPT_FINISHED,
        CallEventKind.PROMPT_INTERRUPTED,
        CallEventKind.PROMPT_FAILED,
    }
    assert sum(kind in closing for kind in kinds) == len(call.plays)
    assert kinds[-1] is CallEventKind.RIGHTS
