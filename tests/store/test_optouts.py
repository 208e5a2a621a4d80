"""Opt-outs: append-only, once per IVR call and kind, revoked once, counted while active."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

import aiosqlite
import asyncpg.cursor
import pytest

from ivr.clock import VirtualClock
from ivr.domain import OptOutKind, OptOutSource
from ivr.store import AlreadyRevoked, OptOutNotFound, Store
from tests import sql

from .conftest import NUMBER, agent_request, ivr_request, new_call

OTHER = "+31687654321"


def count_rows(db: str) -> int:
    return int(sql.scalar(db, "SELECT COUNT(*) FROM optouts"))


async def test_a_recorded_optout_reads_back_as_given(store: Store, clock: VirtualClock) -> None:
    request = ivr_request(
        "call-1", OptOutKind.BEL_ME_NIET, scope=("energie", "goede-doelen"), charities=None
    )
    row = await store.record_optout(request)

    assert await store.get_optout(row.id) == row
    assert row.scope == ("energie", "goede-doelen")
    assert row.charities is None
    assert row.created_at == clock.now()
    assert (row.number, row.advertiser, row.kind, row.source, row.call_id) == (
        NUMBER, "acme", OptOutKind.BEL_ME_NIET, OptOutSource.IVR, "call-1",
    )  # fmt: skip
    assert await store.optouts_for_call("call-1") == [row]


async def test_scope_all_and_charities_are_stored_as_the_design_says(
    store: Store, db_url: str
) -> None:
    await store.record_optout(ivr_request("call-1", OptOutKind.BEL_ME_NIET, charities=False))
    ((scope, charities, created_at),) = sql.values(
        db_url, "SELECT scope, charities, created_at FROM optouts"
    )
    assert (scope, charities) == ('"all"', 0)
    assert created_at == "2026-03-02T10:00:00.000000+00:00"


async def test_the_same_ivr_choice_twice_at_once_is_one_row(store: Store, db_url: str) -> None:
    first, second = await asyncio.gather(
        store.record_optout(ivr_request("call-1")), store.record_optout(ivr_request("call-1"))
    )
    again = await store.record_optout(ivr_request("call-1"))  # a later batch: a resync

    assert first.id == second.id == again.id
    assert count_rows(db_url) == 1


async def test_one_ivr_call_may_record_each_kind_once(store: Store, db_url: str) -> None:
    rvv = await store.record_optout(ivr_request("call-1"))
    register = await store.record_optout(ivr_request("call-1", OptOutKind.BEL_ME_NIET))
    assert rvv.id != register.id
    assert count_rows(db_url) == 2


async def test_manual_entries_are_never_merged(store: Store, db_url: str) -> None:
    await asyncio.gather(store.record_optout(agent_request()), store.record_optout(agent_request()))
    assert count_rows(db_url) == 2


async def test_an_ivr_optout_without_its_call_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="call_id"):
        await store.record_optout(ivr_request(None))  # type: ignore[arg-type]


async def test_optouts_cannot_be_changed_or_deleted(store: Store, db_url: str) -> None:
    await store.record_optout(agent_request())
    with pytest.raises(sql.DatabaseError, match="append-only"):
        sql.rows(db_url, "UPDATE optouts SET number = '+31600000000'")
    with pytest.raises(sql.DatabaseError, match="append-only"):
        sql.rows(db_url, "DELETE FROM optouts")


async def test_a_revocation_is_a_new_row_and_the_optout_stops_counting(
    store: Store, db_url: str
) -> None:
    row = await store.record_optout(agent_request())
    revocation = await store.revoke(
        row.id, "consumer asked by letter", "consument", "agent:007", OptOutSource.AGENT
    )

    assert revocation.kind is OptOutKind.REVOCATION
    assert revocation.revokes == row.id
    assert (revocation.number, revocation.advertiser) == (row.number, row.advertiser)
    assert revocation.reason == "consumer asked by letter"
    assert await store.get_optout(row.id) == row  # the original stays as it was
    assert await store.active_optouts(NUMBER) == []
    assert sql.values(db_url, "SELECT requested_by FROM optouts WHERE id = ?", revocation.id) == [
        ("consument",)
    ]


async def test_revoking_twice_even_at_once_raises_already_revoked(
    store: Store, db_url: str
) -> None:
    row = await store.record_optout(agent_request())
    results = await asyncio.gather(
        *(store.revoke(row.id, "asked", "consument", "api", OptOutSource.API) for _ in range(2)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, AlreadyRevoked) for r in results) == 1
    with pytest.raises(AlreadyRevoked):
        await store.revoke(row.id, "asked", "consument", "api", OptOutSource.API)
    assert count_rows(db_url) == 2


async def test_revoking_an_unknown_id_or_a_revocation_is_not_found(store: Store) -> None:
    with pytest.raises(OptOutNotFound):
        await store.revoke("no-such-id", "asked", "consument", "api", OptOutSource.API)
    row = await store.record_optout(agent_request())
    revocation = await store.revoke(row.id, "asked", "consument", "api", OptOutSource.API)
    with pytest.raises(OptOutNotFound):
        await store.revoke(revocation.id, "asked", "consument", "api", OptOutSource.API)


async def test_active_optouts_for_an_advertiser_include_every_register_row(store: Store) -> None:
    own = await store.record_optout(agent_request())
    await store.record_optout(agent_request(advertiser="globex"))  # another's recht van verzet
    register = await store.record_optout(
        agent_request(advertiser="globex", kind=OptOutKind.BEL_ME_NIET, scope="all", charities=True)
    )
    revoked = await store.record_optout(agent_request(kind=OptOutKind.BEL_ME_NIET, scope="all"))
    await store.revoke(revoked.id, "asked", "consument", "api", OptOutSource.API)
    await store.record_optout(agent_request(number=OTHER))

    assert {o.id for o in await store.active_optouts(NUMBER, "acme")} == {own.id, register.id}
    assert len(await store.active_optouts(NUMBER)) == 3
    assert await store.active_optouts("+31600000000", "acme") == []


async def test_active_optouts_many_answers_every_number_asked(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ivr.store.store.LOOKUP_CHUNK", 2)
    own = await store.record_optout(agent_request())
    other = await store.record_optout(agent_request(number=OTHER))
    await store.record_optout(agent_request(number="+31611111111", advertiser="globex"))

    numbers = [NUMBER, OTHER, "+31611111111", "+31622222222", NUMBER]
    found = await store.active_optouts_many(numbers, "acme")

    assert found == {NUMBER: [own], OTHER: [other], "+31611111111": [], "+31622222222": []}


async def test_advertiser_known_from_optouts_or_calls(store: Store, clock: VirtualClock) -> None:
    assert not await store.advertiser_known("acme")
    await store.record_optout(agent_request())
    await store.start_call(new_call(clock, advertiser="initech"))
    assert await store.advertiser_known("acme")
    assert await store.advertiser_known("initech")
    assert not await store.advertiser_known("acme ")


async def test_import_loads_in_big_transactions_and_counts_new_rows(
    store: Store, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ivr.store.store.IMPORT_CHUNK", 100)
    before = store.commits
    requests = (
        agent_request(
            number=f"+316{i:08d}", source=OptOutSource.IMPORT, created_by="import:list.csv"
        )
        for i in range(250)
    )
    assert await store.import_optouts(requests) == 250
    assert count_rows(db_url) == 250
    assert store.commits - before == 3


async def test_iter_optouts_filters_and_orders_by_creation(
    store: Store, clock: VirtualClock
) -> None:
    first = await store.record_optout(agent_request())
    await clock.advance(60)
    start = clock.now()
    second = await store.record_optout(agent_request(advertiser="globex"))
    await clock.advance(60)
    third = await store.record_optout(agent_request(kind=OptOutKind.BEL_ME_NIET, scope="all"))
    await clock.advance(60)
    revocation = await store.revoke(first.id, "asked", "consument", "api", OptOutSource.API)

    async def ids(**filters: Any) -> list[str]:
        return [o.id async for o in store.iter_optouts(**filters)]

    assert await ids() == [second.id, third.id]
    assert await ids(include_revoked=True) == [first.id, second.id, third.id, revocation.id]
    assert await ids(advertiser="acme") == [third.id]
    assert await ids(since=start) == [second.id, third.id]
    assert await ids(kind=OptOutKind.BEL_ME_NIET) == [third.id]
    assert await ids(number=OTHER) == []


async def test_iter_optouts_streams_in_chunks(
    store: Store, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.import_optouts(
        agent_request(number=f"+316{i:08d}", source=OptOutSource.IMPORT) for i in range(50)
    )
    asked: list[int | None] = []
    cursor, method = (
        (aiosqlite.Cursor, "fetchmany") if backend == "sqlite" else (asyncpg.cursor.Cursor, "fetch")
    )
    fetch = getattr(cursor, method)

    async def spy(self: Any, size: int | None = None) -> Any:
        asked.append(size)
        return await fetch(self, size)

    monkeypatch.setattr(cursor, method, spy)

    seen = 0
    async with aclosing(store.iter_optouts(chunk_size=7)) as rows:
        async for _ in rows:
            seen += 1
            if seen == 10:
                assert asked == [7, 7]  # two chunks fetched for ten rows, not the table
    assert seen == 50
    assert asked == [7] * 9  # 7 full chunks, 1 row, then the empty one that ends it
