"""``/ari/events``: the event WebSocket, with Asterisk 22's handshake errors."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import WSMsgType, web

from ivr.simulator.bus import EventBus, Subscriber
from ivr.simulator.wire import SERVER_HEADER

MISSING_APP = "HTTP request is missing param: [app]"


def http_error_page(status: int, title: str, text: str) -> web.Response:
    """``ast_http_error``: the small HTML page Asterisk answers a failed handshake with."""
    body = (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n'
        "<html><head>\r\n"
        f"<title>{status} {title}</title>\r\n"
        "</head><body>\r\n"
        f"<h1>{title}</h1>\r\n"
        f"<p>{text}</p>\r\n"
        "<hr />\r\n"
        f"<address>{SERVER_HEADER}</address>\r\n"
        "</body></html>\r\n"
    )
    return web.Response(
        status=status,
        reason=title,
        body=body.encode(),
        headers={"Content-Type": "text/html"},
    )


def requested_apps(request: web.Request) -> list[str]:
    names = [name for value in request.query.getall("app", []) for name in value.split(",")]
    return list(dict.fromkeys(name for name in names if name))


async def serve_events(request: web.Request, bus: EventBus, timestamp: str) -> web.StreamResponse:
    apps = requested_apps(request)
    if not apps:
        return http_error_page(400, "Bad Request", MISSING_APP)
    socket = web.WebSocketResponse(autoping=True)
    await socket.prepare(request)
    subscriber = Subscriber(apps=apps)
    transport = request.transport

    def drop(close_frame: bool) -> None:
        if close_frame:
            subscriber.queue.put_nowait(None)
        elif transport is not None:
            transport.abort()

    subscriber.drop = drop
    bus.register(subscriber, timestamp)
    writer = asyncio.get_running_loop().create_task(_write(socket, subscriber))
    try:
        async for message in socket:
            if message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break
    finally:
        bus.unregister(subscriber)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
    return socket


async def _write(socket: web.WebSocketResponse, subscriber: Subscriber) -> None:
    while True:
        text = await subscriber.queue.get()
        if text is None:
            await socket.close()
            return
        try:
            await socket.send_str(text)
        except (ConnectionError, RuntimeError):
            return
