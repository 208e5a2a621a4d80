"""Row ids: version-7 UUIDs, unique, each larger than the one before."""

from __future__ import annotations

import time
import uuid

import pytest

from ivr.store.ids import TimeOrderedIds


def test_ids_asked_one_by_one_are_version_7_unique_and_increasing() -> None:
    ids = TimeOrderedIds()
    made = [ids() for _ in range(5000)]
    assert len(set(made)) == len(made)
    assert made == sorted(made)
    assert all(uuid.UUID(i).version == 7 and str(uuid.UUID(i)) == i for i in made)


def test_an_id_carries_the_millisecond_it_was_made_and_never_goes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = TimeOrderedIds()
    now_ns = [1_700_000_000_123 * 1_000_000]
    monkeypatch.setattr(time, "time_ns", lambda: now_ns[0])
    first = ids()
    now_ns[0] += 5_000_000
    later = ids()
    now_ns[0] -= 60_000_000_000  # the wall clock stepped back a minute
    after_step = ids()
    assert [uuid.UUID(i).int >> 80 for i in (first, later, after_step)] == [
        1_700_000_000_123,
        1_700_000_000_128,
        1_700_000_000_128,
    ]
    assert first < later < after_step
