"""``/_sim``: drive callers and faults of a simulator running in its own process.

Same credentials as ``/ari``; JSON bodies; errors are ``{"message": …}``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ivr.simulator.faults import Fault
from ivr.simulator.script import CallScript
from ivr.simulator.wire import AppNotConnected, dumps

if TYPE_CHECKING:
    from ivr.simulator.server import Simulator


class Keys(BaseModel):
    model_config = ConfigDict(extra="forbid")
    digits: str = Field(pattern=r"^[0-9*#A-D]+$")
    duration_ms: int = Field(default=100, ge=1)
    gap_ms: int = Field(default=250, ge=0)


class Replaces(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_id: str
    from_tag: str = ""
    to_tag: str = ""


class Refer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    destination: str
    replaces: Replaces | None = None
    refer_sub: bool = True


MAX_BURST = 10_000


def reply(status: int, body: Any = None) -> web.Response:
    if body is None:
        return web.Response(status=status)
    return web.Response(
        status=status, body=dumps(body).encode(), headers={"Content-Type": "application/json"}
    )


def message(status: int, text: str) -> web.Response:
    return reply(status, {"message": text})


async def _body(request: web.Request) -> Any:
    text = await request.text()
    if not text.strip():
        return {}
    return json.loads(text)


def routes(sim: Simulator) -> list[web.RouteDef]:
    async def place(request: web.Request) -> web.Response:
        try:
            caller = CallScript.model_validate(await _body(request))
        except (ValueError, ValidationError) as exc:
            return message(400, str(exc))
        count = request.query.get("count")
        if count is None:
            try:
                return reply(201, {"channel_id": await sim.place(caller)})
            except AppNotConnected as exc:
                # Stasis() failed: the caller is in the dialplan's fall-back, on this channel
                body = {"message": "Application not connected", "channel_id": exc.channel_id}
                return reply(409, body)
        if not sim.app_connected(caller.app):
            return message(409, "Application not connected")
        if not count.isdigit() or not 1 <= int(count) <= MAX_BURST:
            return message(400, f"count must be 1 to {MAX_BURST}")
        # a burst: every caller placed in one go, as a call centre handing off at once
        return reply(201, {"channel_ids": [await sim.place(caller) for _ in range(int(count))]})

    async def keys(request: web.Request) -> web.Response:
        try:
            body = Keys.model_validate(await _body(request))
        except (ValueError, ValidationError) as exc:
            return message(400, str(exc))
        channel_id = request.match_info["channel_id"]
        if not sim.knows(channel_id):
            return message(404, "Channel not found")
        await sim.press(channel_id, body.digits, duration_ms=body.duration_ms, gap_ms=body.gap_ms)
        return reply(204)

    async def hangup(request: web.Request) -> web.Response:
        channel_id = request.match_info["channel_id"]
        if not sim.knows(channel_id):
            return message(404, "Channel not found")
        await sim.hangup(channel_id)
        return reply(204)

    async def refer(request: web.Request) -> web.Response:
        try:
            body = Refer.model_validate(await _body(request))
        except (ValueError, ValidationError) as exc:
            return message(400, str(exc))
        channel_id = request.match_info["channel_id"]
        if not sim.knows(channel_id):
            return message(404, "Channel not found")
        replaces = body.replaces.model_dump() if body.replaces else None
        await sim.refer(channel_id, body.destination, replaces=replaces, refer_sub=body.refer_sub)
        return reply(202, {"result": sim.refer_result(channel_id)})

    async def refer_result(request: web.Request) -> web.Response:
        channel_id = request.match_info["channel_id"]
        if not sim.knows(channel_id):
            return message(404, "Channel not found")
        return reply(200, {"result": sim.refer_result(channel_id)})

    async def transcript(request: web.Request) -> web.Response:
        channel_id = request.match_info["channel_id"]
        if not sim.knows(channel_id):
            return message(404, "Channel not found")
        return reply(200, sim.transcript(channel_id))

    async def faults(request: web.Request) -> web.Response:
        try:
            fault = Fault.model_validate(await _body(request))
        except (ValueError, ValidationError) as exc:
            return message(400, str(exc))
        sim.apply_fault(fault)
        return reply(204)

    async def requests(request: web.Request) -> web.Response:
        return reply(200, [asdict(item) for item in sim.requests])

    async def events(request: web.Request) -> web.Response:
        kinds = set(request.query.getall("type", []))
        try:
            since = float(request.query.get("since", "0"))
        except ValueError:
            return message(400, "since must be a number of seconds")
        return reply(
            200,
            [
                entry
                for entry in sim.bus.timeline
                if entry["t"] >= since and (not kinds or entry["type"] in kinds)
            ],
        )

    return [
        web.post("/_sim/calls", place),
        web.post("/_sim/channels/{channel_id}/keys", keys),
        web.post("/_sim/channels/{channel_id}/hangup", hangup),
        web.post("/_sim/channels/{channel_id}/refer", refer),
        web.get("/_sim/channels/{channel_id}/refer", refer_result),
        web.get("/_sim/channels/{channel_id}/transcript", transcript),
        web.post("/_sim/faults", faults),
        web.get("/_sim/requests", requests),
        web.get("/_sim/events", events),
    ]
