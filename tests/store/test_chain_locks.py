"""Two processes' writers on one PostgreSQL database take the chain heads in one order
(docs/design.md 14.10): a batch that seals a call and records an opt-out, beside another
that does the same the other way round, waits instead of deadlocking."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from ivr.clock import LoopClock
from ivr.store import trail
from ivr.store.pg.db import PgDb, connect
from ivr.store.pg.migrate import migrate, pg_migrations

DEADLINE_S = 30


async def _lock_waiting(watcher: PgDb, pid: int) -> bool:
    waiting = await watcher.scalar(
        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = ?", (pid,)
    )
    return bool(waiting)


async def test_batches_taking_chain_heads_in_opposite_orders_both_commit(
    postgres_url: str,
) -> None:
    clock = LoopClock()
    dbs = [PgDb(await connect(postgres_url), clock) for _ in range(3)]
    first, second, watcher = dbs
    try:
        await migrate(watcher, pg_migrations())
        second_pid = int(await second.scalar("SELECT pg_backend_pid()"))
        took_first = [asyncio.Event(), asyncio.Event()]
        go = asyncio.Event()

        async def batch(db: PgDb, names: tuple[str, str], took: asyncio.Event) -> None:
            await db.begin()
            try:
                await trail.chain_head(db, names[0])
                took.set()
                await go.wait()
                seq, head = await trail.chain_head(db, names[1])
                await trail.move_chain_head(db, names[1], seq + 1, head)
                await db.commit()
            except BaseException:
                await db.rollback()
                raise

        one = asyncio.create_task(batch(first, ("optouts", "seals"), took_first[0]))
        await asyncio.wait_for(took_first[0].wait(), DEADLINE_S)
        two = asyncio.create_task(batch(second, ("seals", "optouts"), took_first[1]))
        end = time.monotonic() + DEADLINE_S
        while not took_first[1].is_set() and not await _lock_waiting(watcher, second_pid):
            assert time.monotonic() < end, "the second batch neither took a head nor waits"
            await asyncio.sleep(0.01)
        go.set()
        results = await asyncio.wait_for(
            asyncio.gather(one, two, return_exceptions=True), DEADLINE_S
        )
        assert not [r for r in results if isinstance(r, asyncpg.DeadlockDetectedError)]
        assert results == [None, None]
        heads = await watcher.fetchall("SELECT name, seq FROM chain_heads ORDER BY name")
        assert {row["name"]: row["seq"] for row in heads} == {
            "consents": 0,
            "optouts": 1,
            "seals": 1,
        }
    finally:
        for db in dbs:
            await db.close()


async def test_two_processes_checkpoints_follow_one_another(postgres_url: str) -> None:
    clock = LoopClock()
    dbs = [PgDb(await connect(postgres_url), clock) for _ in range(3)]
    first, second, watcher = dbs
    try:
        await migrate(watcher, pg_migrations())
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
        end = time.monotonic() + DEADLINE_S
        while not await _lock_waiting(watcher, second_pid):
            assert time.monotonic() < end, "the second checkpoint does not wait for the first"
            await asyncio.sleep(0.01)
        await first.commit()
        after = await asyncio.wait_for(other, DEADLINE_S)
        assert (after["seq"], after["prev"]) == (2, written["hash"])
    finally:
        for db in dbs:
            await db.close()
