"""``cannot-register`` names where to object, in the same playback: the advertiser's
``contact_prompt``, else ``contact-generic`` (docs/design.md §14.15), as the caller hears it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.config import AdvertiserConfig
from ivr.domain import OptOut, OptOutRequest
from ivr.store import StoreError
from tests.calls.conftest import World, answer, make_world, press

ADVERTISERS = {
    "acme": AdvertiserConfig(
        name="Acme Energie",
        name_prompt="advertisers/acme",
        contact_prompt="advertisers/acme-contact",
    ),
    "other": AdvertiserConfig(name="Other"),
}


@pytest.fixture
async def contact(tmp_path: Path) -> AsyncIterator[World]:
    async for world in make_world(tmp_path, advertisers=ADVERTISERS):
        yield world


def _failing_writes(world: World) -> None:
    async def failing(request: OptOutRequest) -> OptOut:
        raise StoreError("disk full")

    assert world.service.store is not None
    world.service.store.record_optout = failing  # type: ignore[method-assign]


async def test_a_failed_write_plays_the_advertisers_contact_after_cannot_register(
    contact: World,
) -> None:
    _failing_writes(contact)
    channel = await contact.call([press("menu", "1", 1200), answer("offer-register", "2")])
    await contact.until_done(channel)
    assert contact.heard(channel)[-3:] == [
        "cannot-register",
        "advertisers/acme-contact",
        "goodbye",
    ]
    last_play = contact.events(channel, "prompt_started")[-1]
    assert last_play["media"] == ["cannot-register", "advertisers/acme-contact", "goodbye"]
    assert contact.call_row(channel)["outcome"] == "error"


async def test_an_advertiser_without_a_contact_prompt_gets_the_generic_wording(
    contact: World,
) -> None:
    router = contact.service.router
    assert router is not None
    router.begin_shutdown()
    channel = await contact.call([], args=("advertiser=other",))
    await contact.until_done(channel)
    assert contact.heard(channel) == ["cannot-register", "contact-generic"]
    assert contact.call_row(channel)["outcome"] == "shutdown"
