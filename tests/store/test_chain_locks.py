"""Two processes' writers on one PostgreSQL database never deadlock: they take the chain
heads in one order (docs/design.md 14.10), and the readiness probe touches no row another
process writes. A batch that seals a call and records an opt-out, or probes and records,
beside another doing the same the other way round, waits instead of failing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial

import asyncpg
import pytest

from ivr.clock import LoopClock
from ivr.store import trail, writes
from ivr.store.pg.db import PgDb, connect
from ivr.store.pg.migrate import migrate, pg_migrations

DEADLINE_S = 30


@pytest.fixture
async def connections(postgres_url: str) -> AsyncIterator[tuple[PgDb, PgDb, PgDb]]:
    """Two processes' writer connections and a third that watches them, on a migrated
    database."""
    clock = LoopClock()
    dbs = [PgDb(await connect(postgres_url), clock) for _ in range(3)]
    try:
        await migrate(dbs[2], pg_migrations())
        yield dbs[0], dbs[1], dbs[2]
    finally:
        for db in dbs:
            await db.close()


async def _lock_waiting(watcher: PgDb, pid: int) -> bool:
    waiting = await watcher.scalar(
        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = ?", (pid,)
    )
    return bool(waiting)


async def _until(done: Callable[[], Awaitable[bool]], failure: str) -> None:
    end = time.monotonic() + DEADLINE_S
    while not await done():
        assert time.monotonic() < end, failure
        await asyncio.sleep(0.01)


async def _advance(db: PgDb, name: str) -> None:
    seq, head = await trail.chain_head(db, name)
    await trail.move_chain_head(db, name, seq + 1, head)


STEPS: dict[str, Callable[[PgDb], Awaitable[None]]] = {
    "optouts": partial(_advance, name="optouts"),
    "seals": partial(_advance, name="seals"),
    "probe": writes.probe,
}


@pytest.mark.parametrize(("one", "other"), [("optouts", "seals"), ("probe", "optouts")])
async def test_batches_doing_two_writes_in_opposite_orders_both_commit(
    connections: tuple[PgDb, PgDb, PgDb], one: str, other: str
) -> None:
    """Each pair as two processes' batches would run it: ``one`` then ``other`` beside
    ``other`` then ``one`` (an opt-out and a seal; a ``/readyz`` probe and an opt-out)."""
    first, second, watcher = connections
    second_pid = int(await second.scalar("SELECT pg_backend_pid()"))
    took_first = [asyncio.Event(), asyncio.Event()]
    go = asyncio.Event()

    async def batch(db: PgDb, steps: tuple[str, str], took: asyncio.Event) -> None:
        await db.begin()
        try:
            await STEPS[steps[0]](db)
            took.set()
            await go.wait()
            await STEPS[steps[1]](db)
            await db.commit()
        except BaseException:
            await db.rollback()
            raise

    async def second_took_or_waits() -> bool:
        return took_first[1].is_set() or await _lock_waiting(watcher, second_pid)

    started = asyncio.create_task(batch(first, (one, other), took_first[0]))
    await asyncio.wait_for(took_first[0].wait(), DEADLINE_S)
    reverse = asyncio.create_task(batch(second, (other, one), took_first[1]))
    await _until(second_took_or_waits, "the second batch neither took a head nor waits")
    go.set()
    results = await asyncio.wait_for(
        asyncio.gather(started, reverse, return_exceptions=True), DEADLINE_S
    )
    assert not [r for r in results if isinstance(r, asyncpg.DeadlockDetectedError)]
    assert list(results) == [None, None]
    heads = await watcher.fetchall("SELECT name, seq FROM chain_heads ORDER BY name")
    advanced = {name: 2 for name in (one, other) if name != "probe"}
    assert {row["name"]: row["seq"] for row in heads} == {
        "consents": 0,
        "optouts": 0,
        "seals": 0,
        **advanced,
    }


async def test_two_processes_checkpoints_follow_one_another(
    connections: tuple[PgDb, PgDb, PgDb],
) -> None:
    first, second, watcher = connections
    second_pid = int(await second.scalar("SELECT pg_backend_pid()"))
    await first.begin()
    written = await trail.write_checkpoint(first, "2026-03-03T10:00:00.000000+00:00")

    async def checkpoint() -> dict[str, object]:
        await second.begin()
        try:
            found = await trail.write_checkpoint(second, "2026-03-03T10:00:01.000000+00:00")
            await second.commit()
            return found
        except BaseException:
            await second.rollback()
            raise

    other = asyncio.create_task(checkpoint())
    await _until(
        partial(_lock_waiting, watcher, second_pid),
        "the second checkpoint does not wait for the first",
    )
    await first.commit()
    after = await asyncio.wait_for(other, DEADLINE_S)
    assert (after["seq"], after["prev"]) == (2, written["hash"])
