"""The ARI event WebSocket: connect, read, reconnect, stop (docs/architecture.md).

One small class owns the connection.  Each attempt uses a fresh TCP connection
(real Asterisk answered 401 to a correct upgrade on a reused one), Basic auth
in the header, ``app=`` and ``subscribeAll=false`` in the query.  A failed or
lost connection is retried with exponential backoff and jitter, capped at
``max_backoff`` (5 s); a 401 is logged as an auth error and retried at the cap.
Every sleep and time-out goes through the :class:`~ivr.clock.Clock`.

Events reach ``on_event`` one at a time in arrival order.  ``on_event`` must not
block for long (queue the event per channel and return): while it runs, the
socket is not read and heartbeats go unanswered.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import aiohttp
import structlog
from yarl import URL

from ivr.ari.events import AriEvent, parse_event
from ivr.ari.http import basic_authorization
from ivr.clock import Clock

log = structlog.get_logger()

AUTH_HINT = (
    "Asterisk knows no ARI user with this name and password: create "
    "/etc/asterisk/ari_users.conf (see dialplan/ari_users.conf.example) with the user "
    "IVR_ARI_USER and the password IVR_ARI_PASSWORD, then `asterisk -rx 'module reload res_ari'`"
)

EventHandler = Callable[[AriEvent], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]

INITIAL_BACKOFF = 0.5
_AT_THE_CAP = 64


class EventStream:
    """Keeps ``app`` registered on Asterisk by holding its event WebSocket open."""

    def __init__(
        self,
        events_url: str,
        app: str,
        user: str,
        password: str,
        clock: Clock,
        on_event: EventHandler,
        *,
        on_connected: Hook | None = None,
        on_disconnected: Hook | None = None,
        session: aiohttp.ClientSession | None = None,
        max_backoff: float = 5.0,
        heartbeat: float = 20.0,
        rng: random.Random | None = None,
        handshake_timeout: float = 10.0,
    ) -> None:
        url = URL(events_url)
        if url.user is not None or url.password is not None:
            raise ValueError("the events URL must not hold credentials; pass user and password")
        if url.scheme not in ("ws", "wss"):
            raise ValueError(f"the events URL must be ws:// or wss://, not {url.scheme!r}")
        if session is not None and (session.connector is None or not session.connector.force_close):
            raise ValueError(
                "the events session needs a connector with force_close=True: "
                "each handshake must use a fresh connection"
            )
        self._url = url.with_query(None)
        self._app = app
        self._user = user
        self._authorization = basic_authorization(user, password)
        self._secret = password
        self._clock = clock
        self._on_event = on_event
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._session = session
        self._max_backoff = max_backoff
        self._heartbeat = heartbeat
        self._rng = rng or random.Random()
        self._handshake_timeout = handshake_timeout

        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._connected_event = asyncio.Event()
        self._attempts = 0
        self._connections = 0
        self._failures = 0
        self._auth_refused = False

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    @property
    def auth_refused(self) -> bool:
        """The last attempt was refused with 401 (wrong user or password, or no user)."""
        return self._auth_refused

    @property
    def attempts(self) -> int:
        """Connection attempts so far, successful or not."""
        return self._attempts

    @property
    def reconnects(self) -> int:
        """Successful connections after the first one."""
        return max(0, self._connections - 1)

    async def wait_connected(self, timeout: float) -> bool:
        """True once connected; False when ``timeout`` (clock seconds) passes first."""
        if self.connected:
            return True
        try:
            await self._clock.wait_for(self._connected_event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        """Connect and read until :meth:`stop`; reconnects on its own."""
        async with self._lock:
            if self._task is not None:
                raise RuntimeError("the event stream is already running")
            if self._stopping:
                return
            task = asyncio.create_task(self._reconnect_loop(), name=f"ari-events-{self._app}")
            self._task = task
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
        finally:
            self._task = None

    async def stop(self) -> None:
        """Close the socket (with a close frame) or end the backoff; returns once it is done."""
        async with self._lock:
            self._stopping = True
            task = self._task
        if task is None or task.done():
            return
        task.cancel()
        if task is not asyncio.current_task():
            await asyncio.wait({task})

    async def _reconnect_loop(self) -> None:
        session = self._session or aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self._handshake_timeout),
        )
        try:
            while not self._stopping:
                ws = await self._connect(session)
                if ws is not None:
                    await self._serve(ws)
                if self._stopping:
                    break
                await self._clock.sleep(self._backoff())
        finally:
            log.info("ari.events_stopped", app=self._app, attempts=self._attempts)
            if self._session is None:
                await session.close()

    async def _connect(
        self, session: aiohttp.ClientSession
    ) -> aiohttp.ClientWebSocketResponse | None:
        self._attempts += 1
        attempt = self._attempts
        try:
            return await self._clock.wait_for(
                session.ws_connect(
                    self._url,
                    params={"app": self._app, "subscribeAll": "false"},
                    headers={"Authorization": self._authorization},
                    heartbeat=self._heartbeat,
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0),
                    autoping=True,
                ),
                self._handshake_timeout,
            )
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 401:
                self._failures = _AT_THE_CAP
                self._auth_refused = True
                log.error(
                    "ari.events_auth_failed",
                    url=str(self._url),
                    user=self._user,
                    attempt=attempt,
                    status=exc.status,
                    hint=AUTH_HINT,
                )
                return None
            self._failures += 1
            self._auth_refused = False
            self._log_failure(attempt, f"handshake refused: {exc.status} {exc.message}", exc.status)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self._failures += 1
            self._auth_refused = False
            self._log_failure(attempt, f"{type(exc).__name__}: {exc}".rstrip(": "), None)
        return None

    def _log_failure(self, attempt: int, error: str, status: int | None) -> None:
        log.warning(
            "ari.events_connect_failed",
            url=str(self._url),
            attempt=attempt,
            status=status,
            error=self._scrub(error),
        )

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._connections += 1
        self._auth_refused = False
        connected_at = self._clock.monotonic()
        self._connected_event.set()
        log.info(
            "ari.events_connected",
            url=str(self._url),
            app=self._app,
            attempt=self._attempts,
            reconnects=self.reconnects,
        )
        try:
            if self._on_connected is not None:
                await self._hook(self._on_connected, "on_connected")
            async for message in ws:
                if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    await self._deliver(message.data)
                elif message.type == aiohttp.WSMsgType.ERROR:
                    log.warning("ari.events_read_failed", error=self._scrub(str(message.data)))
                    break
        finally:
            self._ws = None
            self._connected_event.clear()
            self._count_drop(self._clock.monotonic() - connected_at)
            if not ws.closed:
                await ws.close()
            if self._stopping:
                log.info("ari.events_closed", app=self._app)
            else:
                log.warning("ari.events_disconnected", app=self._app, close_code=ws.close_code)
            if self._on_disconnected is not None:
                await self._hook(self._on_disconnected, "on_disconnected")

    def _count_drop(self, lasted: float) -> None:
        """A connection that held for a while starts the backoff afresh; a flapping one does not."""
        if lasted >= self._max_backoff:
            self._failures = 1
        else:
            self._failures = min(self._failures, _AT_THE_CAP - 1) + 1

    async def _deliver(self, data: str | bytes) -> None:
        event = parse_event(data)
        try:
            await self._on_event(event)
        except Exception:
            log.exception(
                "ari.event_handler_failed", event_type=event.type, channel_id=event.channel_id
            )

    async def _hook(self, hook: Hook, name: str) -> None:
        try:
            await hook()
        except Exception:
            log.exception("ari.events_hook_failed", hook=name)

    def _backoff(self) -> float:
        """Exponential in the failures since the last connection, with jitter, capped."""
        exponent = min(max(self._failures, 1), _AT_THE_CAP) - 1
        ceiling = min(self._max_backoff, INITIAL_BACKOFF * 2.0**exponent)
        delay = self._rng.uniform(ceiling / 2, ceiling)
        log.info("ari.events_retry", retry_in=round(delay, 3), failures=self._failures)
        return delay

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text
