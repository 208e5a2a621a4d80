"""Replays a recorded real-Asterisk trace against the simulator and lists the differences.

Every request of the trace is sent at its recorded time (on the virtual clock) with
the same auth, path, query and body, channel ids mapped to the simulator's; status
codes and body shapes (same keys, same types) are compared.  The calls the trace
set up are set up the same way: originates into ``Local/5000@optout-in`` run the
built-in behaviours; for ``traces/sip`` a hand-off call stands in for the phone and
the phone's DTMF, REFERs and BYE (taken from the trace) are played through the
simulator's caller API.  The WebSocket events are compared per channel: same types
in the same order, same fields.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from ivr.clock import VirtualClock
from ivr.simulator import Simulator

TRACES = Path(__file__).resolve().parents[1] / "data" / "ari" / "traces"
USER, PASSWORD = "asterisk", "asterisk"
CHANNEL_ID = re.compile(r"\d{6,}\.\d+")
REFER_LINE = re.compile(
    r"^\s*([\d.]+) SIP>> REFER .*?CSeq: (\d+) REFER \| Refer-To: <([^>]*)>(.*)$"
)


def trace_files() -> list[Path]:
    return sorted(TRACES.glob("*.jsonl")) + sorted((TRACES / "sip").glob("*.jsonl"))


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


@dataclass
class CallerAction:
    t: float
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Replay:
    path: Path
    records: list[dict[str, Any]]
    clock: VirtualClock = field(default_factory=VirtualClock)
    ids: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    closed_code: int | None = None

    @property
    def name(self) -> str:
        return self.path.stem

    def map_text(self, text: str) -> str:
        return CHANNEL_ID.sub(lambda match: self.ids.get(match.group(0), match.group(0)), text)

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.problems.append(what)


def auth_for(kind: str) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and extra query for a trace's ``auth`` kind."""
    if kind == "basic":
        return {"Authorization": aiohttp.encode_basic_auth(USER, PASSWORD)}, {}
    if kind == "wrong":
        return {"Authorization": aiohttp.encode_basic_auth(USER, "wrong")}, {}
    if kind == "api_key":
        return {}, {"api_key": f"{USER}:{PASSWORD}"}
    if kind == "wrong_api_key":
        return {}, {"api_key": f"{USER}:wrong"}
    return {}, {}


def caller_actions(path: Path, records: list[dict[str, Any]]) -> list[CallerAction]:
    """What the SIP phone did, from the trace: place the call, DTMF, REFERs, BYE."""
    actions: list[CallerAction] = []
    for record in records:
        if record["kind"] != "ws_event":
            continue
        event = record["event"]
        kind = event["type"]
        if kind == "StasisStart" and event["channel"]["name"].startswith("PJSIP/"):
            actions.append(CallerAction(record["t"], "place", {"event": event}))
        elif kind == "ChannelDtmfReceived":
            start = record["t"] - event["duration_ms"] / 1000
            actions.append(CallerAction(start, "press", {"event": event}))
        elif kind == "ChannelHangupRequest" and "cause" not in event:
            actions.append(CallerAction(record["t"] - 0.002, "bye", {"event": event}))
    timeline = path.with_name(path.stem + "_timeline.txt")
    seen: set[str] = set()
    for line in timeline.read_text().splitlines() if timeline.exists() else []:
        match = REFER_LINE.match(line)
        if match is None or match.group(2) in seen:
            continue
        seen.add(match.group(2))
        uri, extra = match.group(3), match.group(4)
        actions.append(
            CallerAction(
                float(match.group(1)),
                "refer",
                {"uri": uri, "refer_sub": "Refer-Sub: false" not in extra},
            )
        )
    return sorted(actions, key=lambda action: action.t)


def parse_refer_to(uri: str) -> tuple[str, dict[str, str] | None]:
    target, _, headers = uri.partition("?")
    destination = target.removeprefix("sip:").split("@", 1)[0]
    replaces = None
    for header in headers.split("&") if headers else []:
        name, _, value = header.partition("=")
        if name.lower() == "replaces":
            parts = urllib.parse.unquote(value).split(";")
            params = dict(part.split("=", 1) for part in parts[1:] if "=" in part)
            replaces = {
                "call_id": parts[0],
                "from_tag": params.get("from-tag", ""),
                "to_tag": params.get("to-tag", ""),
            }
    return destination, replaces


