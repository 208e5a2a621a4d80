"""The caller's choices end in the right rows and the right requests to Asterisk."""

from __future__ import annotations

import json

import pytest

from tests.calls.conftest import CATEGORY_IDS, World, answer, hang_up_on, press


async def test_recht_van_verzet_is_recorded_and_confirmed(world: World) -> None:
    channel = await world.call([press("menu", "1", 1200), answer("offer-register", "2")])
    await world.until_done(channel)

    rows = world.optouts(channel)
    assert [(r["kind"], r["number"], r["advertiser"], r["source"]) for r in rows] == [
        ("recht_van_verzet", "+31612345678", "acme", "ivr")
    ]
    assert rows[0]["created_by"] == "ivr" and rows[0]["agent"] == "a7"
    call = world.call_row(channel)
    assert call["outcome"] == "completed"
    assert (call["number"], call["number_source"]) == ("+31612345678", "arg")
    assert (call["campaign"], call["script"]) == ("c1", "v3")

    heard = world.heard(channel)
    assert heard[:3] == ["welcome", "advertisers/acme", "menu"]
    assert "rvv-registered" in heard and heard[-1] == "goodbye"

    assert world.requests("POST", "/answer", channel)
    first_play = world.requests("POST", "/play", channel)[0]
    assert first_play.query["media"] == (
        "sound:ivr/nl/welcome,sound:ivr/nl/advertisers/acme,sound:ivr/nl/menu"
    )
    stops = world.requests("DELETE", "/ari/playbacks/")
    assert stops, "the menu was not stopped on barge-in"
    hangups = world.requests("DELETE", f"/ari/channels/{channel}")
    assert [h.query.get("reason") for h in hangups] == ["normal"]
    assert world.transcript(channel, "hangup")[-1]["by"] == "app"


async def test_register_totaal_with_charities(world: World) -> None:
    channel = await world.call(
        [
            press("menu", "2", 1200),
            press("register-scope", "1"),
            answer("charities", "1"),
            press("confirm-register", "1"),
            answer("offer-rvv", "2"),
        ]
    )
    await world.until_done(channel)
    rows = world.optouts(channel)
    assert [(r["kind"], json.loads(r["scope"]), r["charities"]) for r in rows] == [
        ("bel_me_niet", "all", 1)
    ]
    heard = world.heard(channel)
    assert "readback-all-charities" in heard
    digits = [p for p in heard if p.startswith("digit-")]
    assert digits == [f"digit-{d}" for d in "0612345678"]
    assert heard.index("register-recorded") > heard.index("confirm-register")
    assert world.call_row(channel)["outcome"] == "completed"


async def test_register_deel_with_two_categories(world: World) -> None:
    wanted = {"energie", "telecom-computers"}
    steps = [press("menu", "2", 1200), press("register-scope", "2")]
    steps += [press(f"category-{cid}", "1" if cid in wanted else "2", 300) for cid in CATEGORY_IDS]
    steps += [press("confirm-register", "1"), answer("offer-rvv", "2")]
    channel = await world.call(steps)
    await world.until_done(channel)
    rows = world.optouts(channel)
    assert len(rows) == 1
    assert rows[0]["kind"] == "bel_me_niet"
    assert json.loads(rows[0]["scope"]) == ["energie", "telecom-computers"]
    assert rows[0]["charities"] is None
    heard = world.heard(channel)
    assert "readback-categories" in heard


async def test_withheld_number_is_keyed_in_and_confirmed(world: World) -> None:
    channel = await world.call(
        [
            press("menu", "1", 1200),
            press("enter-number", "0645678901#", 800),
            press("confirm-number", "1"),
            answer("offer-register", "2"),
        ],
        number=None,
        caller="anonymous",
    )
    await world.until_done(channel)
    rows = world.optouts(channel)
    assert [(r["kind"], r["number"]) for r in rows] == [("recht_van_verzet", "+31645678901")]
    call = world.call_row(channel)
    assert (call["number"], call["number_source"]) == ("+31645678901", "keyed")


async def test_caller_id_number_is_confirmed_before_the_first_record(world: World) -> None:
    channel = await world.call(
        [press("menu", "1", 1200), press("confirm-number", "1"), answer("offer-register", "2")],
        number=None,
        caller="0687654321",
    )
    await world.until_done(channel)
    heard = world.heard(channel)
    assert heard.index("confirm-number") < heard.index("rvv-registered")
    rows = world.optouts(channel)
    assert [(r["kind"], r["number"]) for r in rows] == [("recht_van_verzet", "+31687654321")]
    assert world.call_row(channel)["number_source"] == "caller_id"


async def test_unconfirmed_register_choice_is_not_an_optout(world: World) -> None:
    channel = await world.call(
        [
            press("menu", "2", 1200),
            press("register-scope", "1"),
            answer("charities", "2"),
            hang_up_on("confirm-register", 500),
        ]
    )
    await world.until_done(channel)
    assert world.optouts(channel) == []
    assert world.call_row(channel)["outcome"] == "caller_hung_up"
    digits = [e.get("digit") for e in world.events(channel, "digit") if "digit" in e]
    assert digits == ["2", "1", "2"]


async def test_same_caller_twice_gives_two_rows_and_one_suppression(world: World) -> None:
    steps = [press("menu", "1", 1200), answer("offer-register", "2")]
    first = await world.call(steps)
    await world.until_done(first)
    second = await world.call(steps)
    await world.until_done(second)
    rows = world.rows(
        "SELECT call_id FROM optouts WHERE number = ? AND kind = 'recht_van_verzet'",
        "+31612345678",
    )
    assert len({r[0] for r in rows}) == 2
    assert world.service.store is not None
    active = await world.service.store.active_optouts("+31612345678", "acme")
    assert len(active) == 2  # two entries, one number suppressed


async def test_unknown_advertiser_is_served_with_the_generic_wording(world: World) -> None:
    channel = await world.call(
        [press("menu", "1", 1200), answer("offer-register", "2")], args=("advertiser=zeta",)
    )
    await world.until_done(channel)
    assert world.heard(channel)[:3] == ["welcome", "advertiser-generic", "menu"]
    assert [r["advertiser"] for r in world.optouts(channel)] == ["zeta"]


async def test_no_advertiser_at_all_still_records_under_unknown(world: World) -> None:
    channel = await world.call([press("menu", "1", 1200), answer("offer-register", "2")], args=())
    await world.until_done(channel)
    assert [r["advertiser"] for r in world.optouts(channel)] == ["unknown"]


async def test_logs_never_show_a_whole_phone_number(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    channel = await world.call(
        [press("menu", "1", 1200), answer("offer-register", "2")], number="0687654321"
    )
    await world.until_done(channel)
    err = capsys.readouterr().err
    assert "+3168765****" in err
    assert "87654321" not in err
