"""ARI event bodies, field for field and in the key order real Asterisk 22 sends them.

Builders return the event without ``asterisk_id``/``application``; the event bus adds
those per receiving app when it serialises the event (once per app).
"""

from __future__ import annotations

from typing import Any

from ivr.simulator.state import Channel, Playback

Event = dict[str, Any]


def channel_event(kind: str, ts: str, channel: Channel) -> Event:
    """Events that carry just the channel: ChannelStateChange, StasisEnd, ..."""
    return {"type": kind, "timestamp": ts, "channel": channel.snapshot()}


def stasis_start(ts: str, channel: Channel, args: list[str]) -> Event:
    return {
        "type": "StasisStart",
        "timestamp": ts,
        "args": list(args),
        "channel": channel.snapshot(),
    }


def varset(ts: str, channel: Channel, variable: str, value: str) -> Event:
    return {
        "variable": variable,
        "value": value,
        "type": "ChannelVarset",
        "timestamp": ts,
        "channel": channel.snapshot(),
    }


def hangup_request(ts: str, channel: Channel, cause: int | None, soft: bool) -> Event:
    event: Event = {}
    if cause is not None:
        event["cause"] = cause
    if soft:
        event["soft"] = True
    event.update(type="ChannelHangupRequest", timestamp=ts, channel=channel.snapshot())
    return event


def destroyed(ts: str, channel: Channel, cause: int, cause_txt: str) -> Event:
    return {
        "type": "ChannelDestroyed",
        "timestamp": ts,
        "cause": cause,
        "cause_txt": cause_txt,
        "channel": channel.snapshot(),
    }


def dtmf(ts: str, channel: Channel, digit: str, duration_ms: int) -> Event:
    return {
        "type": "ChannelDtmfReceived",
        "timestamp": ts,
        "digit": digit,
        "duration_ms": duration_ms,
        "channel": channel.snapshot(),
    }


def playback(kind: str, ts: str, item: Playback) -> Event:
    return {"type": kind, "timestamp": ts, "playback": item.as_json()}


def dialplan_step(ts: str, channel: Channel) -> Event:
    return {
        "type": "ChannelDialplan",
        "timestamp": ts,
        "dialplan_app": channel.dialplan.app_name,
        "dialplan_app_data": channel.dialplan.app_data,
        "channel": channel.snapshot(),
    }


def dial(ts: str, peer: Channel, dialstatus: str, dialstring: str) -> Event:
    return {
        "type": "Dial",
        "timestamp": ts,
        "dialstatus": dialstatus,
        "forward": "",
        "dialstring": dialstring,
        "peer": peer.snapshot(),
    }


def caller_id(ts: str, channel: Channel) -> Event:
    return {
        "type": "ChannelCallerId",
        "timestamp": ts,
        "caller_presentation": 0,
        "caller_presentation_txt": "Presentation Allowed, Not Screened",
        "channel": channel.snapshot(),
    }


def move_failed(ts: str, channel: Channel, destination: str, args: list[str]) -> Event:
    return {
        "type": "ApplicationMoveFailed",
        "timestamp": ts,
        "channel": channel.snapshot(),
        "destination": destination,
        "args": list(args),
    }


def channel_transfer(
    ts: str,
    channel: Channel,
    destination: str,
    replaces: dict[str, str] | None,
    state: str | None,
) -> Event:
    requested: dict[str, Any] = {"destination": destination}
    if replaces:
        requested["protocol_id"] = replaces["call_id"]
        requested["additional_protocol_params"] = [
            {"parameter_name": "from", "parameter_value": replaces.get("from_tag", "")},
            {"parameter_name": "to", "parameter_value": replaces.get("to_tag", "")},
        ]
    event: Event = {
        "type": "ChannelTransfer",
        "timestamp": ts,
        "refer_to": {"requested_destination": requested},
        "referred_by": {"source_channel": channel.snapshot()},
    }
    if state is not None:
        event["state"] = state
    return event


def blind_transfer_refused(ts: str, channel: Channel, destination: str) -> Event:
    return {
        "type": "BridgeBlindTransfer",
        "timestamp": ts,
        "channel": channel.snapshot(),
        "exten": destination,
        "context": channel.dialplan.context,
        "result": "Invalid",
        "is_external": True,
    }


def application_replaced(ts: str) -> Event:
    return {"type": "ApplicationReplaced", "timestamp": ts}
