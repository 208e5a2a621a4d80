"""How Asterisk 22 writes things on the wire: compact JSON, its timestamps, its errors."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

ASTERISK_VERSION = "22.10.1"
ENTITY_ID = "02:fc:00:00:00:01"
"""The entity id of the Asterisk the traces were recorded on."""
SERVER_HEADER = f"Asterisk/{ASTERISK_VERSION}"
ASCII_DIGITS = frozenset("0123456789")


def new_entity_id() -> str:
    """An entity id of one simulated Asterisk: a locally administered MAC, as Asterisk's is."""
    return ":".join(["02", "fc", *(f"{b:02x}" for b in secrets.token_bytes(4))])


def dumps(value: Any) -> str:
    """Asterisk's ARI answers are compact JSON (``{"message":"Channel not found"}``)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def asterisk_time(moment: datetime) -> str:
    """``2026-11-28T01:23:08.075+0000``: milliseconds, numeric UTC offset without colon."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


class AriError(Exception):
    """A non-2xx ARI answer, exactly as real Asterisk gives it (status, reason phrase, body)."""

    def __init__(
        self, status: int, message: str, *, reason: str | None = None, key: str = "message"
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason
        self.key = key

    @property
    def body(self) -> dict[str, str]:
        return {self.key: self.message}


def channel_not_found() -> AriError:
    return AriError(404, "Channel not found")


def not_in_stasis() -> AriError:
    return AriError(409, "Channel not in Stasis application")


def playback_not_found() -> AriError:
    return AriError(404, "Playback not found")


def is_integer(raw: str) -> bool:
    """What ``sscanf("%d")`` accepts in full: an optional sign and ASCII digits."""
    text = raw.strip().removeprefix("-").removeprefix("+")
    return bool(text) and all(char in ASCII_DIGITS for char in text)


def allocation_failed() -> AriError:
    return AriError(500, "Allocation failed", key="error")


def atoi(raw: str | None) -> int:
    """C ``atoi``: leading digits (with sign) or 0; real Asterisk accepts ``timeout=abc`` as 0."""
    if raw is None:
        return 0
    text = raw.strip()
    sign = 1
    if text[:1] in "+-" and text:
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    digits = ""
    for char in text:
        if char not in ASCII_DIGITS:
            break
        digits += char
    return sign * int(digits) if digits else 0


class AppNotConnected(Exception):
    """No WebSocket has registered the app, so ``Stasis()`` failed as on real Asterisk; the
    caller's channel (``channel_id``) went on with the shipped dialplan's fall-back."""

    def __init__(self, app: str, channel_id: str | None = None) -> None:
        super().__init__(app)
        self.app = app
        self.channel_id = channel_id
