"""The hashing's hot path spells out the canonical form: it must equal the general one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from ivr.store import chain
from ivr.store.rows import db_time, encode_detail

details = st.dictionaries(
    st.text(),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=8,
    ),
    max_size=4,
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(st.text(), st.integers(1, 10**9), moments, st.text(), details)
def test_the_event_canonical_text_is_the_canonical_json_of_the_row(
    call_id: str, seq: int, at: datetime, kind: str, detail: dict[str, object]
) -> None:
    stored_at, stored_detail = db_time(at), encode_detail(detail)

    text = chain.event_canonical(call_id, seq, stored_at, kind, stored_detail)

    general = chain.canonical(
        {
            "call_id": call_id,
            "seq": seq,
            "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "kind": kind,
            "detail": chain.RawJson(stored_detail),
        }
    )
    assert text == general
    assert json.loads(text)["detail"] == json.loads(stored_detail)
    assert stored_detail == chain.canonical_json(json.loads(stored_detail))


@given(moments, st.integers(-12, 12))
def test_a_time_hashes_the_same_in_any_offset_and_as_text(at: datetime, hours: int) -> None:
    elsewhere = at.astimezone(timezone(timedelta(hours=hours)))
    expected = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert chain.hash_time(at) == chain.hash_time(elsewhere) == expected
    assert chain.hash_time(db_time(at)) == chain.hash_time(elsewhere.isoformat()) == expected


@given(details)
def test_a_row_without_raw_json_is_hashed_as_one_json_object_field_by_field(
    fields: dict[str, object],
) -> None:
    text = chain.canonical(fields)

    spelled_out = (
        "{"
        + ",".join(
            f"{chain.canonical_json(key)}:{chain.canonical_json(fields[key])}"
            for key in sorted(fields)
        )
        + "}"
    )
    assert text == spelled_out
    assert json.loads(text) == fields


optional_text = st.none() | st.text()
optout_values = st.tuples(
    st.text(),  # id
    st.text(),  # number
    st.text(),  # advertiser
    st.text(),  # kind
    st.none() | st.just('"all"') | st.lists(st.text(), max_size=3).map(json.dumps),  # scope
    st.none() | st.sampled_from([0, 1]),  # charities
    st.text(),  # source
    optional_text,  # agent
    optional_text,  # call_id
    moments.map(db_time),  # created_at
    st.text(),  # created_by
    optional_text,  # revokes
    optional_text,  # reason
    optional_text,  # requested_by
)


@given(optout_values)
def test_the_optout_canonical_text_from_values_is_the_one_from_the_row(
    values: tuple[object, ...],
) -> None:
    row = dict(zip(chain.OPTOUTS_V1, values, strict=True))
    assert chain.optout_values_canonical(values) == chain.optout_canonical(row)
