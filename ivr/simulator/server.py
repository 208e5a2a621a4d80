"""The :class:`Simulator`: an ARI server (REST + WebSocket) with scripted callers.

It speaks Asterisk 22.10.1's wire protocol on ``/ari`` and offers ``/_sim`` to drive
callers and faults; tests drive it in-process through the same methods.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import structlog
from aiohttp import web

from ivr.clock import Clock
from ivr.simulator import control, dialplan
from ivr.simulator.bus import EventBus
from ivr.simulator.events import Event
from ivr.simulator.faults import Fault, RestFault, RestFaults
from ivr.simulator.pbx import Asterisk
from ivr.simulator.rest import HANDLERS, AriRequest, Reply
from ivr.simulator.routes import resolve
from ivr.simulator.script import CallScript, Step, pending_prompt_steps, read_script
from ivr.simulator.sounds import SoundLibrary
from ivr.simulator.state import Channel
from ivr.simulator.websocket import requested_apps, serve_events
from ivr.simulator.wire import SERVER_HEADER, AppNotConnected, AriError, dumps, new_entity_id

log = structlog.get_logger()

REALM = 'Basic realm="Asterisk REST Interface"'
DEFAULT_CHANNELVARS = ("AMDSTATUS", "IVR_VOICEMAIL")


LISTEN_BACKLOG = 1024
"""Connections the kernel queues before ``accept`` (aiohttp's default is 128): a burst of
hundreds of hand-offs opens that many connections at once, and an overflowed queue
drops SYNs, which the client retries after a second (issue 14)."""


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    t_ms: int
    t: float = 0.0
    """Wall-clock time in seconds (the clock's ``now()``) the request arrived, for benchmarks."""


RequestRow = tuple[str, str, tuple[tuple[str, str], ...], str, bool, int, int, float]
"""A request as kept: its query as pairs and its body still the raw text (with whether it is
JSON), so a row is tuples of strings and numbers, which the garbage collector stops tracking
after its first pass, instead of objects it would walk in every full collection for the life
of the simulator (issue 14). :func:`recorded` decodes one when it is read."""


def recorded(row: RequestRow) -> RecordedRequest:
    method, path, query, raw, is_json, status, t_ms, t = row
    body: Any = raw or None
    if raw and is_json:
        with contextlib.suppress(ValueError):
            body = json.loads(raw)
    return RecordedRequest(method, path, dict(query), body, status, t_ms, t)


class Simulator:
    def __init__(
        self,
        clock: Clock,
        *,
        prompts_dir: Path | None = Path("prompts"),
        sounds_dir: Path | None = None,
        user: str = "asterisk",
        password: str = "asterisk",  # noqa: S107 - the documented simulator default
        speed: float = 1.0,
        channelvars: Sequence[str] = DEFAULT_CHANNELVARS,
        record_events: bool = True,
        queue_agents: int = 0,
        entity_id: str | None = None,
    ) -> None:
        """``record_events=False`` keeps :attr:`events_sent` empty (a long-running simulator);
        ``entity_id`` (Asterisk's ``system.entity_id``) is a fresh one per instance unless given."""
        self.clock = clock
        self.user = user
        self.password = password
        self.entity_id = entity_id or new_entity_id()
        self.bus = EventBus(
            record=record_events,
            now=lambda: clock.now().timestamp(),
            entity_id=self.entity_id,
        )
        self.core = Asterisk(
            clock,
            SoundLibrary(prompts_dir, sounds_dir),
            self.bus,
            speed=speed,
            channelvars=tuple(channelvars),
            queue_agents=queue_agents,
        )
        self.core.media_started.append(self._media_started)
        self.core.on_crash.append(self._drop_sockets_abruptly)
        self.bus.on_register.append(self._app_registered)
        self._requests: list[RequestRow] = []
        self._rest_faults = RestFaults()
        self._waiting: list[CallScript] = []
        self._t0: float | None = None

    # -- inspection ----------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return [recorded(row) for row in self._requests]

    @property
    def events_sent(self) -> list[dict[str, Any]]:
        return self.bus.events_sent

    def app_connected(self, app: str) -> bool:
        return self.bus.is_connected(app)

    def knows(self, channel_id: str) -> bool:
        return channel_id in self.core.history

    def _channel(self, channel_id: str) -> Channel:
        channel = self.core.history.get(channel_id)
        if channel is None:
            raise KeyError(f"unknown channel {channel_id}")
        return channel

    def transcript(self, channel_id: str) -> list[dict[str, Any]]:
        return [dict(entry) for entry in self._channel(channel_id).transcript]

    def refer_result(self, channel_id: str) -> str | None:
        return self._channel(channel_id).refer_result

    def is_gone(self, channel_id: str) -> bool:
        return self._channel(channel_id).gone

    def in_stasis(self, channel_id: str) -> bool:
        channel = self._channel(channel_id)
        return not channel.gone and channel.stasis_app is not None

    # -- callers -------------------------------------------------------------------

    async def place_call(
        self,
        app: str = "optout",
        number: str = "",
        name: str = "",
        args: Sequence[str] = (),
        variables: dict[str, str] | None = None,
        steps: Sequence[Step] = (),
        *,
        endpoint: str = "phone",
    ) -> str:
        """A hand-off as from dialplan ``Stasis(app, args…)``; the new channel's id."""
        caller = CallScript(
            app=app,
            number=number,
            name=name,
            args=list(args),
            variables=dict(variables or {}),
            steps=list(steps),
            endpoint=endpoint,
        )
        return await self.place(caller)

    async def place(self, caller: CallScript) -> str:
        """The new channel's id; :class:`AppNotConnected` (with the id) when ``Stasis()``
        failed and the caller went to the fall-back instead."""
        return self._place_now(caller)

    def _place_now(self, caller: CallScript) -> str:
        core = self.core
        channel = dialplan.handoff(
            core,
            app=caller.app,
            number=caller.number,
            name=caller.name,
            args=caller.args,
            variables=caller.variables,
            endpoint=caller.endpoint,
        )
        if channel.stasis_app is None:
            log.info("simulator.handoff_failed", channel_id=channel.id, app=caller.app)
            raise AppNotConnected(caller.app, channel.id)
        log.info("simulator.call_placed", channel_id=channel.id, number=caller.number)
        for step in caller.steps:
            if step.on_prompt is None:
                core.later(channel, core.scaled(step.after_ms / 1000), self._act, channel, step)
            else:
                channel.prompt_steps.append(step)
        return channel.id

    async def press(
        self, channel_id: str, digits: str, duration_ms: int = 100, gap_ms: int = 250
    ) -> None:
        channel = self._channel(channel_id)
        if not channel.gone:
            self.core.press(channel, digits, duration_ms=duration_ms, gap_ms=gap_ms)

    async def hangup(self, channel_id: str) -> None:
        channel = self._channel(channel_id)
        self.core.hangup_by_caller(channel)

    async def refer(
        self,
        channel_id: str,
        destination: str,
        *,
        replaces: dict[str, str] | None = None,
        refer_sub: bool = True,
    ) -> None:
        channel = self._channel(channel_id)
        if not channel.gone:
            self.core.transfers.refer(channel, destination, replaces=replaces, refer_sub=refer_sub)

    def load_script(
        self, source: Path | str | Sequence[CallScript | dict[str, Any]]
    ) -> list[CallScript]:
        """Callers from a script; each is placed ``at_ms`` after its app is connected."""
        callers = read_script(source)
        for caller in callers:
            if self.bus.is_connected(caller.app):
                self._schedule(caller)
            else:
                self._waiting.append(caller)
        return callers

    def _app_registered(self, app: str) -> None:
        ready = [caller for caller in self._waiting if caller.app == app]
        self._waiting = [caller for caller in self._waiting if caller.app != app]
        for caller in ready:
            self._schedule(caller)

    def _schedule(self, caller: CallScript) -> None:
        self.clock.call_later(self.core.scaled(caller.at_ms / 1000), self._place_scripted, caller)

    def _place_scripted(self, caller: CallScript) -> None:
        if self.bus.is_connected(caller.app):
            with contextlib.suppress(AppNotConnected):
                self._place_now(caller)
        else:
            self._waiting.append(caller)

    def _media_started(self, channel: Channel, media_uri: str) -> None:
        if not channel.prompt_steps:
            return
        for step in pending_prompt_steps(channel, media_uri):
            self.core.later(
                channel, self.core.scaled(step.after_ms / 1000), self._act, channel, step
            )

    def _act(self, channel: Channel, step: Step) -> None:
        core = self.core
        if step.press:
            core.press(channel, step.press, duration_ms=step.duration_ms, gap_ms=step.gap_ms)
        if step.refer:
            core.transfers.refer(channel, step.refer)
        if step.hangup:
            core.hangup_by_caller(channel)

    # -- faults --------------------------------------------------------------------

    def inject_fault(self, fault: dict[str, Any]) -> None:
        self.apply_fault(Fault.model_validate(fault))

    def apply_fault(self, fault: Fault) -> None:
        log.info("simulator.fault", fault=fault.model_dump(exclude_none=True))
        if fault.drop_websocket is not None:
            for subscriber in self.bus.subscribers():
                if subscriber.drop is not None:
                    subscriber.drop(fault.drop_websocket.close_frame)
        elif fault.restart is not None:
            self.core.restart()
        elif fault.rest is not None:
            self._rest_faults.arm(fault.rest)
        elif fault.duplicate_next_event is not None:
            self.bus.duplicate_next = True
        elif fault.unknown_event is not None:
            event: Event = {"type": fault.unknown_event.type, "timestamp": self.core.ts()}
            self.bus.broadcast(event)

    def _drop_sockets_abruptly(self) -> None:
        for subscriber in self.bus.subscribers():
            if subscriber.drop is not None:
                subscriber.drop(False)

    # -- HTTP ----------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_routes(control.routes(self))
        app.router.add_route("*", "/ari/{tail:.*}", self._ari)
        app.middlewares.append(self._auth_for_control)
        app.on_response_prepare.append(_server_header)
        app.on_shutdown.append(self._close_sockets)
        return app

    @contextlib.asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        """Serve on ``host:port`` (0: any free port); yields ``http://host:port``."""
        runner = web.AppRunner(self.make_app(), shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port, backlog=LISTEN_BACKLOG)
        await site.start()
        bound = runner.addresses[0]
        try:
            yield f"http://{host}:{bound[1]}"
        finally:
            await runner.cleanup()

    async def _close_sockets(self, _app: web.Application) -> None:
        for subscriber in self.bus.subscribers():
            if subscriber.drop is not None:
                subscriber.drop(True)
        await asyncio.sleep(0)

    def authorized(self, request: web.Request) -> bool:
        api_key = request.query.get("api_key")
        if api_key is not None:
            return api_key == f"{self.user}:{self.password}"
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return decoded == f"{self.user}:{self.password}"

    @web.middleware
    async def _auth_for_control(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/_sim") and not self.authorized(request):
            return _unauthorized()
        response: web.StreamResponse = await handler(request)
        return response

    def _elapsed_ms(self) -> int:
        now = self.clock.monotonic()
        if self._t0 is None:
            self._t0 = now
        return round((now - self._t0) * 1000)

    async def _ari(self, request: web.Request) -> web.StreamResponse:
        arrived = self.clock.now().timestamp()
        raw = await request.text() if request.can_read_body else ""
        response = await self._answer(request, raw, arrived)
        if response.status != 101:
            self._record(request, raw, response.status, arrived)
        return response

    def _record(self, request: web.Request, raw: str, status: int, arrived: float) -> None:
        query = tuple((key, value) for key, value in request.query.items() if key != "api_key")
        is_json = request.content_type == "application/json"
        row = (
            request.method,
            request.path,
            query,
            raw,
            is_json,
            status,
            self._elapsed_ms(),
            arrived,
        )
        self._requests.append(row)

    async def _answer(self, request: web.Request, raw: str, arrived: float) -> web.StreamResponse:
        if not self.authorized(request):
            return _unauthorized()
        found = resolve(request.rel_url.raw_path[len("/ari") :])
        if found is None:
            return _json(404, {"message": "Resource not found"})
        route, raw_params = found
        path_params = {name: unquote(value) for name, value in raw_params.items()}
        if request.method not in route.methods:
            return _json(405, {"message": "Invalid method"}, headers={"Allow": route.allow})
        fault = self._rest_faults.take(request.method, request.path)
        if fault is not None:
            failed = await self._fault_reply(fault)
            if failed is not None:
                return failed
        if route.template == "/events":
            if requested_apps(request):
                self._record(request, raw, 101, arrived)
            return await serve_events(request, self.bus, self.core.ts())
        handler = HANDLERS.get((request.method, route.template))
        if handler is None:
            return _json(501, {"message": "Not implemented by the simulator"})
        body: Any = None
        if raw and request.content_type == "application/json":
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if not isinstance(body, dict | list):  # jansson reads an object or an array only
                return _json(400, {"message": "Error parsing request body"})
        call = AriRequest(request.method, path_params, request.query, body)
        try:
            reply = handler(self.core, call)
        except AriError as error:
            return _json(error.status, error.body, reason=error.reason)
        return _reply(reply)

    async def _fault_reply(self, fault: RestFault) -> web.Response | None:
        if fault.timeout:
            await asyncio.Event().wait()
        if fault.delay_ms:
            await self.clock.sleep(fault.delay_ms / 1000)
        if fault.status is None:
            return None
        return _json(fault.status, {"message": "Simulated failure"})


def _json(
    status: int, body: Any, *, reason: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        reason=reason,
        body=dumps(body).encode(),
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def _reply(reply: Reply) -> web.Response:
    if reply.body is None:
        return web.Response(status=reply.status, reason=reply.reason, headers=reply.headers)
    return _json(reply.status, reply.body, reason=reply.reason, headers=reply.headers)


def _unauthorized() -> web.Response:
    return _json(401, {"message": "Authentication required"}, headers={"WWW-Authenticate": REALM})


async def _server_header(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER_HEADER
    response.headers.setdefault("Cache-Control", "no-cache, no-store")
