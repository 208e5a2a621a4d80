"""The ARI REST calls we use, one typed method each (docs/architecture.md).

Credentials travel only in the ``Authorization`` header (never in a URL, an
error or a log line).  Every non-2xx answer raises a typed
:class:`~ivr.ari.errors.AriError` keeping Asterisk's message; no answer at all
raises :class:`~ivr.ari.errors.AriUnavailable`.  ``continue`` and ``redirect``
refuse voicemail targets before anything is sent (docs/call-flow.md).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self, TypeVar
from urllib.parse import quote

import aiohttp
import msgspec
import structlog
from pydantic import BaseModel, ValidationError
from yarl import URL

from ivr.ari.errors import (
    AriUnavailable,
    UnexpectedAnswer,
    VoicemailTargetRefused,
    error_from_response,
)
from ivr.ari.models import (
    Application,
    AsteriskInfo,
    Channel,
    Playback,
    Snapshot,
    Sound,
    Variable,
    decode_hook,
    keep_raw,
    snapshot_of,
)
from ivr.clock import Clock, LoopClock
from ivr.rules.voicemail import (
    DEFAULT_VOICEMAIL_TARGETS,
    endpoint_candidates,
    matching_glob,
    target_candidates,
)

HangupReason = Literal[
    "normal",
    "busy",
    "congestion",
    "no_answer",
    "timeout",
    "rejected",
    "unallocated",
    "normal_unspecified",
    "number_incomplete",
    "codec_mismatch",
    "interworking",
    "failure",
    "answered_elsewhere",
]

TransferState = Literal[
    "channel_progress", "channel_answered", "channel_unavailable", "channel_declined"
]

M = TypeVar("M", bound=BaseModel | Snapshot)
Params = Mapping[str, str | int | None]


log = structlog.get_logger()


def basic_authorization(user: str, password: str) -> str:
    """The ``Authorization`` header value; it goes in headers only, never in a URL or a log."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


_QUERY_SAFE = "/:,@!$'()*"
"""Left as they are in a query value (as yarl leaves them); the rest is percent-encoded."""


def _segment(value: str) -> str:
    return quote(value, safe="")


MAX_CONNECTIONS = 1000
"""Keep-alive connections to ARI at most. aiohttp's default, 100, made a burst of hand-offs
queue its ``answer`` requests behind other calls' ``play`` requests (500 hand-offs at once:
the last answered after 1.3 s instead of 0.85 s). Asterisk's ``http.conf`` ``sessionlimit``
(default 100) must be above it: the shipped ``dialplan/http.conf`` sets 2000."""


