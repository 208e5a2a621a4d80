"""Every call ends: time-outs, wrong keys, hang-ups and barge-in in every state."""

from __future__ import annotations

import pytest

from ivr.simulator import Step
from tests.calls.conftest import CATEGORY_IDS, World, answer, hang_up_on, press

TO_RVV = [press("menu", "1", 1200)]
TO_REGISTER = [press("menu", "2", 1200)]
TO_CONFIRM = [*TO_REGISTER, press("register-scope", "1"), answer("charities", "2")]

NONE_CHOSEN = [press(f"category-{c}", "2", 300) for c in CATEGORY_IDS]
ARG = ("0612345678", "0612345678")  # (Stasis number arg, caller id)
CALLER_ID = (None, "0612345678")
WITHHELD = (None, "anonymous")

# (state, steps that reach it, how the number is known, opt-out kinds recorded before it)
STATES: list[tuple[str, list[Step], tuple[str | None, str], list[str]]] = [
    ("welcome", [], ARG, []),
    ("menu", [], ARG, []),
    ("invalid", [press("menu", "7", 1200)], ARG, []),
    ("rvv-registered", TO_RVV, ARG, ["recht_van_verzet"]),
    ("offer-register", TO_RVV, ARG, ["recht_van_verzet"]),
    ("register-scope", TO_REGISTER, ARG, []),
    ("charities", [*TO_REGISTER, press("register-scope", "1")], ARG, []),
    ("category-auto", [*TO_REGISTER, press("register-scope", "2")], ARG, []),
    ("no-category", [*TO_REGISTER, press("register-scope", "2"), *NONE_CHOSEN], ARG, []),
    ("readback-number", TO_CONFIRM, ARG, []),
    ("confirm-register", TO_CONFIRM, ARG, []),
    ("register-recorded", [*TO_CONFIRM, press("confirm-register", "1")], ARG, ["bel_me_niet"]),
    ("offer-rvv", [*TO_CONFIRM, press("confirm-register", "1")], ARG, ["bel_me_niet"]),
    ("confirm-number", TO_RVV, CALLER_ID, []),
    ("enter-number", TO_RVV, WITHHELD, []),
    ("number-invalid", [*TO_RVV, press("enter-number", "12#", 800)], WITHHELD, []),
    ("goodbye", [*TO_RVV, answer("offer-register", "2")], ARG, ["recht_van_verzet"]),
]


@pytest.mark.parametrize(("state", "steps", "number", "kinds"), STATES, ids=[s[0] for s in STATES])
async def test_caller_hangs_up_in_every_state_keeps_what_was_recorded(
    world: World,
    state: str,
    steps: list[Step],
    number: tuple[str | None, str],
    kinds: list[str],
) -> None:
    channel = await world.call([*steps, hang_up_on(state, 200)], number=number[0], caller=number[1])
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


PROMPTS_WITH_KEYS: list[tuple[str, list[Step], tuple[str | None, str]]] = [
    ("welcome", [], ARG),
    ("menu", [], ARG),
    ("invalid", [press("menu", "7", 1200)], ARG),
    ("rvv-registered", TO_RVV, ARG),
    ("offer-register", TO_RVV, ARG),
    ("register-scope", TO_REGISTER, ARG),
    ("charities", [*TO_REGISTER, press("register-scope", "1")], ARG),
    ("category-auto", [*TO_REGISTER, press("register-scope", "2")], ARG),
    ("category-keys", [*TO_REGISTER, press("register-scope", "2")], ARG),
    ("confirm-register", TO_CONFIRM, ARG),
    ("register-recorded", [*TO_CONFIRM, press("confirm-register", "1")], ARG),
    ("offer-rvv", [*TO_CONFIRM, press("confirm-register", "1")], ARG),
    ("confirm-number", TO_RVV, CALLER_ID),
    ("enter-number", TO_RVV, WITHHELD),
]


@pytest.mark.parametrize(
    ("prompt", "steps", "number"), PROMPTS_WITH_KEYS, ids=[p[0] for p in PROMPTS_WITH_KEYS]
)
async def test_a_digit_during_every_prompt_stops_it(
    world: World, prompt: str, steps: list[Step], number: tuple[str | None, str]
) -> None:
    channel = await world.call([*steps, answer(prompt, "0")], number=number[0], caller=number[1])

    def interrupted() -> list[str]:
        return [
            e["media"].rsplit("/nl/", 1)[-1]
            for e in world.sim.transcript(channel)
            if e["kind"] == "prompt" and e["status"] == "interrupted"
        ]

    await world.until(lambda: prompt in interrupted())
    call_id = world.call_row(channel)["id"]
    stops = world.requests("DELETE", f"/ari/playbacks/{call_id}")
    assert len(stops) >= len(set(interrupted()))
    await world.sim.hangup(channel)
    await world.until_done(channel)


async def test_a_digit_during_a_read_back_does_not_stop_it(world: World) -> None:
    channel = await world.call([*TO_CONFIRM, press("readback-number", "1", 300)])
    await world.until(lambda: "confirm-register" in world.heard(channel))
    statuses = [
        e["status"]
        for e in world.sim.transcript(channel)
        if e["kind"] == "prompt" and e["media"].endswith("/readback-number")
    ]
    assert statuses == ["finished"]
    ignored = [e for e in world.events(channel, "digit") if e.get("ignored") == "before_offered"]
    assert [e["digit"] for e in ignored] == ["1"]
    await world.sim.hangup(channel)
    await world.until_done(channel)
    assert world.optouts(channel) == []


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
        [press("menu", "7", 1200), press("invalid", "1", 300), answer("offer-register", "2")]
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
