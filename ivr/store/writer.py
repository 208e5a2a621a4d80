"""The one writer: group commit without giving up durability.

Every write is a *job* (an async function of the writer's :class:`Db`) put on a
queue.  One task takes everything queued, runs it in one ``BEGIN IMMEDIATE``
transaction, commits (``synchronous=FULL``: the commit is fsynced) and only then
resolves each job's waiter.  So a caller gets its answer once ITS row is on disk,
and a hundred callers share one fsync.

A job's own mistake (a constraint, an unknown id) fails that job alone: SQLite
undoes just that statement.  A failure of the transaction itself (disk full,
locked, I/O) fails every job of the batch with :class:`StoreError`; the next
batch tries again, since a full disk may clear.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog

from ivr.store.db import Db
from ivr.store.errors import StoreError

T = TypeVar("T")
Job = Callable[[Db], Awaitable[T]]

log = structlog.get_logger()


@dataclass(slots=True)
class _Queued:
    job: Job[Any]
    label: str
    waiter: asyncio.Future[Any] | None
    result: Any = None
    error: BaseException | None = None


class _BatchFailed(Exception):
    pass


class Writer:
    def __init__(self, db: Db, *, group_commit: bool = True) -> None:
        self._db = db
        self._group_commit = group_commit
        self._queue: deque[_Queued] = deque()
        self._wakeup = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self.healthy = True
        self.last_error: str | None = None
        self.commits = 0
        """Transactions committed; a test reads it to see that batches share commits."""

    @property
    def db(self) -> Db:
        return self._db

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="store-writer")

    async def submit(self, job: Job[T], label: str) -> T:
        """Queue ``job``; its result once the transaction that ran it is committed."""
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._put(_Queued(job, label, waiter))
        return await waiter

    def submit_nowait(self, job: Job[Any], label: str) -> None:
        """Queue ``job`` without waiting; a failure is logged."""
        self._put(_Queued(job, label, None))

    def _put(self, queued: _Queued) -> None:
        if self._closing:
            raise StoreError("the store is closed")
        self._queue.append(queued)
        self._wakeup.set()

    async def close(self) -> None:
        """Finish every job already queued, then stop."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                await self._commit(self._take())
            if self._closing:
                return

    def _take(self) -> list[_Queued]:
        if not self._group_commit:
            return [self._queue.popleft()]
        batch = list(self._queue)
        self._queue.clear()
        return batch

    async def _commit(self, batch: list[_Queued]) -> None:
        try:
            await self._db.execute("BEGIN IMMEDIATE")
            for queued in batch:
                await self._run_job(queued)
            await self._db.execute("COMMIT")
        except (sqlite3.Error, _BatchFailed) as exc:
            await self._db.rollback()
            self._fail_batch(batch, exc)
        except BaseException as exc:
            await self._db.rollback()
            self._fail_batch(batch, exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        else:
            self.commits += 1
            if not self.healthy:
                log.info("store.recovered")
            self.healthy = True
            self.last_error = None
            for queued in batch:
                _resolve(queued)

    async def _run_job(self, queued: _Queued) -> None:
        try:
            queued.result = await queued.job(self._db)
        except sqlite3.IntegrityError as exc:
            queued.error = StoreError(f"{queued.label}: {exc}")
        except sqlite3.Error:
            raise
        except Exception as exc:
            queued.error = exc
        if queued.error is not None and not self._db.in_transaction:
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


def _resolve(queued: _Queued) -> None:
    waiter = queued.waiter
    if waiter is None:
        if queued.error is not None:
            log.error("store.write_failed", job=queued.label, error=str(queued.error))
        return
    if waiter.done():
        return
    if queued.error is not None:
        waiter.set_exception(queued.error)
    else:
        waiter.set_result(queued.result)
