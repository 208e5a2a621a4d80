"""Property: whatever the caller does, ``completed`` means every right was chosen or
heard, and the verdict from the evidence rows equals the machine's own (§15.32)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.domain import Outcome, Verdict
from ivr.flow import events as e

from .driver import CALLER, NUMBER, Call

MOVES = st.lists(
    st.one_of(
        st.tuples(st.just("press"), st.sampled_from("0123#*9")),
        st.tuples(st.just("answer"), st.sampled_from("11223")),
        st.tuples(st.just("listen"), st.integers(0, 1200)),
        st.tuples(st.just("prompt_ends"), st.none()),
        st.tuples(st.just("prompt_fails"), st.none()),
        st.tuples(st.just("timeout"), st.booleans()),
        st.tuples(st.just("store"), st.booleans()),
        st.tuples(st.just("hangup"), st.none()),
    ),
    max_size=80,
)
CONFIGS = st.fixed_dictionaries(
    {
        "number": st.sampled_from([None, NUMBER]),
        "caller_number": st.sampled_from([None, CALLER]),
        "answered": st.booleans(),
        "advertiser_prompt": st.sampled_from([None, "advertisers/acme"]),
    }
)


def _move(call: Call, kind: str, arg: object) -> None:
    state = call.state
    match kind:
        case "press":
            call.press(str(arg))
        case "answer":
            call.answer(str(arg))
        case "listen":
            assert isinstance(arg, int)
            call.listen(arg)
        case "prompt_ends":
            if state.playing:
                call.prompt_ends()
        case "prompt_fails":
            if state.playing:
                call.send(e.PromptFailed(state.play_id, call.now))
        case "timeout":
            _fire(call, call_timer=bool(arg))
        case "store":
            if state.pending is not None:
                call.recorded() if arg else call.record_failed()
        case "hangup":
            call.hang_up()


def _fire(call: Call, *, call_timer: bool) -> None:
    names = sorted(t for t in call.timers if (t == "call") == call_timer)
    if names:
        call.send(e.TimedOut(names[0]))


def _drain(call: Call) -> None:
    """A fair session with a silent caller: every write, prompt and timer comes."""
    for _ in range(200):
        if call.outcome is not None:
            return
        if call.state.pending is not None:
            call.recorded()
        elif call.state.playing:
            call.prompt_ends()
        elif any(t != "call" for t in call.timers):
            _fire(call, call_timer=False)
        else:
            _fire(call, call_timer=True)


@settings(max_examples=400)
@given(config=CONFIGS, moves=MOVES)
def test_completed_means_every_right_chosen_or_heard_and_both_verdicts_agree(
    config: dict[str, Any], moves: list[tuple[str, object]]
) -> None:
    call = Call.of(**config)
    call.start()
    for kind, arg in moves:
        if call.outcome is not None:
            break
        _move(call, kind, arg)
    _drain(call)
    assert call.outcome is not None
    rights = call.machine_rights
    if call.outcome is Outcome.COMPLETED:
        assert set(rights.values()) <= {Verdict.CHOSEN, Verdict.HEARD}, rights
    if call.outcome is Outcome.INCOMPLETE:
        assert {Verdict.NOT_HEARD, Verdict.CHOSEN_UNCONFIRMED} & set(rights.values())
    assert call.stored_rights() == rights
