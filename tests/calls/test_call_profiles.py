"""Each call runs under its advertiser's profile in force at its start, and keeps it
(docs/design.md 11.1, 14.23); its recht van verzet withdraws the advertiser's consents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ivr.config import AdvertiserConfig
from ivr.domain import ConsentChannel, ConsentKind, ConsentRequest
from ivr.rules.regime import Sector
from tests.calls.conftest import ACME, World, answer, make_world

FONDS = ("advertiser=fonds", "campaign=c9")
NUMBER = "+31612345678"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    advertisers = {
        "acme": AdvertiserConfig(name="Acme Energie", name_prompt="advertisers/acme"),
        "fonds": AdvertiserConfig(name="Het Fonds", profile="nl", sector=Sector.CHARITY),
    }
    async for w in make_world(tmp_path, advertisers=advertisers):
        yield w


async def test_a_call_runs_under_its_advertisers_profile_in_force(world: World) -> None:
    assert world.clock.now() < datetime(2026, 7, 1, tzinfo=UTC)  # nl-2021 still in force
    ours = await world.call([answer("menu-rvv-only", "1")], args=FONDS)
    default = await world.call([answer("menu", "2"), answer("register-scope", "1")], args=ACME)
    await world.until_done(ours, default)
    assert world.call_row(ours)["profile"] == "nl-2021"
    assert world.call_row(default)["profile"] == "nl-ctm2012"
    assert "menu-rvv-only" in world.heard(ours) and "menu" not in world.heard(ours)
    assert [row["kind"] for row in world.optouts(ours)] == ["recht_van_verzet"]


async def test_the_recht_van_verzet_of_a_call_withdraws_the_advertisers_consents(
    world: World,
) -> None:
    store = world.service.store
    assert store is not None
    given = await store.record_consent(
        ConsentRequest(
            number=NUMBER,
            advertiser="fonds",
            scope="all",
            channel=ConsentChannel.PHONE,
            obtained_at=world.clock.now(),
            created_by="api",
        )
    )
    channel = await world.call([answer("menu-rvv-only", "1")], args=FONDS)
    await world.until_done(channel)
    (optout,) = world.optouts(channel)
    rows = await store.consents_of(NUMBER, "fonds")
    assert [(r.kind, r.withdraws) for r in rows] == [
        (ConsentKind.CONSENT, None),
        (ConsentKind.WITHDRAWAL, given.id),
    ]
    assert rows[1].call_id == world.call_row(channel)["id"]
    assert rows[1].reason == f"recht_van_verzet:{optout['id']}"
