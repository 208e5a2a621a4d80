"""The cyclic garbage collector held off while a bulk job builds a million objects.

Reading a suppression list and passing a call file create hundreds of thousands of
tuples that live until the job ends: each batch of them sets off a collection, and the
full ones walk every object the process holds, for nothing (a third of the time of
building the list). :func:`paused` holds collections off for such a job; jobs that
overlap (threads, coroutines) share the pause, and the collector comes back when the
last one ends, as it was before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
