"""The IVR of today's regimes through the simulator: nl-2021 (recht van verzet only) and
us-tcpa (one key, do-not-call), each chosen per advertiser (docs/design.md §11.3, §11.4)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.config import AdvertiserConfig
from ivr.flow.profile import profile_file_hash
from tests.calls.conftest import World, answer, make_world, press

ADVERTISERS = {
    "acme": AdvertiserConfig(name="Acme", name_prompt="advertisers/acme", profile="nl-2021"),
    "usco": AdvertiserConfig(name="US Co", name_prompt_en="advertisers/acme", profile="us-tcpa"),
}
NL = ("advertiser=acme",)
US = ("advertiser=usco",)


@pytest.fixture
async def regimes(tmp_path: Path) -> AsyncIterator[World]:
    async for world in make_world(tmp_path, advertisers=ADVERTISERS):
        yield world


async def test_nl_2021_records_the_recht_van_verzet_and_says_goodbye(regimes: World) -> None:
    channel = await regimes.call([press("menu-rvv-only", "1", 1200)], args=NL)
    await regimes.until_done(channel)
    assert regimes.heard(channel) == [
        "welcome",
        "advertisers/acme",
        "menu-rvv-only",
        "rvv-registered",
        "goodbye",
    ]
    row = regimes.call_row(channel)
    assert (row["profile"], row["outcome"]) == ("nl-2021", "completed")
    assert row["profile_hash"] == profile_file_hash("nl-2021")
    assert json.loads(row["rights"]) == {"recht_van_verzet": "chosen"}
    assert [o["kind"] for o in regimes.optouts(channel)] == ["recht_van_verzet"]


async def test_nl_2021_leave_key_counts_after_the_statement(regimes: World) -> None:
    early = press("menu-rvv-only", "2", 1000)
    channel = await regimes.call([early, answer("menu-rvv-only", "2")], args=NL)
    await regimes.until_done(channel)
    row = regimes.call_row(channel)
    assert row["outcome"] == "completed"
    assert json.loads(row["rights"]) == {"recht_van_verzet": "heard"}
    digits = regimes.events(channel, "digit")
    assert [d.get("ignored") for d in digits] == ["before_offered", None]
    assert regimes.optouts(channel) == []


async def test_us_tcpa_records_do_not_call_on_one_key_and_hangs_up(regimes: World) -> None:
    channel = await regimes.call(
        [press("menu-dnc", "1", 300)], args=US, number="2125550123", caller="2125550123"
    )
    await regimes.until_done(channel)
    heard = [entry["media"] for entry in regimes.transcript(channel, "prompt")]
    assert heard == [
        "sound:ivr/en/welcome",
        "sound:ivr/en/advertisers/acme",
        "sound:ivr/en/menu-dnc",
        "sound:ivr/en/dnc-registered",
    ]
    row = regimes.call_row(channel)
    assert (row["profile"], row["lang"], row["outcome"]) == ("us-tcpa", "en", "completed")
    assert json.loads(row["rights"]) == {"do_not_call": "chosen"}
    optouts = regimes.optouts(channel)
    assert [(o["kind"], o["number"]) for o in optouts] == [("do_not_call", "+12125550123")]
    assert regimes.transcript(channel, "hangup")[-1]["by"] == "app"
