"""The Asterisk lease: one holder per Asterisk id, free again when its holder closes."""

from __future__ import annotations

import pytest

from ivr.clock import VirtualClock
from ivr.store import Store
from ivr.store.lease import LeaseHeld


async def test_one_holder_per_asterisk_id(db_url: str, clock: VirtualClock) -> None:
    first, second = await Store.open(db_url, clock), await Store.open(db_url, clock)
    try:
        await first.take_lease("box-a")
        with pytest.raises(LeaseHeld, match="box-a"):
            await second.take_lease("box-a")
        await second.take_lease("box-b")
        await first.close()
        third = await Store.open(db_url, clock)
        await third.take_lease("box-a")
        await third.close()
    finally:
        await second.close()
