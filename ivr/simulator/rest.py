"""The ``/ari`` REST handlers: parameters read and validated the way Asterisk 22 does.

Query parameters may also come as fields of a JSON body (Asterisk merges them);
integers are read with C ``atoi`` (``timeout=abc`` is 0, not an error); a required
parameter is checked only where Asterisk checks it (``play`` without ``media`` is a
500, ``dtmf`` without ``dtmf`` a 400).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from multidict import MultiMapping

from ivr.simulator import dialplan
from ivr.simulator.pbx import CAUSE_TEXT, Asterisk
from ivr.simulator.sounds import sound_description, sound_list
from ivr.simulator.state import Channel
from ivr.simulator.variables import read_variable, write_variable
from ivr.simulator.wire import (
    ASTERISK_VERSION,
    AriError,
    asterisk_time,
    atoi,
    is_integer,
)

HANGUP_REASONS = {
    "normal": 16,
    "busy": 17,
    "congestion": 34,
    "no_answer": 19,
    "timeout": 18,
    "rejected": 21,
    "unallocated": 1,
    "normal_unspecified": 31,
    "number_incomplete": 28,
    "codec_mismatch": 58,
    "interworking": 127,
    "failure": 38,
    "answered_elsewhere": 26,
}


@dataclass
class AriRequest:
    method: str
    path: dict[str, str]
    query: MultiMapping[str]
    body: Any = None

    def param(self, name: str) -> str | None:
        if isinstance(self.body, dict) and name in self.body:
            return _text(self.body[name])
        values = self.query.getall(name, [])
        return values[-1] if values else None

    def multi(self, name: str) -> list[str]:
        raw: list[str]
        if isinstance(self.body, dict) and name in self.body:
            value = self.body[name]
            raw = [_text(item) for item in value] if isinstance(value, list) else [_text(value)]
        else:
            raw = self.query.getall(name, [])
        return [part for item in raw for part in item.split(",") if part]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    reason: str | None = None


Handler = Callable[[Asterisk, AriRequest], Reply]

NO_CONTENT = 204


def ok(body: Any) -> Reply:
    return Reply(200, body)


def done() -> Reply:
    return Reply(NO_CONTENT)


# -- asterisk ----------------------------------------------------------------------


def asterisk_info(core: Asterisk, req: AriRequest) -> Reply:
    started = asterisk_time(core.started)
    info: dict[str, Any] = {
        "build": {
            "os": "Linux",
            "kernel": "6.18.44-fc-v657",
            "machine": "x86_64",
            "options": "OPTIONAL_API",
            "date": "2026-11-28 01:16:32 UTC",
            "user": "root",
        },
        "system": {"version": ASTERISK_VERSION, "entity_id": core.bus.entity_id},
        "config": {"name": "", "default_language": "en", "setid": {"user": "", "group": ""}},
        "status": {"startup_time": started, "last_reload_time": started},
    }
    only = req.multi("only")
    if only:
        info = {key: value for key, value in info.items() if key in only}
    return ok(info)


def asterisk_ping(core: Asterisk, req: AriRequest) -> Reply:
    return ok({"asterisk_id": core.bus.entity_id, "ping": "pong", "timestamp": core.ts()})


def global_get(core: Asterisk, req: AriRequest) -> Reply:
    name = req.param("variable")
    if not name:
        raise AriError(400, "Variable name is required")
    return ok({"value": core.globals.get(name, "")})


def global_set(core: Asterisk, req: AriRequest) -> Reply:
    name = req.param("variable")
    if not name:
        raise AriError(400, "Variable name is required")
    core.globals[name] = req.param("value") or ""
    return done()


# -- applications ------------------------------------------------------------------


def applications(core: Asterisk, req: AriRequest) -> Reply:
    return ok([app.as_json() for app in core.apps.values()])


def application(core: Asterisk, req: AriRequest) -> Reply:
    return ok(_app(core, req).as_json())


def _app(core: Asterisk, req: AriRequest) -> Any:
    app = core.apps.get(req.path["applicationName"])
    if app is None:
        raise AriError(404, "Application not found")
    return app


def _event_sources(core: Asterisk, req: AriRequest) -> list[Channel]:
    sources = req.multi("eventSource")
    if not sources:
        raise AriError(400, "Missing parameter eventSource")
    channels = []
    for source in sources:
        scheme, _, ident = source.partition(":")
        if scheme not in ("channel", "bridge", "endpoint", "deviceState"):
            raise AriError(400, "Invalid event source URI scheme")
        channel = core.channels.get(ident) if scheme == "channel" else None
        if channel is None:
            raise AriError(422, "Event source does not exist", reason="Unprocessable Entity")
        channels.append(channel)
    return channels


def subscribe(core: Asterisk, req: AriRequest) -> Reply:
    app = _app(core, req)
    for channel in _event_sources(core, req):
        channel.subscribers.add(app.name)
        app.channel_ids[channel.id] = None
    return ok(app.as_json())


def unsubscribe(core: Asterisk, req: AriRequest) -> Reply:
    app = _app(core, req)
    channels = _event_sources(core, req)
    for channel in channels:
        if app.name not in channel.subscribers:
            raise AriError(409, "Application not subscribed to event source", reason="Conflict")
    for channel in channels:
        channel.subscribers.discard(app.name)
        if channel.stasis_app != app.name:
            app.channel_ids.pop(channel.id, None)
    return ok(app.as_json())


def event_filter(core: Asterisk, req: AriRequest) -> Reply:
    """``PUT /applications/{name}/eventFilter``: the filter is the whole body (see
    :meth:`App.set_event_filter`); answers the application as ``GET`` shows it."""
    app = _app(core, req)
    if not app.set_event_filter(req.body):
        raise AriError(400, "Invalid format definition")
    return ok(app.as_json())


# -- channels ----------------------------------------------------------------------


def channel_list(core: Asterisk, req: AriRequest) -> Reply:
    return ok([channel.snapshot() for channel in core.channels.values()])


def originate(core: Asterisk, req: AriRequest) -> Reply:
    params = {
        name: value
        for name in (
            "endpoint",
            "extension",
            "context",
            "priority",
            "label",
            "app",
            "appArgs",
            "callerId",
            "timeout",
            "channelId",
            "otherChannelId",
            "originator",
            "formats",
        )
        if (value := req.param(name)) is not None
    }
    if "channelId" in req.path:
        params["channelId"] = req.path["channelId"]
    variables = req.body.get("variables") if isinstance(req.body, dict) else None
    if variables is not None and (
        not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values())
    ):
        raise AriError(400, "Only string values in the 'variables' object allowed")
    _, answer = dialplan.originate(core, params, variables or {})
    return ok(answer)


def channel_get(core: Asterisk, req: AriRequest) -> Reply:
    return ok(core.find(req.path["channelId"]).snapshot())


def hangup(core: Asterisk, req: AriRequest) -> Reply:
    channel = core.find(req.path["channelId"])
    reason = req.param("reason")
    code = req.param("reason_code")
    cause = 16
    if reason and code:
        raise AriError(400, "Only one of 'reason' and 'reason_code' can be specified")
    if code:
        if not is_integer(code):
            raise AriError(
                400, "Invalid reason for hangup reason code provided", reason="Invalid Reason Code"
            )
        cause = int(code)
    elif reason:
        if reason not in HANGUP_REASONS:
            raise AriError(
                400, "Invalid reason for hangup reason provided", reason="Invalid Reason"
            )
        cause = HANGUP_REASONS[reason]
    if channel.stasis_app is None and channel.peer is not None and channel.peer.stasis_app:
        core.hangup_by_caller(channel.peer)
    else:
        core.hangup_by_app(channel, cause if cause in CAUSE_TEXT else 16)
    return done()


def _ready(core: Asterisk, req: AriRequest) -> Channel:
    channel = core.control(req.path["channelId"])
    core.require_callable_state(channel)
    return channel


def answer(core: Asterisk, req: AriRequest) -> Reply:
    core.answer(_ready(core, req))
    return done()


def simple_control(core: Asterisk, req: AriRequest) -> Reply:
    """ring, progress, hold, moh, silence: accepted and without effect on the simulated call."""
    _ready(core, req)
    return done()


def mute(core: Asterisk, req: AriRequest) -> Reply:
    _ready(core, req)
    direction = req.param("direction")
    direction = "both" if direction is None else direction
    if not direction:
        raise AriError(400, "Direction is required")
    if direction not in ("in", "out", "both"):
        raise AriError(400, "Invalid direction specified")
    return done()


def send_dtmf(core: Asterisk, req: AriRequest) -> Reply:
    channel = _ready(core, req)
    digits = req.param("dtmf")
    if not digits:
        raise AriError(400, "DTMF is required")
    between = atoi(req.param("between")) if req.param("between") is not None else 100
    duration = atoi(req.param("duration")) if req.param("duration") is not None else 100
    total_ms = (
        atoi(req.param("before"))
        + duration * len(digits)
        + between * max(0, len(digits) - 1)
        + atoi(req.param("after"))
    )
    channel.busy_until = max(channel.busy_until, core.now()) + core.scaled(total_ms / 1000)
    return done()


def play(core: Asterisk, req: AriRequest) -> Reply:
    channel = _ready(core, req)
    skip = atoi(req.param("skipms")) if req.param("skipms") is not None else 3000
    if skip < 0:
        raise AriError(400, "skipms cannot be negative")
    if atoi(req.param("offsetms")) < 0:
        raise AriError(400, "offsetms cannot be negative")
    media = req.multi("media")
    if not media:
        raise AriError(500, "Failed to queue media for playback")
    language = req.param("lang") or channel.language
    playback_id = req.path.get("playbackId") or req.param("playbackId")
    body = core.playbacks.play(channel, media, language, playback_id, skip)
    return Reply(201, body, {"Location": f"/ari/playbacks/{body['id']}"})


def continue_in_dialplan(core: Asterisk, req: AriRequest) -> Reply:
    channel = core.control(req.path["channelId"])
    params = {
        name: value
        for name in ("context", "extension", "priority", "label")
        if (value := req.param(name)) is not None
    }
    dialplan.continue_in_dialplan(core, channel, params)
    return done()


def redirect(core: Asterisk, req: AriRequest) -> Reply:
    dialplan.redirect(core, core.control(req.path["channelId"]), req.param("endpoint"))
    return done()


def move(core: Asterisk, req: AriRequest) -> Reply:
    channel = core.control(req.path["channelId"])
    dialplan.move(core, channel, req.param("app"), req.param("appArgs"))
    return done()


def variable_get(core: Asterisk, req: AriRequest) -> Reply:
    name = req.param("variable")
    if not name:
        raise AriError(400, "Variable name is required")
    channel = core.channels.get(req.path["channelId"])
    if channel is None:
        raise AriError(404, "Provided channel was not found", reason="Channel Not Found")
    return ok({"value": read_variable(core, channel, name)})


def variable_set(core: Asterisk, req: AriRequest) -> Reply:
    name = req.param("variable")
    if not name:
        raise AriError(400, "Variable name is required")
    channel = core.control(req.path["channelId"])
    write_variable(core, channel, name, req.param("value"))
    return done()


def transfer_progress(core: Asterisk, req: AriRequest) -> Reply:
    channel = core.control(req.path["channelId"])
    core.transfers.progress(channel, req.param("states"))
    return done()


# -- playbacks ---------------------------------------------------------------------


def playback_get(core: Asterisk, req: AriRequest) -> Reply:
    return ok(core.playbacks.find(req.path["playbackId"]).as_json())


def playback_stop(core: Asterisk, req: AriRequest) -> Reply:
    core.playbacks.stop(req.path["playbackId"])
    return done()


def playback_control(core: Asterisk, req: AriRequest) -> Reply:
    core.playbacks.control(req.path["playbackId"], req.param("operation"))
    return done()


# -- resources the simulator has none of --------------------------------------------


def empty_list(core: Asterisk, req: AriRequest) -> Reply:
    return ok([])


def sound_get(core: Asterisk, req: AriRequest) -> Reply:
    found = sound_description(core.sounds, req.path["soundId"])
    if found is None:
        raise AriError(404, "Sound not found")
    return ok(found)


def sounds(core: Asterisk, req: AriRequest) -> Reply:
    found = sound_list(core.sounds, req.param("lang"), req.param("format"))
    if not found:
        raise AriError(404, "No sounds found that matched the query")
    return ok(found)


def recording_not_found(core: Asterisk, req: AriRequest) -> Reply:
    raise AriError(404, "Recording not found")


HANDLERS: dict[tuple[str, str], Handler] = {
    ("GET", "/asterisk/info"): asterisk_info,
    ("GET", "/asterisk/ping"): asterisk_ping,
    ("GET", "/asterisk/variable"): global_get,
    ("POST", "/asterisk/variable"): global_set,
    ("GET", "/applications"): applications,
    ("GET", "/applications/{applicationName}"): application,
    ("POST", "/applications/{applicationName}/subscription"): subscribe,
    ("DELETE", "/applications/{applicationName}/subscription"): unsubscribe,
    ("PUT", "/applications/{applicationName}/eventFilter"): event_filter,
    ("GET", "/channels"): channel_list,
    ("POST", "/channels"): originate,
    ("POST", "/channels/{channelId}"): originate,
    ("GET", "/channels/{channelId}"): channel_get,
    ("DELETE", "/channels/{channelId}"): hangup,
    ("POST", "/channels/{channelId}/answer"): answer,
    ("POST", "/channels/{channelId}/ring"): simple_control,
    ("DELETE", "/channels/{channelId}/ring"): simple_control,
    ("POST", "/channels/{channelId}/progress"): simple_control,
    ("POST", "/channels/{channelId}/hold"): simple_control,
    ("DELETE", "/channels/{channelId}/hold"): simple_control,
    ("POST", "/channels/{channelId}/moh"): simple_control,
    ("DELETE", "/channels/{channelId}/moh"): simple_control,
    ("POST", "/channels/{channelId}/silence"): simple_control,
    ("DELETE", "/channels/{channelId}/silence"): simple_control,
    ("POST", "/channels/{channelId}/mute"): mute,
    ("DELETE", "/channels/{channelId}/mute"): mute,
    ("POST", "/channels/{channelId}/dtmf"): send_dtmf,
    ("POST", "/channels/{channelId}/play"): play,
    ("POST", "/channels/{channelId}/play/{playbackId}"): play,
    ("POST", "/channels/{channelId}/continue"): continue_in_dialplan,
    ("POST", "/channels/{channelId}/redirect"): redirect,
    ("POST", "/channels/{channelId}/move"): move,
    ("GET", "/channels/{channelId}/variable"): variable_get,
    ("POST", "/channels/{channelId}/variable"): variable_set,
    ("POST", "/channels/{channelId}/transfer_progress"): transfer_progress,
    ("GET", "/playbacks/{playbackId}"): playback_get,
    ("DELETE", "/playbacks/{playbackId}"): playback_stop,
    ("POST", "/playbacks/{playbackId}/control"): playback_control,
    ("GET", "/bridges"): empty_list,
    ("GET", "/endpoints"): empty_list,
    ("GET", "/sounds"): sounds,
    ("GET", "/sounds/{soundId}"): sound_get,
    ("GET", "/recordings/stored"): empty_list,
    ("GET", "/recordings/stored/{recordingName}"): recording_not_found,
    ("GET", "/deviceStates"): empty_list,
    ("GET", "/mailboxes"): empty_list,
}
