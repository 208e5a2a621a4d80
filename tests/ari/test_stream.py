from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from structlog.testing import capture_logs

from ivr.ari.events import AriEvent, MalformedEvent, StasisStart, UnknownEvent
from ivr.ari.http import basic_authorization
from ivr.ari.stream import EventStream
from ivr.clock import VirtualClock
from tests.ari.conftest import SECRET, USER, trace_events

ServerFactory = Callable[..., Awaitable[TestServer]]


@dataclass
class Handshake:
    at: float
    authorization: str | None
    query: dict[str, str]
    peer: tuple[str, int] | None
    url: str


@dataclass
class FakeAsteriskEvents:
    """``/ari/events`` as Asterisk 22 does it: 401 on bad credentials, 400 without ``app``."""

    clock: VirtualClock
    refuse_with: int | None = None
    handshakes: list[Handshake] = field(default_factory=list)
    sockets: list[tuple[web.WebSocketResponse, web.Request]] = field(default_factory=list)
    client_close_codes: list[int | None] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.handshakes.append(
            Handshake(
                self.clock.monotonic(),
                request.headers.get("Authorization"),
                dict(request.query),
                peer,
                str(request.url),
            )
        )
        if self.refuse_with is not None:
            return web.json_response(
                {"message": "Authentication required"}, status=self.refuse_with
            )
        if request.headers.get("Authorization") != basic_authorization(USER, SECRET):
            return web.json_response({"message": "Authentication required"}, status=401)
        if not request.query.get("app"):
            return web.Response(status=400, text="<html>no app</html>", content_type="text/html")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append((ws, request))
        async for _ in ws:
            pass
        self.client_close_codes.append(ws.close_code)
        return ws

    @property
    def socket(self) -> web.WebSocketResponse:
        return self.sockets[-1][0]

    async def drop(self, close_frame: bool) -> None:
        ws, request = self.sockets[-1]
        if close_frame:
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY)
        else:
            assert request.transport is not None
            request.transport.abort()


@dataclass
class Harness:
    clock: VirtualClock
    asterisk: FakeAsteriskEvents
    url: str
    received: list[AriEvent] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def stream(self, url: str | None = None, **kwargs: Any) -> EventStream:
        async def on_event(event: AriEvent) -> None:
            self.received.append(event)

        async def on_connected() -> None:
            self.calls.append("connected")

        async def on_disconnected() -> None:
            self.calls.append("disconnected")

        return EventStream(
            url or self.url,
            "optout",
            USER,
            kwargs.pop("password", SECRET),
            self.clock,
            kwargs.pop("on_event", on_event),
            on_connected=on_connected,
            on_disconnected=on_disconnected,
            rng=random.Random(7),
            **kwargs,
        )


@pytest.fixture
async def harness(aiohttp_server: ServerFactory) -> Harness:
    clock = VirtualClock()
    asterisk = FakeAsteriskEvents(clock)
    app = web.Application()
    app.router.add_get("/ari/events", asterisk.handle)
    server = await aiohttp_server(app)
    url = str(server.make_url("/ari/events")).replace("http://", "ws://")
    return Harness(clock, asterisk, url)


@pytest.fixture
async def running(
    harness: Harness,
) -> AsyncIterator[tuple[Harness, EventStream, asyncio.Task[None]]]:
    stream = harness.stream()
    task = asyncio.create_task(stream.run())
    await harness.clock.run_until(lambda: stream.connected, limit=1)
    yield harness, stream, task
    await stream.stop()
    await asyncio.wait({task})


def gaps(handshakes: list[Handshake]) -> list[float]:
    return [b.at - a.at for a, b in pairwise(handshakes)]


async def test_handshake_has_basic_auth_app_and_subscribe_all_false(
    running: tuple[Harness, EventStream, asyncio.Task[None]],
) -> None:
    harness, stream, _ = running
    (handshake,) = harness.asterisk.handshakes
    assert handshake.authorization == basic_authorization(USER, SECRET)
    assert handshake.query == {"app": "optout", "subscribeAll": "false"}
    assert SECRET not in handshake.url
    assert stream.attempts == 1
    assert stream.reconnects == 0
    assert harness.calls == ["connected"]


