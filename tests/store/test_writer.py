"""The one writer: durable group commit, failures that clear, a clean close."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from structlog.testing import capture_logs

from ivr.clock import VirtualClock
from ivr.domain import CallEventKind, OptOutKind, Outcome
from ivr.store import CallNotFound, Store, StoreError
from ivr.store.db import Db
from tests import sql

from .conftest import ivr_request, new_call


def optout_ids(db: str | Path) -> set[str]:
    return {row[0] for row in sql.values(db, "SELECT id FROM optouts")}


async def test_wal_and_synchronous_full_are_set_on_the_store_connections(
    sqlite_store: Store, db_path: Path
) -> None:
    store = sqlite_store
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    writer = store._writer.db  # per-connection pragmas can only be read on the connection
    assert await writer.scalar("PRAGMA synchronous") == 2  # FULL
    assert await writer.scalar("PRAGMA foreign_keys") == 1
    assert await writer.scalar("PRAGMA busy_timeout") == 5000
    assert await store._reader.scalar("PRAGMA synchronous") == 2
    assert await store._reader.scalar("PRAGMA query_only") == 1


async def test_the_postgresql_writer_commits_synchronously_whatever_the_server_default(
    postgres_url: str, clock: VirtualClock
) -> None:
    database = sql.scalar(postgres_url, "SELECT current_database()")
    sql.rows(postgres_url, f'ALTER DATABASE "{database}" SET synchronous_commit = off')
    store = await Store.open(postgres_url, clock)
    try:
        assert await store._writer.db.scalar("SHOW synchronous_commit") == "on"
        assert await store._reader.scalar("SHOW synchronous_commit") == "off"
    finally:
        await store.close()


async def test_only_a_batch_with_a_durable_write_is_synced_to_disk(
    sqlite_store: Store, clock: VirtualClock
) -> None:
    store = sqlite_store
    writer = store._writer.db

    async def synchronous() -> int:
        return int(await writer.scalar("PRAGMA synchronous"))

    call = new_call(clock)
    await store.start_call(call)  # a call's row, like its evidence, waits for the next sync
    assert await synchronous() == 1  # NORMAL
    store.add_event_nowait(call.id, CallEventKind.NOTE, {"n": 1})
    await store.record_optout(ivr_request(call.id))  # an opt-out is synced before it returns
    assert await synchronous() == 2  # FULL
    store.add_event_nowait(call.id, CallEventKind.NOTE, {"n": 2})
    await clock.advance(1)  # the evidence flush
    assert await synchronous() == 1
    assert [e.detail["n"] for e in await store.call_events(call.id)] == [1, 2]
    assert await store.seal_call(call.id, outcome=Outcome.COMPLETED, rights={})
    assert await synchronous() == 2


async def test_a_postgresql_batch_without_a_durable_write_does_not_leak_its_setting(
    postgres_url: str, clock: VirtualClock
) -> None:
    store = await Store.open(postgres_url, clock)
    try:
        call = new_call(clock)
        await store.start_call(call)  # BEGIN; SET LOCAL synchronous_commit = off
        store.add_event_nowait(call.id, CallEventKind.NOTE, {"n": 1})
        await clock.advance(1)
        assert await store._writer.db.scalar("SHOW synchronous_commit") == "on"
        assert sql.scalar(postgres_url, "SELECT count(*) FROM call_events") == 1
        await store.record_optout(ivr_request(call.id))
        assert len(optout_ids(postgres_url)) == 1
    finally:
        await store.close()


async def test_many_concurrent_optouts_share_few_commits(store: Store, db_url: str) -> None:
    before = store.commits
    rows = await asyncio.gather(
        *(store.record_optout(ivr_request(f"call-{i}")) for i in range(300))
    )

    assert len({row.id for row in rows}) == 300
    assert optout_ids(db_url) == {row.id for row in rows}
    assert 1 <= store.commits - before <= 30


async def test_each_optout_is_committed_before_record_optout_returns(
    store: Store, db_url: str
) -> None:
    for i in range(5):
        row = await store.record_optout(ivr_request(f"call-{i}"))
        assert row.id in optout_ids(db_url)  # read by another connection: committed


async def test_without_group_commit_every_write_is_its_own_transaction(
    db_url: str, clock: VirtualClock
) -> None:
    store = await Store.open(db_url, clock, group_commit=False)
    try:
        before = store.commits
        await asyncio.gather(*(store.record_optout(ivr_request(f"call-{i}")) for i in range(20)))
        assert store.commits - before == 20
    finally:
        await store.close()


async def test_a_job_that_fails_alone_does_not_fail_its_batch(store: Store, db_url: str) -> None:
    unknown_call, recorded = await asyncio.gather(
        store.add_event("no-such-call", CallEventKind.DIGIT, {"digit": "1"}),
        store.record_optout(ivr_request("call-1")),
        return_exceptions=True,
    )
    assert isinstance(unknown_call, CallNotFound)
    assert not isinstance(recorded, BaseException)
    assert optout_ids(db_url) == {recorded.id}
    assert store.healthy


async def refuse_writes(store: Store, backend: str) -> str:
    """Make the writer's own connection refuse writes; the error's words."""
    writer = store._writer.db
    if backend == "sqlite":  # a full disk
        pages = await writer.scalar("PRAGMA page_count")
        await writer.execute(f"PRAGMA max_page_count = {pages}")
        return "full"
    await writer.execute("SET default_transaction_read_only = on")
    return "read-only"


async def allow_writes(store: Store, backend: str) -> None:
    writer = store._writer.db
    if backend == "sqlite":
        await writer.execute("PRAGMA max_page_count = 1073741823")
    else:
        await writer.execute("SET default_transaction_read_only = off")


async def test_a_failed_transaction_fails_every_waiter_of_the_batch_and_then_clears(
    store: Store, db_url: str, backend: str
) -> None:
    words = await refuse_writes(store, backend)

    results = await asyncio.gather(
        *(store.record_optout(ivr_request(f"call-{i}")) for i in range(400)),
        return_exceptions=True,
    )

    assert all(isinstance(result, StoreError) for result in results)
    assert optout_ids(db_url) == set()  # the batch is all or nothing
    assert not store.healthy
    assert words in (store.last_error or "")

    await allow_writes(store, backend)
    row = await store.record_optout(ivr_request("call-after"))
    assert optout_ids(db_url) == {row.id}
    assert store.healthy
    assert store.last_error is None


async def test_a_locked_database_fails_the_batch_and_readiness_until_released(
    db_path: Path, clock: VirtualClock
) -> None:
    store = await Store.open(db_path, clock, busy_timeout_ms=50)
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(StoreError, match="locked"):
            await store.record_optout(ivr_request("call-1"))
        assert not store.healthy
        assert await store.check_writable() is False

        other.execute("ROLLBACK")
        assert await store.check_writable() is True
        assert store.healthy
        row = await store.record_optout(ivr_request("call-1"))
        assert optout_ids(db_path) == {row.id}
    finally:
        other.close()
        await store.close()


async def test_events_queued_without_waiting_keep_their_order(
    store: Store, clock: VirtualClock
) -> None:
    call = new_call(clock)
    await store.start_call(call)
    for i in range(20):
        store.add_event_nowait(call.id, CallEventKind.PROMPT_STARTED, {"n": i})
    await store.add_event(call.id, CallEventKind.HANGUP, {"by": "caller"})

    events = await store.call_events(call.id)
    assert [e.seq for e in events] == list(range(1, 22))
    assert [e.detail.get("n") for e in events[:20]] == list(range(20))
    assert events[-1].kind is CallEventKind.HANGUP


async def test_a_failed_event_without_waiter_is_logged_counted_and_red_until_one_succeeds(
    store: Store, clock: VirtualClock
) -> None:
    failures: list[int] = []
    store.on_evidence_failure = lambda: failures.append(1)
    with capture_logs() as logs:
        store.add_event_nowait("no-such-call", CallEventKind.DIGIT, {"digit": "5"})
        assert not await store.check_writable()
    assert any(entry["event"] == "store.evidence_write_failed" for entry in logs)
    assert store.healthy  # the database itself is fine
    assert failures == [1]

    call = new_call(clock)
    await store.start_call(call)
    await store.add_event(call.id, CallEventKind.DIGIT, {"digit": "1"})
    assert await store.check_writable()


async def test_close_finishes_every_write_in_flight(db_url: str, clock: VirtualClock) -> None:
    store = await Store.open(db_url, clock)
    call = new_call(clock)
    await store.start_call(call)
    for i in range(50):
        store.add_event_nowait(call.id, CallEventKind.DIGIT, {"digit": str(i % 10)})
    pending = asyncio.ensure_future(store.record_optout(ivr_request(call.id)))
    await asyncio.sleep(0)
    await store.close()

    assert (await pending).call_id == call.id
    assert sql.scalar(db_url, "SELECT COUNT(*) FROM call_events") == 50
    with pytest.raises(StoreError, match="closed"):
        await store.record_optout(ivr_request(str(uuid.uuid4())))


async def test_a_bad_optout_among_many_fails_alone(store: Store, db_url: str) -> None:
    results = await asyncio.gather(
        store.record_optout(ivr_request("call-1")),
        store.record_optout(ivr_request("call-2", number=None)),  # NOT NULL violated
        store.record_optout(ivr_request("call-3")),
        return_exceptions=True,
    )
    good = [r for r in results if not isinstance(r, BaseException)]
    assert isinstance(results[1], StoreError)
    assert optout_ids(db_url) == {r.id for r in good}
    assert len(good) == 2
    assert store.healthy


async def test_an_event_for_an_unknown_call_among_many_fails_alone(
    store: Store, clock: VirtualClock
) -> None:
    call = new_call(clock)
    await store.start_call(call)
    with capture_logs() as logs:
        store.add_event_nowait(call.id, CallEventKind.DIGIT, {"digit": "1"})
        store.add_event_nowait("no-such-call", CallEventKind.DIGIT, {"digit": "2"})
        results = await asyncio.gather(
            store.add_event(call.id, CallEventKind.DIGIT, {"digit": "3"}),
            store.add_event("no-such-call", CallEventKind.DIGIT, {"digit": "4"}),
            return_exceptions=True,
        )

    assert results[0] is None
    assert isinstance(results[1], CallNotFound)
    assert [e.detail["digit"] for e in await store.call_events(call.id)] == ["1", "3"]
    assert [e["event"] for e in logs].count("store.write_failed") == 1
    assert store.healthy


async def test_a_batch_of_many_events_takes_few_commits(store: Store, clock: VirtualClock) -> None:
    calls = [new_call(clock) for _ in range(50)]
    await asyncio.gather(*(store.start_call(call) for call in calls))
    before = store.commits
    for i in range(20):
        for call in calls:
            store.add_event_nowait(call.id, CallEventKind.PROMPT_FINISHED, {"n": i})
    await store.check_writable()

    assert store.commits - before == 1
    for call in calls[:3]:
        events = await store.call_events(call.id)
        assert [(e.seq, e.detail["n"]) for e in events] == [(i + 1, i) for i in range(20)]


async def test_a_cancelled_writer_fails_what_it_will_never_run(store: Store) -> None:
    writer_task = store._writer._task
    assert writer_task is not None
    writer_task.cancel()
    pending = asyncio.ensure_future(store.record_optout(ivr_request("call-1")))
    with pytest.raises(asyncio.CancelledError):
        await writer_task

    with pytest.raises(StoreError):
        await pending
    with pytest.raises(StoreError, match="closed"):
        await store.record_optout(ivr_request("call-2"))


async def test_virtual_time_stands_still_while_the_database_works(
    store: Store, clock: VirtualClock
) -> None:
    woke: list[float] = []

    async def sleeper() -> None:
        await clock.sleep(10)
        woke.append(clock.monotonic())

    sleeping = asyncio.ensure_future(sleeper())
    autojump = clock.start_autojump()
    try:
        for i in range(30):
            await store.record_optout(ivr_request(f"call-{i}"))
            await store.get_optout("none")
        assert woke == []
        assert clock.monotonic() == 0
    finally:
        autojump.cancel()
        sleeping.cancel()


async def test_evidence_rides_the_next_write_or_a_flush_within_100_ms(
    store: Store, clock: VirtualClock
) -> None:
    call = new_call(clock)
    await store.start_call(call)
    before = store.commits
    for digit in "123":
        store.add_event_nowait(call.id, CallEventKind.DIGIT, {"digit": digit})
    await clock.advance(0.05)
    assert await store.call_events(call.id) == [] and store.commits == before

    await store.record_optout(ivr_request(call.id))  # a durable write takes them along

    assert [e.detail["digit"] for e in await store.call_events(call.id)] == ["1", "2", "3"]
    assert store.commits == before + 1
    # a row queued after that batch waits its own 100 ms, not what was left of the first's
    store.add_event_nowait(call.id, CallEventKind.NOTE, {"n": 1})
    await clock.advance(0.06)
    assert len(await store.call_events(call.id)) == 3 and store.commits == before + 1
    await clock.advance(0.041)
    assert len(await store.call_events(call.id)) == 4 and store.commits == before + 2
    await clock.advance(1)  # nothing left to flush: no commit
    assert store.commits == before + 2
    store.add_event_nowait(call.id, CallEventKind.HANGUP, {"by": "caller"})
    await clock.advance(0.099)
    assert len(await store.call_events(call.id)) == 4
    await clock.advance(0.002)
    assert len(await store.call_events(call.id)) == 5
    assert store.commits == before + 3


async def test_rows_queued_while_a_batch_commits_wait_for_their_flush(
    store: Store, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = new_call(clock)
    await store.start_call(call)
    db = store._writer.db
    entered, release = asyncio.Event(), asyncio.Event()
    run = db.in_one_call

    async def held(work: Callable[[Any], Awaitable[Any]]) -> Any:
        entered.set()
        await release.wait()
        return await run(work)

    monkeypatch.setattr(db, "in_one_call", held)
    before = store.commits
    optout = asyncio.create_task(store.record_optout(ivr_request(call.id)))
    await entered.wait()
    store.add_event_nowait(call.id, CallEventKind.NOTE, {"n": 1})  # while the opt-out commits
    release.set()
    await optout

    await clock.advance(0.099)  # not a commit of its own right after the opt-out's
    assert await store.call_events(call.id) == [] and store.commits == before + 1
    await clock.advance(0.002)
    assert len(await store.call_events(call.id)) == 1 and store.commits == before + 2


async def test_a_batch_is_one_call_on_the_database_thread(
    sqlite_store: Store, clock: VirtualClock
) -> None:
    store = sqlite_store
    call = new_call(clock)
    await store.start_call(call)
    writer = store._writer.db
    assert isinstance(writer, Db)
    hops: list[str] = []
    run_on_thread: Callable[..., Awaitable[Any]] = writer._conn._execute  # untyped in aiosqlite

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(fn, "__name__", repr(fn)))
        return await run_on_thread(fn, *args, **kwargs)

    writer._conn._execute = counted  # type: ignore[method-assign]
    before = store.commits
    for n in range(20):
        store.add_event_nowait(call.id, CallEventKind.NOTE, {"n": n})
    kinds = (OptOutKind.RECHT_VAN_VERZET, OptOutKind.BEL_ME_NIET)
    optouts = [store.record_optout(ivr_request(call.id, kind)) for kind in kinds]
    await asyncio.gather(*optouts, store.seal_call(call.id, outcome=Outcome.COMPLETED, rights={}))

    assert store.commits == before + 1
    assert hops == ["_run_to_end"]
    assert len(await store.call_events(call.id)) == 21


def conflicting_job(times: int) -> tuple[Any, list[int]]:
    """A job the server rolls back as a deadlock victim its first ``times`` runs."""
    runs: list[int] = []

    async def job(db: Any) -> str:
        runs.append(len(runs) + 1)
        if len(runs) <= times:
            raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
        return "done"

    return job, runs


async def test_a_batch_rolled_back_by_another_transaction_runs_again(
    store: Store, db_url: str
) -> None:
    job, runs = conflicting_job(times=2)
    with capture_logs() as logs:
        row, result = await asyncio.gather(
            store.record_optout(ivr_request("call-1")), store._writer.submit(job, "conflict")
        )
    assert result == "done"
    assert runs == [1, 2, 3]
    assert optout_ids(db_url) == {row.id}
    assert store.healthy
    assert [e["attempt"] for e in logs if e["event"] == "store.batch_retried"] == [1, 2]


async def test_a_batch_that_keeps_conflicting_fails_after_three_runs(
    store: Store, db_url: str
) -> None:
    job, runs = conflicting_job(times=10)
    with pytest.raises(StoreError, match="deadlock detected"):
        await store._writer.submit(job, "conflict")
    assert runs == [1, 2, 3]
    assert not store.healthy

    row = await store.record_optout(ivr_request("call-1"))
    assert optout_ids(db_url) == {row.id}
    assert store.healthy
