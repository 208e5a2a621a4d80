"""The end of an ``ivr`` process, without tearing down every object it holds.

A normal exit frees every object one by one and collects what is left: for ``ivr
scrub`` that is a suppression list of a million numbers (0.07 s) and the interpreter's
own teardown (0.08–0.10 s), work nobody waits for, since the process's memory goes at
once when it ends. :func:`exit_now` ends the process as a normal exit would (every
``atexit`` handler run, logging's flush among them; standard streams flushed) but
without that teardown; :func:`keep` hands such a structure to the process's end
instead of freeing it.

Both act only in a process whose console entry point asked for it (:func:`ending`):
a caller of ``ivr.cli.main`` in its own process (the tests) frees everything as usual.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

_kept: list[object] = []
_ending = False


def ending() -> None:
    """This process ends when the command returns (called by the console entry point)."""
    global _ending
    _ending = True


def keep(held: object) -> None:
    """``held`` is dropped with the process, not freed first (a no-op unless :func:`ending`)."""
    if _ending:
        _kept.append(held)


def exit_now(code: int) -> None:
    """End the process with ``code`` if nothing more is owed before its end; else return
    (the caller exits as usual): a thread that is not a daemon still runs (a normal exit
    would wait for it), or a standard stream cannot be flushed (its error is reported by
    the normal exit)."""
    if not _ending or any(
        thread.is_alive() and not thread.daemon
        for thread in threading.enumerate()
        if thread is not threading.main_thread()
    ):
        return
    if not _flushed():
        return
    atexit._run_exitfuncs()
    _flushed()
    os._exit(code)


def _flushed() -> bool:
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return False
    return True
