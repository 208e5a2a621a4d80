"""One clock for every time-out, back-off and timestamp.

Production uses :class:`LoopClock` (the event loop's monotonic time and the
wall clock).  Tests share a :class:`VirtualClock` between the service and the
simulator: virtual time only moves when the test advances it, or, with
``autojump``, whenever the whole process is idle, so minutes of prompts run in
milliseconds and always in the same order.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""

    def now(self) -> datetime:
        """The wall time, timezone-aware, in UTC."""

    async def sleep(self, delay: float) -> None: ...

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: Any
    ) -> TimerHandle: ...

    def busy(self) -> contextlib.AbstractContextManager[None]:
        """Mark work that runs outside the event loop (a database thread)."""

    async def wait_for(self, awaitable: Awaitable[T], timeout: float) -> T:
        """Like :func:`asyncio.wait_for`, on this clock's time."""


class LoopClock:
    """The real clock: the running loop's time and the system's wall clock."""

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, delay: float) -> None:
        await asyncio.sleep(delay)

    def call_later(self, delay: float, callback: Callable[..., object], *args: Any) -> TimerHandle:
        return asyncio.get_running_loop().call_later(delay, callback, *args)

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        yield

    async def wait_for(self, awaitable: Awaitable[T], timeout: float) -> T:
        # asyncio.timeout, not asyncio.wait_for: on 3.11 wait_for starts a task per call,
        # and every ARI request goes through here
        async with asyncio.timeout(timeout):
            return await awaitable


class _VirtualTimer:
    __slots__ = ("args", "callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[..., object], args: tuple[Any, ...]):
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class VirtualClock:
    """A clock whose time moves only when told to.

    ``settle()`` waits until nothing in the process can make progress without
    time moving: no ready callbacks, no readable sockets, no database thread at
    work.  ``advance()`` then fires the due timers one by one, settling after
    each; ``start_autojump()`` does that for ever in the background.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._epoch = start or datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
        self._now = 0.0
        self._timers: list[tuple[float, int, _VirtualTimer]] = []
        self._seq = itertools.count()
        self._busy = 0

    def monotonic(self) -> float:
        return self._now

    def now(self) -> datetime:
        return self._epoch + timedelta(seconds=self._now)

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: Any
    ) -> _VirtualTimer:
        timer = _VirtualTimer(self._now + max(0.0, delay), callback, args)
        heapq.heappush(self._timers, (timer.when, next(self._seq), timer))
        return timer

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        timer = self.call_later(delay, _resolve, future)
        try:
            await future
        finally:
            timer.cancel()

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1

    async def wait_for(self, awaitable: Awaitable[T], timeout: float) -> T:
        task = asyncio.ensure_future(awaitable)
        timed_out = False

        def expire() -> None:
            nonlocal timed_out
            if not task.done():
                timed_out = True
                task.cancel()

        timer = self.call_later(timeout, expire)
        try:
            return await task
        except asyncio.CancelledError:
            if timed_out:
                raise TimeoutError from None
            raise
        finally:
            timer.cancel()

    def next_deadline(self) -> float | None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    async def settle(self) -> None:
        """Return once the process is idle (see the class docstring)."""
        loop = asyncio.get_running_loop()
        quiet = 0
        while quiet < 3:
            await asyncio.sleep(0)
            if self._busy or _loop_has_work(loop):
                quiet = 0
                if self._busy:
                    await asyncio.sleep(0.0005)
                continue
            quiet += 1
            if quiet == 2:
                await asyncio.sleep(0.0002)

    def _fire_next(self, limit: float) -> bool:
        deadline = self.next_deadline()
        if deadline is None or deadline > limit:
            return False
        when = deadline
        while self._timers and self._timers[0][0] <= when:
            _, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self._now = max(self._now, timer.when)
            timer.callback(*timer.args)
        return True

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, firing every timer due on the way."""
        target = self._now + seconds
        await self.settle()
        while self._fire_next(target):
            await self.settle()
        self._now = max(self._now, target)
        await self.settle()

    async def run_until(self, predicate: Callable[[], bool], limit: float = 3600.0) -> None:
        """Advance timer by timer until ``predicate()`` holds; TimeoutError after ``limit``."""
        target = self._now + limit
        await self.settle()
        while not predicate():
            if not self._fire_next(target):
                raise TimeoutError(f"condition not met within {limit} virtual seconds")
            await self.settle()

    async def autojump(self) -> None:
        """Run for ever: whenever the process is idle, jump to the next timer."""
        while True:
            await self.settle()
            if not self._fire_next(float("inf")):
                await asyncio.sleep(0.001)

    def start_autojump(self) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(self.autojump(), name="virtual-clock")


def _loop_has_work(loop: asyncio.AbstractEventLoop) -> bool:
    ready = getattr(loop, "_ready", None)
    if ready:
        # Only our own settle() wake-up may be in the queue.
        return len(ready) > 0
    selector = getattr(loop, "_selector", None)
    if selector is not None:
        try:
            return bool(selector.select(0))
        except (OSError, ValueError):
            return False
    return False
