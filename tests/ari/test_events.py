from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.ari import events as ev
from ivr.ari.events import (
    KNOWN_TYPES,
    BridgeBlindTransfer,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    ChannelTransfer,
    ChannelVarset,
    MalformedEvent,
    PlaybackFinished,
    PlaybackStarted,
    StasisStart,
    UnknownEvent,
    parse_event,
)
from tests.ari.conftest import trace_events, trace_records


def expected_channel_id(raw: dict[str, Any]) -> str | None:
    if raw["type"] == "ChannelTransfer":
        return str(raw["referred_by"]["source_channel"]["id"])
    if "channel" in raw:
        return str(raw["channel"]["id"])
    if "playback" in raw:
        return str(raw["playback"]["target_uri"].removeprefix("channel:"))
    return None


def test_every_event_in_every_trace_parses_to_its_class() -> None:
    raws = trace_events()
    assert len(raws) >= 298
    seen_types = set()
    for raw in raws:
        event = parse_event(json.dumps(raw))
        if raw["type"] in KNOWN_TYPES:
            assert type(event).__name__ == raw["type"], event
            seen_types.add(raw["type"])
        else:
            assert isinstance(event, UnknownEvent)
            assert event.data == raw
        assert event.channel_id == expected_channel_id(raw), raw
    assert seen_types == KNOWN_TYPES


def test_stasis_start_of_a_hand_off() -> None:
    raw = next(e for e in trace_events() if e["type"] == "StasisStart")
    event = parse_event(raw)
    assert isinstance(event, StasisStart)
    assert event.args == ["inbound", "5000"]
    assert event.channel.state == "Ring"
    assert event.channel.caller.number == "+15550001001"
    assert event.application == "optout"
    assert event.timestamp.isoformat() == "2026-11-28T01:23:05.871000+00:00"
    assert event.replace_channel is None


def test_stasis_start_replacing_a_channel() -> None:
    raw = next(e for e in trace_events() if e["type"] == "StasisStart" and "replace_channel" in e)
    event = parse_event(raw)
    assert isinstance(event, StasisStart)
    assert event.replace_channel is not None
    assert event.replace_channel.id == raw["replace_channel"]["id"]


def test_caller_hangup_cause_and_sip_bye_without_cause() -> None:
    requests = [parse_event(e) for e in trace_events() if e["type"] == "ChannelHangupRequest"]
    assert all(isinstance(e, ChannelHangupRequest) for e in requests)
    causes = {(e.cause, e.soft) for e in requests if isinstance(e, ChannelHangupRequest)}
    assert {(32, True), (16, None), (None, None)} <= causes


def test_dtmf() -> None:
    raw = next(e for e in trace_events() if e["type"] == "ChannelDtmfReceived")
    event = parse_event(raw)
    assert isinstance(event, ChannelDtmfReceived)
    assert (event.digit, event.duration_ms) == ("1", 100)


def test_multi_media_playback_started_names_the_next_medium() -> None:
    raw = next(e for e in trace_events() if e.get("playback", {}).get("next_media_uri"))
    event = parse_event(raw)
    assert isinstance(event, ev.PlaybackEvent)
    assert event.playback.next_media_uri == "digits:1"


def test_channel_transfer_request_and_echo() -> None:
    transfers = [parse_event(e) for e in trace_events() if e["type"] == "ChannelTransfer"]
    assert all(isinstance(e, ChannelTransfer) for e in transfers)
    requests = [e for e in transfers if isinstance(e, ChannelTransfer) and e.is_request]
    echoes = [e for e in transfers if isinstance(e, ChannelTransfer) and not e.is_request]
    assert requests
    assert echoes
    assert requests[0].destination == "1000"
    assert requests[0].channel_id == requests[0].referred_by.source_channel.id
    assert {e.state for e in echoes} >= {"channel_declined", "channel_answered"}


