"""Typed ARI errors: the status *and* the message, because a 404 means five things.

Callers match on the type (``except PlaybackNotFound``), never on the status
alone.  The texts are those real Asterisk 22 sends (``tests/data/ari/traces``).
No error ever holds the password or the Authorization header.
"""

from __future__ import annotations

from typing import Any


class AriError(Exception):
    """A REST call that did not succeed; ``status`` is None when no answer came."""

    def __init__(self, status: int | None, message: str, method: str, path: str) -> None:
        super().__init__(status, message, method, path)
        self.status = status
        self.message = message
        self.method = method
        self.path = path

    def __str__(self) -> str:
        status = "no answer" if self.status is None else str(self.status)
        return f"{self.method} {self.path}: {status} {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, message={self.message!r}, "
            f"method={self.method!r}, path={self.path!r})"
        )


class BadRequest(AriError):
    """400: a missing or invalid parameter."""


class AuthenticationFailed(AriError):
    """401: wrong or missing credentials."""


class NotFound(AriError):
    """404 of any kind; the subclasses say what was not found."""


class ChannelNotFound(NotFound):
    """404 ``Channel not found``: the caller has gone (or never was)."""


class PlaybackNotFound(NotFound):
    """404 ``Playback not found``: on a stop, the normal barge-in race (the prompt had ended)."""


class VariableNotFound(NotFound):
    """404 ``Provided variable was not found``: the variable is not set."""


class LabelNotFound(NotFound):
    """404 ``Requested label can not be found`` on ``continue``."""


class ApplicationNotFound(NotFound):
    """404 ``Application not found``: no client has registered that app."""


class SoundNotFound(NotFound):
    """404 ``Sound not found``: no file of that id in any language or format."""


class ChannelNotInStasis(AriError):
    """409: the channel exists but is not in a Stasis application."""


class ChannelInvalidState(AriError):
    """412: the channel is in a state where the operation is not possible."""


class ServerError(AriError):
    """5xx, e.g. ``Failed to queue media for playback`` or ``Allocation failed``."""


class UnexpectedAnswer(AriError):
    """A 2xx whose body is not what the spec says (a broken proxy, a wrong server)."""


class AriUnavailable(AriError):
    """No answer at all: connection refused or reset, or the request timed out."""


class VoicemailTargetRefused(Exception):
    """The service refused to send a caller to a voicemail target (docs/call-flow.md)."""

    def __init__(self, target: str, glob: str) -> None:
        super().__init__(target, glob)
        self.target = target
        self.glob = glob

    def __str__(self) -> str:
        return (
            f"refused to send a caller to voicemail target {self.target!r} (matches {self.glob!r})"
        )


_BY_MESSAGE: dict[tuple[int, str], type[AriError]] = {
    (404, "channel not found"): ChannelNotFound,
    (404, "provided channel was not found"): ChannelNotFound,
    (404, "playback not found"): PlaybackNotFound,
    (404, "provided variable was not found"): VariableNotFound,
    (404, "requested label can not be found"): LabelNotFound,
    (404, "application not found"): ApplicationNotFound,
    (404, "sound not found"): SoundNotFound,
}

_BY_STATUS: dict[int, type[AriError]] = {
    400: BadRequest,
    401: AuthenticationFailed,
    404: NotFound,
    409: ChannelNotInStasis,
    412: ChannelInvalidState,
}


def error_class(status: int, message: str) -> type[AriError]:
    by_message = _BY_MESSAGE.get((status, message.strip().casefold()))
    if by_message is not None:
        return by_message
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, AriError)


def body_message(body: Any, fallback: str) -> str:
    """The text Asterisk put in the body: ``message``, or ``error`` (allocation failure)."""
    if isinstance(body, dict):
        for key in ("message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return fallback


def error_from_response(status: int, body: Any, method: str, path: str, reason: str) -> AriError:
    message = body_message(body, reason or f"HTTP {status}")
    return error_class(status, message)(status, message, method, path)