async def test_events_arrive_in_order_as_typed_events(
    running: tuple[Harness, EventStream, asyncio.Task[None]],
) -> None:
    harness, _, _ = running
    raws = trace_events()[:12]
    for raw in raws:
        await harness.asterisk.socket.send_json(raw)
    await harness.asterisk.socket.send_str("not json at all")
    await harness.asterisk.socket.send_json({"type": "SomethingNew", "x": 1})
    await harness.clock.run_until(lambda: len(harness.received) == 14, limit=1)
    assert [type(e).__name__ for e in harness.received[:12]] == [r["type"] for r in raws]
    assert isinstance(harness.received[0], StasisStart)
    assert isinstance(harness.received[12], MalformedEvent)
    assert isinstance(harness.received[13], UnknownEvent)


async def test_a_failing_handler_does_not_stop_the_stream(harness: Harness) -> None:
    seen: list[str] = []

    async def fragile(event: AriEvent) -> None:
        seen.append(event.type or "")
        if len(seen) == 1:
            raise RuntimeError("handler bug")

    stream = harness.stream(on_event=fragile)
    task = asyncio.create_task(stream.run())
    await harness.clock.run_until(lambda: stream.connected, limit=1)
    with capture_logs() as logs:
        await harness.asterisk.socket.send_json({"type": "A"})
        await harness.asterisk.socket.send_json({"type": "B"})
        await harness.clock.run_until(lambda: len(seen) == 2, limit=1)
    assert seen == ["A", "B"]
    assert stream.connected
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["ari.event_handler_failed"]
    await stream.stop()
    await task


@pytest.mark.parametrize("close_frame", [True, False], ids=["close-frame", "no-close-frame"])
async def test_reconnects_after_asterisk_drops_the_socket(
    running: tuple[Harness, EventStream, asyncio.Task[None]], close_frame: bool
) -> None:
    harness, stream, _ = running
    await harness.clock.advance(60)
    await harness.asterisk.drop(close_frame)
    await harness.clock.run_until(lambda: not stream.connected, limit=1)
    await harness.clock.run_until(lambda: stream.connected, limit=10)
    assert stream.reconnects == 1
    assert stream.attempts == 2
    first, second = harness.asterisk.handshakes
    assert 0 < second.at - first.at - 60 <= 0.5
    assert first.peer != second.peer
    assert harness.calls == ["connected", "disconnected", "connected"]
    await harness.asterisk.socket.send_json(trace_events()[0])
    await harness.clock.run_until(lambda: len(harness.received) == 1, limit=1)


async def test_backoff_grows_with_jitter_and_is_capped_at_5_s(
    running: tuple[Harness, EventStream, asyncio.Task[None]],
) -> None:
    harness, stream, _ = running
    harness.asterisk.refuse_with = 503
    with capture_logs() as logs:
        await harness.asterisk.drop(close_frame=True)
        await harness.clock.run_until(lambda: len(harness.asterisk.handshakes) == 10, limit=60)
    waits = gaps(harness.asterisk.handshakes[1:])
    ceilings = [1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0]
    assert len(waits) == len(ceilings)
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling
    assert len(set(waits[3:])) > 1  # jitter
    failures = [e for e in logs if e["event"] == "ari.events_connect_failed"]
    assert len(failures) == 9
    assert all(e["status"] == 503 for e in failures)
    harness.asterisk.refuse_with = None
    await harness.clock.run_until(lambda: stream.connected, limit=10)
    assert stream.attempts == 11
    assert stream.reconnects == 1


async def test_wrong_password_is_an_auth_error_retried_at_the_cap(harness: Harness) -> None:
    stream = harness.stream(password="wrong-" + SECRET)
    with capture_logs() as logs:
        task = asyncio.create_task(stream.run())
        await harness.clock.run_until(lambda: len(harness.asterisk.handshakes) == 4, limit=60)
        await stream.stop()
        await task
    assert all(2.5 <= wait <= 5.0 for wait in gaps(harness.asterisk.handshakes))
    auth_errors = [e for e in logs if e["event"] == "ari.events_auth_failed"]
    assert len(auth_errors) == 4
    assert all(e["log_level"] == "error" for e in auth_errors)
    assert all(SECRET not in repr(entry) for entry in logs)
    assert not stream.connected


