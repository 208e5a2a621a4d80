"""Every call ends: time-outs, wrong keys, hang-ups and barge-in in every state."""

from __future__ import annotations

import pytest

from ivr.simulator import Step
from tests.calls.conftest import World, hang_up_on, press

TO_RVV = [press("menu", "1", 1200)]
TO_REGISTER = [press("menu", "2", 1200)]
TO_CONFIRM = [*TO_REGISTER, press("register-scope", "1"), press("charities", "2")]

# (state, steps that reach it, caller number arg, opt-out kinds recorded before it)
STATES: list[tuple[str, list[Step], bool, list[str]]] = [
    ("welcome", [], True, []),
    ("menu", [], True, []),
    ("rvv-registered", TO_RVV, True, ["recht_van_verzet"]),
    ("offer-register", TO_RVV, True, ["recht_van_verzet"]),
    ("register-scope", TO_REGISTER, True, []),
    ("charities", [*TO_REGISTER, press("register-scope", "1")], True, []),
    ("category-auto", [*TO_REGISTER, press("register-scope", "2")], True, []),
    ("confirm-register", TO_CONFIRM, True, []),
    ("register-recorded", [*TO_CONFIRM, press("confirm-register", "1")], True, ["bel_me_niet"]),
    ("offer-rvv", [*TO_CONFIRM, press("confirm-register", "1")], True, ["bel_me_niet"]),
    ("enter-number", TO_RVV, False, []),
    ("goodbye", [*TO_RVV, press("rvv-registered", "2")], True, ["recht_van_verzet"]),
]


@pytest.mark.parametrize(
    ("state", "steps", "with_number", "kinds"), STATES, ids=[s[0] for s in STATES]
)
async def test_caller_hangs_up_in_every_state_keeps_what_was_recorded(
    world: World, state: str, steps: list[Step], with_number: bool, kinds: list[str]
) -> None:
    channel = await world.call(
        [*steps, hang_up_on(state, 200)],
        number="0612345678" if with_number else None,
        caller="0612345678" if with_number else "anonymous",
    )
    await world.until_done(channel)
    assert state in world.heard(channel)
    assert sorted(r["kind"] for r in world.optouts(channel)) == sorted(kinds)
    call = world.call_row(channel)
    # once goodbye has begun the IVR has ended the call: its outcome stands
    assert call["outcome"] == ("completed" if state == "goodbye" else "caller_hung_up")
    assert call["ended_at"] is not None
    assert world.transcript(channel, "hangup")[-1]["by"] == "caller"
    # nothing is asked of a channel that is gone
    assert not world.requests("DELETE", f"/ari/channels/{channel}")


PROMPTS_WITH_KEYS: list[tuple[str, list[Step]]] = [
    ("welcome", []),
    ("menu", []),
    ("rvv-registered", TO_RVV),
    ("register-scope", TO_REGISTER),
    ("charities", [*TO_REGISTER, press("register-scope", "1")]),
    ("category-auto", [*TO_REGISTER, press("register-scope", "2")]),
    ("confirm-register", TO_CONFIRM),
]


@pytest.mark.parametrize(
    ("prompt", "steps"), PROMPTS_WITH_KEYS, ids=[p[0] for p in PROMPTS_WITH_KEYS]
)
async def test_a_digit_during_every_prompt_stops_it(
    world: World, prompt: str, steps: list[Step]
) -> None:
    channel = await world.call([*steps, press(prompt, "0", 300), hang_up_on("goodbye", 100)])
    await world.until(
        lambda: any(
            e["kind"] == "prompt"
            and e["media"].endswith("/" + prompt)
            and e["status"] == "interrupted"
            for e in world.sim.transcript(channel)
        )
    )
    assert world.requests("DELETE", "/ari/playbacks/")
    await world.sim.hangup(channel)
    await world.until_done(channel)


async def test_three_time_outs_end_the_call_with_no_choice(world: World) -> None:
    channel = await world.call([])
    await world.until_done(channel)
    heard = world.heard(channel)
    assert heard.count("menu") == 3
    assert heard[-1] == "goodbye"
    assert world.call_row(channel)["outcome"] == "no_choice"
    assert len(world.events(channel, "timeout")) == 3
    assert world.optouts(channel) == []
    assert world.transcript(channel, "hangup")[-1]["by"] == "app"


async def test_invalid_keys_play_invalid_and_run_out_of_tries(world: World) -> None:
    channel = await world.call([press("menu", "7", 1200), press("invalid", "9", 300)])
    await world.until_done(channel)
    heard = world.heard(channel)
    assert heard.count("invalid") >= 2
    assert heard[-1] == "goodbye"
    assert world.call_row(channel)["outcome"] == "no_choice"


async def test_invalid_key_then_a_good_one(world: World) -> None:
    channel = await world.call(
        [press("menu", "7", 1200), press("invalid", "1", 300), press("rvv-registered", "2")]
    )
    await world.until_done(channel)
    assert [r["kind"] for r in world.optouts(channel)] == ["recht_van_verzet"]
    assert world.call_row(channel)["outcome"] == "completed"


async def test_zero_repeats_the_question(world: World) -> None:
    channel = await world.call([press("register-scope", "0", 400), press("menu", "2", 1200)])
    await world.until(lambda: world.heard(channel).count("register-scope") >= 2)
    await world.sim.hangup(channel)
    await world.until_done(channel)
    assert world.heard(channel).count("register-scope") == 2
