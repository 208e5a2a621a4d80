"""Work done beside this process in a forked copy of it: the second core takes half
of a scrub's file while this process does the other half (:mod:`ivr.scrub.core`).

The copy only computes: it reads a file by position, writes to a file of its own and
reports a few numbers through a pipe, then ends with ``os._exit`` (no clean-up, no
logging, no event loop; signals as they were before Python touched them). If it
fails in any way, :meth:`Forked.result` says so and the caller does the work itself.
"""

from __future__ import annotations

import contextlib
import gc
import os
import select
import signal
import struct
import tempfile
import time
from collections.abc import Callable
from types import TracebackType
from typing import BinaryIO, NoReturn

Counts = tuple[int, int, int]
_COUNTS = struct.Struct("<3q")


class Forked:
    """``work(out)`` running in a forked copy of this process; what it writes to ``out``
    and the counts it returns are :meth:`result`'s."""

    def __init__(self, work: Callable[[BinaryIO], Counts]) -> None:
        self._pid = 0
        self._readable = -1
        self._out: BinaryIO | None = None
        try:
            self._out = tempfile.TemporaryFile(prefix="ivr-scrub-half-")  # noqa: SIM115 (close())
            readable, writable = os.pipe()
        except OSError:
            return
        try:
            self._pid = os.fork()
        except OSError:
            os.close(readable)
            os.close(writable)
            return
        if self._pid == 0:
            _run_child(work, self._out, readable, writable)
        os.close(writable)
        self._readable = readable

    def result(self, timeout: float) -> tuple[BinaryIO, Counts] | None:
        """Wait for the copy, at most ``timeout`` seconds: its output (read from the start)
        and counts, or ``None`` when it did not finish its work in time (:meth:`close`
        kills it).

        The bound matters because the copy is forked from a process with threads: a lock
        one of them held at the fork (an import in progress, say) is never released in
        the copy, which would then wait forever, and so would this process."""
        if self._readable < 0 or self._out is None:
            return None
        report = b""
        deadline = time.monotonic() + timeout
        waiting = select.poll()
        waiting.register(self._readable, select.POLLIN)
        while (left := deadline - time.monotonic()) > 0:
            if not waiting.poll(left * 1000):
                continue
            piece = os.read(self._readable, _COUNTS.size)
            if not piece:
                break
            report += piece
        else:
            return None
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if status != 0 or len(report) != _COUNTS.size:
            return None
        self._out.seek(0)
        counts: Counts = _COUNTS.unpack(report)
        return self._out, counts

    def close(self) -> None:
        if self._pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = 0
        if self._readable >= 0:
            os.close(self._readable)
            self._readable = -1
        if self._out is not None:
            self._out.close()

    def __enter__(self) -> Forked:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _run_child(
    work: Callable[[BinaryIO], Counts], out: BinaryIO, readable: int, writable: int
) -> NoReturn:
    status = 1
    try:
        os.close(readable)
        gc.disable()
        signal.set_wakeup_fd(-1)  # the parent's event loop must not hear this copy's signals
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)
        counts = work(out)
        out.flush()
        os.write(writable, _COUNTS.pack(*counts))
        status = 0
    finally:
        os._exit(status)