async def test_asterisk_down_then_back(aiohttp_server: ServerFactory) -> None:
    clock = VirtualClock()
    asterisk = FakeAsteriskEvents(clock)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    harness = Harness(clock, asterisk, f"ws://127.0.0.1:{port}/ari/events")
    stream = harness.stream()
    with capture_logs() as logs:
        task = asyncio.create_task(stream.run())
        await clock.run_until(lambda: stream.attempts == 5, limit=60)
        assert not stream.connected
        app = web.Application()
        app.router.add_get("/ari/events", asterisk.handle)
        await aiohttp_server(app, port=port)
        await clock.run_until(lambda: stream.connected, limit=10)
    failed = [e for e in logs if e["event"] == "ari.events_connect_failed"]
    assert len(failed) >= 5
    assert all(e["status"] is None and e["error"] for e in failed)
    assert all(SECRET not in repr(entry) for entry in logs)
    assert stream.reconnects == 0
    await stream.stop()
    await task


async def test_stop_while_connected_sends_a_close_frame(
    running: tuple[Harness, EventStream, asyncio.Task[None]],
) -> None:
    harness, stream, task = running
    await stream.stop()
    await task
    await harness.clock.settle()
    assert harness.asterisk.client_close_codes == [aiohttp.WSCloseCode.OK]
    assert not stream.connected
    assert harness.calls == ["connected", "disconnected"]
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("ari-events")]


async def test_a_401_names_ari_users_conf_as_the_file_to_create(harness: Harness) -> None:
    harness.asterisk.refuse_with = 401
    stream = harness.stream()
    with capture_logs() as logs:
        task = asyncio.create_task(stream.run())
        await harness.clock.run_until(lambda: stream.attempts == 1, limit=1)
        await stream.stop()
        await task
    (refused,) = [entry for entry in logs if entry["event"] == "ari.events_auth_failed"]
    assert refused["log_level"] == "error"
    assert refused["status"] == 401
    assert "/etc/asterisk/ari_users.conf" in refused["hint"]


async def test_stop_while_backing_off_ends_at_once(harness: Harness) -> None:
    harness.asterisk.refuse_with = 401
    stream = harness.stream()
    task = asyncio.create_task(stream.run())
    await harness.clock.run_until(lambda: stream.attempts == 1, limit=1)
    await harness.clock.settle()
    before = harness.clock.monotonic()
    await stream.stop()
    await task
    assert harness.clock.monotonic() == before
    assert stream.attempts == 1
    assert harness.clock.next_deadline() is None


async def test_stop_before_run_means_run_returns_at_once(harness: Harness) -> None:
    stream = harness.stream()
    await stream.stop()
    await stream.run()
    assert harness.asterisk.handshakes == []


async def test_cancelling_run_closes_the_socket_and_propagates(
    running: tuple[Harness, EventStream, asyncio.Task[None]],
) -> None:
    harness, stream, task = running
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await harness.clock.settle()
    assert harness.asterisk.client_close_codes == [aiohttp.WSCloseCode.OK]
    assert not stream.connected


async def test_wait_connected(harness: Harness) -> None:
    harness.asterisk.refuse_with = 401
    stream = harness.stream()
    task = asyncio.create_task(stream.run())
    waiting = asyncio.create_task(stream.wait_connected(3.0))
    await harness.clock.advance(3.0)
    assert await waiting is False
    harness.asterisk.refuse_with = None
    waiting = asyncio.create_task(stream.wait_connected(30.0))
    await harness.clock.run_until(waiting.done, limit=30)
    assert await waiting is True
    assert await stream.wait_connected(0) is True
    await stream.stop()
    await task


async def test_run_twice_at_once_is_refused(
    running: tuple[Harness, EventStream, asyncio.Task[None]],
) -> None:
    _, stream, _ = running
    with pytest.raises(RuntimeError):
        await stream.run()


async def test_a_shared_session_must_open_fresh_connections(harness: Harness) -> None:
    async with aiohttp.ClientSession() as pooled:
        with pytest.raises(ValueError, match="force_close"):
            harness.stream(session=pooled)
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as fresh:
        stream = harness.stream(session=fresh)
        task = asyncio.create_task(stream.run())
        await harness.clock.run_until(lambda: stream.connected, limit=1)
        await stream.stop()
        await task
        assert not fresh.closed


def test_credentials_in_the_events_url_are_refused() -> None:
    clock = VirtualClock()

    async def ignore(event: AriEvent) -> None:
        return None

    with pytest.raises(ValueError) as caught:
        EventStream(
            f"ws://u:{SECRET}@127.0.0.1:8088/ari/events", "optout", "u", SECRET, clock, ignore
        )
    assert SECRET not in str(caught.value)
    with pytest.raises(ValueError):
        EventStream("http://127.0.0.1:8088/ari/events", "optout", "u", SECRET, clock, ignore)
