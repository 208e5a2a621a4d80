"""Overlapping bulk jobs share one pause of the garbage collector, which comes back
as it was once the last of them ends."""

from __future__ import annotations

import gc

import pytest

from ivr import gc_pause


def test_the_collector_is_held_off_while_a_job_runs_and_back_after() -> None:
    gc.enable()
    with gc_pause.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_jobs_keep_it_off_until_the_last_ends() -> None:
    gc.enable()
    first, second = gc_pause.paused(), gc_pause.paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with gc_pause.paused():
        pass
    assert not gc.isenabled()


def test_a_failing_job_gives_it_back() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), gc_pause.paused():
        raise RuntimeError("the job fails")
    assert gc.isenabled()
