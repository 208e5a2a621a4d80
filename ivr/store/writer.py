"""The one writer: group commit without giving up durability.

Every write is a *job* (an async function of the writer's
:class:`~ivr.store.database.Database`) put on a queue.  One task takes
everything queued, runs it in one write transaction, commits (SQLite
``synchronous=FULL``, PostgreSQL ``synchronous_commit = on``: the commit is on
disk) and only then resolves each job's waiter.  So a caller gets its answer
once ITS row is on disk, and a hundred callers share one fsync.

Only a job that must survive a power cut once answered (an opt-out, a consent,
a seal: ``durable``, the default) needs that sync: a batch of other jobs only
(a call's row, its evidence rows) is committed without it (SQLite
``synchronous=NORMAL``, PostgreSQL ``synchronous_commit = off``), atomic and
safe from a crash of the process, and on disk with the next durable commit,
which syncs every commit before it (docs/design.md 14.31).

Jobs that come many at a time (opt-outs, call events) are a :class:`Bulk`: a
run of them next to each other in the queue goes to the database as one
statement, so a batch costs a few round trips instead of one per job.

A job's own mistake (a constraint, an unknown id) fails that job alone: SQLite
undoes just that statement; on PostgreSQL each job runs in a savepoint.  A
failure of the transaction itself (disk full, locked, I/O) fails every job of
the batch with :class:`StoreError`; the next batch tries again, since a full
disk may clear.  A transaction the server rolled back because of another
process's (several boxes on one PostgreSQL: a deadlock victim, a serialization
failure) wrote nothing and is run again, up to three times, before it fails.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

import structlog

from ivr.clock import Clock, TimerHandle
from ivr.store.database import (
    CONFLICT_ERRORS,
    DATABASE_ERRORS,
    INTEGRITY_ERRORS,
    Database,
    in_savepoint,
)
from ivr.store.errors import StoreError

T = TypeVar("T")
A = TypeVar("A")
Job = Callable[[Database], Awaitable[T]]
Done = Callable[[Any, BaseException | None], None]
"""Told the result (or the error) of a job nobody awaits, once its batch is over."""

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class Bulk(Generic[A, T]):
    """A kind of job that many callers ask for at once.

    ``one`` runs a single job; ``many`` runs several in as few statements as it
    can and returns their results in order.  When ``many`` hits a constraint the
    run is undone and each job runs alone, so only the faulty one fails.
    """

    name: str
    one: Callable[[Database, A], Awaitable[T]]
    many: Callable[[Database, list[A]], Awaitable[list[T]]]


@dataclass(slots=True)
class _Queued:
    job: Job[Any]
    label: str
    waiter: asyncio.Future[Any] | None
    bulk: Bulk[Any, Any] | None = None
    arg: Any = None
    result: Any = None
    error: BaseException | None = None
    on_done: Done | None = None
    durable: bool = True


CONFLICT_ATTEMPTS = 3


class _BatchFailed(Exception):
    pass


class Writer:
    def __init__(
        self, db: Database, clock: Clock, *, flush_s: float, group_commit: bool = True
    ) -> None:
        self._db = db
        self._clock = clock
        self._group_commit = group_commit
        self._flush_s = flush_s
        self._flush: TimerHandle | None = None
        self._queue: deque[_Queued] = deque()
        self._wakeup = asyncio.Event()
        self._due = False
        """Whether the queue must be committed now: a job someone awaits is in it, or the
        flush is due. Rows nobody awaits, queued while a batch commits, wait for either."""
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self.healthy = True
        self.last_error: str | None = None
        self.commits = 0
        """Transactions committed; a test reads it to see that batches share commits."""

    @property
    def db(self) -> Database:
        return self._db

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="store-writer")

    def submit(self, job: Job[T], label: str, *, durable: bool = True) -> asyncio.Future[T]:
        """Queue ``job`` now (before anything the caller queues later); the future has its
        result once the transaction that ran it is committed (on disk, when ``durable``)."""
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._put(_Queued(job, label, waiter, durable=durable))
        return waiter

    async def submit_bulk(self, bulk: Bulk[A, T], arg: A) -> T:
        """Like :meth:`submit`, for a job that may run together with its neighbours."""
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._put(_Queued(_bind(bulk, arg), bulk.name, waiter, bulk, arg))
        return await waiter

    def submit_nowait(self, job: Job[Any], label: str, on_done: Done) -> None:
        """Queue a job nobody awaits: it rides the next batch that something else starts,
        in queue order, or a batch of its own ``flush_s`` after the oldest job left
        waiting; ``on_done`` hears how it went."""
        self._put_nowait(_Queued(job, label, None, on_done=on_done, durable=False))

    def submit_bulk_nowait(self, bulk: Bulk[A, Any], arg: A, on_done: Done) -> None:
        """:meth:`submit_nowait` for a job that may run together with its neighbours."""
        job = _Queued(_bind(bulk, arg), bulk.name, None, bulk, arg, on_done=on_done, durable=False)
        self._put_nowait(job)

    def _put_nowait(self, job: _Queued) -> None:
        self._put(job, wake=False)
        if self._flush is None:
            self._flush = self._clock.call_later(self._flush_s, self._flush_due)

    def _flush_due(self) -> None:
        self._flush = None
        if self._queue:
            self._due = True
            self._wakeup.set()

    def _put(self, queued: _Queued, wake: bool = True) -> None:
        if self._closing:
            raise StoreError("the store is closed")
        self._queue.append(queued)
        if wake:
            self._due = True
            self._wakeup.set()

    async def close(self) -> None:
        """Finish every job already queued, then stop."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await asyncio.wait([self._task])
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None

    async def _run(self) -> None:
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                while self._queue and (self._due or self._closing):
                    await self._commit(self._take())
                if self._closing:
                    return
        finally:  # cancelled: nobody may wait for ever on a write that will not run
            self._closing = True
            while self._queue:
                queued = self._queue.popleft()
                queued.error = StoreError("the store stopped before this was recorded")
                _resolve(queued)

    def _take(self) -> list[_Queued]:
        if not self._group_commit:
            return [self._queue.popleft()]
        batch = list(self._queue)
        self._queue.clear()
        self._due = False
        if self._flush is not None:  # what waited rides this batch: the next job starts anew
            self._flush.cancel()
            self._flush = None
        return batch

    async def _commit(self, batch: list[_Queued]) -> None:
        """One transaction for the batch, run as one call on the database (one thread hop
        on SQLite); a cancelled writer still learns how the transaction ended."""
        call = asyncio.ensure_future(self._db.in_one_call(partial(self._transaction, batch)))
        cancelled = False
        while not call.done():
            try:
                await asyncio.wait([call])
            except asyncio.CancelledError:
                cancelled = True  # the transaction runs to its end on the database's side
        error = asyncio.CancelledError() if call.cancelled() else call.exception()
        if error is None:
            self.commits += 1
            if not self.healthy:
                log.info("store.recovered")
            self.healthy = True
            self.last_error = None
            for queued in batch:
                _resolve(queued)
        else:
            await self._db.rollback()
            self._fail_batch(batch, error)
        if cancelled or isinstance(error, asyncio.CancelledError):
            raise asyncio.CancelledError

    async def _transaction(self, batch: list[_Queued], db: Database) -> None:
        """The batch's transaction, run again from its start (:data:`CONFLICT_ATTEMPTS` runs
        in all) while the server rolls it back for another transaction's sake."""
        for attempt in range(1, CONFLICT_ATTEMPTS):
            try:
                return await self._run_batch(batch, db)
            except CONFLICT_ERRORS as exc:
                await db.rollback()
                log.warning("store.batch_retried", error=str(exc), jobs=len(batch), attempt=attempt)
                for queued in batch:
                    queued.result = queued.error = None
        await self._run_batch(batch, db)

    async def _run_batch(self, batch: list[_Queued], db: Database) -> None:
        await db.begin(durable=any(queued.durable for queued in batch))
        for run in _runs(batch):
            await self._run_together(db, run)
        await db.commit()

    async def _run_together(self, db: Database, run: list[_Queued]) -> None:
        bulk = run[0].bulk
        if bulk is None or len(run) == 1:
            for queued in run:
                await self._run_job(db, queued)
            return
        try:
            results = await in_savepoint(db, "bulk", partial(bulk.many, db, [q.arg for q in run]))
        except INTEGRITY_ERRORS:
            for queued in run:
                await self._run_job(db, queued)
            return
        for queued, result in zip(run, results, strict=True):
            queued.result = result

    async def _run_job(self, db: Database, queued: _Queued) -> None:
        if not db.atomic_statements:  # PostgreSQL: a failed statement aborts the batch
            await db.execute("SAVEPOINT job")
        try:
            queued.result = await queued.job(db)
        except INTEGRITY_ERRORS as exc:
            queued.error = StoreError(f"{queued.label}: {exc}")
        except DATABASE_ERRORS:
            raise
        except Exception as exc:
            queued.error = exc
        if not db.atomic_statements:
            if queued.error is not None:
                await db.execute("ROLLBACK TO job")
            await db.execute("RELEASE job")
        if queued.error is not None and not db.in_transaction:
            raise _BatchFailed(f"the transaction was lost after {queued.label}: {queued.error}")

    def _fail_batch(self, batch: list[_Queued], exc: BaseException) -> None:
        reason = str(exc) or type(exc).__name__
        self.healthy = False
        self.last_error = reason
        log.error("store.batch_failed", error=reason, jobs=len(batch))
        for queued in batch:
            if queued.error is None:
                queued.error = StoreError(f"not recorded: {reason}")
            _resolve(queued)


def _bind(bulk: Bulk[A, T], arg: A) -> Job[T]:
    def job(db: Database) -> Awaitable[T]:
        return bulk.one(db, arg)

    return job


def _runs(batch: list[_Queued]) -> Iterator[list[_Queued]]:
    """The batch in order, cut into runs of neighbouring jobs of the same bulk kind."""
    run: list[_Queued] = []
    for queued in batch:
        if run and (queued.bulk is None or queued.bulk is not run[-1].bulk):
            yield run
            run = []
        run.append(queued)
    if run:
        yield run


def _resolve(queued: _Queued) -> None:
    waiter = queued.waiter
    if waiter is None:
        if queued.error is not None:
            log.error("store.write_failed", job=queued.label, error=str(queued.error))
        if queued.on_done is not None:
            queued.on_done(queued.result, queued.error)
        return
    if waiter.done():
        return
    if queued.error is not None:
        waiter.set_exception(queued.error)
    else:
        waiter.set_result(queued.result)