def test_attended_transfer_carries_replaces() -> None:
    raw = next(
        e
        for e in trace_events()
        if e["type"] == "ChannelTransfer"
        and "protocol_id" in e["refer_to"]["requested_destination"]
    )
    event = parse_event(raw)
    assert isinstance(event, ChannelTransfer)
    wanted = event.refer_to.requested_destination
    assert wanted.protocol_id == "other-call-id@127.0.0.9"
    assert wanted.additional_protocol_params is not None
    assert {p.parameter_name for p in wanted.additional_protocol_params} == {"from", "to"}


def test_blind_transfer_refused_by_asterisk() -> None:
    raw = next(
        e for e in trace_events() if e["type"] == "BridgeBlindTransfer" and e["result"] == "Invalid"
    )
    event = parse_event(raw)
    assert isinstance(event, BridgeBlindTransfer)
    assert (event.exten, event.context, event.is_external) == ("1000", "from-phone", True)


def test_global_varset_has_no_channel() -> None:
    event = parse_event(
        {
            "type": "ChannelVarset",
            "variable": "GLOBAL_X",
            "value": "1",
            "timestamp": "2026-11-28T01:23:05.873+0000",
            "application": "optout",
        }
    )
    assert isinstance(event, ChannelVarset)
    assert event.channel_id is None


def test_new_fields_from_asterisk_are_kept() -> None:
    raw = next(e for e in trace_events() if e["type"] == "PlaybackStarted")
    future = {**raw, "new_field": 7, "playback": {**raw["playback"], "offset_ms": 12}}
    event = parse_event(future)
    assert isinstance(event, PlaybackStarted)
    assert event.model_extra == {"new_field": 7}
    assert event.playback.model_extra == {"offset_ms": 12}


def test_unknown_type_keeps_every_field() -> None:
    raw = {
        "type": "ChannelDialplan",
        "timestamp": "2026-11-28T01:24:14.462+0000",
        "dialplan_app": "Answer",
        "channel": {"id": "1795829054.19"},
        "application": "optout",
    }
    event = parse_event(json.dumps(raw).encode())
    assert isinstance(event, UnknownEvent)
    assert event.type == "ChannelDialplan"
    assert event.data == raw
    assert event.channel_id == "1795829054.19"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('"StasisStart"', "not a JSON object"),
        ('{"channel": {"id": "1.2"}}', "no event type"),
        ('{"type": 7}', "no event type"),
    ],
)
def test_garbage_becomes_malformed_event(data: str | bytes, error: str) -> None:
    event = parse_event(data)
    assert isinstance(event, MalformedEvent)
    assert error in event.error


def test_known_type_with_missing_field_is_malformed_and_keeps_its_channel() -> None:
    raw = next(e for e in trace_events() if e["type"] == "ChannelDtmfReceived")
    broken = {k: v for k, v in raw.items() if k != "digit"}
    event = parse_event(broken)
    assert isinstance(event, MalformedEvent)
    assert event.type == "ChannelDtmfReceived"
    assert "digit" in event.error
    assert event.raw == broken
    assert event.channel_id == raw["channel"]["id"]


def test_known_type_with_wrongly_typed_field_is_malformed() -> None:
    raw = next(e for e in trace_events() if e["type"] == "ChannelDtmfReceived")
    event = parse_event({**raw, "duration_ms": "long"})
    assert isinstance(event, MalformedEvent)
    assert "duration_ms" in event.error


def test_malformed_transfer_still_names_the_caller() -> None:
    raw = next(e for e in trace_events() if e["type"] == "ChannelTransfer")
    event = parse_event({**raw, "refer_to": "nowhere"})
    assert isinstance(event, MalformedEvent)
    assert event.channel_id == raw["referred_by"]["source_channel"]["id"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.text())
def test_parse_event_never_raises_on_text(text: str) -> None:
    assert parse_event(text) is not None


@given(st.binary())
def test_parse_event_never_raises_on_bytes(data: bytes) -> None:
    assert parse_event(data) is not None