async def run(path: Path) -> Replay:
    replay = Replay(path, load(path))
    sim = Simulator(replay.clock, prompts_dir=None, channelvars=())
    async with sim.serve() as base, aiohttp.ClientSession() as session:
        await _replay(replay, sim, session, base)
    return replay


async def _replay(
    replay: Replay, sim: Simulator, session: aiohttp.ClientSession, base: str
) -> None:
    clock = replay.clock
    start = clock.monotonic()
    items: list[tuple[float, int, Any]] = [
        (_sent_at(record), index, record) for index, record in enumerate(replay.records)
    ]
    if "sip" in replay.path.parts:
        items += [(action.t, -1, action) for action in caller_actions(replay.path, replay.records)]
    items.sort(key=lambda item: (item[0], item[1] if item[1] >= 0 else -1))
    reader: asyncio.Task[None] | None = None
    expected: list[dict[str, Any]] = []
    for t, _, item in items:
        lag = start + t - clock.monotonic()
        if lag > 0:
            await clock.advance(lag)
        if isinstance(item, CallerAction):
            await _act(replay, sim, item)
            await clock.settle()
            continue
        kind = item["kind"]
        if kind == "ws_connect":
            socket = await _connect(replay, session, base, item)
            if socket is not None:
                reader = asyncio.get_running_loop().create_task(_read(replay, socket))
        elif kind == "http":
            await _request(replay, session, base, item)
        elif kind == "ws_event":
            expected.append(item["event"])
        await clock.settle()
    await clock.settle()
    _compare_events(replay, expected)
    for record in replay.records:
        if record["kind"] == "ws_closed" and record["close_code"] is not None:
            replay.expect(
                replay.closed_code == record["close_code"],
                f"WebSocket closed with {replay.closed_code}, not {record['close_code']}",
            )
    if reader is not None:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


def _sent_at(record: dict[str, Any]) -> float:
    """A request left when it was sent, not when its answer came back."""
    return float(record["t"]) - float(record.get("elapsed_ms") or 0) / 1000


async def _connect(
    replay: Replay, session: aiohttp.ClientSession, base: str, record: dict[str, Any]
) -> aiohttp.ClientWebSocketResponse | None:
    headers, extra = auth_for(record["auth"])
    query = {**record["query"], **extra}
    url = base.replace("http", "ws", 1) + record["url"]
    try:
        socket = await session.ws_connect(url, params=query, headers=headers)
    except aiohttp.WSServerHandshakeError as error:
        replay.expect(
            error.status == record["status"],
            f"ws_connect {record['auth']} {record['query']}: {error.status} != {record['status']}",
        )
        return None
    replay.expect(record["ok"], f"ws_connect {record['auth']} {record['query']} should fail")
    return socket


async def _read(replay: Replay, socket: aiohttp.ClientWebSocketResponse) -> None:
    async for message in socket:
        if message.type is aiohttp.WSMsgType.TEXT:
            replay.received.append(json.loads(message.data))
    replay.closed_code = socket.close_code


async def _request(
    replay: Replay, session: aiohttp.ClientSession, base: str, record: dict[str, Any]
) -> None:
    headers, extra = auth_for(record["auth"])
    query = {key: replay.map_text(str(value)) for key, value in record["query"].items()}
    query.update(extra)
    data = None
    if record["request_body"] is not None:
        data = record["request_body"]
        if not isinstance(data, str):
            data = json.dumps(data)
        headers = {**headers, "Content-Type": "application/json"}
    path = replay.map_text(record["path"])
    label = f"#{record['seq']} {record['method']} {record['path']} ({record.get('label')})"
    async with session.request(
        record["method"], base + path, params=query, headers=headers, data=data
    ) as response:
        text = await response.text()
        replay.expect(
            response.status == record["status"],
            f"{label}: status {response.status} != {record['status']} ({text})",
        )
        body = json.loads(text) if text and "json" in response.content_type else None
    wanted = record.get("response_json")
    if wanted is not None:
        replay.expect(
            shape(body) == shape(wanted), f"{label}: body shape {shape(body)} != {shape(wanted)}"
        )
        if isinstance(wanted, dict) and "message" in wanted and isinstance(body, dict):
            replay.expect(body == wanted, f"{label}: body {body} != {wanted}")
    if record["method"] == "POST" and record["path"] == "/ari/channels" and response.status == 200:
        assert isinstance(body, dict), f"{label}: the originate answered {text!r}"
        assert isinstance(wanted, dict), f"{label}: the trace has no originated channel"
        _learn_originated(replay, sim_id=body["id"], trace_id=wanted["id"])