class AriClient:
    """One ``aiohttp.ClientSession`` to Asterisk's ARI at ``base_url`` (``http://host:8088``)."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        *,
        voicemail_targets: Sequence[str] = DEFAULT_VOICEMAIL_TARGETS,
        request_timeout: float = 10.0,
        session: aiohttp.ClientSession | None = None,
        clock: Clock | None = None,
    ) -> None:
        """``clock``: a test clock (not :class:`LoopClock`) runs the request time-out, so a
        request Asterisk never answers fails after ``request_timeout`` on any clock; on the
        loop's clock aiohttp's own time-out is the only one."""
        url = URL(base_url)
        if url.user is not None or url.password is not None:
            raise ValueError("the ARI URL must not hold credentials; pass user and password")
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"the ARI URL must be http:// or https://, not {url.scheme!r}")
        self._base_url = str(url).rstrip("/")
        self._user = user
        self._authorization = basic_authorization(user, password)
        self._secret = password
        self._voicemail_targets = tuple(voicemail_targets)
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._request_timeout = request_timeout
        self._options: dict[str, Any] = {
            "headers": {"Authorization": self._authorization},
            "allow_redirects": False,
        }
        if session is not None:
            self._options["timeout"] = self._timeout
        self._test_clock = None if clock is None or isinstance(clock, LoopClock) else clock
        self._session = session
        self._owns_session = session is None

    def __repr__(self) -> str:
        return f"AriClient({self._base_url!r}, user={self._user!r})"

    @property
    def base_url(self) -> str:
        return self._base_url

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if this client made it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None if self._owns_session else self._session

    # Channels

    async def answer(self, channel_id: str) -> None:
        await self._call("POST", f"/ari/channels/{_segment(channel_id)}/answer")

    async def play(self, channel_id: str, media: Sequence[str], playback_id: str) -> Playback:
        """Play ``media`` in order as ONE playback with our own id (its events carry it).

        Several media go comma-separated in one ``media`` parameter, as real
        Asterisk parses them (a repeated parameter would keep only the last).
        No ``lang``: the language is part of the sound path.  The id goes in the
        ``playbackId`` parameter, the form recorded on real Asterisk 22.10.1.
        """
        if isinstance(media, str):
            raise TypeError("media must be a sequence of media URIs, not one string")
        if not media:
            raise ValueError("play needs at least one medium")
        if any(not item or "," in item for item in media):
            raise ValueError(f"a medium must be non-empty and hold no comma: {list(media)!r}")
        return await self._fetch(
            Playback,
            "POST",
            f"/ari/channels/{_segment(channel_id)}/play",
            {"media": ",".join(media), "playbackId": playback_id},
        )

    async def stop_playback(self, playback_id: str) -> None:
        """Stop a playback; ``PlaybackNotFound`` means it had already ended (the barge-in race)."""
        await self._call("DELETE", f"/ari/playbacks/{_segment(playback_id)}")

    async def get_variable(self, channel_id: str, name: str) -> str:
        """The value; raises ``VariableNotFound`` when the variable is not set."""
        path = f"/ari/channels/{_segment(channel_id)}/variable"
        return (await self._fetch(Variable, "GET", path, {"variable": name})).value

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        await self._call(
            "POST",
            f"/ari/channels/{_segment(channel_id)}/variable",
            {"variable": name, "value": value},
        )

    async def hangup(self, channel_id: str, reason: HangupReason = "normal") -> None:
        await self._call("DELETE", f"/ari/channels/{_segment(channel_id)}", {"reason": reason})

    async def continue_in_dialplan(
        self,
        channel_id: str,
        context: str | None = None,
        extension: str | None = None,
        priority: int | None = None,
        label: str | None = None,
    ) -> None:
        """Send the channel back to the dialplan; refuses voicemail targets before sending."""
        glob = matching_glob(target_candidates(context, extension), self._voicemail_targets)
        if glob is not None:
            target = ",".join(part for part in (context, extension) if part)
            self._refuse(channel_id, target, glob)
        params = {"context": context, "extension": extension, "priority": priority, "label": label}
        await self._call("POST", f"/ari/channels/{_segment(channel_id)}/continue", params)

    async def redirect(self, channel_id: str, endpoint: str) -> None:
        """Redirect the channel to ``endpoint``; refuses voicemail targets before sending."""
        glob = matching_glob(endpoint_candidates(endpoint), self._voicemail_targets)
        if glob is not None:
            self._refuse(channel_id, endpoint, glob)
        await self._call(
            "POST", f"/ari/channels/{_segment(channel_id)}/redirect", {"endpoint": endpoint}
        )

    async def transfer_progress(self, channel_id: str, states: TransferState) -> None:
        """Answer a ``ChannelTransfer`` request (``ari-only`` mode); Asterisk never times out."""
        await self._call(
            "POST", f"/ari/channels/{_segment(channel_id)}/transfer_progress", {"states": states}
        )

    async def get_channel(self, channel_id: str) -> Channel:
        return await self._fetch(Channel, "GET", f"/ari/channels/{_segment(channel_id)}")

    async def list_channels(self) -> list[Channel]:
        _, raw = await self._request("GET", "/ari/channels")
        try:
            items = msgspec.json.decode(raw)
            if not isinstance(items, list):
                raise msgspec.ValidationError("Expected `array`")
            return [snapshot_of(Channel, item) for item in items]
        except msgspec.MsgspecError as exc:
            message = f"unexpected answer, not a list of Channel: {exc}"
            raise UnexpectedAnswer(200, message, "GET", "/ari/channels") from None

    # Applications and the system

    async def get_application(self, app: str) -> Application:
        """Raises ``ApplicationNotFound`` while no client has the app registered."""
        return await self._fetch(Application, "GET", f"/ari/applications/{_segment(app)}")

    async def set_event_filter(self, app: str, allowed: Sequence[str]) -> Application:
        """Have the app's WebSocket send only events of these types (``PUT eventFilter``,
        Asterisk 13.26/16.3 and later); the disallowed list is emptied."""
        body = {"allowed": [{"type": name} for name in allowed], "disallowed": []}
        return await self._fetch(
            Application,
            "PUT",
            f"/ari/applications/{_segment(app)}/eventFilter",
            body=json.dumps(body).encode(),
        )

    async def asterisk_info(self) -> AsteriskInfo:
        return await self._fetch(AsteriskInfo, "GET", "/ari/asterisk/info")

    async def sound(self, sound_id: str) -> Sound:
        """A sound's languages and formats; raises ``SoundNotFound`` when there is none.

        The id may hold slashes (``nl/menu``): they travel percent-encoded in one segment.
        """
        return await self._fetch(Sound, "GET", f"/ari/sounds/{_segment(sound_id)}")

    # Plumbing

    def _refuse(self, channel_id: str, target: str, glob: str) -> None:
        log.error("ari.voicemail_target_refused", channel_id=channel_id, target=target, glob=glob)
        raise VoicemailTargetRefused(target, glob)

    def _client_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if not self._owns_session:
                raise RuntimeError("the ARI client's session is closed")
            connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def _call(self, method: str, path: str, params: Params | None = None) -> None:
        await self._request(method, path, params)

    async def _fetch(
        self,
        model: type[M],
        method: str,
        path: str,
        params: Params | None = None,
        *,
        body: bytes | None = None,
    ) -> M:
        status, raw = await self._request(method, path, params, body=body)
        try:
            if issubclass(model, Snapshot):
                item = msgspec.json.decode(raw, type=model, dec_hook=decode_hook)
                keep_raw(item, raw)
                return item
            return model.model_validate(_json_or_text(raw))
        except (ValidationError, msgspec.MsgspecError) as exc:
            message = f"unexpected answer, not a {model.__name__}: {_problems(exc)}"
            raise UnexpectedAnswer(status, message, method, path) from None

    async def _request(
        self, method: str, path: str, params: Params | None = None, *, body: bytes | None = None
    ) -> tuple[int, bytes]:
        """One request; the URL is built once as encoded text (no yarl query merge), the
        headers and the time-out are the client's own objects (aiohttp's time-out, no
        second one around it unless a test clock drives time)."""
        target = self._base_url + path
        if params:
            query = "&".join(
                f"{key}={quote(str(value), safe=_QUERY_SAFE)}"
                for key, value in params.items()
                if value is not None
            )
            if query:
                target += "?" + query
        send = self._send(method, URL(target, encoded=True), body)
        try:
            if self._test_clock is None:
                status, reason, raw = await send
            else:
                status, reason, raw = await self._test_clock.wait_for(send, self._request_timeout)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            detail = self._scrub(f"{type(exc).__name__}: {exc}".rstrip(": "))
            log.warning("ari.request_unanswered", method=method, path=path, error=detail)
            raise AriUnavailable(None, detail, method, path) from None
        if status >= 300:
            error = error_from_response(status, _json_or_text(raw), method, path, reason)
            error.message = self._scrub(error.message)
            raise error
        return status, raw

    async def _send(self, method: str, url: URL, body: bytes | None) -> tuple[int, str, bytes]:
        session = self._client_session()
        options = self._options if body is None else self._json_options(body)
        async with session.request(method, url, **options) as response:
            return response.status, response.reason or "", await response.read()

    def _json_options(self, body: bytes) -> dict[str, Any]:
        headers = {**self._options["headers"], "Content-Type": "application/json"}
        return {**self._options, "headers": headers, "data": body}

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


def _problems(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return f"{exc.error_count()} problem(s)"
    return str(exc)


def _json_or_text(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")
