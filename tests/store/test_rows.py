"""The stored forms: times sort as text, scopes and requests round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.store.rows import db_time, decode_scope, encode_scope, py_time

aware = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.builds(
        timezone, st.timedeltas(min_value=timedelta(hours=-14), max_value=timedelta(hours=14))
    ),
)


@given(aware, aware)
def test_stored_times_sort_as_text_like_the_times_themselves(a: datetime, b: datetime) -> None:
    assert (db_time(a) < db_time(b)) == (a < b)
    assert (db_time(a) == db_time(b)) == (a == b)


@given(aware)
def test_a_stored_time_reads_back_as_the_same_moment_in_utc(moment: datetime) -> None:
    back = py_time(db_time(moment))
    assert back == moment
    assert back.tzinfo == UTC


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        db_time(datetime(2026, 3, 2, 10, 0))


@given(st.one_of(st.just("all"), st.lists(st.text(min_size=1), max_size=10).map(tuple)))
def test_scopes_round_trip(scope: str | tuple[str, ...]) -> None:
    assert decode_scope(encode_scope(scope)) == scope


def test_an_unknown_scope_word_is_refused() -> None:
    with pytest.raises(ValueError, match="scope"):
        encode_scope("some")