def _learn_originated(replay: Replay, *, sim_id: str, trace_id: str) -> None:
    replay.ids[trace_id] = sim_id
    prefix, _, counter = trace_id.partition(".")
    sim_prefix, _, sim_counter = sim_id.partition(".")
    replay.ids[f"{prefix}.{int(counter) + 1}"] = f"{sim_prefix}.{int(sim_counter) + 1}"


async def _act(replay: Replay, sim: Simulator, action: CallerAction) -> None:
    if action.kind == "place":
        event = action.data["event"]
        channel = event["channel"]
        endpoint = channel["name"].removeprefix("PJSIP/").rsplit("-", 1)[0]
        ari_only = "ari_only" in replay.name or any(
            record["kind"] == "ws_event" and record["event"]["type"] == "ChannelTransfer"
            for record in replay.records
        )
        variables = {"PJSIP_TRANSFER_HANDLING": "ari-only"} if ari_only else {}
        sim_id = await sim.place_call(
            app=event["application"],
            number=channel["caller"]["number"],
            name=channel["caller"]["name"],
            args=event["args"],
            variables=variables,
            endpoint=endpoint,
        )
        replay.ids[channel["id"]] = sim_id
        return
    sim_id = next(iter(replay.ids.values()))
    if action.kind == "press":
        event = action.data["event"]
        await sim.press(sim_id, event["digit"], duration_ms=event["duration_ms"])
    elif action.kind == "bye":
        await sim.hangup(sim_id)
    elif action.kind == "refer":
        destination, replaces = parse_refer_to(action.data["uri"])
        await sim.refer(sim_id, destination, replaces=replaces, refer_sub=action.data["refer_sub"])


def _owner(replay: Replay, event: dict[str, Any]) -> str:
    """The channel an event is about (playbacks by their target), in simulator ids."""
    ident: str
    if "channel" in event:
        ident = event["channel"]["id"]
    elif "playback" in event:
        ident = event["playback"]["target_uri"].removeprefix("channel:")
    elif "peer" in event:
        ident = event["peer"]["id"]
    elif "referred_by" in event:
        ident = event["referred_by"]["source_channel"]["id"]
    else:
        return "-"
    return replay.ids.get(ident, ident)


def _compare_events(replay: Replay, expected: list[dict[str, Any]]) -> None:
    def grouped(items: list[dict[str, Any]], mapped: bool) -> dict[str, list[dict[str, Any]]]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for event in items:
            owner = _owner(replay, event) if mapped else _owner(Replay(replay.path, []), event)
            groups.setdefault(owner, []).append(event)
        return groups

    want = grouped(expected, mapped=True)
    got = grouped(replay.received, mapped=False)
    replay.expect(
        sorted(want) == sorted(got), f"events for channels {sorted(got)} != {sorted(want)}"
    )
    for owner, events in want.items():
        mine = got.get(owner, [])
        types = [event["type"] for event in events]
        my_types = [event["type"] for event in mine]
        if types != my_types:
            replay.problems.append(f"channel {owner}: events {my_types} != {types}")
            continue
        for theirs, ours in zip(events, mine, strict=True):
            replay.expect(
                shape(_without_stamp(theirs)) == shape(_without_stamp(ours)),
                f"channel {owner} {theirs['type']}: fields {shape(ours)} != {shape(theirs)}",
            )


def _without_stamp(event: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in event.items() if key != "asterisk_id"}