@given(json_values)
def test_parse_event_never_raises_on_json(value: Any) -> None:
    event = parse_event(json.dumps(value))
    if not isinstance(value, dict):
        assert isinstance(event, MalformedEvent)


REAL_EVENTS = [record["event"] for _, record in trace_records("ws_event")]


@settings(max_examples=300)
@given(st.sampled_from(REAL_EVENTS), st.data())
def test_a_real_event_with_any_field_broken_never_raises(raw: dict[str, Any], data: Any) -> None:
    key = data.draw(st.sampled_from(sorted(raw)))
    broken = dict(raw)
    if data.draw(st.booleans()):
        del broken[key]
    else:
        broken[key] = data.draw(json_values)
    event = parse_event(broken)
    assert isinstance(event, MalformedEvent | UnknownEvent | ev.AriEventBase)
    broken_type = broken.get("type")
    assert event.type == (broken_type if isinstance(broken_type, str) else None)
    event.channel_id  # noqa: B018 - the helper must not raise either


def test_hot_event_from_the_wire_keeps_new_fields_at_every_level() -> None:
    raw = next(e for e in trace_events() if e["type"] == "StasisStart")
    channel = raw["channel"]
    future = {
        **raw,
        "new_field": [1, 2],
        "channel": {**channel, "tenant": "a", "caller": {**channel["caller"], "verified": True}},
    }
    event = parse_event(json.dumps(future).encode())
    assert isinstance(event, StasisStart)
    assert event.model_extra == {"new_field": [1, 2]}
    assert event.channel.model_extra == {"tenant": "a"}
    assert event.channel.caller.model_extra == {"verified": True}
    assert event.channel.caller.number == channel["caller"]["number"]


def test_hot_event_without_new_fields_has_no_extra() -> None:
    raw = next(e for e in trace_events() if e["type"] == "ChannelDtmfReceived")
    event = parse_event(json.dumps(raw))
    assert isinstance(event, ChannelDtmfReceived)
    assert event.model_extra == {}
    assert event.type == "ChannelDtmfReceived"


def test_channel_inside_a_cold_event_keeps_new_fields() -> None:
    raw = next(e for e in trace_events() if e["type"] == "ChannelStateChange")
    event = parse_event({**raw, "channel": {**raw["channel"], "tenant": "a"}})
    assert isinstance(event, ev.ChannelStateChange)
    assert event.channel.model_extra == {"tenant": "a"}
    assert event.channel.id == raw["channel"]["id"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"digit": 1}, "digit"),
        ({"duration_ms": True}, "duration_ms"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": 5}, "timestamp"),
        ({"channel": {"name": "PJSIP/x", "state": "Up"}}, "id"),
        ({"channel": "1.2"}, "channel"),
        ({"application": None}, "application"),
    ],
)
def test_hot_event_with_a_broken_field_is_malformed_from_text_and_from_dict(
    change: dict[str, Any], error: str
) -> None:
    raw = next(e for e in trace_events() if e["type"] == "ChannelDtmfReceived")
    broken = {**raw, **change}
    for data in (json.dumps(broken), json.dumps(broken).encode(), broken):
        event = parse_event(data)
        assert isinstance(event, MalformedEvent), data
        assert event.type == "ChannelDtmfReceived"
        assert error in event.error
        assert event.raw == broken


def test_playback_event_from_bytes_names_its_channel_and_time() -> None:
    raw = next(e for e in trace_events() if e["type"] == "PlaybackFinished")
    event = parse_event(json.dumps(raw).encode())
    assert isinstance(event, PlaybackFinished)
    assert event.playback.id == raw["playback"]["id"]
    assert event.channel_id == raw["playback"]["target_uri"].removeprefix("channel:")
    from_dict = parse_event(raw)
    assert isinstance(from_dict, PlaybackFinished)
    assert event.timestamp == from_dict.timestamp
    assert event.timestamp.tzinfo is not None
